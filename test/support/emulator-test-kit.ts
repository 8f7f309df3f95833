/** Set-up for the emulator's own tests: a fresh emulator and WebClient per test, closed after it. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { ErrorCode, LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach } from 'vitest';
import { DEFAULT_BOT_TOKEN, startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from './slack-emulator';

export function clientFor(e: SlackEmulator, extra: ConstructorParameters<typeof WebClient>[1] = {}, token: string | null = DEFAULT_BOT_TOKEN): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: e.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, ...extra });
}

/** The `data` of a WebAPIPlatformError (Slack's JSON answer). */
export async function slackError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    if (e.code === ErrorCode.PlatformError) return e.data;
    throw e;
  }
  throw new Error('expected the call to fail');
}

/** The emulator of the running test, and a WebClient on it (live bindings, set by the hooks of emulatorKit). */
export let emu: SlackEmulator;
export let client: WebClient;

/** Registers the hooks: before each test `emu` and `client` are fresh; every emulator started is closed after. */
export function emulatorKit() {
  const started: SlackEmulator[] = [];
  const kit = {
    /** Another emulator (closed after the test). */
    async start(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
      const e = await startSlackEmulator(opts);
      started.push(e);
      return e;
    },
    /** The JSON body the emulator answered to the last call to `method` (WebClient results add response_metadata). */
    rawAnswer(method: string): Record<string, unknown> {
      return emu.lastCall(method)!.response;
    },
  };
  beforeEach(async () => {
    emu = await kit.start();
    client = clientFor(emu);
  });
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  return kit;
}
