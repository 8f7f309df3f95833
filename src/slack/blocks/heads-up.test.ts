import { describe, expect, it } from 'vitest';
import { validateBlocks } from './common';
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

  it('stays within Block Kit limits with huge inputs', () => {
    const m = headsUpMessage({ conversationId: 'c_1', teamId: 't'.repeat(5000), customerName: 'n'.repeat(10000), verified: false, pageUrl: 'https://x/' + 'p'.repeat(10000) });
    expect(validateBlocks(m.blocks, 'message')).toEqual([]);
  });
});
