/**
 * Markdown help-center articles -> title, metadata and plain-text passages (one per section).
 *
 * Passages are what the knowledge base indexes and what the local AI quotes to customers, so the
 * text must read well in a chat bubble: markup is removed, but paragraphs, list items and code lines
 * keep their line breaks. Pure functions, no I/O.
 */

import { matchLanguage, type Language } from '../i18n/languages';

export interface FrontMatter {
  title?: string;
  url?: string;
  tags?: string[];
  /** `lang: es`: the language the article is written in, as written (see ParsedArticle.language). */
  lang?: string;
}

export interface ArticlePassage {
  /** The section heading; '' for the introduction before the first section. */
  heading: string;
  /** Plain text of the section. */
  body: string;
}

export interface ParsedArticle {
  title: string;
  url: string | null;
  tags: string[];
  /** The article's language (front matter `lang`, one the widget speaks); English when it says none or another. */
  language: Language;
  passages: ArticlePassage[];
}

const FRONT_MATTER = /^---[ \t]*\n([\s\S]*?)\n---[ \t]*(?:\n|$)/;

/** Splits `---` front matter (a small YAML subset: `key: value`, lists as `[a, b]`, `a, b` or `- a`) from the content. */
export function parseFrontMatter(source: string): { data: FrontMatter; content: string } {
  const text = normaliseNewlines(source);
  const match = FRONT_MATTER.exec(text);
  if (!match) return { data: {}, content: text };

  const raw: Record<string, string | string[]> = {};
  let listKey: string | null = null;
  for (const line of (match[1] ?? '').split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const item = /^\s*-\s+(.*)$/.exec(line);
    if (item && listKey) {
      const list = raw[listKey];
      raw[listKey] = [...(Array.isArray(list) ? list : []), unquote(item[1] ?? '')];
      continue;
    }
    // Split on the first colon only: titles and URLs contain colons of their own.
    const pair = /^\s*([A-Za-z_][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!pair) continue;
    const key = (pair[1] ?? '').toLowerCase();
    const value = (pair[2] ?? '').trim();
    listKey = value === '' ? key : null;
    raw[key] = value;
  }

  const data: FrontMatter = {};
  const title = scalar(raw.title);
  if (title) data.title = title;
  const url = scalar(raw.url);
  if (url) data.url = url;
  if (raw.tags !== undefined) data.tags = parseList(raw.tags);
  const lang = scalar(raw.lang) ?? scalar(raw.language);
  if (lang) data.lang = lang;
  return { data, content: text.slice(match[0].length) };
}

/**
 * Parses an article. The title comes from the front matter, else the first `#` heading, else the
 * file name. Sections start at `#`, `##` and `###` headings; deeper headings stay inside their
 * section. Sections without text are left out (their heading carries over to the subsections'
 * headings as "Parent › Child"), but an article always has at least one passage so that its title
 * stays searchable.
 */
export function parseArticle(source: string, fileName: string): ParsedArticle {
  const { data, content } = parseFrontMatter(source);
  const lines = content.split('\n');

  let h1: string | null = null;
  const sections: { heading: string; lines: string[] }[] = [{ heading: '', lines: [] }];
  let parent = '';
  let fence: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    const current = sections[sections.length - 1]!;
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(line);
    if (fence) {
      if (fenceMark && fenceMark[1]!.startsWith(fence)) fence = null;
      current.lines.push(line);
      continue;
    }
    if (fenceMark) {
      fence = fenceMark[1]!;
      current.lines.push(line);
      continue;
    }

    let level = 0;
    let text = '';
    const atx = /^\s{0,3}(#{1,6})\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    const next = lines[i + 1] ?? '';
    if (atx) {
      level = atx[1]!.length;
      text = atx[2] ?? '';
    } else if (line.trim() !== '' && !isBlockStart(line) && /^\s{0,3}(=+|-+)\s*$/.test(next)) {
      // Setext heading: a text line underlined with === (level 1) or --- (level 2).
      level = next.trim().startsWith('=') ? 1 : 2;
      text = line.trim();
      i++;
    }
    if (level === 0 || level > 3) {
      current.lines.push(line);
      continue;
    }

    const heading = inlineToText(text).trim();
    // The first level-1 heading is the article's title, not a section.
    if (level === 1 && h1 === null) {
      h1 = heading;
      continue;
    }
    if (level <= 2) parent = heading;
    sections.push({ heading: level === 3 && parent ? `${parent} › ${heading}` : heading, lines: [] });
  }

  const passages = sections
    .map((s) => ({ heading: s.heading, body: markdownToText(s.lines.join('\n')) }))
    .filter((p) => p.body !== '');

  return {
    title: data.title || h1 || titleFromFileName(fileName),
    url: data.url ?? null,
    tags: data.tags ?? [],
    language: matchLanguage(data.lang) ?? 'en',
    passages: passages.length ? passages : [{ heading: '', body: '' }],
  };
}

/** "billing/reset-password.md" -> "Reset password". */
export function titleFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const words = base.replace(/\.(md|markdown)$/i, '').replace(/[-_]+/g, ' ').trim();
  return words ? words.charAt(0).toUpperCase() + words.slice(1) : 'Untitled';
}

type Block = { kind: 'text' | 'item' | 'row' | 'code'; text: string; afterBlank: boolean };

/**
 * Markdown -> readable plain text: paragraphs separated by a blank line, list items and table rows
 * one per line ("• item", "1. step", "a — b"), code kept verbatim, links reduced to their text.
 */
export function markdownToText(markdown: string): string {
  const blocks: Block[] = [];
  let blank = false;
  let fence: string | null = null;
  let open: Block | null = null; // a paragraph or list item that the next text line continues

  const push = (block: Block) => {
    blocks.push(block);
    blank = false;
    open = block.kind === 'text' || block.kind === 'item' ? block : null;
  };

  for (const rawLine of normaliseNewlines(markdown).replace(/<!--[\s\S]*?-->/g, '').split('\n')) {
    const fenceMark = /^\s{0,3}(`{3,}|~{3,})/.exec(rawLine);
    if (fence) {
      if (fenceMark && fenceMark[1]!.startsWith(fence)) fence = null;
      else push({ kind: 'code', text: rawLine.replace(/\s+$/, ''), afterBlank: blank });
      continue;
    }
    if (fenceMark) {
      fence = fenceMark[1]!;
      open = null;
      continue;
    }

    // Blockquote markers carry no meaning in a chat reply.
    const line = rawLine.replace(/^\s{0,3}(>\s?)+/, '');
    if (line.trim() === '') {
      blank = true;
      open = null;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) continue; // horizontal rule
    if (/^\s{0,3}\[[^\]]+\]:\s*\S+/.test(line)) continue; // link reference definition

    if (/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line)) continue; // table separator
    if (/^\s*\|.*\|\s*$/.test(line)) {
      const cells = line.trim().replace(/^\||\|$/g, '').split('|').map((c) => inlineToText(c).trim()).filter(Boolean);
      // Rows are rendered now: their cells must not be re-read as inline markup later.
      if (cells.length) push({ kind: 'row', text: cells.join(' — '), afterBlank: blank });
      continue;
    }

    const heading = /^\s{0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/.exec(line);
    if (heading) {
      push({ kind: 'text', text: heading[1] ?? '', afterBlank: blank });
      open = null;
      continue;
    }

    const bullet = /^\s*[-*+]\s+(?:\[[ xX]\]\s+)?(.*)$/.exec(line);
    const ordered = /^\s*(\d{1,9})[.)]\s+(.*)$/.exec(line);
    if (bullet) {
      push({ kind: 'item', text: `• ${bullet[1] ?? ''}`, afterBlank: blank });
      continue;
    }
    if (ordered) {
      push({ kind: 'item', text: `${ordered[1]}. ${ordered[2] ?? ''}`, afterBlank: blank });
      continue;
    }

    const text = line.trim();
    const current = open as Block | null;
    if (current && !blank) current.text += ` ${text}`;
    else push({ kind: 'text', text, afterBlank: blank });
  }

  let out = '';
  blocks.forEach((block, i) => {
    // Inline markup is resolved on whole blocks: emphasis and links may span a line break.
    const text =
      block.kind === 'code' ? block.text : block.kind === 'row' ? block.text : inlineToText(block.text).replace(/\s+/g, ' ').trim();
    if (i > 0) {
      const prev = blocks[i - 1]!;
      const tight = !block.afterBlank && block.kind !== 'text' && prev.kind !== 'text';
      out += tight ? '\n' : '\n\n';
    }
    out += text;
  });
  return out.replace(/\n{3,}/g, '\n\n').trim();
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', '#39': "'" };

/** Inline markdown -> text: code spans, emphasis, links, images, autolinks, HTML tags, escapes. */
export function inlineToText(markdown: string): string {
  // Code spans are taken out first so that `*`, `_` or `[` inside them are left as written.
  const codes: string[] = [];
  let s = markdown.replace(/(`+)([\s\S]*?[^`])\1(?!`)/g, (_m, _ticks: string, code: string) => {
    codes.push(code.trim());
    return `\u0000${codes.length - 1}\u0000`;
  });
  s = s
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)/g, '$1')
    .replace(/\[([^\]]+)\]\[[^\]]*\]/g, '$1')
    .replace(/<((?:https?|mailto):[^>\s]+)>/g, '$1')
    .replace(/<\/?[A-Za-z][^>]*>/g, '')
    .replace(/(\*\*|__)(?=\S)([\s\S]*?\S)\1/g, '$2')
    .replace(/(?<![\p{L}\p{N}*\\])\*(?=\S)([^*]*?\S)\*(?![\p{L}\p{N}*])/gu, '$1')
    .replace(/(?<![\p{L}\p{N}_\\])_(?=\S)([^_]*?\S)_(?![\p{L}\p{N}_])/gu, '$1')
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, '$1')
    .replace(/\\([\\`*_{}[\]()#+\-.!|>~<])/g, '$1')
    .replace(/&(amp|lt|gt|quot|apos|nbsp|#39);/g, (_m, name: string) => ENTITIES[name] ?? '');
  return s.replace(/\u0000(\d+)\u0000/g, (_m, i: string) => codes[Number(i)] ?? '');
}

function normaliseNewlines(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
}

/** Lines that cannot be the text of a setext heading (a list item followed by --- is a list and a rule). */
function isBlockStart(line: string): boolean {
  return /^\s*([-*+]\s|\d+[.)]\s|>|\||#)/.test(line);
}

function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

function scalar(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const v = unquote(Array.isArray(value) ? value.join(', ') : value);
  return v === '' ? undefined : v;
}

function parseList(value: string | string[]): string[] {
  const items = Array.isArray(value) ? value : unquoteList(value);
  return [...new Set(items.map((t) => unquote(t)).filter(Boolean))];
}

function unquoteList(value: string): string[] {
  const v = value.trim();
  const inner = v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v;
  return inner.split(',');
}
