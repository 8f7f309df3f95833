import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { nudgeJob, runNudges } from './nudge-job';

describe('nudges', () => {
  it('calls the routing step and logs what it did, only when it did something', async () => {
    const lines: { level: number; msg: string; nudged?: string[] }[] = [];
    const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s)) });
    const outcomes = [
      { nudged: [], broadcast: [], queued: [] },
      { nudged: ['c_1'], broadcast: ['c_2'], queued: ['c_3'] },
    ];
    const routing = { nudge: async () => outcomes.shift()! };
    expect(await runNudges({ routing, logger })).toEqual({ nudged: [], broadcast: [], queued: [] });
    expect(lines).toEqual([]);
    const job = nudgeJob({ routing, logger });
    expect(job).toMatchObject({ name: 'nudges', cron: '*/15 * * * * *' });
    expect(await job.run({ name: 'nudges', signal: new AbortController().signal })).toEqual({ nudged: ['c_1'], broadcast: ['c_2'], queued: ['c_3'] });
    expect(lines).toMatchObject([{ level: 30, msg: 'unclaimed handoffs nudged', nudged: ['c_1'] }]);
  });

  it("hands the round the job's signal, so stop() ends a long round early, and logs counts for a flood", async () => {
    const lines: { msg: string; queued?: unknown; stoppedEarly?: boolean }[] = [];
    const logger = createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) });
    const stop = new AbortController();
    const many = Array.from({ length: 500 }, (_, i) => `c_${i}`);
    const seen: (AbortSignal | undefined)[] = [];
    const routing = {
      nudge: async (options: { signal?: AbortSignal } = {}) => {
        seen.push(options.signal);
        stop.abort();
        return { nudged: [], broadcast: [], queued: many };
      },
    };
    await nudgeJob({ routing, logger }).run({ name: 'nudges', signal: stop.signal });
    expect(seen).toEqual([stop.signal]);
    expect(lines).toMatchObject([{ msg: 'unclaimed handoffs nudged', queued: '500 conversations', stoppedEarly: true }]);
  });
});
