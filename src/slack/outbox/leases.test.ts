import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post } from '../../../test/support/outbox-harness';
import { createOutboxRepository } from './outbox-repository';

// Several processes on one database (issue 16): each item once, in order per lane, and a dead
// process's lane taken over once its lease expires. Two connections to one file stand for two processes.
const setup = useOutboxHarness();

describe('SlackOutbox lane leases', () => {
  it('takes a lane atomically, with a fence that shuts out the holder it replaced', async () => {
    const h = await setup();
    const a = createOutboxRepository(h.db);
    const b = createOutboxRepository(h.connect());
    const at = (ms: number) => new Date(Date.parse('2026-12-07T10:00:00.000Z') + ms).toISOString();
    const id = a.insert(post(SLACK_IDS.support, 'one'), at(0))!;

    const leaseA = a.takeLease(SLACK_IDS.support, 'A', at(0), at(1_000))!;
    expect(leaseA.fence).toBe(1);
    expect(b.takeLease(SLACK_IDS.support, 'B', at(999), at(1_999))).toBeNull();
    expect(b.leaseExpiry(SLACK_IDS.support)).toBe(at(1_000));
    expect(a.markSending(id, at(10), leaseA)).toBe(true);

    // A stops renewing (it died, or hangs): from the expiry on, B takes the lane with the next fence.
    const leaseB = b.takeLease(SLACK_IDS.support, 'B', at(1_000), at(2_000))!;
    expect(leaseB.fence).toBe(2);
    expect(a.renewLease(leaseA, at(3_000))).toBe(false);
    expect(a.markSent(id, { ok: true, ts: 'late' }, at(1_100), leaseA)).toBe(false);
    expect(a.markFailed(id, 'x', 'x', at(1_100), leaseA)).toBe(false);
    a.reschedule(id, { nextAttemptAt: at(9_000), status: 'pending' }, at(1_100), leaseA);
    expect(a.get(id)).toMatchObject({ status: 'sending', attempts: 1, nextAttemptAt: at(0) });
    expect(a.takeLease(SLACK_IDS.support, 'A', at(1_100), at(2_100))).toBeNull();

    expect(b.markSent(id, { ok: true, ts: '1.2' }, at(1_200), leaseB)).toBe(true);
    expect(b.get(id)).toMatchObject({ status: 'sent', result: { ok: true, ts: '1.2' } });
    // Taking our own lease again, and after a release, moves the fence on; other lanes are apart.
    expect(b.takeLease(SLACK_IDS.support, 'B', at(1_300), at(2_300))?.fence).toBe(3);
    b.releaseLeases('B', at(1_400));
    expect(a.takeLease(SLACK_IDS.support, 'A', at(1_400), at(2_400))?.fence).toBe(4);
    expect(b.takeLease('other-lane', 'B', at(1_400), at(2_400))?.fence).toBe(1);
  });
});
