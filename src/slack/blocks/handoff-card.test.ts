import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { allText, texts, tokens } from '../../../test/support/block-kit';
import { ACTION, BLOCK, decodeValue } from '../ids';
import { escapeForSlack } from '../text';
import { LIMITS } from './common';
import { type CardModel, formatDuration, handoffCard } from './handoff-card';
import { textLength, validateBlocks } from './validate-blocks';

const NOW = '2024-05-01T10:03:30.000Z';

function model(overrides: Partial<CardModel> = {}): CardModel {
  return {
    conversationId: 'c_123',
    customer: { name: 'Jane Doe', email: 'jane@example.com', verified: false, generatedName: 'Blue Fox' },
    page: { url: 'https://shop.example/checkout', title: 'Checkout' },
    reason: { kind: 'customer_asked' },
    state: 'waiting',
    owner: null,
    waitingSince: '2024-05-01T10:00:00.000Z',
    mentionUserIds: [],
    now: NOW,
    ...overrides,
  };
}

const OWNER = { slackUserId: 'U0AGENT1', name: 'Sam Agent' };

type Json = Record<string, unknown>;

/** The card's buttons (it has one actions block). */
function buttonsOf(blocks: KnownBlock[]): Json[] {
  const actionsBlock = blocks.find((b) => b.type === 'actions') as unknown as { elements: Json[] } | undefined;
  return actionsBlock?.elements ?? [];
}

function actionIds(blocks: KnownBlock[]): string[] {
  return buttonsOf(blocks).map((b) => String(b['action_id']));
}

describe('handoffCard: reasons', () => {
  it.each([
    [{ kind: 'customer_asked' }, '🙋 *Customer asked for a person*', 'customer asked for a person'],
    [{ kind: 'low_confidence', confidence: 0.321 }, '🤖 *Low AI confidence (0.32)*', 'low AI confidence (0.32)'],
    [{ kind: 'low_confidence' }, '🤖 *Low AI confidence*', 'low AI confidence'],
    [{ kind: 'no_match' }, '🧭 *No knowledge-base match*', 'no knowledge-base match'],
    [{ kind: 'frustration', detail: 'this is useless' }, '😤 *Frustration detected* — this is useless', 'frustration detected'],
    [{ kind: 'sensitive_topic', detail: 'legal' }, '🔒 *Sensitive topic: legal*', 'sensitive topic: legal'],
    [{ kind: 'rule', detail: 'Refund & <cancel>' }, '📜 *Rule: Refund &amp; &lt;cancel&gt;*', 'rule: Refund &amp; &lt;cancel&gt;'],
    [{ kind: 'rule' }, '📜 *Rule matched*', 'rule matched'],
    [{ kind: 'agent_takeover' }, '👀 *Agent takeover*', 'agent takeover'],
  ] as const)('%j', (reason, headline, phrase) => {
    const card = handoffCard(model({ reason }));
    const first = card.blocks[0] as unknown as { block_id: string; text: { text: string } };
    expect(first.block_id).toBe(BLOCK.cardReason);
    expect(first.text.text).toBe(headline);
    expect(card.text).toBe(`New handoff: Jane Doe — ${phrase}`);
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);
  });
});

describe('handoffCard: states and buttons', () => {
  const cases: [CardModel['state'], boolean, string, string[]][] = [
    ['waiting', false, '⏳ Waiting for an agent', [ACTION.claim, ACTION.summary, ACTION.suggestReply]],
    ['queued', false, '📥 Queued — nobody available', [ACTION.claim, ACTION.summary, ACTION.suggestReply]],
    ['ai', false, '🤖 With the AI', [ACTION.claim, ACTION.summary, ACTION.suggestReply]],
    ['resolved', false, '✅ Resolved', [ACTION.summary, ACTION.suggestReply]],
    ['human', true, '🧑‍💼 Claimed by <@U0AGENT1>', [ACTION.summary, ACTION.suggestReply, ACTION.resolve, ACTION.handBack]],
    ['resolved', true, '✅ Resolved (<@U0AGENT1>)', [ACTION.summary, ACTION.suggestReply]],
  ];

  it.each(cases)('%s (owned: %s)', (state, owned, stateLine, expectedActions) => {
    const card = handoffCard(model({ state, owner: owned ? OWNER : null }));
    expect(actionIds(card.blocks)).toEqual(expectedActions);
    expect(texts(card.blocks)).toContain(`*State*\n${stateLine}`);
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);

    for (const b of buttonsOf(card.blocks)) {
      expect(decodeValue(b['value'])).toEqual({ conversationId: 'c_123' });
    }
  });

  it('labels the buttons as the contract says, Claim primary, Resolve confirmed and not danger', () => {
    const open = buttonsOf(handoffCard(model()).blocks);
    expect(open.map((b) => (b['text'] as Json)['text'])).toEqual(['Claim', 'Summary', 'Suggest reply']);
    expect(open[0]?.['style']).toBe('primary');

    const claimed = buttonsOf(handoffCard(model({ state: 'human', owner: OWNER })).blocks);
    expect(claimed.map((b) => (b['text'] as Json)['text'])).toEqual(['Summary', 'Suggest reply', 'Resolve', 'Hand back to AI']);
    const resolve = claimed.find((b) => b['action_id'] === ACTION.resolve);
    expect(resolve?.['style']).toBeUndefined();
    expect(resolve?.['confirm']).toMatchObject({ confirm: { text: 'Resolve' }, deny: { text: 'Cancel' } });
  });

  it('names the owner in the notification text once claimed', () => {
    expect(handoffCard(model({ state: 'human', owner: OWNER })).text).toBe(
      'Handoff claimed by Sam Agent: Jane Doe — customer asked for a person',
    );
    expect(handoffCard(model({ state: 'queued' })).text).toBe(
      'New handoff, queued — nobody available: Jane Doe — customer asked for a person',
    );
  });

  it('keeps a right-to-left override in a name from reordering the words after it', () => {
    const card = handoffCard(model({ customer: { name: 'Eve\u202Eflesym', email: null, verified: false, generatedName: 'x' } }));
    expect(card.text).toBe('New handoff: \u2068Eve\u202Eflesym\u2069 — customer asked for a person');
    expect(texts(card.blocks)).toContain('*Customer*\n\u2068Eve\u202Eflesym\u2069\nunverified');
  });

  it('shows a non-Slack owner id as a name, never as a token', () => {
    const card = handoffCard(model({ state: 'human', owner: { slackUserId: 'U1> <!channel', name: 'Eve <!here>' } }));
    const all = allText(card);
    expect(all).toContain('Claimed by Eve &lt;!here&gt;');
    expect(tokens(all).filter((t) => t.startsWith('!') && !t.startsWith('!date^'))).toEqual([]);
  });
});

describe('handoffCard: fields', () => {
  it('shows the customer, verified or not, falling back to the generated name', () => {
    const verified = texts(handoffCard(model({ customer: { name: 'Jane', email: 'j@x.io', verified: true, generatedName: 'Blue Fox' } })).blocks);
    expect(verified).toContain('*Customer*\nJane\nj@x.io\n✅ verified');
    const anonymous = handoffCard(model({ customer: { name: null, email: null, verified: false, generatedName: 'Blue Fox' } }));
    expect(texts(anonymous.blocks)).toContain('*Customer*\nBlue Fox\nunverified');
    expect(anonymous.text).toBe('New handoff: Blue Fox — customer asked for a person');
  });

  it('shows the page title as text and links an http(s) URL with its own address', () => {
    const field = texts(handoffCard(model({ page: { url: 'https://shop.example/a?b=1&c=x|y', title: 'Pay > now' } })).blocks);
    expect(field).toContain('*Page*\nPay &gt; now\n<https://shop.example/a?b=1&amp;c=x%7Cy|https://shop.example/a?b=1&amp;c=x%7Cy>');
    expect(texts(handoffCard(model({ page: { url: 'http://a.example/', title: null } })).blocks)).toContain(
      '*Page*\n<http://a.example/|http://a.example/>',
    );
    expect(texts(handoffCard(model({ page: { url: null, title: 'Home' } })).blocks)).toContain('*Page*\nHome');
    expect(texts(handoffCard(model({ page: { url: null, title: null } })).blocks)).toContain('*Page*\n_unknown_');
  });

  it('never lets the visitor\'s title be the label of a link: the real address is what is shown', () => {
    const card = handoffCard(model({ page: { url: 'https://evil.example/phish', title: 'https://ws.slack.com/admin/billing' } }));
    const page = texts(card.blocks).find((t) => t.startsWith('*Page*')) ?? '';
    expect(page).toBe('*Page*\nhttps://ws.slack.com/admin/billing\n<https://evil.example/phish|https://evil.example/phish>');
    for (const t of tokens(allText(card))) expect(t).not.toMatch(/\|https:\/\/ws\.slack\.com/);
  });

  it.each([
    ['https://evil.example/phish|https://ws.slack.com/admin/billing', '<https://evil.example/phish%7Chttps://ws.slack.com/admin/billing|https://evil.example/phish%7Chttps://ws.slack.com/admin/billing>'],
    ['https://evil.example/a>b<!channel>', '<https://evil.example/a%3Eb%3C!channel%3E|https://evil.example/a%3Eb%3C!channel%3E>'],
  ])('a URL with markup in it (%j) stays one link to itself', (url, link) => {
    const page = texts(handoffCard(model({ page: { url, title: null } })).blocks).find((t) => t.startsWith('*Page*')) ?? '';
    expect(page).toBe(`*Page*\n${link}`);
  });

  it.each([
    'javascript:alert(document.cookie)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:msgbox',
    'file:///etc/passwd',
    'https://user:pass@evil.example/',
    'not a url',
  ])('shows %j as text, never as a link', (url) => {
    const card = handoffCard(model({ page: { url, title: 'Click me' } }));
    const page = texts(card.blocks).find((t) => t.startsWith('*Page*')) ?? '';
    expect(page).toBe(`*Page*\nClick me\n${escapeForSlack(url)}`);
    expect(tokens(page)).toEqual([]);
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);
  });

  it('shows the wait relative to now and as a Slack date', () => {
    const details = texts(handoffCard(model()).blocks).find((t) => t.startsWith('*Waiting*'));
    expect(details).toBe('*Waiting*\n3 min · since <!date^1714557600^{date_short_pretty} {time}|2024-05-01 10:00 UTC>');
    const claimed = texts(handoffCard(model({ state: 'human', owner: OWNER })).blocks).find((t) => t.startsWith('*Waiting*'));
    expect(claimed).toMatch(/^\*Waiting\*\nwaited 3 min/);
    expect(texts(handoffCard(model({ waitingSince: null })).blocks).some((t) => t.startsWith('*Waiting*'))).toBe(false);
    expect(texts(handoffCard(model({ waitingSince: 'garbage' })).blocks).some((t) => t.startsWith('*Waiting*'))).toBe(false);
  });

  it.each([
    [0, 'less than a minute'],
    [59_999, 'less than a minute'],
    [3 * 60_000, '3 min'],
    [60 * 60_000, '1 h'],
    [125 * 60_000, '2 h 5 min'],
    [28 * 3600_000, '1 d 4 h'],
    [48 * 3600_000, '2 d'],
    [-5000, 'less than a minute'],
  ])('formatDuration(%d) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('puts the AI summary at the top and the priority in the fields', () => {
    const card = handoffCard(model({ summary: 'Wants a <refund> & a call', priority: 'urgent' }));
    expect(card.blocks[1]).toMatchObject({ block_id: BLOCK.cardSummary, text: { text: '*AI summary*\nWants a &lt;refund&gt; &amp; a call' } });
    expect(texts(card.blocks)).toContain('*Priority*\n🔴 Urgent');
    expect(card.text).toBe('New handoff (urgent): Jane Doe — customer asked for a person');
    expect(handoffCard(model({ summary: '  ' })).blocks.some((b) => b.block_id === BLOCK.cardSummary)).toBe(false);
  });

  it('mentions the routed agents (valid ids only, deduplicated)', () => {
    const card = handoffCard(model({ mentionUserIds: ['U0AAA', 'W0BBB', 'U0AAA', 'not-an-id', 'U1><!channel'] }));
    const routing = card.blocks.find((b) => b.block_id === BLOCK.cardRouting);
    expect(routing).toMatchObject({ type: 'context', elements: [{ text: 'Routed to <@U0AAA> <@W0BBB>' }] });
    expect(card.text.startsWith('<@U0AAA> <@W0BBB> New handoff')).toBe(true);
    expect(handoffCard(model({ state: 'human', owner: OWNER, mentionUserIds: ['U0AAA'] })).text).not.toContain('<@U0AAA>');
  });

  it('keeps a huge routing list within limits', () => {
    const ids = Array.from({ length: 500 }, (_, i) => `U${String(i).padStart(9, '0')}`);
    const card = handoffCard(model({ mentionUserIds: ids }));
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);
    expect(allText(card)).toMatch(/and \d+ more/);
  });
});

describe('handoffCard: hostile input', () => {
  const huge = (s: string) => s.repeat(Math.ceil(10_000 / s.length)).slice(0, 10_000);
  const hostile = '<!channel> <@U0BOSS> <https://evil.example|your bank> & &lt; \u202E\u200B 👍🏽 `x` *y* ';

  const models: [string, CardModel][] = [
    ['hostile short values', model({
      customer: { name: hostile, email: hostile, verified: false, generatedName: hostile },
      page: { url: 'https://shop.example/?q=<!channel>', title: hostile },
      reason: { kind: 'rule', detail: hostile },
      summary: hostile,
      state: 'human',
      owner: { slackUserId: OWNER.slackUserId, name: hostile },
    })],
    ['10,000-character everything', model({
      customer: { name: huge(hostile), email: huge('a@b.c'), verified: true, generatedName: huge('x') },
      page: { url: 'https://shop.example/' + huge('a/'), title: huge(hostile) },
      reason: { kind: 'frustration', detail: huge(hostile) },
      summary: huge(hostile),
      priority: 'high',
      mentionUserIds: ['U0AAA'],
    })],
    ['10,000-character javascript: URL', model({
      page: { url: 'javascript:' + huge('alert(1);'), title: huge('😀') },
      reason: { kind: 'sensitive_topic', detail: huge('&') },
      state: 'queued',
    })],
    ['surrogates at every cut', model({
      customer: { name: huge('😀'), email: huge('𝔘'), verified: false, generatedName: 'x' },
      page: { url: null, title: huge('👨‍👩‍👧‍👦') },
      summary: huge('<'),
    })],
  ];

  it.each(models)('%s: valid blocks, no live markup from the customer', (_name, m) => {
    const card = handoffCard(m);
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);
    expect(textLength(card.blocks)).toBeLessThanOrEqual(LIMITS.messageTextBudget);
    expect(card.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);

    const all = allText(card);
    for (const t of tokens(all)) {
      // Only our own tokens: the owner/routed mentions, the date, and an http(s) page link.
      expect(t).toMatch(/^(@U0AGENT1|@U0AAA|!date\^\d+\^\{date_short_pretty\} \{time\}\|[\d: -]+UTC|https?:\/\/[^|<>]+\|[^<>]*)$/);
    }
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('<@U0BOSS>');
    expect(all).not.toMatch(/<javascript:/i);
    expect(all).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    expect(all).not.toMatch(/&(a|am|l|g|amp|lt|gt)?…/); // no entity cut in half
  });
});

describe('handoffCard: the customer language (issue 22)', () => {
  it('shows the language, and Reply in it when replies are translated (not once resolved)', () => {
    const spanish = { name: 'Spanish', native: 'Español', replyIn: true };
    const card = handoffCard(model({ language: spanish }));
    expect(texts(card.blocks)).toContain('*Language*\n🌐 Spanish (Español)\n_translated in this thread_');
    expect(actionIds(card.blocks)).toEqual([ACTION.claim, ACTION.summary, ACTION.suggestReply, ACTION.replyTranslated]);
    expect(JSON.stringify(buttonsOf(card.blocks))).toContain('Reply in Spanish');
    expect(validateBlocks(card.blocks, 'message')).toEqual([]);
    expect(actionIds(handoffCard(model({ language: spanish, state: 'resolved', owner: OWNER })).blocks)).not.toContain(ACTION.replyTranslated);
  });

  it('shows a language without translation with no button, and nothing when unknown', () => {
    const card = handoffCard(model({ language: { name: 'English', native: 'English', replyIn: false } }));
    expect(texts(card.blocks)).toContain('*Language*\n🌐 English');
    expect(actionIds(card.blocks)).not.toContain(ACTION.replyTranslated);
    expect(JSON.stringify(handoffCard(model()).blocks)).not.toContain('Language');
  });
});
