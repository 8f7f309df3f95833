import { describe, expect, it } from 'vitest';
import { expectToContainAll } from '../../../test/support/block-kit';
import type { KnownBlock } from '@slack/types';
import { ACTION, BLOCK, decodeValue, rowActionId, rowActionPattern } from '../ids';
import { LIMITS } from './common';
import {
  HOME_LIST_LIMIT,
  appHome,
  homeNoticeText,
  threadLink,
  type HomeConversation,
  type HomeList,
  type HomeModel,
} from './app-home';
import { validateBlocks } from './validate-blocks';

const NOW = '2024-05-01T10:30:00.000Z';

function conversation(i: number, overrides: Partial<HomeConversation> = {}): HomeConversation {
  return {
    conversationId: `c_${i}`,
    customer: { name: `Customer ${i}`, generatedName: 'Curious Otter', email: null },
    flags: { verified: false, highValue: false, frustrated: false },
    state: 'waiting',
    page: { url: 'https://shop.example/pricing', title: 'Pricing' },
    lastCustomerMessage: { text: `Question ${i}`, at: '2024-05-01T10:25:00.000Z' },
    awaitingReply: true,
    reason: 'customer_asked',
    since: '2024-05-01T10:20:00.000Z',
    thread: null,
    ...overrides,
  };
}

function list(n: number, make: (i: number) => HomeConversation = conversation, total = n): HomeList {
  return { items: Array.from({ length: n }, (_, i) => make(i)), total };
}

function model(overrides: Partial<HomeModel> = {}): HomeModel {
  return {
    now: NOW,
    agent: { id: 'U0ADA', status: 'available', effective: 'available', presence: 'active', activeConversations: 1, capacity: 3 },
    notice: null,
    mine: list(0),
    queue: list(0),
    live: list(0),
    liveWindowMinutes: 30,
    ...overrides,
  };
}

type Json = Record<string, any>;

/** Every interactive element of the view. */
function elements(blocks: KnownBlock[]): Json[] {
  return blocks.flatMap((b: Json) => [b.accessory, ...(Array.isArray(b.elements) ? b.elements : [])].filter((e) => e && e.type === 'button'));
}

function text(blocks: KnownBlock[]): string {
  return JSON.stringify(blocks);
}

describe('appHome', () => {
  it('shows the status with four buttons, the current one primary, and friendly empty lists', () => {
    const view = appHome(model({ agent: { id: 'U0ADA', status: 'busy', effective: 'busy', presence: null, activeConversations: 0, capacity: 3 } }));
    expect(view.type).toBe('home');
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const status = view.blocks.find((b) => b.block_id === BLOCK.homeStatusActions) as Json;
    expect(status.elements.map((e: Json) => [e.text.text, e.value, e.style])).toEqual([
      ['Available', 'available', undefined],
      ['Busy', 'busy', 'primary'],
      ['Away', 'away', undefined],
      ['Offline', 'offline', undefined],
    ]);
    for (const e of status.elements) expect(e.action_id).toMatch(rowActionPattern(ACTION.homeSetStatus));
    const all = text(view.blocks);
    expectToContainAll(all, [
      '*Your status:* 🔴 Busy',
      'Nothing assigned to you',
      'Nobody is waiting',
      'No conversations with the AI in the last 30 minutes',
    ]);
    expect(view.blocks.some((b) => b.block_id === BLOCK.homeNotice)).toBe(false);
  });

  it('says what routing sees when it differs from the status (capacity, presence)', () => {
    const full = appHome(model({ agent: { id: 'U0ADA', status: 'available', effective: 'busy', presence: 'active', activeConversations: 3, capacity: 3 } }));
    expect(text(full.blocks)).toContain('Routing sees you as *busy* because you have 3 of 3 conversations');
    const away = appHome(model({ agent: { id: 'U0ADA', status: 'available', effective: 'away', presence: 'away', activeConversations: 0, capacity: 3 } }));
    expect(text(away.blocks)).toContain('Routing sees you as *away* because your Slack presence is away');
  });

  it('lists the queue with a Claim per row and live AI conversations with Take over, each action_id unique', () => {
    const view = appHome(
      model({
        mine: list(2, (i) => conversation(100 + i, { state: 'human', thread: { channel: 'C0SUPPORT', ts: '1714557600.000100' } })),
        queue: list(3, (i) => conversation(i, { state: i === 2 ? 'queued' : 'waiting' })),
        live: list(2, (i) => conversation(200 + i, { state: 'ai', reason: null, flags: { verified: true, highValue: i === 0, frustrated: i === 1 } })),
      }),
    );
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const buttons = elements(view.blocks);
    const ids = buttons.map((b) => b.action_id);
    expect(new Set(ids).size).toBe(ids.length);
    const claims = buttons.filter((b) => rowActionPattern(ACTION.homeClaim).test(b.action_id));
    expect(claims.map((b) => decodeValue(b.value)?.conversationId)).toEqual(['c_0', 'c_1', 'c_2']);
    expect(claims[0]!.action_id).toBe(rowActionId(ACTION.homeClaim, 'c_0'));
    const takeOvers = buttons.filter((b) => rowActionPattern(ACTION.takeOver).test(b.action_id));
    expect(takeOvers.map((b) => decodeValue(b.value)?.conversationId)).toEqual(['c_200', 'c_201']);
    expect(takeOvers[0]!.text.text).toBe('Take over');
    expect(takeOvers[0]!.confirm).toBeDefined();
    const all = text(view.blocks);
    expectToContainAll(all, [
      '*Waiting for an agent* (3)',
      'queued (nobody was available)',
      '⏳ waiting 10 min',
      '*Customer 200* ✅ 💎',
      '*Customer 201* ✅ 🔥',
      'https://slack.com/app_redirect?channel=C0SUPPORT&amp;message_ts=1714557600.000100',
      '⏳ waiting for your reply · 5 min',
    ]);
  });

  it('escapes hostile customer text so it can neither ping nor link, and keeps it on one line', () => {
    const hostile = conversation(1, {
      customer: { name: '<!channel> *Boss* <@U0ADA>\nsecond line', generatedName: 'x', email: '<mailto:a@b.c|you@bank.com>' },
      page: { url: 'javascript:alert(1)', title: '<https://evil.example|Click me> & co' },
      lastCustomerMessage: { text: 'Hi <!here> <https://evil.example|your invoice> &amp; \u202Egnp.exe', at: NOW },
    });
    const view = appHome(model({ queue: list(1, () => hostile), live: list(1, () => ({ ...hostile, conversationId: 'c_9', state: 'ai' })) }));
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const all = text(view.blocks);
    for (const raw of ['<!channel>', '<!here>', '<@U0ADA>', '<https://evil.example', '<mailto:', 'javascript:alert(1)|']) {
      expect(all).not.toContain(raw);
    }
    expect(all).toContain('&lt;!channel&gt;');
    expect(all).toContain('&lt;https://evil.example|Click me&gt; &amp; co');
    expect(all).toContain('&amp;amp;');
    expect(all).toContain('\u2068'); // the right-to-left override is isolated
    expect(all).not.toContain('\\nsecond line');
  });

  it("shows the page title as text and links the real URL with its own address, never the visitor's title", () => {
    const phish = conversation(1, { page: { url: 'https://evil.example/phish|x>y', title: 'https://ws.slack.com/admin/billing' } });
    const view = appHome(model({ queue: list(1, () => phish) }));
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const all = text(view.blocks);
    expect(all).toContain('📄 https://ws.slack.com/admin/billing · <https://evil.example/phish%7Cx%3Ey|https://evil.example/phish%7Cx%3Ey>');
    for (const [, token] of all.matchAll(/<([^<>]*)>/g)) expect(token).not.toMatch(/\|https:\/\/ws\.slack\.com/);
  });

  it('cuts long names, pages and messages to a budget', () => {
    const long = conversation(1, {
      customer: { name: 'N'.repeat(5000), generatedName: 'x', email: `${'e'.repeat(3000)}@example.com` },
      page: { url: `https://shop.example/${'p'.repeat(4000)}`, title: null },
      lastCustomerMessage: { text: '&'.repeat(10_000), at: NOW },
    });
    const view = appHome(model({ mine: list(1, () => ({ ...long, state: 'human' })), queue: list(1, () => long) }));
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    for (const b of view.blocks as Json[]) {
      if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThan(800);
    }
    const all = text(view.blocks);
    expect(all).toContain('…');
    expect(all).not.toMatch(/&am…|&a…|&…/); // never half an entity
  });

  it('falls back to the generated name and says when there is no message yet', () => {
    const view = appHome(
      model({ live: list(1, (i) => conversation(i, { state: 'ai', customer: { name: '  ', generatedName: 'Brave Puffin', email: null }, lastCustomerMessage: null, page: { url: null, title: null } })) }),
    );
    const all = text(view.blocks);
    expect(all).toContain('*Brave Puffin*');
    expect(all).toContain('No message from the customer yet');
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
  });

  it('caps each list and says how many more, staying within 100 blocks even with a notice', () => {
    const view = appHome(
      model({
        notice: { kind: 'took_over', customerName: 'Jane', thread: null },
        mine: list(40, (i) => conversation(i, { state: 'human' })),
        queue: list(40, (i) => conversation(100 + i), 40),
        live: list(HOME_LIST_LIMIT, (i) => conversation(200 + i, { state: 'ai' }), 57),
      }),
    );
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    const all = text(view.blocks);
    expect(all).toContain('…and 30 more of yours.');
    expect(all).toContain('…and 30 more waiting');
    expect(all).toContain('…and 47 more with the AI.');
    expect(elements(view.blocks).filter((b) => rowActionPattern(ACTION.homeClaim).test(b.action_id))).toHaveLength(HOME_LIST_LIMIT);
    expect(view.blocks[1]!.block_id).toBe(BLOCK.homeNotice);
  });
});

describe('threadLink', () => {
  it('links the message when its ts is known, else names the channel, else nothing', () => {
    expect(threadLink({ channel: 'C0SUPPORT', ts: '1714557600.000100' })).toBe(
      '<https://slack.com/app_redirect?channel=C0SUPPORT&amp;message_ts=1714557600.000100|Open the thread>',
    );
    expect(threadLink({ channel: 'C0SUPPORT', ts: null })).toBe('thread in <#C0SUPPORT>');
    expect(threadLink({ channel: 'not a channel|x>', ts: '1.2' })).toBeNull();
    expect(threadLink(null)).toBeNull();
  });
});

describe('homeNoticeText', () => {
  it('tells the agent what came of their click, names escaped', () => {
    expect(homeNoticeText({ kind: 'owned', ownerId: 'U0GRACE', customerName: '<!channel>' })).toBe(
      '⚠️ <@U0GRACE> already has the conversation with *&lt;!channel&gt;*.',
    );
    expect(homeNoticeText({ kind: 'owned', ownerId: 'not-an-id>', customerName: 'Jane' })).toContain('Someone else');
    expect(homeNoticeText({ kind: 'claimed', customerName: 'Jane', thread: { channel: 'C0SUPPORT', ts: '1714557600.000100' } })).toContain('|open the thread>');
    expect(homeNoticeText({ kind: 'took_over', customerName: 'Jane', thread: null })).toContain('being posted in the handoff channel');
    expect(homeNoticeText({ kind: 'resolved' })).toContain('resolved');
    expect(homeNoticeText({ kind: 'not_found' })).toContain('no longer exists');
    expect(homeNoticeText({ kind: 'failed' })).toContain('try again');
  });
});
