import { describe, expect, it } from 'vitest';
import { validateBlocks } from './validate-blocks';
import { headsUpMessage } from './heads-up';
import { ACTION, decodeValue } from '../ids';

describe('headsUpMessage', () => {
  it('names the team and the customer, escaped, with a Take over button carrying the conversation', () => {
    const m = headsUpMessage({ conversationId: 'c_1', teamId: 'enterprise-sales', customerName: '<!channel> Eve', verified: true, pageUrl: 'https://x.example/enterprise?a=<b>' });
    expect(m.text).toContain('enterprise-sales');
    expect(m.text).toContain('&lt;!channel&gt; Eve (verified)');
    expect(m.text).not.toContain('<!channel>');
    const json = JSON.stringify(m.blocks);
    expect(json).toContain(ACTION.takeOver);
    const button = (m.blocks[1] as { elements: { value: string }[] }).elements[0]!;
    expect(decodeValue(button.value)).toEqual({ conversationId: 'c_1' });
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
  });

  it('links the page with its own address; a URL carrying markup cannot inject any', () => {
    const base = { conversationId: 'c_1', teamId: 'sales', customerName: 'Eve', verified: false };
    const linked = headsUpMessage({ ...base, pageUrl: 'https://evil.example/x|https://ws.slack.com/admin>\u202E' });
    const tokens = [...linked.text.matchAll(/<([^<>]*)>/g)].map((m) => m[1]);
    expect(tokens).toEqual(['https://evil.example/x%7Chttps://ws.slack.com/admin%3E%E2%80%AE|https://evil.example/x%7Chttps://ws.slack.com/admin%3E%E2%80%AE']);
    const text = headsUpMessage({ ...base, pageUrl: 'javascript:alert(1)//<https://ws.slack.com|x>' });
    expect(text.text).toContain(' on javascript:alert(1)//&lt;https://ws.slack.com|x&gt;.');
    expect(text.text).not.toMatch(/<[^@]/);
  });

  it('stays within Block Kit limits with huge inputs', () => {
    const m = headsUpMessage({ conversationId: 'c_1', teamId: 't'.repeat(5000), customerName: 'n'.repeat(10000), verified: false, pageUrl: 'https://x/' + 'p'.repeat(10000) });
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
  });
});
