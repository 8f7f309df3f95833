import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post } from '../../../test/support/outbox-harness';
import { postText } from '../../../test/support/thread-lines';
import { customerMessageBlocks, customerPoster, mergeCustomerPosts } from '../blocks/thread-messages';
import { DEFAULT_PACING } from './pacing';
import type { EnqueueInput } from './slack-outbox';

/**
 * The outbox under volume (issue 17), against an emulation that enforces Slack's post limit as Slack
 * states it: about one chat.postMessage a second per channel, short bursts allowed (a token bucket
 * of 3). The outbox paces itself as in production (DEFAULT_PACING).
 */
const setup = useOutboxHarness();
const C = SLACK_IDS.support;
const SLACK_POST_LIMIT = { 'chat.postMessage': { limit: 1, windowMs: 1000, burst: 3, perChannel: true } };
const PRODUCTION = { pacing: { ...DEFAULT_PACING } };
const coalesce = { coalesce: (head: { args: Record<string, unknown> }, next: readonly { args: Record<string, unknown> }[]) => mergeCustomerPosts(head.args, next.map((n) => n.args)) };

/** A customer message in a thread, as the bridge enqueues it. */
function customerPost(channel: string, threadTs: string, text: string, stream = 'conv:c_1'): EnqueueInput {
  return {
    lane: channel,
    method: 'chat.postMessage',
    args: { channel, thread_ts: threadTs, ...customerMessageBlocks(text), ...customerPoster('Jane') },
    stream,
    merge: 'append',
  };
}

const until = async (cond: () => boolean, timeoutMs: number, what: string) => {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('the outbox under volume', () => {
  it('posts a new card within 3 s behind 150 thread posts in its channel, within Slack’s rate, backlog in order', async () => {
    const h = await setup();
    const parent = (await h.client.chat.postMessage({ channel: C, text: 'an older card' })).ts!;
    h.emulator.setRateLimit('chat.postMessage', SLACK_POST_LIMIT['chat.postMessage']);
    const outbox = h.make(PRODUCTION);
    // Thread posts that cannot merge (bot notices, one per item): the backlog is 160 posts.
    for (let i = 0; i < 160; i++) outbox.enqueue({ ...post(C, `backfill ${i}`, { thread_ts: parent }), stream: 'conv:old' });
    outbox.start();
    await until(() => h.emulator.replies(C, parent).length >= 5, 15_000, 'the backlog to be draining');

    const asked = Date.now();
    outbox.enqueue({ ...post(C, 'NEW CARD'), priority: 'urgent', stream: 'conv:new', key: 'card:new' });
    await until(() => h.emulator.messages(C).some((m) => m.text === 'NEW CARD'), 10_000, 'the new card');
    const waited = Date.now() - asked;
    expect(waited, `the card waited ${waited} ms`).toBeLessThan(3_000);
    expect(outbox.pendingFor(C)).toBeGreaterThan(140);

    // The backlog goes on in its order, and Slack never had to refuse a post.
    await until(() => h.emulator.replies(C, parent).length >= 10, 15_000, 'more backlog');
    const sent = h.emulator.replies(C, parent).map((m) => m.text);
    expect(sent).toEqual(sent.map((_, i) => `backfill ${i}`));
    expect(h.emulator.counters['chat.postMessage']?.rateLimited ?? 0).toBe(0);
  }, 30_000);

  it('drains a busy thread’s backlog in a few posts: every line once, in order, within Block Kit’s limits', async () => {
    const h = await setup();
    const parent = (await h.client.chat.postMessage({ channel: C, text: 'card' })).ts!;
    h.emulator.setRateLimit('chat.postMessage', SLACK_POST_LIMIT['chat.postMessage']);
    const outbox = h.make({ ...PRODUCTION, ...coalesce });
    const lines = Array.from({ length: 120 }, (_, i) => `line ${i} ${'x'.repeat(i % 7 === 0 ? 900 : 20)}`);
    for (const line of lines) outbox.enqueue(customerPost(C, parent, line));
    outbox.start();
    expect(await outbox.drain(20_000)).toBe(true);
    const posts = h.emulator.replies(C, parent);
    expect(posts.length).toBeLessThan(15);
    expect(posts.length).toBeGreaterThan(1); // over one message's budget: split
    expect(posts.flatMap((m) => postText(m).split('\n'))).toEqual(lines);
    for (const m of posts) {
      expect(m.username).toBe('Jane (customer)');
      expect((m.blocks ?? []).length).toBeLessThanOrEqual(50);
    }
    expect(h.emulator.counters['chat.postMessage']?.rateLimited ?? 0).toBe(0);
  }, 30_000);

  it('coalescing survives a crash mid-call and a 429: every line once and in order', async () => {
    const h = await setup();
    const parent = (await h.client.chat.postMessage({ channel: C, text: 'card' })).ts!;
    const first = h.make({ ...coalesce, inFlightGraceMs: 50 });
    for (let i = 0; i < 5; i++) first.enqueue(customerPost(C, parent, `before ${i}`));
    // The merged post reaches Slack's door and never comes back: the process dies with it in flight.
    const held = h.emulator.holdNext('chat.postMessage', (a) => a.thread_ts === parent);
    first.start();
    await held.arrived;
    await first.stop({ flushWithinMs: 0 });
    h.reopen();

    // Meanwhile more messages came; after the restart Slack first answers one 429.
    for (let i = 0; i < 5; i++) h.make().enqueue(customerPost(C, parent, `after ${i}`));
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 1);
    const second = h.make(coalesce);
    second.start();
    expect(await second.drain(15_000)).toBe(true);
    held.release();

    const lines = h.emulator.replies(C, parent).flatMap((m) => postText(m).split('\n'));
    expect(lines).toEqual([...[0, 1, 2, 3, 4].map((i) => `before ${i}`), ...[0, 1, 2, 3, 4].map((i) => `after ${i}`)]);
    // The interrupted post kept its lines: it was looked up in Slack, then posted once.
    expect(h.emulator.replies(C, parent).length).toBeLessThanOrEqual(2);
  }, 30_000);

  it('a newer card update replaces a pending one, and one card is rewritten at most once a second', async () => {
    const h = await setup();
    const ts = (await h.client.chat.postMessage({ channel: C, text: 'card v0' })).ts!;
    const outbox = h.make();
    outbox.start();
    const update = (v: number) =>
      outbox.enqueue({ lane: C, method: 'chat.update', args: { channel: C, ts, text: `card v${v}` }, priority: 'urgent', stream: 'conv:c_1', merge: 'replace' });
    for (let v = 1; v <= 30; v++) {
      update(v);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(await outbox.drain(10_000)).toBe(true);
    expect(h.emulator.message(C, ts)?.text).toBe('card v30');
    const calls = h.emulator.callsTo('chat.update');
    expect(calls.length).toBeLessThanOrEqual(4); // 1.5 s of updates
    for (let i = 1; i < calls.length; i++) expect(calls[i]!.at - calls[i - 1]!.at).toBeGreaterThanOrEqual(950);
    expect(outbox.stats()).toMatchObject({ pending: 0, sending: 0, failed: 0 });
  }, 20_000);

  it('a 429 storm on one channel holds neither other channels nor other methods in it', async () => {
    const h = await setup();
    const OTHER = h.emulator.addChannel({ name: 'billing' }).id;
    const ts = (await h.client.chat.postMessage({ channel: C, text: 'card v0' })).ts!;
    const outbox = h.make(PRODUCTION);
    // Posts to C are refused for a while, each 429 asking for 4 s.
    h.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 4, channel: C }, 2);
    for (let i = 0; i < 3; i++) outbox.enqueue(post(C, `stormy ${i}`));
    outbox.start();
    await until(() => (h.emulator.counters['chat.postMessage']?.faults ?? 0) >= 1, 5_000, 'the first 429');

    const started = Date.now();
    for (let i = 0; i < 3; i++) outbox.enqueue(post(OTHER, `calm ${i}`));
    outbox.enqueue({ lane: C, method: 'chat.update', args: { channel: C, ts, text: 'card v1' }, priority: 'urgent', stream: 'conv:c_1', merge: 'replace' });
    await until(() => h.emulator.messages(OTHER).filter((m) => m.text.startsWith('calm')).length === 3, 5_000, 'the other channel');
    await until(() => h.emulator.message(C, ts)?.text === 'card v1', 5_000, 'the card update in the stormy channel');
    expect(Date.now() - started).toBeLessThan(2_500); // well before the storm's Retry-After

    expect(await outbox.drain(20_000)).toBe(true);
    expect(h.emulator.messages(C).map((m) => m.text).filter((t) => t.startsWith('stormy'))).toEqual(['stormy 0', 'stormy 1', 'stormy 2']);
  }, 30_000);
});
