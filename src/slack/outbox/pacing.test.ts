import { WebAPIRateLimitedError } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post, texts } from '../../../test/support/outbox-harness';
import { raw } from '../../../test/support/test-engine';

// Pacing per channel and 429s: Retry-After honoured per lane, or per method everywhere.
const setup = useOutboxHarness();

describe('SlackOutbox pacing', () => {
  it('paces chat.postMessage per channel with a token bucket; other channels are not held up', async () => {
    const h = await setup();
    const other = h.emulator.addChannel({ name: 'other' }).id;
    const outbox = h.make({ pacing: { 'chat.postMessage': { perSecond: 10, burst: 2 } } });
    for (let i = 0; i < 6; i++) outbox.enqueue(post(SLACK_IDS.support, `s${i}`));
    outbox.enqueue(post(other, 'o0'));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const calls = h.emulator.callsTo('chat.postMessage');
    const support = calls.filter((c) => c.args.channel === SLACK_IDS.support);
    // 2 at once (burst), then one every 100 ms.
    expect(support.at(-1)!.at - support[0]!.at).toBeGreaterThanOrEqual(350);
    // The other channel's post does not wait behind the paced ones (an order, not a time: a loaded
    // machine may stretch every delay, but never puts it after the support channel's queue).
    expect(calls.find((c) => c.args.channel === other)!.at).toBeLessThan(support.at(-1)!.at);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['s0', 's1', 's2', 's3', 's4', 's5']);
  });

  it('survives a 429 storm: nothing lost, order kept, Retry-After honoured', async () => {
    const h = await setup({ postMessagePerChannelPerSecond: 4 });
    const c2 = h.emulator.addChannel({ name: 'support-eu' }).id;
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 2);
    const outbox = h.make();
    for (let i = 0; i < 8; i++) {
      outbox.enqueue(post(SLACK_IDS.support, `a${i}`));
      outbox.enqueue(post(c2, `b${i}`));
    }
    outbox.start();
    expect(await outbox.drain(10_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(Array.from({ length: 8 }, (_, i) => `a${i}`));
    expect(texts(h.emulator, c2)).toEqual(Array.from({ length: 8 }, (_, i) => `b${i}`));

    const calls = h.emulator.callsTo('chat.postMessage');
    const limited = calls.filter((c) => c.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(3);
    for (const c of limited) {
      const next = calls.find((n) => n.at >= c.at && n !== c && n.args.channel === c.args.channel && calls.indexOf(n) > calls.indexOf(c));
      expect(next, 'a retry follows each 429').toBeDefined();
      const retryAfterMs = (c.fault?.retryAfter ?? 1) * 1000;
      expect(next!.at - c.at).toBeGreaterThanOrEqual(retryAfterMs);
    }
    expect(outbox.stats()).toMatchObject({ sent: 16, failed: 0 });
  });

  it('honours a long Retry-After (30 s) on one channel while other channels go on', async () => {
    const h = await setup();
    const c2 = h.emulator.addChannel({ name: 'support-apac' }).id;
    const outbox = h.make();
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 30 }, 1);
    outbox.enqueue(post(SLACK_IDS.support, 'held'));
    outbox.start();
    await h.emulator.waitFor(() => h.emulator.callsTo('chat.postMessage').some((c) => c.status === 429));
    const limitedAt = Date.now();
    outbox.enqueue(post(c2, 'free'));
    outbox.enqueue(post(SLACK_IDS.support, 'behind'));
    await h.emulator.waitFor(() => texts(h.emulator, c2).includes('free'), 3000);
    await new Promise((r) => setTimeout(r, 500));
    // Still held: nothing more was sent to the limited channel, and its items wait in order.
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual([]);
    expect(outbox.pendingFor(SLACK_IDS.support)).toBe(2);
    const item = h.db.first(raw(h.db, sql<{ next_attempt_at: string }>`SELECT next_attempt_at FROM slack_outbox WHERE args LIKE '%held%'`))!;
    expect(Date.parse(item.next_attempt_at) - limitedAt).toBeGreaterThan(28_000);
  });

  it('a 429 on a method limited workspace-wide holds that method in every lane, not other methods', async () => {
    const h = await setup();
    const seen: { method: string; lane: string; at: number }[] = [];
    let limitedAt = 0;
    const outbox = h.make({
      call: async (method, args) => {
        const lane = String(args.channel);
        seen.push({ method, lane, at: Date.now() });
        if (method === 'chat.update' && lane === 'A' && !limitedAt) {
          limitedAt = Date.now();
          throw new WebAPIRateLimitedError(1);
        }
        if (method === 'chat.postMessage') await new Promise((r) => setTimeout(r, 50));
        return { ok: true, channel: lane, ts: '1700000000.000100' };
      },
    });
    outbox.enqueue({ lane: 'A', method: 'chat.update', args: { channel: 'A', ts: '1.0', text: 'a' } });
    outbox.enqueue({ lane: 'B', method: 'chat.postMessage', args: { channel: 'B', text: 'b' } });
    outbox.enqueue({ lane: 'B', method: 'chat.update', args: { channel: 'B', ts: '1.0', text: 'b' } });
    outbox.enqueue({ lane: 'C', method: 'chat.postMessage', args: { channel: 'C', text: 'c' } });
    outbox.enqueue({ lane: 'C', method: 'chat.postMessage', args: { channel: 'C', text: 'c2' } });
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const updates = seen.filter((c) => c.method === 'chat.update');
    expect(updates).toHaveLength(3);
    for (const u of updates.slice(1)) expect(u.at - limitedAt).toBeGreaterThanOrEqual(995);
    expect(seen.filter((c) => c.lane === 'C').every((c) => c.at - limitedAt < 500)).toBe(true);
    expect(outbox.stats()).toMatchObject({ sent: 5, failed: 0 });
  });
});
