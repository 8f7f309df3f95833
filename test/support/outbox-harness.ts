import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach } from 'vitest';
import type { Database } from '../../src/db/database';
import { createLogger } from '../../src/logger';
import { systemClock } from '../../src/core/ports';
import { SlackOutbox, type SlackOutboxOptions } from '../../src/slack/outbox';
import { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from './slack-emulator';
import { anotherConnection, openTestDatabase } from './test-engine';

/** A real outbox on a test database of the run's engine (test-engine.ts), talking to the Slack emulator, for src/slack/outbox/*.test.ts. */

export type LogLine = { level: number; msg: string; [key: string]: unknown };
export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const FAST = {
  pacing: { 'chat.postMessage': { perSecond: 1000, burst: 1000 } },
  backoff: { baseMs: 20, maxMs: 200 },
  uncertainSettleMs: 50,
};

export interface Harness {
  emulator: SlackEmulator;
  client: WebClient;
  db: Database;
  logs: LogLine[];
  /** `overrides.db`: another connection (connect()) stands for another process on the same database. */
  make(overrides?: Partial<SlackOutboxOptions>): SlackOutbox;
  reopen(): Database;
  /** Another connection to the same database, closed after the test. */
  connect(): Database;
}

const cleanups: (() => unknown)[] = [];

/** Call at the top of a test file: everything `setup` made is closed after each test. */
export function useOutboxHarness(): (emulatorOptions?: SlackEmulatorOptions) => Promise<Harness> {
  afterEach(async () => {
    for (const fn of cleanups.splice(0).reverse()) await fn();
  });
  return setup;
}

async function setup(emulatorOptions: SlackEmulatorOptions = {}): Promise<Harness> {
  const emulator = await startSlackEmulator(emulatorOptions);
  cleanups.push(() => emulator.close());
  // Closed (and dropped) when the test finishes, after the outboxes have stopped.
  const first = openTestDatabase();
  const open = () => anotherConnection(first);
  const client = new WebClient(emulator.bot.token, {
    slackApiUrl: emulator.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 3_000,
    logLevel: LogLevel.ERROR,
  });
  const logs: LogLine[] = [];
  const logger = createLogger('debug', { write: (s: string) => void logs.push(JSON.parse(s) as LogLine) });
  const h: Harness = {
    emulator,
    client,
    db: first,
    logs,
    make(overrides = {}) {
      const outbox = new SlackOutbox({
        db: h.db,
        call: async (method, args) => (await client.apiCall(method, args)) as unknown as Record<string, unknown>,
        logger,
        clock: systemClock,
        ...FAST,
        ...overrides,
      });
      cleanups.push(() => outbox.stop({ flushWithinMs: 0 }));
      return outbox;
    },
    connect: open,
    reopen() {
      h.db.close();
      h.db = open();
      return h.db;
    },
  };
  return h;
}

export const texts = (emulator: SlackEmulator, channel: string) => emulator.messages(channel).map((m) => m.text);
export const post = (channel: string, text: string, extra: Record<string, unknown> = {}) => ({
  lane: channel,
  method: 'chat.postMessage',
  args: { channel, text, ...extra },
});
