import { describe, expect, it } from 'vitest';
import { actions, button, context, section } from './common';
import { textLength, validateBlocks } from './validate-blocks';

describe('validateBlocks', () => {
  const ok = section('fine', 'b1');

  it('accepts a valid message', () => {
    expect(validateBlocks([ok, context(['ctx']), actions('b2', [button({ actionId: 'a', text: 'A', value: 'v' })])], 'message')).toEqual([]);
  });

  it('counts blocks per surface', () => {
    const many = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(validateBlocks(many, 'message')).toEqual([expect.stringContaining('51 blocks exceeds 50')]);
    expect(validateBlocks(many, 'modal')).toEqual([]);
    expect(validateBlocks([...many, ...many], 'home')).toEqual([expect.stringContaining('102 blocks exceeds 100')]);
  });

  it('finds over-long and empty texts', () => {
    const problems = validateBlocks(
      [
        { type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: 'y'.repeat(2001) }] },
        { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } },
        { type: 'header', text: { type: 'mrkdwn', text: 'h' } },
        { type: 'section', text: { type: 'mrkdwn', text: '' } },
        { type: 'section' },
      ],
      'modal',
    );
    expect(problems).toEqual([
      'blocks[0].text: 3001 characters exceeds 3000',
      'blocks[1].fields[0]: 2001 characters exceeds 2000',
      'blocks[2].text: 151 characters exceeds 150',
      'blocks[3].text: must be plain_text',
      'blocks[4].text: text must be a non-empty string',
      'blocks[5]: a section needs text or fields',
    ]);
  });

  it('checks buttons, ids and their uniqueness', () => {
    const longId = 'i'.repeat(256);
    const problems = validateBlocks(
      [
        {
          type: 'actions',
          block_id: 'dup',
          elements: [
            { type: 'button', action_id: 'same', text: { type: 'plain_text', text: 'b'.repeat(76) }, value: 'v'.repeat(2001) },
            { type: 'button', action_id: 'same', text: { type: 'mrkdwn', text: 'ok' }, style: 'loud' },
            { type: 'button', action_id: longId, text: { type: 'plain_text', text: 'ok' } },
          ],
        },
        { type: 'section', block_id: 'dup', text: { type: 'mrkdwn', text: 'x' } },
        { type: 'divider', block_id: longId },
      ],
      'message',
    );
    expect(problems).toEqual([
      'blocks[0].elements[0].text: 76 characters exceeds 75',
      'blocks[0].elements[0].value: 2001 characters exceeds 2000',
      'blocks[0].elements[1].action_id: "same" is not unique in its block',
      'blocks[0].elements[1].text: must be plain_text',
      'blocks[0].elements[1].style: must be primary or danger',
      'blocks[0].elements[2].action_id: 256 characters exceeds 255',
      'blocks[1].block_id: "dup" is not unique',
      'blocks[2].block_id: 256 characters exceeds 255',
    ]);
  });

  it('lets one action_id repeat across blocks (a Claim button per queue row)', () => {
    const row = (i: number) => actions(`row_${i}`, [button({ actionId: 'claim', text: 'Claim', value: String(i) })]);
    expect(validateBlocks([row(1), row(2)], 'home')).toEqual([]);
  });

  it('refuses input blocks in messages and checks their parts', () => {
    const input = {
      type: 'input',
      label: { type: 'plain_text', text: 'Reply' },
      element: { type: 'plain_text_input', action_id: 'x', max_length: 5000, placeholder: { type: 'plain_text', text: 'p'.repeat(151) } },
    };
    expect(validateBlocks([input], 'modal')).toEqual([
      'blocks[0].element.placeholder: 151 characters exceeds 150',
      'blocks[0].element.max_length: 5000 exceeds 3000',
    ]);
    expect(validateBlocks([input], 'message')).toContain('blocks[0]: input blocks are not allowed in messages');
  });

  it('checks options and confirm dialogs', () => {
    const problems = validateBlocks(
      [
        {
          type: 'section',
          text: { type: 'mrkdwn', text: 'pick' },
          accessory: {
            type: 'overflow',
            action_id: 'o',
            options: Array.from({ length: 6 }, (_, i) => ({ text: { type: 'plain_text', text: `o${i}` }, value: String(i) })),
            confirm: { text: { type: 'plain_text', text: 'c'.repeat(301) } },
          },
        },
      ],
      'message',
    );
    expect(problems).toEqual(['blocks[0].accessory.confirm.text: 301 characters exceeds 300', 'blocks[0].accessory.options: 6 exceeds 5']);
  });

  it("warns when a message's text in all is more than Slack accepts", () => {
    const blocks = Array.from({ length: 5 }, () => section('x'.repeat(3000)));
    expect(textLength(blocks)).toBe(15000);
    expect(validateBlocks(blocks, 'message')).toEqual([expect.stringContaining('msg_blocks_too_long')]);
    expect(validateBlocks(blocks, 'modal')).toEqual([]);
  });

  it('rejects things that are not blocks', () => {
    expect(validateBlocks([null, 'x', {}], 'message')).toHaveLength(3);
  });
});
