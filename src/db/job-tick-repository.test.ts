import { describe, expect, it } from 'vitest';
import { createJobTickRepository } from './job-tick-repository';
import { anotherConnection, openTestDatabase } from '../../test/support/test-engine';

describe('job tick claims', () => {
  it('a tick is claimed once across connections to one database, also after a restart; old claims are pruned', () => {
    const first = openTestDatabase();
    const second = anotherConnection(first);
    const a = createJobTickRepository(first);
    const b = createJobTickRepository(second);
    const now = '2026-03-02T10:00:00.000Z';

    expect(a.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(true);
    expect(b.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);
    expect(a.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);
    expect(b.claimTick('presence', '2026-03-02T10:00:00.000Z', now)).toBe(true); // another job, same time
    expect(b.claimTick('nudges', '2026-03-02T10:00:15.000Z', now)).toBe(true); // a later tick

    first.close();
    second.close();
    const restarted = createJobTickRepository(anotherConnection(first));
    expect(restarted.claimTick('nudges', '2026-03-02T10:00:00.000Z', now)).toBe(false);

    expect(restarted.pruneTicks('2026-03-02T10:00:10.000Z')).toBe(2);
    expect(restarted.claimTick('nudges', '2026-03-02T10:00:15.000Z', now)).toBe(false);
  });
});
