import { afterEach, describe, expect, it } from 'vitest';
import type { PresenceReport } from '../src/jobs/presence-job';
import type { App } from '../src/app';
import { startTestApp, type TestApp } from './support/app-harness';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from './support/slack-emulator';
import { FAST_OUTBOX, SIGNING_SECRET, startSlackStack, type SlackStack } from './support/slack-stack';

/**
 * Two app instances on one database file and one Slack workspace (issue 16): Slack's rate limits
 * count the app's calls whichever instance makes them, so a Retry-After one instance hears holds the
 * other. The outbox's shared pacing and holds are tested in src/slack/outbox/shared-budgets.test.ts.
 */
let s: SlackStack | undefined;
let second: TestApp | undefined;

afterEach(async () => {
  await second?.stop();
  await s?.close();
  s = second = undefined;
});

/** The app's clock, moved by hand: real time plus an offset, the same for both instances. */
function movableClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
}

async function presence(app: App): Promise<PresenceReport> {
  const run = await app.jobs.run('presence');
  if (run.status !== 'done') throw new Error(`presence did not run: ${JSON.stringify(run)}`);
  return run.result as PresenceReport;
}

describe('rate budgets shared by instances', () => {
  it('a users.getPresence 429 heard by one instance holds the next presence run on the other', async () => {
    const clock = movableClock();
    // One agent: a run makes one call, with no pause between calls.
    s = await startSlackStack({}, { available: [SLACK_IDS.ada], app: { clock } });
    second = await startTestApp(
      {
        SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
        SLACK_SIGNING_SECRET: SIGNING_SECRET,
        SLACK_API_URL: s.emulator.apiUrl,
        SLACK_HANDOFF_CHANNEL: SLACK_IDS.support,
      },
      { dir: s.dir, clock, slackOutbox: FAST_OUTBOX },
    );

    s.emulator.failNext('users.getPresence', { status: 429, retryAfter: 30 }, 1);
    expect(await presence(s.t.app)).toMatchObject({ polled: [], rateLimitedForMs: 30_000 });
    expect(s.emulator.count('users.getPresence')).toBe(1);

    // The other instance takes the next ticks: it has never heard from Slack, yet it waits.
    clock.advance(29_000);
    expect(await presence(second.app)).toMatchObject({ paused: true, polled: [] });
    expect(s.emulator.count('users.getPresence')).toBe(1);

    clock.advance(1_000);
    expect(await presence(second.app)).toMatchObject({ polled: [SLACK_IDS.ada] });
    expect(s.emulator.count('users.getPresence')).toBe(2);
  });
});
