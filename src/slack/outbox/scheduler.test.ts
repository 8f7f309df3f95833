import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { useOutboxHarness, post, texts } from '../../../test/support/outbox-harness';

// The worker: lanes in order side by side, the caller's transaction, a restart.
const setup = useOutboxHarness();

describe('SlackOutbox scheduler', () => {
  it('keeps the order within each lane while lanes interleave', async () => {
    const h = await setup();
    const c2 = h.emulator.addChannel({ name: 'support-eu' }).id;
    const c3 = h.emulator.addChannel({ name: 'support-us' }).id;
    const lanes = [SLACK_IDS.support, c2, c3];
    const outbox = h.make();
    for (let i = 0; i < 10; i++) for (const lane of lanes) outbox.enqueue(post(lane, `${lane}-${i}`));
    expect(outbox.pendingFor(c2)).toBe(10);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    for (const lane of lanes) {
      expect(texts(h.emulator, lane)).toEqual(Array.from({ length: 10 }, (_, i) => `${lane}-${i}`));
      expect(outbox.pendingFor(lane)).toBe(0);
    }
    expect(outbox.stats()).toEqual({ pending: 0, sending: 0, sent: 30, failed: 0 });
    // Sent items keep Slack's answer; every post carries its outbox id as message metadata.
    const first = h.emulator.messages(SLACK_IDS.support)[0]!;
    expect(first.metadata).toEqual({ event_type: 'handoff_outbox', event_payload: { outbox_id: 1 } });
    expect(outbox.get(1)?.result?.ts).toBe(first.ts);
  });

  it('enqueues a key once and joins the caller’s transaction', async () => {
    const h = await setup();
    const outbox = h.make();
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'once'), key: 'card:c_1' })).toBe(1);
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'twice'), key: 'card:c_1' })).toBeNull();
    expect(() =>
      h.db.tx(() => {
        outbox.enqueue({ ...post(SLACK_IDS.support, 'rolled back'), key: 'card:c_2' });
        throw new Error('domain change failed');
      }),
    ).toThrow('domain change failed');
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['once']);
    // The key stays taken after sending.
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'again'), key: 'card:c_1' })).toBeNull();
    // The rolled-back key is free.
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'now'), key: 'card:c_2' })).not.toBeNull();
    // Pruning old sent items frees their keys (a daily job keeps the table small).
    expect(outbox.prune(60_000)).toBe(0);
    expect(outbox.prune(-60_000)).toBe(1);
    expect(outbox.enqueue({ ...post(SLACK_IDS.support, 'again'), key: 'card:c_1' })).not.toBeNull();
  });

  it('keeps unsent items across a restart and sends them once', async () => {
    const h = await setup();
    h.emulator.failNext('chat.postMessage', { delayMs: 600 });
    const first = h.make();
    for (let i = 0; i < 5; i++) first.enqueue(post(SLACK_IDS.support, `r${i}`));
    first.start();
    // The first post is now in flight.
    await h.emulator.waitFor(() => h.emulator.counters['chat.postMessage']?.calls === 1, 3000, 'the first post to arrive');
    expect(await first.drain(50)).toBe(false);
    // The call in flight settles; the rest stays in the database.
    await first.stop({ flushWithinMs: 50 });
    expect(first.stats()).toEqual({ pending: 4, sending: 0, sent: 1, failed: 0 });
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['r0']);

    h.reopen();
    const second = h.make();
    second.start();
    expect(await second.drain(5_000)).toBe(true);
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
    expect(h.emulator.count('chat.postMessage')).toBe(5);
  });
});
