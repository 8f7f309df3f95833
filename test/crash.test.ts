/**
 * The app as `npm start` runs it, in its own process, killed (kill -9) or stopped (SIGTERM) while it
 * works, then started again on the same database. Slack is modelled faithfully: an event delivery
 * that got a 2xx is never delivered again; one that got no answer, an error or a refused connection
 * is delivered again with the same event_id and X-Slack-Retry-Num. No step waits a fixed time:
 * each waits for the condition it needs, with a generous deadline.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openPostgresDatabase, type PostgresDatabase } from '../src/db/postgres/sync-database';
import { ACTION } from '../src/slack/ids';
import { createSlackDriver, newEventId, type SlackDriver } from './support/slack-driver';
import { DEFAULT_APP_TOKEN, DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type EmulatedMessage, type SlackEmulator } from './support/slack-emulator';
import { freshPostgresDatabase, rows, testEngine } from './support/test-engine';
import { WidgetClient } from './support/widget-client';
import { threadLines } from './support/thread-lines';

const SECRET = 'crash-secret';
const C = SLACK_IDS.support;
/** A workspace member the app has never seen: their first reply makes it ask Slack who they are. */
const NEWCOMER = 'U0NEWCOMER';

let dir: string;
/** The test's PostgreSQL database (the postgres project); otherwise the app runs on a SQLite file in dir. */
let databaseUrl: string | undefined;
let reader: PostgresDatabase | undefined;
let emulator: SlackEmulator;
const children: ChildProcess[] = [];
const sockets: WidgetClient[] = [];

interface Running {
  url: string;
  proc: ChildProcess;
  /** Everything the process logged so far. */
  output(): string;
  /** Resolves with the exit code when the process ends. */
  exited: Promise<number | null>;
}

/** Polls `condition` until it holds; fails after `timeoutMs` naming `what`. */
async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Starts `src/main.ts` in its own process (as npm start does): HTTP mode, or Socket Mode. */
async function startProcess(mode: 'http' | 'socket' = 'http'): Promise<Running> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'handoff.db'),
      ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
      SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
      ...(mode === 'http' ? { SLACK_SIGNING_SECRET: SECRET } : { SLACK_APP_TOKEN: DEFAULT_APP_TOKEN }),
      SLACK_API_URL: emulator.apiUrl,
      SLACK_HANDOFF_CHANNEL: C,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(p);
  let out = '';
  p.stdout!.on('data', (d) => (out += String(d)));
  p.stderr!.on('data', (d) => (out += String(d)));
  const exited = new Promise<number | null>((resolve) => p.once('exit', (code) => resolve(code)));
  const address = () => /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
  // "Slack is connected" comes after the Socket Mode handshake (and, in HTTP mode, the listen).
  await waitUntil(() => (address() !== null && out.includes('Slack is connected')) || p.exitCode !== null, 30_000, 'the app to start').catch(
    (err: Error) => {
      throw new Error(`${err.message}\n${out}`);
    },
  );
  if (p.exitCode !== null) throw new Error(`app did not start:\n${out}`);
  return { url: `http://127.0.0.1:${address()![1]}`, proc: p, output: () => out, exited };
}

function kill9(app: Running): Promise<number | null> {
  app.proc.kill('SIGKILL');
  return app.exited;
}

function driverFor(app: Running, mode: 'http' | 'socket'): SlackDriver {
  return mode === 'http'
    ? createSlackDriver({ appUrl: `${app.url}/slack/events`, signingSecret: SECRET, emulator })
    : createSlackDriver({ emulator, socketMode: true });
}

async function widget(url: string): Promise<WidgetClient> {
  const w = await WidgetClient.connect(url);
  sockets.push(w);
  return w;
}

/** Slack retries only a delivery that got no 2xx. */
const delivered = (status: number | null) => status !== null && status >= 200 && status < 300;

/** Rows still waiting in the app's Slack inbox (read beside the running app: WAL allows it). */
function inboxRows(): number {
  if (databaseUrl) {
    reader ??= openPostgresDatabase(databaseUrl);
    return rows<{ n: number }>(reader, sql`SELECT count(*) AS n FROM slack_inbox`)[0]!.n;
  }
  const db = new BetterSqlite3(path.join(dir, 'handoff.db'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM slack_inbox').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-crash-'));
  databaseUrl = testEngine() === 'postgres' ? await freshPostgresDatabase() : undefined;
  emulator = await startSlackEmulator();
});

afterEach(async () => {
  for (const w of sockets.splice(0)) w.close();
  for (const p of children.splice(0)) {
    if (p.exitCode === null && p.signalCode === null) {
      const gone = new Promise((r) => p.once('exit', r));
      p.kill('SIGKILL');
      await gone;
    }
  }
  await emulator?.close();
  reader?.close();
  reader = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during a burst, then a restart', () => {
  it('keeps every acknowledged message, delivers every agent reply once and posts nothing twice to Slack', async () => {
    let app = await startProcess();
    let driver = driverFor(app, 'http');

    const w = await widget(app.url);
    const welcome = await w.hello({ visitor: { name: 'Crash Test' } });
    w.send({ type: 'request_human' });
    await w.next('state');
    const card = await emulator.waitForMessage(C, (m) => JSON.stringify(m.blocks ?? []).includes(welcome.conversationId), 10_000);
    await driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: card, channel: C });
    await w.next('state', (f) => f.state === 'human', 10_000);

    // The burst: customer messages and agent replies at once; the process dies in the middle.
    const acked = new Set<string>();
    w.ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as { type: string; clientId?: string };
      if (f.type === 'ack' && f.clientId) acked.add(f.clientId);
    });
    let killed = false;
    const replies: { message: EmulatedMessage; eventId: string; status: number | null }[] = [];
    const agentBurst = (async () => {
      for (let i = 0; i < 12; i++) {
        const message = emulator.postAsUser(SLACK_IDS.ada, C, `agent reply ${i}`, { thread_ts: card.ts });
        const entry = { message, eventId: newEventId(), status: null as number | null };
        replies.push(entry);
        const res = await driver.deliverMessage(message, { eventId: entry.eventId, timeoutMs: 10_000 }).catch(() => null);
        entry.status = res?.status ?? null;
      }
    })();
    // Customer messages, at most four waiting for their ack at a time, until the process dies.
    const customerBurst = (async () => {
      for (let i = 0; i < 200 && !killed; i++) {
        w.send({ type: 'message', clientId: `c${i}`, text: `customer message ${i}` });
        await waitUntil(() => killed || acked.size >= i - 3, 20_000, `the ack of customer message ${i - 3}`);
      }
    })();
    // Killed once both sides are well under way, whatever the machine's load.
    await waitUntil(() => acked.size >= 8 && replies.filter((r) => delivered(r.status)).length >= 3, 30_000, 'acks and answered replies');
    killed = true;
    await kill9(app);
    await Promise.all([agentBurst, customerBurst]);
    expect(acked.size).toBeGreaterThanOrEqual(8);

    // Restart on the same database. Slack retries only what it could not deliver (same event_id).
    app = await startProcess();
    driver = driverFor(app, 'http');
    for (const r of replies) {
      if (delivered(r.status)) continue;
      const res = await driver.deliverMessage(r.message, { eventId: r.eventId, retryNum: 1, retryReason: r.status === null ? 'http_timeout' : 'http_error' });
      expect(res.status).toBe(200);
    }

    const again = await widget(app.url);
    await again.hello({ token: welcome.token });
    const agentTexts = () => again.frames('message').filter((m) => m.role === 'agent' && m.text.startsWith('agent reply')).map((m) => m.text);
    await waitUntil(() => agentTexts().length >= replies.length, 20_000, 'every agent reply to reach the customer');
    const frames = again.frames('message');
    const seqs = frames.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // no gaps, no duplicates
    const customerIds = frames.filter((m) => m.role === 'customer').map((m) => m.clientId);
    for (const id of acked) expect(customerIds).toContain(id);
    expect(new Set(customerIds).size).toBe(customerIds.length);
    expect(agentTexts().sort()).toEqual(replies.map((r) => r.message.text).sort());

    // Slack: every stored customer message is in the thread exactly once, after the outbox resumed.
    const stored = frames.filter((m) => m.role === 'customer').map((m) => m.text);
    // (The outbox paces posts to Slack's ~1 a second per channel, so this takes a while.)
    await emulator.waitFor(() => {
      const inThread = new Set(threadLines(emulator, C, card.ts, { customer: true }));
      return stored.every((t) => inThread.has(t));
    }, 60_000);
    const inThread = threadLines(emulator, C, card.ts, { customer: true }).filter((t) => /^customer message \d+$/.test(t));
    expect(inThread.length).toBe(new Set(inThread).size);

    // Long after the restart, a fresh view (once it has caught up) still has every reply exactly once.
    const newest = Math.max(...again.frames('message').map((m) => m.seq));
    const last = await widget(app.url);
    await last.hello({ token: welcome.token });
    await last.next('message', (m) => m.seq >= newest, 10_000);
    const finalTexts = last.frames('message').filter((m) => m.role === 'agent' && m.text.startsWith('agent reply')).map((m) => m.text);
    expect(finalTexts.sort()).toEqual(replies.map((r) => r.message.text).sort());
  }, 150_000);
});

/**
 * An agent's reply whose event Slack got a 2xx for, while its listener is still at work: here it
 * waits for users.info (the replier is new to the app), held by the emulator until the test lets go.
 */
async function replyInFlight(mode: 'http' | 'socket') {
  emulator.addUser({ id: NEWCOMER, name: 'newcomer', real_name: 'New Comer', display_name: 'Newcomer', channels: [C] });
  const app = await startProcess(mode);
  const driver = driverFor(app, mode);
  const w = await widget(app.url);
  const welcome = await w.hello({ visitor: { name: 'Held Reply' } });
  w.send({ type: 'request_human' });
  await w.next('state');
  const card = await emulator.waitForMessage(C, (m) => JSON.stringify(m.blocks ?? []).includes(welcome.conversationId), 10_000);

  const lookup = emulator.holdNext('users.info', (args) => args.user === NEWCOMER);
  const message = emulator.postAsUser(NEWCOMER, C, 'Hello, I am here to help', { thread_ts: card.ts });
  const eventId = newEventId();
  const res = await driver.deliverMessage(message, { eventId, timeoutMs: 10_000 });
  expect(res.status).toBe(200); // Socket Mode: the envelope was acked
  await lookup.arrived; // the listener is waiting for Slack: its effect is not committed yet
  return { app, welcome, lookup, message, eventId };
}

/** The customer's view after a restart has the reply exactly once, and nothing is left to process. */
async function expectReplyOnce(url: string, token: string, text: string) {
  const w = await widget(url);
  await w.hello({ token });
  await w.next('message', (m) => m.role === 'agent' && m.text === text, 20_000);
  await waitUntil(() => inboxRows() === 0, 20_000, 'the Slack inbox to be empty');
  // A fresh view, once it has caught up with everything the first one saw.
  const newest = Math.max(...w.frames('message').map((m) => m.seq));
  const view = await widget(url);
  await view.hello({ token });
  await view.next('message', (m) => m.seq >= newest, 10_000);
  const frames = view.frames('message');
  expect(frames.filter((m) => m.role === 'agent' && m.text === text)).toHaveLength(1);
  const seqs = frames.map((m) => m.seq);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

describe('a Slack event acknowledged while its listener is still running', () => {
  for (const mode of ['http', 'socket'] as const) {
    it(`survives kill -9 right after the ack: after the restart the reply reaches the customer once (${mode})`, async () => {
      const { app, welcome, lookup, message } = await replyInFlight(mode);
      await kill9(app);
      lookup.release();

      // Slack got its 2xx (or ack): it never delivers this event again. The app must remember it.
      const restarted = await startProcess(mode);
      await expectReplyOnce(restarted.url, welcome.token, message.text);
    }, 90_000);
  }

  it('a Claim click acknowledged while its listener waits for Slack survives kill -9: the claim is applied after the restart', async () => {
    emulator.addUser({ id: NEWCOMER, name: 'newcomer', real_name: 'New Comer', display_name: 'Newcomer', channels: [C] });
    const app = await startProcess('http');
    const driver = driverFor(app, 'http');
    const w = await widget(app.url);
    const welcome = await w.hello({ visitor: { name: 'Held Claim' } });
    w.send({ type: 'request_human' });
    await w.next('state');
    const card = await emulator.waitForMessage(C, (m) => JSON.stringify(m.blocks ?? []).includes(welcome.conversationId), 10_000);
    const lookup = emulator.holdNext('users.info', (args) => args.user === NEWCOMER);
    const res = await driver.blockAction(NEWCOMER, { actionId: ACTION.claim, message: card, channel: C, timeoutMs: 10_000 });
    expect(res.status).toBe(200); // Slack showed the click as done; it never sends it again
    await lookup.arrived;
    await kill9(app);
    lookup.release();

    const restarted = await startProcess('http');
    try {
      await waitUntil(() => inboxRows() === 0, 20_000, 'the stored Claim to be processed');
    } catch (err) {
      throw new Error(`${(err as Error).message}\nbefore the kill:\n${app.output()}\nafter the restart:\n${restarted.output()}`);
    }
    const again = await widget(restarted.url);
    const back = await again.hello({ token: welcome.token });
    expect(back.state).toBe('human');
    expect(back.agent?.name).toBe('Newcomer');
  }, 90_000);

  it('SIGTERM while the listener runs: stop() waits for it, then exits 0; the reply reaches the customer once', async () => {
    const { app, welcome, lookup, message } = await replyInFlight('http');
    app.proc.kill('SIGTERM');
    // Slack answers users.info once the app is shutting down and waiting for its listeners (or has
    // already exited without waiting, which loses the reply).
    let exitCode: number | null | undefined;
    void app.exited.then((code) => (exitCode = code));
    await waitUntil(() => app.output().includes('waiting for Slack listeners to finish') || exitCode !== undefined, 20_000, 'the shutdown to wait for the listener');
    lookup.release();
    expect(await app.exited).toBe(0);

    const restarted = await startProcess('http');
    await expectReplyOnce(restarted.url, welcome.token, message.text);
  }, 90_000);
});
