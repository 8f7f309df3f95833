import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { nudgeJob, runNudges } from './nudge-job';

describe('nudges', () => {
  it('calls the routing step and logs what it did, only when it did something', () => {
    const lines: { level: number; msg: string; nudged?: string[] }[] = [];
    const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s)) });
    const outcomes = [
      { nudged: [], broadcast: [], queued: [] },
      { nudged: ['c_1'], broadcast: ['c_2'], queued: ['c_3'] },
    ];
    const routing = { nudge: () => outcomes.shift()! };
    expect(runNudges({ routing, logger })).toEqual({ nudged: [], broadcast: [], queued: [] });
    expect(lines).toEqual([]);
    const job = nudgeJob({ routing, logger });
    expect(job).toMatchObject({ name: 'nudges', cron: '*/15 * * * * *' });
    expect(job.run({ name: 'nudges', signal: new AbortController().signal })).toEqual({ nudged: ['c_1'], broadcast: ['c_2'], queued: ['c_3'] });
    expect(lines).toMatchObject([{ level: 30, msg: 'unclaimed handoffs nudged', nudged: ['c_1'] }]);
  });
});
