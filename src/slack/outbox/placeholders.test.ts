import { describe, expect, it } from 'vitest';
import { SLACK_IDS } from '../../../test/support/slack-emulator';
import { resolvePlaceholders } from './placeholders';
import { useOutboxHarness, post, texts } from '../../../test/support/outbox-harness';

// Placeholders resolved at send time from earlier items.
const setup = useOutboxHarness();

describe('SlackOutbox placeholders', () => {
  it('resolves placeholders from an earlier item’s result, and fails one that never resolves', async () => {
    const h = await setup();
    const cards = new Map<string, string>();
    const sent: unknown[] = [];
    const outbox = h.make({
      refWaitMs: 300,
      onSent: (item, result) => {
        sent.push(item.ref);
        const ref = item.ref as { conversationId?: string; kind?: string } | null;
        if (ref?.kind === 'card' && ref.conversationId) cards.set(ref.conversationId, String(result.ts));
      },
      resolveRefs: (args) => resolvePlaceholders(args, (op, v) => (op === '$cardOf' ? cards.get(String(v)) : undefined)),
    });
    outbox.enqueue({
      ...post(SLACK_IDS.support, 'card', { metadata: { event_type: 'handoff_card', event_payload: { conversation_id: 'c_1' } } }),
      ref: { conversationId: 'c_1', kind: 'card' },
    });
    outbox.enqueue(post(SLACK_IDS.support, 'reply', { thread_ts: { $cardOf: 'c_1' } }));
    const other = h.emulator.addChannel({ name: 'other' }).id;
    outbox.enqueue(post(other, 'orphan', { thread_ts: { $cardOf: 'c_never' } }));
    outbox.enqueue(post(other, 'next'));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);

    const card = h.emulator.messages(SLACK_IDS.support)[0]!;
    expect(card.text).toBe('card');
    expect(card.metadata).toEqual({ event_type: 'handoff_card', event_payload: { conversation_id: 'c_1', outbox_id: 1 } });
    expect(h.emulator.replies(SLACK_IDS.support, card.ts).map((m) => [m.text, m.thread_ts])).toEqual([['reply', card.ts]]);
    expect(sent[0]).toEqual({ conversationId: 'c_1', kind: 'card' });

    expect(texts(h.emulator, other)).toEqual(['next']);
    const [orphan] = outbox.failures();
    expect(orphan).toMatchObject({ errorCode: 'unresolved_placeholder', lane: other });
    expect(orphan!.error).toContain('{"$cardOf":"c_never"}');
  });
});

describe('resolvePlaceholders', () => {
  it('resolves nested placeholders, or answers null while one is unknown', () => {
    const args = { channel: 'C1', thread_ts: { $cardOf: 'c1' }, blocks: [{ type: 'section', text: { $textOf: 'x' } }] };
    expect(resolvePlaceholders(args, (op, v) => `${op}:${String(v)}`)).toEqual({
      channel: 'C1',
      thread_ts: '$cardOf:c1',
      blocks: [{ type: 'section', text: '$textOf:x' }],
    });
    expect(resolvePlaceholders(args, (op) => (op === '$cardOf' ? '1.2' : undefined))).toBeNull();
  });
});
