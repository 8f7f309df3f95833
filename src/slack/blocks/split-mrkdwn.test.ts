import { describe, expect, it } from 'vitest';
import { escapeForSlack } from '../text';
import { splitMrkdwn } from './split-mrkdwn';

describe('splitMrkdwn', () => {
  const hasLoneSurrogate = (s: string) => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

  it('keeps short text whole', () => {
    expect(splitMrkdwn('short', 3000)).toEqual(['short']);
    expect(splitMrkdwn('', 3000)).toEqual(['']);
  });

  it('loses nothing and respects the limit', () => {
    const text = Array.from({ length: 3000 }, (_, i) => `word${i}`).join(' ') + '\n' + 'x'.repeat(7000);
    const chunks = splitMrkdwn(text, 3000);
    expect(chunks.join('')).toBe(text);
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(3000);
  });

  it('prefers line breaks, then spaces', () => {
    const text = 'a'.repeat(2000) + '\n' + 'b'.repeat(500) + ' ' + 'c'.repeat(1000);
    expect(splitMrkdwn(text, 3000)[0]).toBe('a'.repeat(2000) + '\n');
    const spaced = 'a'.repeat(2000) + ' ' + 'c'.repeat(1500);
    expect(splitMrkdwn(spaced, 3000)[0]).toBe('a'.repeat(2000) + ' ');
  });

  it('never splits an entity, a surrogate pair, an emoji sequence or a token', () => {
    const escaped = escapeForSlack('<'.repeat(2000) + '😀'.repeat(2000) + '👍🏽'.repeat(1000) + '&'.repeat(999));
    const chunks = splitMrkdwn(escaped, 2999);
    expect(chunks.join('')).toBe(escaped);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(2999);
      expect(hasLoneSurrogate(c)).toBe(false);
      expect(c).not.toMatch(/^\uD83C[\uDFFB-\uDFFF]/); // no chunk starts with a dangling skin tone
      expect(c.replace(/&(amp|lt|gt);/g, '')).not.toContain('&');
    }
    const tokens = 'x'.repeat(2990) + ' <https://example.com/long/path|a label> tail';
    const tokenChunks = splitMrkdwn(tokens, 3000);
    expect(tokenChunks.join('')).toBe(tokens);
    expect(tokenChunks[1]).toMatch(/^<https:/);
  });
});
