import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Database, type SqliteDatabase } from '../src/db/database';
import { migrate } from '../src/db/migrator';
import { openPostgresDatabase } from '../src/db/postgres/sync-database';
import type { NudgeOutcome } from '../src/core/routing-service';
import { seedWaitingConversations } from './support/queue-fixture';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { freshPostgresDatabase, raw, rows, testEngine } from './support/test-engine';
import { WidgetClient } from './support/widget-client';

/**
 * Issue 14, item 1: thousands of visitors pressing "Talk to a person". With 10,000 conversations
 * waiting, a claim, a nudge round, /healthz and the ack of a new message each take under 100 ms,
 * and SIGTERM stops the process. Timings are medians of several tries (or, for latencies sampled
 * while a round runs, the best of a few rounds' worst), so that a loaded machine does not flake
 * them while a freeze still fails them.
 */
const WAITING = 10_000;
const BAR_MS = 100;
/** Tries per measurement; the median is held to the bar. */
const TRIES = 7;
const { ada, grace, linus, support: C } = SLACK_IDS;

let s: SlackStack | null = null;
afterEach(async () => {
  await s?.close();
  s = null;
});

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ms = (t0: number) => performance.now() - t0;
/** Lets whatever the measured call scheduled for the next turns of the event loop run too. */
const settle = () => new Promise<void>((resolve) => setImmediate(() => setImmediate(resolve)));

async function healthz(url: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${url}/healthz`);
  expect(res.status).toBe(200);
  await res.text();
  return ms(t0);
}

/** A customer talking to the AI; `ack()` sends a message and resolves with the time to its ack. */
async function chattingCustomer(stack: SlackStack) {
  const w = await stack.widget();
  await w.hello();
  let n = 0;
  return {
    w,
    async ack(): Promise<number> {
      const clientId = `m${++n}`;
      const t0 = performance.now();
      w.send({ type: 'message', clientId, text: `what about my invoices, take ${n}?` });
      await w.next('ack', (a) => a.clientId === clientId, 10_000);
      return ms(t0);
    },
  };
}

describe('a queue of 10,000 waiting conversations', () => {
  it('a claim, a nudge round, /healthz and an ack each take under 100 ms; positions still reach the waiting', async () => {
    s = await startSlackStack({}, { available: [ada, grace, linus] });
    const app = s.t.app;
    // The steady state after a flood: escalated over the last 30 minutes, nudged after 2, @here after 10.
    const ids = seedWaitingConversations(app.db, {
      count: WAITING,
      escalatedMinutesAgo: (i) => 30 - (i * 29.5) / WAITING,
      routedTo: ada,
      nudgedTo: grace,
      nudgedAfterMinutes: 2,
      broadcastAfterMinutes: 10,
      channel: C,
    });
    // A real customer at the back of the queue, with the widget open.
    const last = await s.widget();
    await last.hello();
    last.send({ type: 'request_human' });
    expect((await last.next('state', (f) => f.state === 'waiting')).queue?.position).toBe(WAITING + 1);
    const chat = await chattingCustomer(s);

    const agents = await Promise.all([ada, grace, linus].map((id) => app.slack!.directory.get(id)));
    // Untimed once each first: queries compile on first use.
    expect(app.handoff.claim(ids[0]!, agents[0]!).ok).toBe(true);
    expect((await app.jobs.run('nudges')).status).toBe('done');
    await chat.ack();
    const claims: number[] = [];
    const rounds: number[] = [];
    const health: number[] = [];
    const acks: number[] = [];
    for (let i = 1; i <= TRIES; i++) {
      // Each measured alone: what the previous step started (AI turns, Slack posts) has settled.
      await app.core.idle();
      let t0 = performance.now();
      expect(app.handoff.claim(ids[i]!, agents[i % agents.length]!).ok).toBe(true);
      // The claim and what it set off for the next turns of the loop (the queue's announcement).
      await settle();
      claims.push(ms(t0));
      t0 = performance.now();
      const run = await app.jobs.run('nudges');
      rounds.push(ms(t0));
      expect(run.status).toBe('done');
      health.push(await healthz(s.t.url));
      await app.core.idle();
      acks.push(await chat.ack());
    }
    // Everyone behind moved up, one place per claim.
    await last.next('state', (f) => f.queue?.position === WAITING + 1 - (TRIES + 1), 10_000);

    const show = (xs: number[]) => `${median(xs).toFixed(1)} ms [${xs.map((x) => x.toFixed(0)).join(', ')}]`;
    console.log(`10,000 waiting, medians of ${TRIES}: claim ${show(claims)}, nudge round ${show(rounds)}, /healthz ${show(health)}, ack ${show(acks)}`);
    expect(median(claims)).toBeLessThan(BAR_MS);
    expect(median(rounds)).toBeLessThan(BAR_MS);
    expect(median(health)).toBeLessThan(BAR_MS);
    expect(median(acks)).toBeLessThan(BAR_MS);
  }, 180_000);

  it('a round that reaches the @here stage for all of them posts one @here, and /healthz and acks stay under 100 ms while it runs', async () => {
    // The probe below sends a message after each ack, faster than a person types.
    s = await startSlackStack({}, { available: [ada, grace], app: { socketRate: { perSecond: 1000, burst: 1000 } } });
    const app = s.t.app;
    // Escalated 11 minutes ago, nudged after 2, nobody has claimed them: all are due for the @here.
    seedWaitingConversations(app.db, {
      count: WAITING,
      escalatedMinutesAgo: (i) => 11 + i / WAITING,
      routedTo: ada,
      nudgedTo: grace,
      nudgedAfterMinutes: 2,
      channel: C,
    });
    const chat = await chattingCustomer(s);
    const heres = () => s!.emulator.messages(C).filter((m) => m.text.includes('<!here>'));

    const attempts: { round: number; health: number; ack: number }[] = [];
    for (let attempt = 1; attempt <= 3; attempt++) {
      // Each attempt starts from the same state: nobody has been called with @here yet.
      app.db.run(raw(app.db, sql`DELETE FROM conversation_assignments WHERE kind = 'broadcast'`));
      const t0 = performance.now();
      const running = app.jobs.run('nudges');
      let done = false;
      void running.then(() => (done = true));
      const health: number[] = [];
      const acks: number[] = [];
      // Probes one after another for as long as the round runs (at least one of each).
      while (!done || !health.length) {
        const [h, a] = await Promise.all([healthz(s.t.url), chat.ack()]);
        health.push(h);
        acks.push(a);
      }
      const run = await running;
      const round = ms(t0);
      expect(run.status).toBe('done');
      expect((run as { result: NudgeOutcome }).result.broadcast).toHaveLength(WAITING);
      attempts.push({ round, health: Math.max(...health), ack: Math.max(...acks) });
      // One @here for the whole round, saying how many are waiting.
      const posted = await s.emulator.waitFor(() => (heres().length >= attempt ? heres() : null), 10_000, 'the @here');
      expect(posted).toHaveLength(attempt);
      expect(posted.at(-1)!.text).toContain(WAITING.toLocaleString('en-US'));
      if (attempts.at(-1)!.health < BAR_MS && attempts.at(-1)!.ack < BAR_MS) break;
    }
    console.log(`@here round over 10,000: ${attempts.map((a) => `round ${a.round.toFixed(0)} ms, worst /healthz ${a.health.toFixed(1)} ms, worst ack ${a.ack.toFixed(1)} ms`).join('; ')}`);
    expect(Math.min(...attempts.map((a) => a.health))).toBeLessThan(BAR_MS);
    expect(Math.min(...attempts.map((a) => a.ack))).toBeLessThan(BAR_MS);
    // Still exactly one @here per round, never one per conversation.
    expect(heres()).toHaveLength(attempts.length);
  }, 300_000);
});

describe('the process with 10,000 waiting and nobody to take them', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('keeps answering /healthz while the nudge round queues them, and exits 0 promptly on SIGTERM', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-flood-'));
    dirs.push(dir);
    const dbPath = path.join(dir, 'handoff.db');
    const url = testEngine() === 'postgres' ? await freshPostgresDatabase() : undefined;
    /** A connection of the test's own to the process's database (the process has its own). */
    const connect = (): Database => (url ? openPostgresDatabase(url) : openDatabase(dbPath));
    const countIn = (db: Database, state: string) => rows<{ n: number }>(db, sql`SELECT count(*) AS n FROM conversations WHERE state = ${state}`)[0]!.n;
    const db = connect();
    if (db.engine === 'sqlite') migrate(db as SqliteDatabase); // a PostgreSQL test database is copied from a migrated template
    // Past the @here already, and no Slack: the next round sends every one of them to the offline queue.
    seedWaitingConversations(db, { count: WAITING, escalatedMinutesAgo: (i) => 20 + i / WAITING, routedTo: 'U0NOBODY', broadcastAfterMinutes: 10 });
    db.close();

    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATABASE_PATH: dbPath,
        ...(url ? { DATABASE_URL: url } : {}),
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const waitFor = async (pred: () => boolean, timeoutMs: number, what: string) => {
        const deadline = Date.now() + timeoutMs;
        while (!pred()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output: ${out.slice(-2000)}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await waitFor(() => /Handoff is listening/.test(out), 30_000, 'the start');
      const url = `http://127.0.0.1:${/"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out)![1]}`;
      // The nudge job runs every 15 seconds: wait until its round has started queueing.
      const reader = connect();
      try {
        await waitFor(() => countIn(reader, 'queued') > 0, 30_000, 'the nudge round');
      } finally {
        reader.close();
      }
      const health: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5_000) }).catch((err: unknown) => ({ status: String(err) }));
        health.push(ms(t0));
        expect(res.status).toBe(200);
      }
      const t0 = performance.now();
      child.kill('SIGTERM');
      const code = await Promise.race([exited, new Promise<string>((r) => setTimeout(() => r('still running'), 10_000).unref())]);
      const stopMs = ms(t0);
      console.log(`process with 10,000 waiting: /healthz ${median(health).toFixed(1)} ms (median of 5) during the round, exit ${String(code)} ${stopMs.toFixed(0)} ms after SIGTERM`);
      expect(median(health)).toBeLessThan(BAR_MS);
      expect(code).toBe(0);
      expect(stopMs).toBeLessThan(5_000);
      expect(out).toContain('stopped');
      // The round was cut short by the stop, not waited for.
      const after = connect();
      try {
        const left = countIn(after, 'waiting');
        console.log(`  ${left} of ${WAITING} still waiting for the next start`);
        expect(left).toBeGreaterThan(0);
      } finally {
        after.close();
      }
      expect(out).toMatch(/"stoppedEarly":true/);
    } finally {
      child.kill('SIGKILL');
    }
  }, 120_000);
});
