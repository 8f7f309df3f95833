import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post, texts, type Harness } from '../../../test/support/outbox-harness';
import { createMethodHolds } from './method-holds';
import { createOutboxRepository } from './outbox-repository';
import type { SlackCall } from './recovery';

// Slack counts the app's calls whoever makes them (issue 16): processes on one database pace a lane
// as one and honour each other's 429s. Two connections to one file stand for two processes.
const setup = useOutboxHarness();

/** The real call through the emulator, noting which process made each call of `method`. */
function recording(h: Harness, name: string, method: string, log: string[]): SlackCall {
  return async (m, args) => {
    if (m === method) log.push(name);
    return (await h.client.apiCall(m, args)) as unknown as Record<string, unknown>;
  };
}

const gapsOf = (times: number[]) => times.slice(1).map((t, i) => t - times[i]!);

const at = (ms: number) => new Date(Date.parse('2026-12-07T14:00:00.000Z') + ms).toISOString();

describe('SlackOutbox rate budgets shared by processes', () => {
  it('stores a lane’s budget with its lease: the next holder gets what the last one left, a replaced holder writes nothing', async () => {
    const h = await setup();
    const a = createOutboxRepository(h.db);
    const b = createOutboxRepository(h.connect());
    const lane = SLACK_IDS.support;

    const first = a.takeLease(lane, 'A', at(0), at(1_000))!;
    expect(first.budget).toEqual({ pacedUntil: null, heldUntil: null });
    a.releaseLease(first, at(10), { pacedUntil: at(1_000), heldUntil: at(30_000) });
    const second = b.takeLease(lane, 'B', at(20), at(1_020))!;
    expect(second.budget).toEqual({ pacedUntil: at(1_000), heldUntil: at(30_000) });

    // B's lease expires and A takes the lane again: B's late release changes neither the lease nor the budget.
    const third = a.takeLease(lane, 'A', at(1_020), at(2_020))!;
    b.releaseLease(second, at(1_030), { pacedUntil: null, heldUntil: null });
    expect(a.leaseExpiry(lane)).toBe(at(2_020));
    a.releaseLease(third, at(1_040), { pacedUntil: at(2_000), heldUntil: at(30_000) });
    expect(b.takeLease(lane, 'B', at(1_050), at(2_050))!.budget).toEqual({ pacedUntil: at(2_000), heldUntil: at(30_000) });
  });

  it('keeps the later of two holds of a method, for every connection', async () => {
    const h = await setup();
    const a = createMethodHolds(h.db);
    const b = createMethodHolds(h.connect());
    expect(b.until('chat.update')).toBe(0);
    a.hold('chat.update', Date.parse(at(5_000)));
    expect(b.until('chat.update')).toBe(Date.parse(at(5_000)));
    b.hold('chat.update', Date.parse(at(2_000)));
    expect(a.until('chat.update')).toBe(Date.parse(at(5_000)));
    b.hold('chat.update', Date.parse(at(9_000)));
    expect(a.until('chat.update')).toBe(Date.parse(at(9_000)));
    expect(a.until('views.publish')).toBe(0);
  });

  it('two processes pace a burst to one channel as one: no two posts within the interval', async () => {
    const h = await setup();
    const C = SLACK_IDS.support;
    const intervalMs = 300;
    const pacing = { 'chat.postMessage': { perSecond: 1000 / intervalMs, burst: 1 } };
    const calls: string[] = [];
    const a = h.make({ pacing, call: recording(h, 'A', 'chat.postMessage', calls) });
    const b = h.make({ pacing, call: recording(h, 'B', 'chat.postMessage', calls), db: h.connect() });
    const expected = Array.from({ length: 10 }, (_, i) => `m${i}`);
    for (const [i, text] of expected.entries()) (i % 2 ? a : b).enqueue(post(C, text));
    a.start();
    b.start();
    // Whichever sent last stops mid-burst: the other goes on from the pace the stopped one left.
    await h.emulator.waitFor(() => calls.length >= 4, 10_000, 'four posts');
    const [stopped, other] = calls.at(-1) === 'A' ? [a, b] : [b, a];
    await stopped.stop({ flushWithinMs: 0 });
    expect(await other.drain(15_000)).toBe(true);

    expect(texts(h.emulator, C)).toEqual(expected);
    expect(new Set(calls)).toEqual(new Set(['A', 'B']));
    // As Slack received them: an interval apart at least. (Pacing counts from each answer, which
    // comes after the post arrived.) Paced per process, the second process posts as soon as it gets
    // the lane, a few ms after the first.
    const arrivals = h.emulator.callsTo('chat.postMessage').map((c) => c.at);
    expect(arrivals).toHaveLength(10);
    expect(Math.min(...gapsOf(arrivals))).toBeGreaterThanOrEqual(intervalMs);
  });

  it('a 429 on a method limited workspace-wide holds it in the other process too, in every lane', async () => {
    const h = await setup();
    const { ada, grace } = SLACK_IDS;
    const home = (user: string) => ({ lane: `home:${user}`, method: 'views.publish', args: { user_id: user, view: { type: 'home', blocks: [] } } });
    const a = h.make();
    h.emulator.failNext('views.publish', { status: 429, retryAfter: 2 }, 1);
    const first = a.enqueue(home(ada))!;
    a.start();
    const limited = await h.emulator.waitForCall('views.publish', (c) => c.status === 429, 5_000);
    await h.emulator.waitFor(() => a.get(first)?.errorCode === 'ratelimited', 5_000, 'A to record the 429');
    await a.stop({ flushWithinMs: 0 });

    // B starts afresh: only the database tells it about the 429, for ada's lane and for grace's.
    const b = h.make({ db: h.connect() });
    b.start();
    b.enqueue(home(grace));
    expect(await b.drain(10_000)).toBe(true);
    const published = h.emulator.callsTo('views.publish').filter((c) => c.status === 200);
    expect(published.map((c) => c.args.user_id).sort()).toEqual([ada, grace].sort());
    for (const c of published) expect(c.at - limited.at).toBeGreaterThanOrEqual(2_000);
  });
});
