import { describe, expect, it } from 'vitest';
import { anotherConnection, openTestDatabase } from '../../test/support/test-engine';
import { createLogger } from '../logger';
import { createMethodHolds } from '../slack/outbox';
import { pollPresence, presenceJob, type Presence, type PresenceDeps } from './presence-job';

type LogLine = { level: number; msg: string; [k: string]: unknown };

/** A clock the test moves; the fake sleep moves it by what was asked. */
function harness(ids: string[], overrides: Partial<PresenceDeps> = {}) {
  let current = Date.parse('2026-03-02T09:00:00Z');
  const clock = { now: () => new Date(current), advance: (ms: number) => void (current += ms) };
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const calls: string[] = [];
  const sleeps: number[] = [];
  const recorded: [string, Presence][] = [];
  const presence = new Map<string, Presence>();
  let answer: (id: string) => Promise<Presence> = async (id) => presence.get(id) ?? 'active';
  const poll = pollPresence({
    agents: {
      presenceTargets: () => [...ids],
      setPresence: (id, p) => void recorded.push([id, p]),
    },
    getPresence: (id) => {
      calls.push(id);
      return answer(id);
    },
    clock,
    logger,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
    },
    ...overrides,
  });
  return {
    poll,
    clock,
    lines,
    calls,
    sleeps,
    recorded,
    presence,
    answerWith(fn: (id: string) => Promise<Presence>) {
      answer = fn;
    },
  };
}

const agentIds = (n: number) => Array.from({ length: n }, (_, i) => `U${String(i).padStart(3, '0')}`);

describe('presence polling within Slack Tier 3', () => {
  it('with 120 agents makes at most 45 calls a run, spaced over the minute, and covers everyone within 3 runs', async () => {
    const ids = agentIds(120);
    const h = harness(ids);
    const seen = new Set<string>();
    for (let run = 0; run < 3; run++) {
      const before = h.calls.length;
      const sleepsBefore = h.sleeps.length;
      const report = await h.poll();
      const made = h.calls.slice(before);
      expect(made.length).toBeLessThanOrEqual(45);
      expect(report.polled).toEqual(made);
      expect(report.targets).toBe(120);
      // Evenly spaced: one pause between consecutive calls, each 60 s / 45 rounded up, within the minute.
      const pauses = h.sleeps.slice(sleepsBefore);
      expect(pauses).toHaveLength(made.length - 1);
      for (const ms of pauses) expect(ms).toBe(Math.ceil(60_000 / 45));
      expect(pauses.reduce((a, b) => a + b, 0)).toBeLessThan(60_000);
      made.forEach((id) => seen.add(id));
      h.clock.advance(60_000 - pauses.reduce((a, b) => a + b, 0)); // the next minute's run
    }
    expect(seen.size).toBe(120);
    // Round robin: the second run starts where the first stopped.
    expect(h.calls[45]).toBe('U045');
    expect(h.calls[90]).toBe('U090');
    expect(h.calls.slice(120, 135)).toEqual(ids.slice(0, 15));
    expect(h.recorded).toHaveLength(135);
  });

  it('with few agents polls each once a run, spread across the minute', async () => {
    const h = harness(['U0ADA', 'U0GRACE', 'U0LINUS']);
    h.presence.set('U0GRACE', 'away');
    const report = await h.poll();
    expect(report).toMatchObject({ targets: 3, polled: ['U0ADA', 'U0GRACE', 'U0LINUS'], away: 1, failed: 0 });
    expect(h.sleeps).toEqual([20_000, 20_000]);
    expect(h.recorded).toEqual([
      ['U0ADA', 'active'],
      ['U0GRACE', 'away'],
      ['U0LINUS', 'active'],
    ]);
  });

  it('counts the time calls take against the spacing', async () => {
    const h = harness(agentIds(4));
    h.answerWith(async () => {
      h.clock.advance(4_000);
      return 'active';
    });
    await h.poll();
    expect(h.sleeps).toEqual([11_000, 11_000, 11_000]);
  });

  it('does nothing without targets (everyone offline)', async () => {
    const h = harness([]);
    expect(await h.poll()).toMatchObject({ targets: 0, polled: [] });
    expect(h.calls).toEqual([]);
  });

  it('stops the run at a 429, pauses for Retry-After, then resumes with the agent it could not poll', async () => {
    const h = harness(agentIds(10));
    h.answerWith(async (id) => {
      if (id === 'U004') throw Object.assign(new Error('A rate limit was exceeded'), { code: 'slack_webapi_rate_limited_error', retryAfter: 90 });
      return 'active';
    });
    const first = await h.poll();
    expect(first.polled).toEqual(['U000', 'U001', 'U002', 'U003']);
    expect(first.rateLimitedForMs).toBe(90_000);
    expect(h.calls).toHaveLength(5);
    expect(h.lines.find((l) => l.level === 40 && /rate limited/.test(l.msg))).toMatchObject({ retryAfterS: 90 });

    h.answerWith(async () => 'active');
    h.clock.advance(60_000);
    expect(await h.poll()).toMatchObject({ paused: true, polled: [] });
    expect(h.calls).toHaveLength(5);

    h.clock.advance(60_000);
    const third = await h.poll();
    expect(third.polled[0]).toBe('U004');
    expect(third.polled).toHaveLength(10);
  });

  it('a 429 seen by one instance holds the next run on another instance sharing the database', async () => {
    const db = openTestDatabase();
    const ids = agentIds(3);
    // Two instances, each with its own connection to the database; their clocks start together.
    const first = harness(ids, { holds: createMethodHolds(db) });
    const second = harness(ids, { holds: createMethodHolds(anotherConnection(db)) });
    first.answerWith(async () => {
      throw Object.assign(new Error('A rate limit was exceeded'), { code: 'slack_webapi_rate_limited_error', retryAfter: 90 });
    });
    expect(await first.poll()).toMatchObject({ polled: [], rateLimitedForMs: 90_000 });

    expect(await second.poll()).toMatchObject({ paused: true, polled: [] });
    expect(second.calls).toEqual([]);
    second.clock.advance(89_000);
    expect(await second.poll()).toMatchObject({ paused: true });
    second.clock.advance(1_000);
    expect((await second.poll()).polled).toEqual(ids);
  });

  it('logs other failures and goes on with the next agents; nothing is thrown', async () => {
    const h = harness(agentIds(5));
    h.answerWith(async (id) => {
      if (id === 'U001' || id === 'U003') throw new Error('socket hang up');
      return 'away';
    });
    const report = await h.poll();
    expect(report).toMatchObject({ polled: ['U000', 'U002', 'U004'], failed: 2, away: 3 });
    const warnings = h.lines.filter((l) => l.level === 40);
    expect(warnings.map((l) => l.msg)).toEqual([
      'users.getPresence failed; their presence is checked again next time',
      'users.getPresence failed for several agents',
    ]);
    // Failed agents are not retried before the others had their turn.
    h.answerWith(async () => 'active');
    expect((await h.poll()).polled).toEqual(['U000', 'U001', 'U002', 'U003', 'U004']);
  });

  it('a failing setPresence (e.g. the database is gone) is logged too', async () => {
    const lines: LogLine[] = [];
    const poll = pollPresence({
      agents: {
        presenceTargets: () => ['U1'],
        setPresence: () => {
          throw new Error('The database connection is not open');
        },
      },
      getPresence: async () => 'active',
      clock: { now: () => new Date() },
      logger: createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) }),
    });
    await expect(poll()).resolves.toMatchObject({ failed: 1, polled: [] });
    expect(lines.some((l) => l.level === 40)).toBe(true);
  });

  it('ends the run early when the scheduler stops', async () => {
    const controller = new AbortController();
    const h = harness(agentIds(10), {
      sleep: async () => {
        if (h.calls.length === 3) controller.abort();
      },
    });
    const report = await h.poll({ signal: controller.signal });
    expect(report.aborted).toBe(true);
    expect(h.calls).toHaveLength(3);
  });

  it('uses the real sleep by default, which the stop signal cuts short', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const job = presenceJob({
      agents: { presenceTargets: () => ['U1', 'U2'], setPresence: () => {} },
      getPresence: async (id) => {
        calls.push(id);
        return 'active';
      },
      clock: { now: () => new Date() },
      logger: createLogger('silent'),
    });
    expect(job).toMatchObject({ name: 'presence', cron: '* * * * *' });
    const started = Date.now();
    const run = job.run({ name: 'presence', signal: controller.signal }) as Promise<unknown>;
    setTimeout(() => controller.abort(), 50);
    await expect(run).resolves.toMatchObject({ aborted: true, polled: ['U1'] });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toEqual(['U1']);
  });
});
