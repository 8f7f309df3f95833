import { describe, expect, it } from 'vitest';
import { inlineToText, markdownToText, parseArticle, parseFrontMatter, titleFromFileName } from './markdown';

describe('parseFrontMatter', () => {
  it('reads title, url and tags in brackets', () => {
    const { data, content } = parseFrontMatter(
      '---\ntitle: Plans and pricing\nurl: https://help.example/plans\ntags: [billing, "plans"]\n---\n# Body\n',
    );
    expect(data).toEqual({ title: 'Plans and pricing', url: 'https://help.example/plans', tags: ['billing', 'plans'] });
    expect(content).toBe('# Body\n');
  });

  it('reads comma-separated and dash lists, quoted values and colons inside values', () => {
    expect(parseFrontMatter('---\ntitle: "Integrations: Slack"\ntags: a, b ,c\n---\n').data).toEqual({
      title: 'Integrations: Slack',
      tags: ['a', 'b', 'c'],
    });
    expect(parseFrontMatter("---\ntitle: 'x'\ntags:\n  - one\n  - two\n---\ntext").data).toEqual({ title: 'x', tags: ['one', 'two'] });
  });

  it('ignores unknown keys and comments, and handles CRLF and a BOM', () => {
    const { data, content } = parseFrontMatter('\uFEFF---\r\n# comment\r\nauthor: me\r\ntitle: T\r\n---\r\nBody');
    expect(data).toEqual({ title: 'T' });
    expect(content).toBe('Body');
  });

  it('returns the whole text when there is no front matter', () => {
    expect(parseFrontMatter('# Title\n\n---\n\ntext')).toEqual({ data: {}, content: '# Title\n\n---\n\ntext' });
  });
});

describe('parseArticle', () => {
  const article = [
    '---',
    'title: Billing',
    'url: https://help.example/billing',
    'tags: [billing]',
    '---',
    '',
    '# Billing and invoices',
    '',
    'Only **owners** can see billing.',
    '',
    '## Payment methods',
    '',
    'We accept *Visa* and [PayPal](https://paypal.example).',
    '',
    '## Invoices',
    '',
    '### Download',
    '',
    'Go to `Settings → Billing`.',
    '',
    '```',
    '# not a heading',
    '```',
  ].join('\n');

  it('takes metadata from the front matter and splits passages at headings, intro first', () => {
    const parsed = parseArticle(article, 'billing.md');
    expect(parsed.title).toBe('Billing');
    expect(parsed.url).toBe('https://help.example/billing');
    expect(parsed.tags).toEqual(['billing']);
    expect(parsed.passages).toEqual([
      { heading: '', body: 'Only owners can see billing.' },
      { heading: 'Payment methods', body: 'We accept Visa and PayPal.' },
      { heading: 'Invoices › Download', body: 'Go to Settings → Billing.\n\n# not a heading' },
    ]);
  });

  it('falls back to the first # heading, then to the file name, for the title', () => {
    expect(parseArticle('# Exporting data\n\nIntro\n\n## CSV\n\nText', 'x.md')).toEqual({
      title: 'Exporting data',
      url: null,
      tags: [],
      language: 'en',
      passages: [
        { heading: '', body: 'Intro' },
        { heading: 'CSV', body: 'Text' },
      ],
    });
    expect(parseArticle('Just text.', 'guides/reset-your_password.md').title).toBe('Reset your password');
  });

  it('reads the article’s language from the front matter `lang`; English when it names none we speak', () => {
    expect(parseArticle('---\nlang: es\n---\n# Facturas\n\nTexto', 'x.md').language).toBe('es');
    expect(parseArticle('---\nlang: pt-br\n---\nTexto', 'x.md').language).toBe('pt-BR');
    expect(parseArticle('---\nlanguage: "ar"\n---\nنص', 'x.md').language).toBe('ar');
    expect(parseArticle('---\nlang: ja\n---\nText', 'x.md').language).toBe('en');
    expect(parseArticle('No front matter.', 'x.md').language).toBe('en');
  });

  it('reads setext headings', () => {
    const parsed = parseArticle('Title\n=====\n\nIntro\n\nSection\n-------\n\nBody', 'a.md');
    expect(parsed.title).toBe('Title');
    expect(parsed.passages).toEqual([
      { heading: '', body: 'Intro' },
      { heading: 'Section', body: 'Body' },
    ]);
  });

  it('keeps an article with no text searchable by its title', () => {
    expect(parseArticle('# Empty\n', 'empty.md').passages).toEqual([{ heading: '', body: '' }]);
    expect(parseArticle('', 'empty.md').passages).toEqual([{ heading: '', body: '' }]);
  });

  it('keeps deeper headings inside their section', () => {
    const parsed = parseArticle('## Setup\n\n#### Step one\n\nDo it.', 'a.md');
    expect(parsed.passages).toEqual([{ heading: 'Setup', body: 'Step one\n\nDo it.' }]);
  });
});

describe('markdownToText', () => {
  it('turns lists into one line per item and joins wrapped lines', () => {
    expect(markdownToText('Steps:\n\n1. Open **Settings**\n2. Click *Save*\n   and wait\n\n- one\n* two\n+ [x] three')).toBe(
      'Steps:\n\n1. Open Settings\n2. Click Save and wait\n\n• one\n• two\n• three',
    );
  });

  it('joins the lines of a paragraph, even inside emphasis', () => {
    expect(markdownToText('Add it in **Settings →\nBilling** today.\nThen save.')).toBe('Add it in Settings → Billing today. Then save.');
  });

  it('renders tables as rows and drops rules, comments, HTML and reference definitions', () => {
    const md = '| Plan | Price |\n|---|:---:|\n| Pro | $12 |\n\n---\n\n<!-- hidden -->\n<b>Bold</b> text\n\n[ref]: https://x.example';
    expect(markdownToText(md)).toBe('Plan — Price\nPro — $12\n\nBold text');
  });

  it('keeps code blocks verbatim and strips blockquote markers', () => {
    expect(markdownToText('> Note: be *careful*\n\n```sh\ncurl -H "a*b*c"  x\n```')).toBe('Note: be careful\n\ncurl -H "a*b*c"  x');
  });
});

describe('inlineToText', () => {
  it('removes markup but keeps the words', () => {
    expect(inlineToText('See [the docs](https://x.example/a_(b)) and ![logo](l.png) <https://y.example>')).toBe(
      'See the docs and logo https://y.example',
    );
    expect(inlineToText('**bold** __strong__ *em* _em_ ~~old~~ \\*star\\* &amp; &lt;tag&gt;')).toBe('bold strong em em old *star* & <tag>');
  });

  it('leaves underscores and stars inside words and code alone', () => {
    expect(inlineToText('tokens start with `acme_pat_` and snake_case_name or 2*3*4')).toBe(
      'tokens start with acme_pat_ and snake_case_name or 2*3*4',
    );
    expect(inlineToText('allow `*.acme.example` and `**`')).toBe('allow *.acme.example and **');
  });
});

describe('titleFromFileName', () => {
  it('makes a sentence from the file name', () => {
    expect(titleFromFileName('api-keys_and-limits.md')).toBe('Api keys and limits');
    expect(titleFromFileName('a/b/.md')).toBe('Untitled');
  });
});
