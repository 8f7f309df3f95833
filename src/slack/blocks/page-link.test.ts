import { describe, expect, it } from 'vitest';
import { tokens } from '../../../test/support/block-kit';
import { MAX_LINK_URL, linkableUrl, pageMrkdwn, pageTitleMrkdwn, pageUrlMrkdwn } from './page-link';

/** Every link in mrkdwn as target and label (`<target|label>` or `<target>`). */
function links(mrkdwn: string): { target: string; label: string }[] {
  return tokens(mrkdwn).map((t) => {
    const bar = t.indexOf('|');
    return bar === -1 ? { target: t, label: t } : { target: t.slice(0, bar), label: t.slice(bar + 1) };
  });
}

/** The host a label shows (after the scheme), up to the first `/`, `?`, `#` or `…`. */
function shownHost(label: string): string {
  return /^https?:\/\/([^/?#…]*)/.exec(label)?.[1] ?? '';
}

describe('pageUrlMrkdwn', () => {
  it('links an http(s) URL with its own address as the label', () => {
    expect(pageUrlMrkdwn('https://shop.example/a?b=1&c=2', 200)).toBe('<https://shop.example/a?b=1&amp;c=2|https://shop.example/a?b=1&amp;c=2>');
    expect(pageUrlMrkdwn('http://a.example', 200)).toBe('<http://a.example/|http://a.example/>');
  });

  it.each([
    ['a | that would start a label', 'https://evil.example/phish|https://ws.slack.com/admin/billing'],
    ['a > that would end the token', 'https://evil.example/x>https://ws.slack.com/<b>'],
    ['a Slack token in the path', 'https://evil.example/<!channel>/<@U0ADA>'],
    ['a token in the fragment', 'https://evil.example/#<https://ws.slack.com|ws.slack.com>'],
    ['a right-to-left override', 'https://evil.example/\u202Emoc.kcals.sw'],
    ['backslashes and tabs', 'https:\\\\evil.example\\a\tb'],
  ])('%s cannot inject markup: one link, labelled with its real host', (_name, raw) => {
    const out = pageUrlMrkdwn(raw, 200)!;
    const found = links(out);
    expect(found).toHaveLength(1);
    const [{ target, label }] = found as [{ target: string; label: string }];
    expect(target).toMatch(/^https:\/\/evil\.example\//);
    expect(target).not.toMatch(/[|<>\s\u202E]/);
    expect(label).not.toMatch(/[|<>\u202E]/);
    expect(shownHost(label)).toBe('evil.example');
    expect(out.indexOf('<')).toBe(0);
    expect(out.indexOf('>')).toBe(out.length - 1);
  });

  it('shows an international host in punycode (no lookalike letters)', () => {
    const out = pageUrlMrkdwn('https://slаck.com/admin', 200)!; // a Cyrillic а
    expect(links(out)).toEqual([{ target: 'https://xn--slck-63d.com/admin', label: 'https://xn--slck-63d.com/admin' }]);
  });

  it.each([
    'javascript:alert(document.cookie)',
    'data:text/html,<script>alert(1)</script>',
    'file:///etc/passwd',
    'https://ws.slack.com@evil.example/',
    'https://user:pass@evil.example/',
    'not a url <!channel>',
  ])('shows %j as escaped text, never a link', (raw) => {
    const out = pageUrlMrkdwn(raw, 200)!;
    expect(tokens(out)).toEqual([]);
    expect(out).not.toMatch(/[<>]/);
  });

  it('a long URL keeps its whole host in the label and cuts only the path', () => {
    const raw = `https://ws.slack.com.evil.example/${'a/'.repeat(200)}`;
    const [link] = links(pageUrlMrkdwn(raw, 80)!);
    expect(link!.target).toBe(raw);
    expect(link!.label.length).toBeLessThanOrEqual(80);
    expect(link!.label).toMatch(/^https:\/\/ws\.slack\.com\.evil\.example\/a\/.*…$/);
  });

  it('a host too long for the label keeps its end, the registered domain', () => {
    const host = `ws.slack.com.${'x'.repeat(120)}.evil.example`;
    const [link] = links(pageUrlMrkdwn(`https://${host}/billing`, 80)!);
    expect(link!.target).toBe(`https://${host}/billing`);
    expect(link!.label.length).toBeLessThanOrEqual(80);
    expect(link!.label).toMatch(/^https:\/\/….*\.evil\.example\/…$/);
    expect(link!.label).not.toContain('ws.slack.com');
  });

  it(`a URL over ${MAX_LINK_URL} characters is text, cut, not a link`, () => {
    const out = pageUrlMrkdwn(`https://shop.example/${'p'.repeat(MAX_LINK_URL)}`, 80)!;
    expect(tokens(out)).toEqual([]);
    expect(out.length).toBeLessThanOrEqual(80);
    expect(out.endsWith('…')).toBe(true);
  });

  it('nothing for no URL', () => {
    expect(pageUrlMrkdwn(null, 80)).toBeNull();
    expect(pageUrlMrkdwn('   ', 80)).toBeNull();
  });
});

describe('pageTitleMrkdwn', () => {
  it('is escaped text on one line, never a link', () => {
    expect(pageTitleMrkdwn('<https://ws.slack.com/admin/billing|Billing> & co\nline 2', 200)).toBe(
      '&lt;https://ws.slack.com/admin/billing|Billing&gt; &amp; co line 2',
    );
    expect(pageTitleMrkdwn('Pay \u202Enow', 200)).toBe('\u2068Pay \u202Enow\u2069');
    expect(pageTitleMrkdwn('  ', 200)).toBeNull();
    expect(pageTitleMrkdwn(null, 200)).toBeNull();
  });
});

describe('pageMrkdwn', () => {
  it('a title that names another site is never the label of the real link', () => {
    const { title, url } = pageMrkdwn({ url: 'https://evil.example/phish', title: 'https://ws.slack.com/admin/billing' }, { title: 200, url: 200 });
    expect(title).toBe('https://ws.slack.com/admin/billing');
    expect(url).toBe('<https://evil.example/phish|https://evil.example/phish>');
  });
});

describe('linkableUrl', () => {
  it.each([
    ['https://a.example/x?y=1&z=2', 'https://a.example/x?y=1&amp;z=2'],
    ['https://a.example/a|b', 'https://a.example/a%7Cb'],
    ['https://a.example/#x|y', 'https://a.example/#x%7Cy'],
    ['https://a|b.example/', null],
    ['javascript:alert(1)', null],
    [null, null],
  ])('%j → %j', (url, expected) => {
    expect(linkableUrl(url)).toBe(expected);
  });
});

describe('linkableUrl', () => {
  it.each([
    ['https://a.example/x?y=1&z=2', 'https://a.example/x?y=1&amp;z=2'],
    ['http://a.example', 'http://a.example/'],
    ['  https://a.example/<b>  ', 'https://a.example/%3Cb%3E'],
    ['https://a.example/a|b', 'https://a.example/a%7Cb'],
    ['javascript:alert(1)', null],
    ['ftp://a.example', null],
    ['', null],
    [null, null],
  ])('%j → %j', (url, expected) => {
    expect(linkableUrl(url)).toBe(expected);
  });
});
