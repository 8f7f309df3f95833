/**
 * Benchmark 1's durable raw servers are baselines the app is judged against: they must store what
 * the app stores, in its schema, and ack only after the WAL's fsync — or they measure less work.
 */
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startRawDurable, type RawDurableServer } from '../bench/raw-durable';
import { connectWidget, type BenchSocket } from '../bench/lib';

describe.each([
  ['on the main thread', false],
  ['with a writer thread', true],
])('the durable raw server %s', (_name, withWorker) => {
  let srv: RawDurableServer | undefined;
  let socket: BenchSocket | undefined;
  afterEach(async () => {
    socket?.close();
    await srv?.stop();
    srv = socket = undefined;
  });

  it('stores each message once with the next seq, and echoes and acks it only after an fsync', async () => {
    srv = await startRawDurable(withWorker);
    expect(srv.writerTid !== null).toBe(withWorker);
    socket = await connectWidget(srv.url);
    const frames: any[] = [];
    const fsyncsAtAck: number[] = [];
    const acked = new Promise<void>((resolve) => {
      socket!.onFrame = (f) => {
        frames.push(f);
        if (f.type !== 'ack') return;
        fsyncsAtAck.push(srv!.stats().fsyncs);
        if (frames.filter((x) => x.type === 'ack').length === 4) resolve();
      };
    });
    // One tick: three messages and a copy of the first (same clientId).
    for (const [clientId, text] of [['k1', 'one'], ['k2', 'two'], ['k1', 'again'], ['k3', 'three']]) {
      socket.ws.send(JSON.stringify({ type: 'message', clientId, text }));
    }
    await acked;
    expect(fsyncsAtAck.every((n) => n >= 1)).toBe(true);
    const acks = frames.filter((f) => f.type === 'ack');
    const echoes = frames.filter((f) => f.type === 'message');
    expect(acks.map((a) => [a.clientId, a.seq])).toEqual([['k1', 1], ['k2', 2], ['k1', 1], ['k3', 4]]);
    expect(acks[2].id).toBe(acks[0].id);
    // The copy is acked with the stored message, not echoed again; each echo precedes its ack.
    expect(echoes.map((e) => [e.clientId, e.text, e.seq, e.role])).toEqual([['k1', 'one', 1, 'customer'], ['k2', 'two', 2, 'customer'], ['k3', 'three', 4, 'customer']]);
    expect(frames.findIndex((f) => f.type === 'message' && f.clientId === 'k2')).toBeLessThan(frames.findIndex((f) => f.type === 'ack' && f.clientId === 'k2'));

    const db = new BetterSqlite3(srv.file, { readonly: true });
    try {
      const rows = db.prepare('SELECT m.id, m.seq, m.text, m.client_id AS k, c.last_seq AS last FROM messages m JOIN conversations c ON c.id = m.conversation_id ORDER BY m.seq').all();
      expect(rows).toEqual([
        { id: acks[0].id, seq: 1, text: 'one', k: 'k1', last: 4 },
        { id: acks[1].id, seq: 2, text: 'two', k: 'k2', last: 4 },
        { id: acks[3].id, seq: 4, text: 'three', k: 'k3', last: 4 },
      ]);
      // The app's schema, by the app's migrator.
      expect((db.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n).toBeGreaterThan(10);
    } finally {
      db.close();
    }
    expect(srv.stats()).toMatchObject({ messages: 4 });
  });
});
