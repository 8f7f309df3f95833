/**
 * Text crossing the Slack boundary, both ways. Pure functions, no I/O.
 *
 * - Into Slack: customer text is escaped (`&`, `<`, `>` only, as Slack asks) so it can never ping
 *   (`<!channel>`, `<@U…>`) or form a link whose label hides its target (`<http://evil|click>`).
 *   Everything else passes byte-exact: Slack has no other escape, and "neutralising" more would
 *   change what the agent reads.
 * - Out of Slack: an agent's reply in Slack markup becomes plain text for the widget, which renders
 *   it with `textContent`; no HTML is ever produced.
 */
import { replaceEmoji } from './emoji';

/** Escapes the three characters Slack reserves for its markup. Nothing else is touched. */
export function escapeForSlack(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Decodes Slack's three entities in one pass, so `&amp;lt;` becomes `&lt;` (not `<`). */
export function decodeSlackEntities(text: string): string {
  return text.replace(/&(amp|lt|gt);/g, (_m, name: string) => (name === 'amp' ? '&' : name === 'lt' ? '<' : '>'));
}

export interface SlackNameLookup {
  userName(id: string): string | undefined;
  channelName(id: string): string | undefined;
}

/** Slack's own token syntax: `<…>` with no `<` or `>` inside (those are always escaped). */
const ANGLE_TOKEN = /<([^<>]*)>/;
const ENTITY = /&(amp|lt|gt);/;
/** Private-use characters mark already-converted pieces while the rest is rewritten. */
const PH_OPEN = '\uE000';
const PH_CLOSE = '\uE001';

/**
 * Slack message markup (mrkdwn as Slack stores it) to plain text for the customer.
 *
 * Links show their target (`label (url)`) so the customer sees where they lead; mentions,
 * channels and special mentions become readable `@Name` / `#channel` / `@here`; emoji shortcodes
 * from a common table become Unicode; `*bold*`, `_italic_`, `~strike~` markers are dropped only
 * where they wrap words (so `2*3*4` and `snake_case` survive); code keeps its content without the
 * backticks; `&amp; &lt; &gt;` are decoded once.
 */
export function slackToPlain(mrkdwn: string, lookup: SlackNameLookup): string {
  const literals: string[] = [];
  const protect = (value: string): string => {
    literals.push(value);
    return `${PH_OPEN}${literals.length - 1}${PH_CLOSE}`;
  };

  // One left-to-right pass over the original text: code spans, Slack tokens, entities and any
  // private-use characters that would look like our placeholders are turned into final text and
  // protected from the formatting and emoji rewrites below.
  const scanner = new RegExp(
    '```([\\s\\S]*?)```|`([^`\\n]+)`|' + ANGLE_TOKEN.source + '|' + ENTITY.source + `|[${PH_OPEN}${PH_CLOSE}]`,
    'g',
  );
  const marked = mrkdwn.replace(
    scanner,
    (match, block: string | undefined, inline: string | undefined, token: string | undefined, entity: string | undefined) => {
      if (block !== undefined) return protect(codeToPlain(block, lookup));
      if (inline !== undefined) return protect(codeToPlain(inline, lookup));
      if (token !== undefined) return protect(tokenToPlain(token, lookup));
      if (entity !== undefined) return protect(decodeSlackEntities(`&${entity};`));
      return protect(match);
    },
  );

  const plain = stripFormatting(replaceEmoji(marked));
  return plain.replace(new RegExp(`${PH_OPEN}(\\d+)${PH_CLOSE}`, 'g'), (_m, i: string) => literals[Number(i)] ?? '');
}

/** Inside code: no emoji or formatting, but Slack still stores links/mentions as tokens and escapes. */
function codeToPlain(code: string, lookup: SlackNameLookup): string {
  return code.replace(new RegExp(ANGLE_TOKEN.source + '|' + ENTITY.source, 'g'), (_m, token: string | undefined, entity: string | undefined) =>
    token !== undefined ? tokenToPlain(token, lookup) : decodeSlackEntities(`&${entity};`),
  );
}

function splitToken(token: string): { target: string; label: string | undefined } {
  const bar = token.indexOf('|');
  if (bar === -1) return { target: token, label: undefined };
  const label = token.slice(bar + 1);
  return { target: token.slice(0, bar), label: label === '' ? undefined : label };
}

function withPrefix(prefix: string, name: string): string {
  const trimmed = name.trim();
  return prefix + (trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : trimmed);
}

function tokenToPlain(token: string, lookup: SlackNameLookup): string {
  const { target, label } = splitToken(token);
  const labelText = label === undefined ? undefined : decodeSlackEntities(label);

  if (target.startsWith('@')) {
    const name = nonEmpty(lookup.userName(target.slice(1))) ?? nonEmpty(labelText) ?? 'someone';
    return withPrefix('@', name);
  }
  if (target.startsWith('#')) {
    const name = nonEmpty(lookup.channelName(target.slice(1))) ?? nonEmpty(labelText) ?? 'channel';
    return withPrefix('#', name);
  }
  if (target.startsWith('!')) return specialToPlain(target.slice(1), labelText);

  const url = decodeSlackEntities(target);
  const shown = url.toLowerCase().startsWith('mailto:') ? url.slice('mailto:'.length) : url;
  if (labelText === undefined || sameAddress(labelText, url) || sameAddress(labelText, shown)) return shown;
  return `${replaceEmoji(labelText)} (${shown})`;
}

/** Slack auto-links `example.com` as `<http://example.com|example.com>`: that label says nothing new. */
function sameAddress(label: string, url: string): boolean {
  const norm = (s: string) => s.trim().replace(/^[a-z][a-z0-9+.-]*:(\/\/)?/i, '').replace(/\/$/, '').toLowerCase();
  return label.trim() === url.trim() || norm(label) === norm(url);
}

function specialToPlain(command: string, label: string | undefined): string {
  const [name = '', ...args] = command.split('^');
  switch (name) {
    case 'here':
    case 'channel':
    case 'everyone':
      return `@${name}`;
    case 'subteam':
      return label !== undefined ? withPrefix('@', label) : '@team';
    case 'date': {
      if (label !== undefined) return label;
      const seconds = Number(args[0]);
      return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '';
    }
    default:
      return label ?? '';
  }
}

function nonEmpty(s: string | undefined): string | undefined {
  return s !== undefined && s.trim() !== '' ? s : undefined;
}

/**
 * `*bold*`, `_italic_`, `~strike~`: a marker counts only at a word edge (not after or before a
 * letter/digit or the same marker) and hugging non-space text on one line, as Slack renders them.
 */
function stripFormatting(text: string): string {
  let out = text;
  for (const marker of ['*', '_', '~']) {
    // Only `*` is special in a `u` regex; `\_` and `\~` would be invalid escapes there.
    const m = marker === '*' ? '\\*' : marker;
    const re = new RegExp(`(?<![\\p{L}\\p{N}${m}])${m}(?![\\s${m}])([^${m}\\n]*?[^\\s${m}])${m}(?![\\p{L}\\p{N}${m}])`, 'gu');
    out = out.replace(re, '$1');
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Length

const ELLIPSIS = '…';
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * Shortens `text` to at most `max` UTF-16 units (what Slack's limits count, conservatively),
 * ending with "…". Cuts between user-perceived characters so no surrogate pair, skin tone or
 * ZWJ sequence is split; a pathological cluster (thousands of combining marks) is cut at a
 * code-point boundary instead.
 */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 0) return '';
  const budget = max - ELLIPSIS.length;
  return cutAt(text, budget) + ELLIPSIS;
}

/** The longest prefix of `text` within `budget` UTF-16 units, ending on a character boundary. */
function cutAt(text: string, budget: number): string {
  if (budget <= 0) return '';
  let end = 0;
  for (const { index, segment } of graphemes.segment(text)) {
    if (index + segment.length > budget) break;
    end = index + segment.length;
  }
  if (end >= budget - 8) return text.slice(0, end);
  // A huge cluster: fall back to the nearest code-point boundary.
  let cut = budget;
  const before = text.charCodeAt(cut - 1);
  if (before >= 0xd800 && before <= 0xdbff) cut -= 1;
  return text.slice(0, Math.max(cut, end));
}

/**
 * `truncate` for mrkdwn: text escaped with `escapeForSlack`, or app mrkdwn built from escaped parts
 * and Slack tokens. Never leaves half an entity (`&am…`) or half a token (`<@U12…`, `<https://…`)
 * at the cut; such a piece is dropped whole.
 */
export function truncateEscaped(escaped: string, max: number): string {
  if (escaped.length <= max) return escaped;
  if (max <= 0) return '';
  let head = cutAt(escaped, max - ELLIPSIS.length);
  const amp = head.lastIndexOf('&');
  if (amp !== -1 && head.length - amp < 5) {
    const entity = /^&(amp|lt|gt);/.exec(escaped.slice(amp));
    if (entity && amp + entity[0].length > head.length) head = head.slice(0, amp);
  }
  const open = head.lastIndexOf('<');
  if (open !== -1 && head.indexOf('>', open) === -1) head = head.slice(0, open);
  return head + ELLIPSIS;
}
