import { spawnSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post, texts } from '../../../test/support/outbox-harness';
import { createOutboxRepository } from './outbox-repository';
import type { SlackCall } from './recovery';

// Several processes on one database (issue 16): each item once, in order per lane, and a dead
// process's lane taken over once its lease expires. Two connections to one file stand for two processes.
const setup = useOutboxHarness();

function manualClock(start = '2026-12-07T10:00:00.000Z') {
  let ms = Date.parse(start);
  return { now: () => new Date(ms), advance: (by: number) => void (ms += by) };
}

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

  it('two processes on one database post every item once and in order per channel', async () => {
    const h = await setup();
    const lanes = [SLACK_IDS.support, h.emulator.addChannel({ name: 'support-eu' }).id, h.emulator.addChannel({ name: 'support-us' }).id];
    const a = h.make();
    const b = h.make({ db: h.connect() });
    for (let i = 0; i < 10; i++) for (const [n, lane] of lanes.entries()) (n % 2 ? a : b).enqueue(post(lane, `${lane}-${i}`));
    a.start();
    b.start();
    expect(await a.drain(10_000)).toBe(true);
    expect(await b.drain(10_000)).toBe(true);
    for (const lane of lanes) expect(texts(h.emulator, lane)).toEqual(Array.from({ length: 10 }, (_, i) => `${lane}-${i}`));
    expect(h.emulator.count('chat.postMessage')).toBe(30);
    expect(a.stats()).toEqual({ pending: 0, sending: 0, sent: 30, failed: 0 });
  });

  it('takes over the lane of a killed process once its lease expires: nothing lost, nothing twice', async () => {
    const h = await setup();
    const X = SLACK_IDS.support;
    const Y = h.emulator.addChannel({ name: 'support-eu' }).id;
    const clock = manualClock();
    const real: SlackCall = async (method, args) => (await h.client.apiCall(method, args)) as unknown as Record<string, unknown>;
    // Process A's first post to X never comes back: A is killed in the middle of it.
    let hung: ((err: Error) => void) | undefined;
    const hangingCall: SlackCall = (method, args) =>
      args.channel === X && !hung ? new Promise((_, reject) => (hung = reject)) : real(method, args);
    const aDb = h.connect();
    const a = h.make({ db: aDb, clock, leaseMs: 1_000, call: hangingCall, inFlightGraceMs: 0 });
    const b = h.make({ clock, leaseMs: 1_000 });
    const x0 = a.enqueue(post(X, 'x0'))!;
    for (const text of ['x1', 'y0', 'y1']) a.enqueue(post(text.startsWith('x') ? X : Y, text));
    a.start();
    const yLease = h.db.q.selectFrom('slack_outbox_leases').select('expires_at').where('lane', '=', Y);
    const yFree = () => (h.db.first(yLease)?.expires_at ?? '') <= clock.now().toISOString();
    await h.emulator.waitFor(() => hung !== undefined && a.pendingFor(Y) === 0 && yFree(), 5_000, 'A to hang on x0 and be done with Y');
    aDb.close(); // killed: no renewal, no release, no marks

    // B goes on with Y at once; X stays A's until the lease expires.
    b.start();
    b.enqueue(post(Y, 'y2'));
    await h.emulator.waitFor(() => texts(h.emulator, Y).length === 3, 5_000, 'B to send y2');
    expect(texts(h.emulator, X)).toEqual([]);
    expect(b.get(x0)).toMatchObject({ status: 'sending', attempts: 1 });
    expect(b.pendingFor(X)).toBe(2);

    clock.advance(1_000);
    b.enqueue(post(X, 'x2'));
    expect(await b.drain(5_000)).toBe(true);
    expect(texts(h.emulator, X)).toEqual(['x0', 'x1', 'x2']);
    expect(texts(h.emulator, Y)).toEqual(['y0', 'y1', 'y2']);
    expect(h.emulator.count('chat.postMessage')).toBe(6);
    // x0 was 'sending': B looked for it in Slack before posting it.
    expect(h.emulator.callsTo('conversations.history').length).toBeGreaterThanOrEqual(1);
    expect(b.get(x0)).toMatchObject({ status: 'sent', attempts: 2 });
    hung?.(new Error('killed'));
  });

  it('a process restarted on the same machine takes the lanes of its killed predecessor at once', async () => {
    const h = await setup();
    const clock = manualClock();
    const deadPid = spawnSync(process.execPath, ['-e', '']).pid;
    const repo = createOutboxRepository(h.db);
    const at = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    // The killed process held both lanes; a live process elsewhere holds another.
    repo.takeLease(SLACK_IDS.support, `${os.hostname()}/${deadPid}/x`, at(0), at(60_000));
    repo.takeLease('lane-b', `${os.hostname()}/${deadPid}/x`, at(0), at(60_000));
    repo.takeLease('lane-c', `elsewhere/${deadPid}/y`, at(0), at(60_000));
    const outbox = h.make({ clock });
    outbox.enqueue(post(SLACK_IDS.support, 'after the restart'));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['after the restart']);
    expect(repo.leaseExpiry('lane-b')).toBe(at(0));
    expect(repo.leaseExpiry('lane-c')).toBe(at(60_000));
  });

  it('sends what a killed process enqueued but never started', async () => {
    const h = await setup();
    const a = h.make({ db: h.connect() }); // enqueues, never runs its worker, then dies
    const b = h.make({ pollMs: 20 });
    b.start();
    for (const text of ['left 1', 'left 2']) a.enqueue(post(SLACK_IDS.support, text));
    await h.emulator.waitFor(() => texts(h.emulator, SLACK_IDS.support).length === 2, 5_000, 'B to find the items');
    expect(await b.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['left 1', 'left 2']);
  });
});
