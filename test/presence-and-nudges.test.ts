import { sql } from 'kysely';
import { rows } from './support/test-engine';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pollPresence, type PresencePoller } from '../src/jobs/presence-job';
import type { NudgeOutcome } from '../src/core/routing-service';
import { createLogger } from '../src/logger';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { createSlackDriver, type SlackDriver } from './support/slack-driver';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator } from './support/slack-emulator';
import { FAST_OUTBOX, SIGNING_SECRET } from './support/slack-stack';
import { WidgetClient } from './support/widget-client';

const { ada, grace, linus, support: C } = SLACK_IDS;

/**
 * The app's clock, moved by hand: real time plus an offset, so that everything paced by the clock
 * (the outbox, the mailer) keeps flowing while the test jumps minutes ahead.
 */
function movableClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
}

interface Stack {
  emulator: SlackEmulator;
  t: TestApp;
  driver: SlackDriver;
  clock: ReturnType<typeof movableClock>;
  /** The presence job as the scheduler runs it, without the pauses between calls. */
  pollPresence: PresencePoller;
  widgets: WidgetClient[];
  dir: string;
}

let s: Stack | null = null;
afterEach(async () => {
  if (!s) return;
  for (const w of s.widgets) w.close();
  await s.t.stop();
  await s.emulator.close();
  removeDir(s.dir);
  s = null;
});

/** The real app on the Slack emulation, with a movable clock and the jobs driven by hand. */
async function start(available: string[]): Promise<Stack> {
  const emulator = await startSlackEmulator();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-jobs-'));
  const clock = movableClock();
  const t = await startTestApp(
    { SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: emulator.apiUrl, SLACK_HANDOFF_CHANNEL: C },
    { dir, slackOutbox: FAST_OUTBOX, clock, jobs: false },
  );
  const driver = createSlackDriver({ appUrl: `${t.url}/slack/events`, signingSecret: SIGNING_SECRET, emulator });
  for (const id of available) expect((await driver.slashCommand(id, 'available')).status).toBe(200);
  const poll = pollPresence({ agents: t.app.agents, getPresence: t.app.slack!.getPresence, clock, logger: createLogger('silent'), sleep: async () => {} });
  s = { emulator, t, driver, clock, pollPresence: poll, widgets: [], dir };
  return s;
}

function stack(): Stack {
  if (!s) throw new Error('start() first');
  return s;
}

/** A new customer asks for a person; returns their socket, the conversation id and the state they got. */
async function customer() {
  const w = await WidgetClient.connect(stack().t.url);
  stack().widgets.push(w);
  const welcome = await w.hello({ visitor: { name: 'Sam Customer' } });
  w.send({ type: 'request_human' });
  const state = await w.next('state');
  return { w, id: welcome.conversationId, state: state.state };
}

async function slash(user: string, text: string): Promise<string> {
  const res = await stack().driver.slashCommand(user, text);
  expect(res.status).toBe(200);
  return String((res.body as { text?: unknown }).text ?? '');
}

const asked = (id: string) => stack().t.app.routing.askedAgents(id);
const effective = (user: string) => stack().t.app.agents.summary(user).effective;
const statusChanges = (user: string) =>
  rows(stack().t.app.db, sql`SELECT status, effective, source FROM agent_status_changes WHERE agent_id = ${user} ORDER BY id`);
const dms = (user: string) => stack().emulator.messages(user).map((m) => m.text);

async function runNudges(): Promise<NudgeOutcome> {
  const run = await stack().t.app.jobs.run('nudges');
  if (run.status !== 'done') throw new Error(`nudges did not run: ${JSON.stringify(run)}`);
  return run.result as NudgeOutcome;
}

describe('presence and manual status', () => {
  it('an available agent whose Slack presence is away is away for routing until active again; manual busy and offline win', async () => {
    const st = await start([ada, grace]);
    expect(st.t.app.jobs.jobs).toEqual(['presence', 'offline-email', 'nudges', 'kb-drafts', 'maintenance', 'digest']);

    st.emulator.setPresence(ada, 'away');
    expect((await st.pollPresence()).polled).toEqual([ada, grace]);
    expect(st.emulator.count('users.getPresence')).toBe(2);
    expect(await slash(ada, 'status')).toMatch(/Routing sees you as \*away\* because your Slack presence is away/);
    expect(effective(ada)).toBe('away');

    // Routed to the other available agent, not to Ada.
    const first = await customer();
    expect(first.state).toBe('waiting');
    expect(asked(first.id)).toEqual([grace]);

    // Ada (away) is then the only one left: the handoff is queued.
    await slash(grace, 'offline');
    const second = await customer();
    expect(second.state).toBe('queued');
    expect(asked(second.id)).toEqual([]);

    // Active again: available, and routed to her. Grace is offline, so not polled.
    st.emulator.setPresence(ada, 'active');
    expect((await st.pollPresence()).polled).toEqual([ada]);
    const back = await slash(ada, 'status');
    expect(back).toMatch(/Available/);
    expect(back).not.toMatch(/Routing sees you/);
    const third = await customer();
    expect(asked(third.id)).toEqual([ada]);

    // Manual busy wins whatever the presence.
    await slash(ada, 'busy');
    await st.pollPresence();
    expect(effective(ada)).toBe('busy');
    st.emulator.setPresence(ada, 'away');
    await st.pollPresence();
    expect(effective(ada)).toBe('busy');
    expect(await slash(ada, 'status')).not.toMatch(/Routing sees you/);

    // Manual offline wins too, and offline agents are not polled.
    await slash(ada, 'offline');
    st.emulator.setPresence(ada, 'active');
    expect((await st.pollPresence()).polled).toEqual([]);
    expect(effective(ada)).toBe('offline');

    expect(statusChanges(ada)).toEqual([
      { status: 'available', effective: 'available', source: 'command' },
      { status: 'available', effective: 'away', source: 'presence' },
      { status: 'available', effective: 'available', source: 'presence' },
      { status: 'busy', effective: 'busy', source: 'command' },
      { status: 'offline', effective: 'offline', source: 'command' },
    ]);
    expect(statusChanges(grace)).toEqual([
      { status: 'available', effective: 'available', source: 'command' },
      { status: 'offline', effective: 'offline', source: 'command' },
    ]);
  });

  it('an agent who is the only one available and away gets nothing: the handoff is queued with the email request', async () => {
    const st = await start([ada]);
    st.emulator.setPresence(ada, 'away');
    await st.pollPresence();
    const c = await customer();
    expect(c.state).toBe('queued');
    expect((await c.w.next('message', (m) => m.role === 'ai')).text).toMatch(/email/i);
  });

  it('a Slack 429 on users.getPresence stops the run and pauses polling for Retry-After', async () => {
    const st = await start([ada, grace, linus]);
    st.emulator.failNext('users.getPresence', { status: 429, retryAfter: 7 });
    const report = await st.pollPresence();
    expect(report).toMatchObject({ polled: [], rateLimitedForMs: 7_000 });
    expect(st.emulator.count('users.getPresence')).toBe(1); // not retried by the client
    expect(await st.pollPresence()).toMatchObject({ paused: true });
    st.clock.advance(7_000);
    expect((await st.pollPresence()).polled).toEqual([ada, grace, linus]);
  });
});

describe('nudges with the clock', () => {
  it('asks the next agent after 2 minutes, the channel after 10, and queues it when nobody is there', async () => {
    const st = await start([ada, grace]);
    const { w, id } = await customer();
    expect(asked(id)).toEqual([ada]);
    const card = await st.emulator.waitForMessage(C, (m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(id), 5_000);
    await st.emulator.waitFor(() => dms(ada).some((t) => t.includes('/archives/C0SUPPORT/p')), 5_000);

    // Before 2 minutes nothing happens.
    st.clock.advance(60_000);
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [], queued: [] });

    st.clock.advance(61_000);
    expect(await runNudges()).toEqual({ nudged: [id], broadcast: [], queued: [] });
    expect(asked(id)).toEqual([ada, grace]);
    // Grace gets a direct message with the link; the thread says it is still unclaimed.
    await st.emulator.waitFor(() => dms(grace).some((t) => t.includes('/archives/C0SUPPORT/p')), 5_000);
    await st.emulator.waitFor(() => st.emulator.replies(C, card.ts).some((m) => m.text.includes(`<@${grace}>`)), 5_000);
    // Nudged once only.
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [], queued: [] });

    st.clock.advance(8 * 60_000);
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [id], queued: [] });
    const kinds = rows(st.t.app.db, sql`SELECT agent_id AS agent, kind FROM conversation_assignments WHERE conversation_id = ${id} ORDER BY id`);
    expect(kinds).toEqual([
      { agent: ada, kind: 'routed' },
      { agent: grace, kind: 'nudged' },
      { agent: null, kind: 'broadcast' },
    ]);
    await st.emulator.waitFor(() => st.emulator.messages(C).some((m) => m.text.includes('<!here>') && m.text.includes('/archives/C0SUPPORT/p')), 5_000);
    // With agents still available, a broadcast conversation keeps waiting.
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [], queued: [] });

    // Nobody available any more: the next run queues it; the customer is asked for an email.
    await slash(ada, 'offline');
    await slash(grace, 'offline');
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [], queued: [id] });
    expect((await w.next('state', (f) => f.state === 'queued')).state).toBe('queued');
    expect((await w.next('message', (m) => m.role === 'ai' && /email/i.test(m.text))).text).toMatch(/Leave your email/);
    await st.emulator.waitFor(() => JSON.stringify(st.emulator.message(C, card.ts)?.blocks ?? []).includes('Queued'), 5_000);
    expect(await runNudges()).toEqual({ nudged: [], broadcast: [], queued: [] });
  });
});
