import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, removeDir, type TestApp } from './app-harness';
import { createSlackDriver, type SlackDriver } from './slack-driver';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type EmulatedMessage, type SlackEmulator, type SlackEmulatorOptions } from './slack-emulator';
import { WidgetClient } from './widget-client';

export const SIGNING_SECRET = 'test-signing-secret';

/** Fast outbox pacing for tests (Slack's real pace is about 1 post a second per channel). */
export const FAST_OUTBOX = {
  pacing: { 'chat.postMessage': { perSecond: 200, burst: 50 } },
  backoff: { baseMs: 20, maxMs: 200 },
  uncertainSettleMs: 50,
};

export interface SlackStack {
  emulator: SlackEmulator;
  t: TestApp;
  driver: SlackDriver;
  dir: string;
  widget(): Promise<WidgetClient>;
  /** Starts the app again on the same database (a restart). */
  restart(): Promise<void>;
  /** The handoff card of a conversation, once it is in #support. */
  card(conversationId: string, timeoutMs?: number): Promise<EmulatedMessage>;
  close(): Promise<void>;
}

/**
 * The real app wired to the Slack emulation, plus a signed driver playing Slack. `available` agents
 * (default: Ada, Grace and Linus) have set `/handoff available`. `app` options go to createApp (e.g.
 * short OpenAI timeouts; `slackOutbox` replaces FAST_OUTBOX, e.g. to pace as in production), `emulator`
 * options to the emulation (e.g. Slack's rate limits).
 */
export async function startSlackStack(
  env: Record<string, string> = {},
  options: { available?: string[]; app?: Parameters<typeof startTestApp>[1]; emulator?: SlackEmulatorOptions } = {},
): Promise<SlackStack> {
  const emulator = await startSlackEmulator(options.emulator);
  const slackOutbox = options.app?.slackOutbox ?? FAST_OUTBOX;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-slack-'));
  const fullEnv = {
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: emulator.apiUrl,
    SLACK_HANDOFF_CHANNEL: SLACK_IDS.support,
    ...env,
  };
  const clients: WidgetClient[] = [];
  const stack: SlackStack = {
    emulator,
    dir,
    t: await startTestApp(fullEnv, { ...options.app, dir, slackOutbox }),
    driver: undefined as unknown as SlackDriver,
    async widget() {
      const c = await WidgetClient.connect(stack.t.url);
      clients.push(c);
      return c;
    },
    async restart() {
      await stack.t.stop();
      stack.t = await startTestApp(fullEnv, { ...options.app, dir, slackOutbox });
      stack.driver = createSlackDriver({ appUrl: `${stack.t.url}/slack/events`, signingSecret: SIGNING_SECRET, emulator });
    },
    card(conversationId, timeoutMs = 5000) {
      // A parent message carries thread_ts = its own ts once it has replies, as in Slack.
      return emulator.waitForMessage(
        SLACK_IDS.support,
        (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(conversationId),
        timeoutMs,
      );
    },
    async close() {
      for (const c of clients) c.close();
      await stack.t.stop();
      await emulator.close();
      removeDir(dir);
    },
  };
  stack.driver = createSlackDriver({ appUrl: `${stack.t.url}/slack/events`, signingSecret: SIGNING_SECRET, emulator });
  for (const id of options.available ?? [SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus]) {
    const res = await stack.driver.slashCommand(id, 'available');
    if (res.status !== 200) throw new Error(`/handoff available failed for ${id}: ${res.status}`);
  }
  return stack;
}
