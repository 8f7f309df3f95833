import { describe, expect, it } from 'vitest';
import { LIMITS, actions, button, confirmDialog, fieldsSection, mrkdwn, plainText, section } from './common';
import { validateBlocks } from './validate-blocks';

describe('factories', () => {
  it('makes verbatim mrkdwn so Slack does not auto-parse plain content', () => {
    expect(mrkdwn('hi')).toEqual({ type: 'mrkdwn', text: 'hi', verbatim: true });
  });

  it('never makes an empty text object', () => {
    expect(mrkdwn('').text).not.toBe('');
    expect(plainText('', 10).text).not.toBe('');
  });

  it('cuts to the limits', () => {
    expect(section('x'.repeat(5000)).text?.text).toHaveLength(LIMITS.sectionText);
    expect(plainText('y'.repeat(100), LIMITS.buttonText).text).toHaveLength(LIMITS.buttonText);
    const fields = fieldsSection(Array.from({ length: 12 }, () => 'z'.repeat(2500)));
    expect(fields.fields).toHaveLength(10);
    for (const f of fields.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(LIMITS.sectionField);
    expect(validateBlocks([fields], 'modal')).toEqual([]);
  });

  it('refuses a button value that would not fit (never cut silently)', () => {
    expect(() => button({ actionId: 'a', text: 'A', value: 'v'.repeat(2001) })).toThrow(RangeError);
    expect(button({ actionId: 'a', text: 'A', value: 'v'.repeat(2000) }).value).toHaveLength(2000);
  });

  it('builds confirm dialogs within limits', () => {
    const b = button({
      actionId: 'a',
      text: 'Go',
      confirm: confirmDialog({ title: 't'.repeat(200), text: 'x'.repeat(500), confirm: 'c'.repeat(50), deny: 'd'.repeat(50) }),
    });
    expect(validateBlocks([actions('blk', [b])], 'message')).toEqual([]);
  });
});
