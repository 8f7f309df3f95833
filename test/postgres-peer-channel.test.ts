import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PEER_NOTE_MAX_BYTES, PeerNoteTooLarge, type PeerNote } from '../src/core/peers';
import { createPostgresPeerChannel, RECONNECTED, type PostgresPeerChannel } from '../src/db/postgres/peer-channel';
import { createLogger } from '../src/logger';
import { startPostgres, type PostgresServer } from './support/postgres-server';

/** The PostgreSQL peer channel against a throwaway server: two channels play two app instances. */
let server: PostgresServer;
let url: string;
const opened: PostgresPeerChannel[] = [];
const logger = createLogger('silent');

beforeAll(async () => {
  server = await startPostgres();
  url = await server.createDatabase();
}, 120_000);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await server?.stop();
});

/** A channel and every note its subscribers got, in order. */
async function open(name: string) {
  const channel = createPostgresPeerChannel(url, logger, { applicationName: name, backoff: { baseMs: 20, maxMs: 200 } });
  opened.push(channel);
  const got: PeerNote[] = [];
  channel.subscribe((n) => got.push(n));
  await channel.listening();
  return { channel, got, name };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const msg = (from: string, seq: number): PeerNote => ({ t: 'msg', from, c: 'c_1', seq });

describe('the PostgreSQL peer channel', () => {
  it('carries notes between instances, never back to their publisher', async () => {
    const a = await open('peers-a');
    const b = await open('peers-b');
    a.channel.publish(msg('a', 1));
    a.channel.publish({ t: 'state', from: 'a', c: 'c_1', prev: 'waiting' });
    await until(() => b.got.length === 2, 'both notes on b');
    expect(b.got).toEqual([msg('a', 1), { t: 'state', from: 'a', c: 'c_1', prev: 'waiting' }]);
    // a's notes were committed before b's answer: had they come back to a, they would be first.
    b.channel.publish({ t: 'settings', from: 'b' });
    await until(() => a.got.length > 0, "b's note on a");
    expect(a.got).toEqual([{ t: 'settings', from: 'b' }]);
  });

  it('refuses a note over the NOTIFY limit, saying why, and goes on working', async () => {
    const a = await open('peers-a');
    const b = await open('peers-b');
    const huge: PeerNote = { t: 'conv', from: 'a', c: 'x'.repeat(PEER_NOTE_MAX_BYTES) };
    expect(() => a.channel.publish(huge)).toThrow(PeerNoteTooLarge);
    expect(() => a.channel.publish(huge)).toThrow(/conv peer note is \d+ bytes; notes carry ids only and must stay under 8000 bytes/);
    a.channel.publish(msg('a', 7));
    await until(() => b.got.length === 1, 'the next note');
    expect(b.got).toEqual([msg('a', 7)]);
  });

  it('reconnects after its connection is terminated, tells its subscribers to resync, and carries notes again', async () => {
    const a = await open('peers-a');
    const b = await open('peers-b');
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query<{ ok: boolean }>('select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1', ['peers-a']);
      expect(killed.rows).toEqual([{ ok: true }]);
    } finally {
      await admin.end();
    }
    // Published while the connection is down or going: kept, or the others are told to resync.
    a.channel.publish(msg('a', 2));
    await until(() => a.got.some((n) => n.t === 'resync'), 'the resync on a');
    expect(a.got).toEqual([{ t: 'resync', from: RECONNECTED }]);
    await until(() => b.got.length > 0, 'the note (or a resync) on b');
    expect([msg('a', 2), { t: 'resync', from: 'a' }]).toContainEqual(b.got[0]);

    b.channel.publish(msg('b', 3));
    await until(() => a.got.length === 2, "b's note on a");
    expect(a.got[1]).toEqual(msg('b', 3));
    a.channel.publish(msg('a', 4));
    await until(() => b.got.some((n) => n.t === 'msg' && n.seq === 4), "a's note on b");
  });

  it('keeps trying while the server cannot be reached, logging each failure, never throwing', async () => {
    const lines: string[] = [];
    const quiet = createLogger('error', { write: (line: string) => void lines.push(line) });
    const channel = createPostgresPeerChannel(`postgres://postgres@127.0.0.1:${server.port}/no_such_database`, quiet, { backoff: { baseMs: 5, maxMs: 20 } });
    opened.push(channel);
    channel.publish(msg('a', 1));
    let listening = false;
    void channel.listening().then(() => (listening = true));
    await until(() => lines.filter((l) => l.includes('could not connect to PostgreSQL')).length >= 3, 'three failed attempts');
    expect(listening).toBe(false);
  });

  it('delivers a note to another instance quickly (p50 / p99 over 1000 notes, printed)', async () => {
    const a = await open('peers-a');
    const b = await open('peers-b');
    const latencies: number[] = [];
    let arrived: (() => void) | null = null;
    b.channel.subscribe(() => arrived?.());
    for (let seq = 1; seq <= 1000; seq++) {
      const got = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`note ${seq} did not arrive`)), 10_000);
        arrived = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      const start = process.hrtime.bigint();
      a.channel.publish(msg('a', seq));
      await got;
      latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    latencies.sort((x, y) => x - y);
    const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))]!.toFixed(2);
    console.log(`peer note latency over ${latencies.length} notes: p50 ${pct(50)} ms, p99 ${pct(99)} ms, max ${pct(100)} ms`);
    expect(b.got.map((n) => (n.t === 'msg' ? n.seq : 0))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
  }, 60_000);
});
