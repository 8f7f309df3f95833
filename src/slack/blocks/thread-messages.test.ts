import { describe, expect, it } from 'vitest';
import type { KnownBlock } from '@slack/types';
import { texts } from '../../../test/support/block-kit';
import { escapeForSlack } from '../text';
import { LIMITS } from './common';
import { type TranscriptTurn, customerMessageBlocks, customerPoster, mergeCustomerPosts, renderTurn, threadNotice, transcriptMessages } from './thread-messages';
import { textLength, validateBlocks } from './validate-blocks';

describe('transcriptMessages', () => {
  const at = '2024-05-01T10:00:00.000Z';
  const roles = ['customer', 'ai', 'agent', 'system'] as const;

  function sectionTexts(messages: { blocks?: KnownBlock[] }[]): string[] {
    return messages.flatMap((m) => (m.blocks ?? []).map((b) => (b as unknown as { text: { text: string } }).text.text));
  }

  it('labels turns and escapes them', () => {
    const messages = transcriptMessages(
      [
        { role: 'customer', text: 'Hi <!channel>, I need a refund & more', at },
        { role: 'ai', text: 'Sure — <https://evil|here>', at },
        { role: 'agent', text: 'I can help', at, agentName: 'Sam <@U1>' },
        { role: 'agent', text: 'Anonymous', at },
        { role: 'system', text: 'Customer left', at },
      ],
      'Jane <Doe>',
    );
    expect(messages).toHaveLength(1);
    expect(messages[0]?.text).toBe('Conversation so far');
    expect(sectionTexts(messages)).toEqual([
      [
        '*Customer (Jane &lt;Doe&gt;):* Hi &lt;!channel&gt;, I need a refund &amp; more',
        '*AI:* Sure — &lt;https://evil|here&gt;',
        '*Agent (Sam &lt;@U1&gt;):* I can help',
        '*Agent:* Anonymous',
        '*System:* Customer left',
      ].join('\n'),
    ]);
  });

  it('returns nothing for no turns', () => {
    expect(transcriptMessages([], 'Jane')).toEqual([]);
  });

  it('packs 200 turns and a 20,000-character message within limits, losing no text', () => {
    const turns: TranscriptTurn[] = Array.from({ length: 200 }, (_, i) => ({
      role: roles[i % 4] ?? 'customer',
      text: `turn ${i}: ${'lorem ipsum <b> & '.repeat(i % 7)}👍🏽 end ${i}`,
      at,
      agentName: 'Sam',
    }));
    const long = Array.from({ length: 2000 }, (_, i) => `w${i}<&>`).join(' ').slice(0, 20_000);
    turns.splice(100, 0, { role: 'customer', text: long, at });

    const messages = transcriptMessages(turns, 'Jane');
    const expected = turns.map((t) => renderTurn(t, 'Jane'));
    const total = expected.reduce((n, t) => n + t.length, 0);

    for (const m of messages) {
      expect(validateBlocks(m.blocks ?? [], 'message')).toEqual([]);
      expect(m.blocks?.length).toBeLessThanOrEqual(50);
      expect(textLength(m.blocks)).toBeLessThanOrEqual(LIMITS.messageTextBudget);
      for (const s of sectionTexts([m])) expect(s.length).toBeLessThanOrEqual(3000);
    }
    // Packed: every message but the last is at least 7,000 characters full.
    expect(messages.length).toBeLessThanOrEqual(Math.ceil(total / (LIMITS.messageTextBudget - LIMITS.sectionText)) + 1);
    expect(messages.map((m) => m.text)).toEqual(messages.map((_, i) => `Conversation so far (${i + 1}/${messages.length})`));

    // No text lost or reordered: turns contain no line breaks, so dropping the separators compares exactly.
    expect(sectionTexts(messages).join('').replace(/\n/g, '')).toBe(expected.join('').replace(/\n/g, ''));
    expect(sectionTexts(messages).join('')).toContain(escapeForSlack(long).slice(0, 2000));
  });

  it('splits a turn with line breaks without losing them', () => {
    const text = Array.from({ length: 800 }, (_, i) => `line ${i} with <tags> & stuff`).join('\n');
    const messages = transcriptMessages([{ role: 'agent', text, at, agentName: 'Sam' }], 'Jane');
    const rendered = renderTurn({ role: 'agent', text, at, agentName: 'Sam' }, 'Jane');
    expect(sectionTexts(messages).join('')).toBe(rendered);
    for (const m of messages) expect(validateBlocks(m.blocks ?? [], 'message')).toEqual([]);
  });

  it('packs many short turns into one message', () => {
    const turns = Array.from({ length: 200 }, (_, i) => ({ role: 'customer' as const, text: `ok ${i}`, at }));
    const messages = transcriptMessages(turns, 'Jane');
    expect(messages).toHaveLength(1);
    expect(messages[0]?.blocks?.length).toBeLessThanOrEqual(2);
  });

  it('keeps a customer name that is 10,000 characters long within limits', () => {
    const messages = transcriptMessages([{ role: 'customer', text: 'hi', at }], 'N'.repeat(10_000));
    expect(sectionTexts(messages)[0]?.length).toBeLessThan(200);
  });
});

describe('customerPoster', () => {
  it("marks the visitor's name as a customer's and uses the fixed customer icon", () => {
    expect(customerPoster('Ada Lovelace')).toEqual({ username: 'Ada Lovelace (customer)', icon_emoji: ':bust_in_silhouette:' });
    expect(customerPoster('Jane <Doe>')).toEqual({ username: 'Jane <Doe> (customer)', icon_emoji: ':bust_in_silhouette:' });
  });

  it.each([
    ['a long name', 'Ada Lovelace '.repeat(20), /^Ada Lovelace Ada .*… \(customer\)$/],
    ['line breaks and runs of spaces', 'Ada\n\n   Lovelace\t', /^Ada Lovelace \(customer\)$/],
    ['a right-to-left override that would turn the suffix around', 'Ada Lovelace\u202E', /^Ada Lovelace \(customer\)$/],
    ['invisible characters', '\u200BAda\u200D Lovelace\uFEFF\u2028', /^Ada Lovelace \(customer\)$/],
    ['an empty name', ' \u200B ', /^Visitor \(customer\)$/],
    ['a name already claiming to be an agent', 'Ada (agent)', /^Ada \(agent\) \(customer\)$/],
  ])('%s: the suffix is always there, within Slack\'s 80 characters', (_name, name, expected) => {
    const { username } = customerPoster(name);
    expect(username).toMatch(expected);
    expect(username.endsWith(' (customer)')).toBe(true);
    expect(username.length).toBeLessThanOrEqual(80);
    expect(username).not.toMatch(/[\p{Cc}\p{Cf}]/u);
  });
});

describe('customerMessageBlocks', () => {
  it('escapes the message', () => {
    const message = customerMessageBlocks('<!here> call me & <https://x|now>');
    expect(message.text).toBe('&lt;!here&gt; call me &amp; &lt;https://x|now&gt;');
    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '&lt;!here&gt; call me &amp; &lt;https://x|now&gt;', verbatim: true } },
    ]);
  });

  it('splits a long message into valid sections without losing text', () => {
    const text = 'word '.repeat(800);
    const message = customerMessageBlocks(text);
    expect(validateBlocks(message.blocks ?? [], 'message')).toEqual([]);
    expect(texts(message.blocks).join('')).toBe(text);
    expect(message.text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  });

  it('falls back to plain text when the escaped text is too long for blocks', () => {
    const text = '<'.repeat(4000);
    const message = customerMessageBlocks(text);
    expect(message.blocks).toBeUndefined();
    expect(message.text).toBe('&lt;'.repeat(4000));
  });
});

describe('threadNotice', () => {
  it('is a context line, escaped', () => {
    const notice = threadNotice('↩️ The customer came back; the conversation is with the AI again.');
    expect(notice).toEqual({
      text: '↩️ The customer came back; the conversation is with the AI again.',
      blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: '↩️ The customer came back; the conversation is with the AI again.', verbatim: true }] }],
    });
    expect(threadNotice('Jane <!channel> left').text).toBe('Jane &lt;!channel&gt; left');
    expect(validateBlocks(threadNotice('x'.repeat(10_000)).blocks ?? [], 'message')).toEqual([]);
  });
});

describe('mergeCustomerPosts', () => {
  const post = (text: string, name = 'Jane') => ({ channel: 'C1', thread_ts: { $cardOf: 'c_1' }, ...customerMessageBlocks(text), ...customerPoster(name) });
  const lines = (args: Record<string, unknown>) => (args.blocks as { text: { text: string } }[]).map((b) => b.text.text).join('\n').split('\n');

  it('merges the following posts into the first, each message on its own line, in order, keeping the thread and the poster', () => {
    const merged = mergeCustomerPosts(post('one <!here>'), [post('two'), post('three & four')])!;
    expect(merged.absorbed).toBe(2);
    expect(lines(merged.args)).toEqual(['one &lt;!here&gt;', 'two', 'three &amp; four']);
    expect(merged.args).toMatchObject({ channel: 'C1', thread_ts: { $cardOf: 'c_1' }, username: 'Jane (customer)' });
    expect(merged.args.text).toBe('one &lt;!here&gt;\ntwo\nthree &amp; four');
    expect(validateBlocks(merged.args.blocks as KnownBlock[], 'message')).toEqual([]);
  });

  it('stops at a post under another name or a plain-text one, and merges nothing into a plain-text post', () => {
    expect(mergeCustomerPosts(post('a'), [post('b'), post('c', 'Mallory'), post('d')])?.absorbed).toBe(1);
    const huge = post('x'.repeat(60_000));
    expect(huge.blocks).toBeUndefined();
    expect(mergeCustomerPosts(post('a'), [huge, post('b')])).toBeNull();
    expect(mergeCustomerPosts(huge, [post('b')])).toBeNull();
    expect(mergeCustomerPosts(post('a'), [])).toBeNull();
  });

  it('takes only what fits one message (50 blocks, the text budget); the rest goes in the next post', () => {
    const long = (i: number) => post(`${i} ${'y'.repeat(2_990)}`); // each fills a section of its own
    const next = Array.from({ length: 20 }, (_, i) => long(i + 1));
    const merged = mergeCustomerPosts(long(0), next)!;
    const blocks = merged.args.blocks as KnownBlock[];
    expect(merged.absorbed).toBeGreaterThan(0);
    expect(merged.absorbed).toBeLessThan(20);
    expect(blocks.length).toBe(merged.absorbed + 1);
    expect(textLength(blocks)).toBeLessThanOrEqual(LIMITS.messageTextBudget);
    expect(validateBlocks(blocks, 'message')).toEqual([]);
    const many = Array.from({ length: 200 }, (_, i) => post(`short ${i}`));
    const packed = mergeCustomerPosts(post('first'), many)!;
    expect(lines(packed.args)).toEqual(['first', ...many.slice(0, packed.absorbed).map((_, i) => `short ${i}`)]);
  });
});
