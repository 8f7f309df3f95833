import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { createSlackDriver, type SlackDriver } from './support/slack-driver';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type EmulatedMessage, type SlackEmulator } from './support/slack-emulator';
import { WidgetClient } from './support/widget-client';

const SECRET = 'crash-secret';
const C = SLACK_IDS.support;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-crash-'));
let emulator: SlackEmulator;
let child: ChildProcess | null = null;

/** Starts `src/main.ts` in its own process (as npm start does) and returns its base URL. */
async function startProcess(): Promise<string> {
  const p = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_PATH: path.join(dir, 'handoff.db'),
      SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: emulator.apiUrl,
      SLACK_HANDOFF_CHANNEL: C,
      LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = p;
  let out = '';
  p.stdout!.on('data', (d) => (out += String(d)));
  p.stderr!.on('data', (d) => (out += String(d)));
  const deadline = Date.now() + 20_000;
  for (;;) {
    const m = /"address":"http:\/\/127\.0\.0\.1:(\d+)"/.exec(out);
    if (m) return `http://127.0.0.1:${m[1]}`;
    if (Date.now() > deadline || p.exitCode !== null) throw new Error(`app did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function kill9(): Promise<void> {
  const p = child!;
  return new Promise((resolve) => {
    p.once('exit', () => resolve());
    p.kill('SIGKILL');
  });
}

afterAll(async () => {
  if (child && child.exitCode === null) await kill9();
  await emulator?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('kill -9 during a burst, then a restart', () => {
  it('keeps every acknowledged message, delivers every agent reply once and posts nothing twice to Slack', async () => {
    emulator = await startSlackEmulator();
    let url = await startProcess();
    let driver: SlackDriver = createSlackDriver({ appUrl: `${url}/slack/events`, signingSecret: SECRET, emulator });

    const w = await WidgetClient.connect(url);
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
    const replies: { message: EmulatedMessage; eventId: string; answered: boolean }[] = [];
    const agentBurst = (async () => {
      for (let i = 0; i < 12; i++) {
        const message = emulator.postAsUser(SLACK_IDS.ada, C, `agent reply ${i}`, { thread_ts: card.ts });
        const entry = { message, eventId: `Ev${Date.now()}${i}`, answered: false };
        replies.push(entry);
        const res = await driver.deliverMessage(message, { eventId: entry.eventId, timeoutMs: 2000 }).catch(() => null);
        entry.answered = res?.status === 200;
      }
    })();
    for (let i = 0; i < 30; i++) {
      w.send({ type: 'message', clientId: `c${i}`, text: `customer message ${i}` });
      if (i === 12) void kill9();
      await new Promise((r) => setTimeout(r, 5));
    }
    await agentBurst;
    await new Promise((r) => setTimeout(r, 200));
    expect(acked.size).toBeGreaterThan(0);

    // Restart on the same database. Slack retries what it could not deliver (same event_id).
    url = await startProcess();
    driver = createSlackDriver({ appUrl: `${url}/slack/events`, signingSecret: SECRET, emulator });
    for (const r of replies) {
      await driver.deliverMessage(r.message, { eventId: r.eventId, retryNum: 1, retryReason: 'http_error' });
    }

    const again = await WidgetClient.connect(url);
    await again.hello({ token: welcome.token });
    await new Promise((r) => setTimeout(r, 500));
    const frames = again.frames('message');
    const seqs = frames.map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1)); // no gaps, no duplicates
    const customerIds = frames.filter((m) => m.role === 'customer').map((m) => m.clientId);
    for (const id of acked) expect(customerIds).toContain(id);
    expect(new Set(customerIds).size).toBe(customerIds.length);
    const agentTexts = frames.filter((m) => m.role === 'agent').map((m) => m.text).filter((t) => t.startsWith('agent reply'));
    expect(agentTexts.sort()).toEqual(replies.map((r) => r.message.text).sort());

    // Slack: every stored customer message is in the thread exactly once, after the outbox resumed.
    const stored = frames.filter((m) => m.role === 'customer').map((m) => m.text);
    // (The outbox paces posts to Slack's ~1 a second per channel, so this takes a while.)
    await emulator.waitFor(() => {
      const inThread = new Set(emulator.replies(C, card.ts).map((m) => m.text));
      return stored.every((t) => inThread.has(t));
    }, 60_000);
    const inThread = emulator.replies(C, card.ts).map((m) => m.text).filter((t) => /^customer message \d+$/.test(t));
    expect(inThread.length).toBe(new Set(inThread).size);
    again.close();
    w.close();
  }, 90_000);
});
