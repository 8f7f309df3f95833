import { describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { withOutboxMetadata } from './recovery';
import { useOutboxHarness, post, texts } from '../../../test/support/outbox-harness';
import { raw } from '../../../test/support/test-engine';

// A post that reached Slack without the outbox hearing back is found by its metadata, not made twice.
const setup = useOutboxHarness();

describe('SlackOutbox recovery', () => {
  it('a response slower than the client timeout: retried, and the post that did land is not made twice', async () => {
    const h = await setup();
    h.emulator.failNext('chat.postMessage', { delayMs: 3_500 }); // the client gives up after 3 s
    const outbox = h.make({ uncertainSettleMs: 1_500 });
    outbox.enqueue(post(SLACK_IDS.support, 'slow one'));
    outbox.enqueue(post(SLACK_IDS.support, 'after it'));
    outbox.start();
    expect(await outbox.drain(15_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 800)); // the slow call finishes on Slack's side too
    expect(texts(h.emulator, SLACK_IDS.support).filter((t) => t === 'slow one').length).toBe(1);
    expect(texts(h.emulator, SLACK_IDS.support).at(-1)).toBe('after it');
  }, 20_000);

  it('after a crash mid-send, finds the post in Slack by its metadata instead of posting again', async () => {
    const h = await setup();
    const outbox = h.make();
    const cardTs = (await h.client.chat.postMessage({ channel: SLACK_IDS.support, text: 'card' })).ts!;

    // Crashed after Slack took the post (top level and in a thread), and one that never reached Slack.
    const top = outbox.enqueue(post(SLACK_IDS.support, 'top'))!;
    const reply = outbox.enqueue({ ...post(SLACK_IDS.support, 'reply', { thread_ts: cardTs }), lane: 'thread-lane' })!;
    const lost = outbox.enqueue({ ...post(SLACK_IDS.support, 'lost'), lane: 'lost-lane' })!;
    const posted: Record<number, string> = {};
    for (const id of [top, reply]) {
      const args = withOutboxMetadata(outbox.get(id)!.args, id);
      posted[id] = ((await h.client.apiCall('chat.postMessage', args)) as unknown as { ts: string }).ts;
    }
    h.db.run(raw(h.db, sql`UPDATE slack_outbox SET status = 'sending', attempts = 1`));
    h.emulator.clearCalls();

    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(h.emulator.callsTo('chat.postMessage').map((c) => c.args.text)).toEqual(['lost']);
    expect(h.emulator.callsTo('conversations.history')).toHaveLength(2);
    expect(h.emulator.callsTo('conversations.replies')[0]!.args).toMatchObject({ ts: cardTs, include_all_metadata: 'true' });
    expect(outbox.get(top)).toMatchObject({ status: 'sent', result: { ts: posted[top], recovered: true } });
    expect(outbox.get(reply)).toMatchObject({ status: 'sent', result: { ts: posted[reply], recovered: true } });
    expect(outbox.get(lost)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(texts(h.emulator, SLACK_IDS.support)).toEqual(['card', 'top', 'lost']);
    expect(h.emulator.replies(SLACK_IDS.support, cardTs).map((m) => m.text)).toEqual(['reply']);
  });
});

describe('withOutboxMetadata', () => {
  it('merges the outbox id into metadata the caller set (object or JSON string)', () => {
    expect(withOutboxMetadata({ text: 'x' }, 7).metadata).toEqual({ event_type: 'handoff_outbox', event_payload: { outbox_id: 7 } });
    expect(withOutboxMetadata({ metadata: JSON.stringify({ event_type: 'card', event_payload: { a: 1 } }) }, 7).metadata).toEqual({
      event_type: 'card',
      event_payload: { a: 1, outbox_id: 7 },
    });
  });
});
