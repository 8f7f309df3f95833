import { describe, expect, it } from 'vitest';
import { computeGaps, gapHandoffs, topicRate, type GapHandoff, type KbDraftRecord, type TopicConversationRecord } from './gaps';
import { mentionsTopic, stem, topicFragments } from './topics';

const T0 = Date.parse('2026-03-02T00:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();

let n = 0;
function h(reason: string, ...texts: string[]): GapHandoff {
  n += 1;
  return { conversationId: `c${n}`, reason, at: at(n), texts };
}

function draft(conversationId: string, status: string, title: string): KbDraftRecord {
  return { id: `d_${conversationId}`, conversationId, status, title, topic: null, articleId: status === 'approved' ? `learned/${conversationId}.md` : null, decidedAt: null, decidedBy: null };
}

describe('computeGaps', () => {
  // Twelve handoffs: 9 without a good answer (5 on invoices, 2 on refunds, 2 on unrelated things), 3 for other reasons.
  const handoffs = [
    h('no_match', 'How do I export invoices?'),
    h('low_confidence', 'export invoices to CSV please'),
    h('no_match', 'Can I export invoices for last year?'),
    h('no_match', 'I need to export invoices', 'also my refund status'),
    h('low_confidence', 'export invoices as PDF'),
    h('no_match', 'where is my refund status'),
    h('low_confidence', 'refund status?'),
    h('no_match', 'the weather on Mars'),
    h('no_match', 'hi'),
    h('customer_asked', 'export invoices, talk to a person'),
    h('rule', 'refund status please'),
    h('agent_takeover', 'export invoices'),
  ];
  const drafts = [draft('c1', 'approved', 'Exporting invoices'), draft('c2', 'drafted', 'Invoices as CSV'), draft('c3', 'discarded', 'Nope'), draft('c6', 'drafted', 'Refund status')];
  const report = computeGaps(handoffs, drafts);

  it.each([
    // topic, handoffs, share of all 12, conversations, drafted, articles
    ['export invoices', 5, 5 / 12, ['c1', 'c2', 'c3', 'c4', 'c5'], ['Invoices as CSV'], ['Exporting invoices']],
    ['refund status', 2, 2 / 12, ['c6', 'c7'], ['Refund status'], []],
    [null, 2, 2 / 12, ['c8', 'c9'], [], []],
  ] as const)('groups %s: %i handoffs, their share of all, drafts and articles', (topic, count, share, conversations, drafted, articles) => {
    const g = report.groups.find((x) => x.topic === topic)!;
    expect(g).toBeDefined();
    expect(g.handoffs).toBe(count);
    expect(g.share).toBeCloseTo(share, 10);
    expect(g.conversations).toEqual(conversations);
    expect(g.drafted.map((d) => d.title)).toEqual(drafted);
    expect(g.articles.map((d) => d.title)).toEqual(articles);
  });

  it('counts every handoff once, under the most common topic it mentions; other reasons are left out; "other" last', () => {
    expect(report).toMatchObject({ handoffs: 12, unanswered: 9, share: 9 / 12 });
    expect(report.groups.map((g) => g.topic)).toEqual(['export invoices', 'refund status', null]);
    // c4 mentions both: it counts for the bigger topic only.
    expect(report.groups.reduce((s, g) => s + g.handoffs, 0)).toBe(9);
  });

  it('has no groups and no share without handoffs; a window of other reasons has no gaps', () => {
    expect(computeGaps([], [])).toEqual({ handoffs: 0, unanswered: 0, share: null, groups: [] });
    expect(computeGaps([h('customer_asked', 'export invoices'), h('rule', 'export invoices')], [])).toEqual({ handoffs: 2, unanswered: 0, share: 0, groups: [] });
  });

  it('a single handoff on a subject names no topic (one conversation says nothing): "other"', () => {
    const r = computeGaps([h('no_match', 'export invoices'), h('no_match', 'refund status')], []);
    expect(r.groups).toEqual([expect.objectContaining({ topic: null, handoffs: 2, share: 1 })]);
  });

  it('keeps a conversation handed off twice once in its group, its handoffs twice', () => {
    const a = { conversationId: 'x', reason: 'no_match', at: at(1), texts: ['export invoices'] };
    const r = computeGaps([a, { ...a, at: at(2) }, { ...a, conversationId: 'y' }], [draft('x', 'drafted', 'T')]);
    expect(r.groups[0]).toMatchObject({ topic: 'export invoices', handoffs: 3, conversations: ['x', 'y'], drafted: [{ conversationId: 'x', title: 'T' }] });
  });
});

describe('gapHandoffs', () => {
  it('reads the topic from the customer\'s last three messages up to the handoff, for gap reasons only', () => {
    const messages = ['one', 'two', 'three', 'four', 'after'].map((text, i) => ({ conversationId: 'c', text, at: at(i) }));
    const out = gapHandoffs(
      [
        { conversationId: 'c', reason: 'no_match', escalatedAt: at(3) },
        { conversationId: 'c', reason: 'customer_asked', escalatedAt: at(4) },
      ],
      messages,
    );
    expect(out.map((x) => x.texts)).toEqual([['two', 'three', 'four'], []]);
  });
});

describe('the handoff rate of a topic', () => {
  it.each([
    ['exported', 'export'],
    ['exporting', 'export'],
    ['invoices', 'invoice'],
    ['deliveries', 'delivery'],
    ['shipping', 'ship'],
    ['shipped', 'ship'],
    ['boxes', 'box'],
    ['address', 'address'],
    ['password', 'password'],
  ])('stems %s as %s', (word, expected) => expect(stem(word)).toBe(expected));

  it.each([
    ['export invoices', ['How can I get my invoice exported?'], true],
    ['export invoices', ['Exporting invoices', 'please'], true],
    ['export invoices', ['my invoice', 'and the export'], true],
    ['export invoices', ['invoice please'], false],
    ['delivery', ['Where are my deliveries?'], true],
    ['delivery', ['deliver it'], false],
    ['the', ['the'], false],
  ] as const)('%s is mentioned in %j: %s', (topic, texts, expected) => expect(mentionsTopic(topic, texts)).toBe(expected));

  it('gives SQL fragments every mention contains', () => {
    expect(topicFragments('export invoices')).toEqual(['export', 'invoic']);
    expect(topicFragments('Delivery')).toEqual(['deliver']);
    for (const [topic, texts] of [['delivery', 'deliveries'], ['export invoices', 'exported invoices']] as const) {
      for (const f of topicFragments(topic)) expect(texts).toContain(f);
    }
  });

  it('counts, among the conversations that mention the topic, those handed off', () => {
    const c = (id: string, handedOff: boolean, ...texts: string[]): TopicConversationRecord => ({ id, createdAt: at(0), handedOff, texts });
    expect(
      topicRate('export invoices', [c('a', true, 'export invoices?'), c('b', false, 'invoice exports'), c('c', true, 'exporting'), c('d', false, 'Invoices: export them')]),
    ).toEqual({ conversations: 3, handedOff: 1, rate: 1 / 3 });
    expect(topicRate('export invoices', [c('a', true, 'refund')])).toEqual({ conversations: 0, handedOff: 0, rate: null });
  });
});
