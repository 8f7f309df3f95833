import { describe, expect, it } from 'vitest';
import { decodeSlackEntities, escapeForSlack, slackToPlain, truncate, truncateEscaped } from './text';

const lookup = {
  userName: (id: string) => ({ U123: 'Alice Smith', U777: '@Bob' })[id],
  channelName: (id: string) => ({ C123: 'general' })[id],
};
const noNames = { userName: () => undefined, channelName: () => undefined };

describe('escapeForSlack', () => {
  it.each([
    ['<!channel> everyone look', '&lt;!channel&gt; everyone look'],
    ['<!here>', '&lt;!here&gt;'],
    ['<!everyone>', '&lt;!everyone&gt;'],
    ['hi <@U123>', 'hi &lt;@U123&gt;'],
    ['<#C123|general>', '&lt;#C123|general&gt;'],
    ['<!subteam^S123|@eng>', '&lt;!subteam^S123|@eng&gt;'],
    ['<https://evil.example|spoof>', '&lt;https://evil.example|spoof&gt;'],
    ['<http://evil|click>', '&lt;http://evil|click&gt;'],
    ['Tom & Jerry', 'Tom &amp; Jerry'],
    ['&lt; is already an entity', '&amp;lt; is already an entity'],
    ['&amp;amp;', '&amp;amp;amp;'],
    ['a < b > c', 'a &lt; b &gt; c'],
    ['no markup at all', 'no markup at all'],
    ['@channel @here plain words', '@channel @here plain words'],
    ['`code` ```block``` *bold* _it_ ~st~', '`code` ```block``` *bold* _it_ ~st~'],
    ['right-to-left \u202Egnp.exe', 'right-to-left \u202Egnp.exe'],
    ['zero\u200Bwidth\u200D\uFEFF', 'zero\u200Bwidth\u200D\uFEFF'],
    ['emoji 👍🏽 👨‍👩‍👧 🇫🇷 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢', 'emoji 👍🏽 👨‍👩‍👧 🇫🇷 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢'],
    ['', ''],
  ])('%j → %j', (input, expected) => {
    expect(escapeForSlack(input)).toBe(expected);
  });

  it('leaves no raw < or > behind, so no Slack token can form', () => {
    const hostile = '<<!channel>> <@U1|x> <<https://a|b>> >< &<>&';
    expect(escapeForSlack(hostile)).not.toMatch(/[<>]/);
  });

  it.each([
    ['<!channel> ping', 'text with tokens'],
    ['<https://evil|spoof> &lt; &amp; & < >', 'entities and tokens'],
    ['\u202Eevil\u202C and \u200B\u200C\u200D\u2060\uFEFF', 'bidi and zero-width'],
    ['👍🏻 🏳️‍🌈 𝕏 \u{1F600}\u{E0067}', 'emoji and 4-byte characters'],
    ["don`t and 10:30 o'clock, 2*3", 'a lone backtick, colons, a lone star'],
    ['\uE000 \uE001 private use', 'private-use characters'],
  ])('round-trips %j through escape and slackToPlain (%s)', (text) => {
    expect(slackToPlain(escapeForSlack(text), noNames)).toBe(text);
  });
});

describe('decodeSlackEntities', () => {
  it('decodes once and in the right order', () => {
    expect(decodeSlackEntities('&amp;lt; &lt; &gt; &amp; &quot;')).toBe('&lt; < > & &quot;');
  });
});

describe('slackToPlain', () => {
  it.each([
    // links
    ['see <https://x.com|the docs>', 'see the docs (https://x.com)'],
    ['<https://x.com>', 'https://x.com'],
    ['<https://x.com|https://x.com>', 'https://x.com'],
    ['<http://example.com|example.com>', 'http://example.com'],
    ['<mailto:a@b.c|a@b.c>', 'a@b.c'],
    ['<mailto:a@b.c>', 'a@b.c'],
    ['<mailto:a@b.c|write to us>', 'write to us (a@b.c)'],
    ['<https://x.com/a_b_c?q=1&amp;r=2|docs>', 'docs (https://x.com/a_b_c?q=1&r=2)'],
    ['<https://x.com|A &amp; B>', 'A & B (https://x.com)'],
    // users and channels
    ['hi <@U123>', 'hi @Alice Smith'],
    ['hi <@U123|alice>', 'hi @Alice Smith'],
    ['hi <@U999|dana>', 'hi @dana'],
    ['hi <@U999>', 'hi @someone'],
    ['hi <@U777>', 'hi @Bob'],
    ['in <#C123|general>', 'in #general'],
    ['in <#C123>', 'in #general'],
    ['in <#C999|random>', 'in #random'],
    ['in <#C999>', 'in #channel'],
    // special mentions
    ['<!here> <!channel> <!everyone>', '@here @channel @everyone'],
    ['<!here|here> <!channel|@channel>', '@here @channel'],
    ['<!subteam^S123|@team>', '@team'],
    ['<!subteam^S123|support-team>', '@support-team'],
    ['<!date^1392734382^{date_num} {time_secs}|Posted 2014-02-18 6:39:42 AM PST>', 'Posted 2014-02-18 6:39:42 AM PST'],
    ['<!date^1392734382^{date}>', '2014-02-18 14:39 UTC'],
    // entities
    ['a &lt;b&gt; &amp; c', 'a <b> & c'],
    ['&amp;lt; stays an entity', '&lt; stays an entity'],
    ['&amp;amp;', '&amp;'],
    ['&quot; unknown entity', '&quot; unknown entity'],
    // emoji
    ['hello :wave: :smile:', 'hello 👋 😄'],
    [':thumbsup: :+1: :-1: :tada: :heart:', '👍 👍 👎 🎉 ❤️'],
    [':thumbsup::skin-tone-2: :wave::skin-tone-6:', '👍🏻 👋🏿'],
    [':point_up::skin-tone-3:', '☝🏼'],
    [':tada::skin-tone-2:', '🎉'],
    [':white_check_mark: :x: :warning: :100:', '✅ ❌ ⚠️ 💯'],
    [':no_such_emoji: stays', ':no_such_emoji: stays'],
    ['10:30:45 and 10:30:smile:', '10:30:45 and 10:30😄'],
    [':SMILE:', ':SMILE:'],
    // formatting
    ['*bold* _italic_ ~strike~', 'bold italic strike'],
    ['2*3*4 = 24', '2*3*4 = 24'],
    ['snake_case_names and __init__', 'snake_case_names and __init__'],
    ['a * b * c', 'a * b * c'],
    ['*not closed', '*not closed'],
    ['*multi word bold*, then _it_.', 'multi word bold, then it.'],
    ['(*in parens*)', '(in parens)'],
    ['*_both_*', 'both'],
    ['*see <https://x.com|docs>*', 'see docs (https://x.com)'],
    ['*:fire:*', '🔥'],
    ['~~double~~', '~~double~~'],
    // code
    ['run `npm *install*` now', 'run npm *install* now'],
    ['```\nconst a = b_c_d * 2; // :smile:\n```', '\nconst a = b_c_d * 2; // :smile:\n'],
    ['```x &lt; y &amp;&amp; <https://a.b>```', 'x < y && https://a.b'],
    ['an unclosed ``` fence', 'an unclosed ``` fence'],
    // mixed
    ['> quoted line', '> quoted line'],
    // Slack never sends a raw `<` outside a token; if it did, nothing HTML-like comes out.
    ['<!channel> <script>alert(1)</script>', '@channel scriptalert(1)/script'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', '<script>alert(1)</script>'],
  ])('%j → %j', (input, expected) => {
    expect(slackToPlain(input, lookup)).toBe(expected);
  });

  it('never produces HTML from markup (plain text only)', () => {
    const out = slackToPlain('*b* <https://x.com|<b>x</b>> &lt;i&gt;', lookup);
    // The only angle brackets are the ones the sender escaped themselves.
    expect(out).not.toMatch(/<\/?(b|strong|em|a)\b/);
  });

  it('copes with long and odd input', () => {
    const long = '*a* '.repeat(5000) + ':smile:'.repeat(1000) + '<'.repeat(100);
    expect(() => slackToPlain(long, lookup)).not.toThrow();
    expect(slackToPlain('', lookup)).toBe('');
  });
});

describe('truncate', () => {
  it('returns short text unchanged', () => {
    expect(truncate('hello', 5)).toBe('hello');
  });

  it('adds an ellipsis within the limit', () => {
    expect(truncate('hello world', 6)).toBe('hello…');
    expect(truncate('hello world', 6)).toHaveLength(6);
    expect(truncate('hello', 1)).toBe('…');
    expect(truncate('hello', 0)).toBe('');
  });

  it('never splits a surrogate pair or an emoji sequence', () => {
    expect(truncate('ab😀cd', 4)).toBe('ab…');
    expect(truncate('ab😀cd', 5)).toBe('ab😀…');
    expect(truncate('ok👍🏻👍🏻', 6)).toBe('ok…');
    expect(truncate('a👨‍👩‍👧‍👦b', 10)).toBe('a…');
    for (let max = 1; max < 40; max++) {
      const out = truncate('𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀😀 👍🏽 done'.repeat(2), max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
    }
  });

  it('still cuts a pathological cluster (thousands of combining marks)', () => {
    const zalgo = 'a' + '\u0301'.repeat(5000);
    const out = truncate(zalgo, 100);
    expect(out.length).toBeLessThanOrEqual(100);
    expect(out.length).toBeGreaterThan(50);
  });
});

describe('truncateEscaped', () => {
  it('does not leave half an entity', () => {
    const escaped = escapeForSlack('ab<<<<');
    expect(escaped).toBe('ab&lt;&lt;&lt;&lt;');
    for (let max = 3; max < escaped.length; max++) {
      const out = truncateEscaped(escaped, max);
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.slice(0, -1)).toMatch(/^ab(&lt;)*$/);
    }
  });

  it('does not leave half a Slack token', () => {
    const out = truncateEscaped('Claimed by <@U0123456789> and more', 20);
    expect(out).toBe('Claimed by …');
  });
});
