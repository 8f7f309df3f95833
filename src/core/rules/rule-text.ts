import type { Action, Condition } from './rule-schema';

/**
 * The rule editor's line language: a rule's conditions and actions written one per line, in words,
 * so an admin can read and type them in one Slack text box.
 *
 *   message contains refund, cancel, "money back"      url contains /enterprise
 *   outside business hours                              attribute plan equals enterprise
 *   not verified                                        ai confidence below 0.4
 *   frustrated (low)
 *
 *   escalate                  notify team enterprise-sales      route to team billing
 *   require skill billing     ask for email                      queue for later
 *   priority high
 *
 * Keywords are case-insensitive and `_` may stand for a space (`message_contains refund`); empty
 * lines and lines starting with `#` are ignored; a leading `-` or `•` is dropped. A text that starts
 * with `[` is read as the JSON list instead (the stored format, see rule-schema.ts).
 *
 * Parsing only turns words into the JSON shape: values are checked afterwards by the rule schema
 * (parseRuleInput), whose messages `relabelRuleErrors` points back at the line they came from.
 */

export interface ParsedLines {
  /** The conditions or actions, not yet validated. */
  items: unknown[];
  /** Where each item came from, for messages: "line 3" or "item 2" (JSON). */
  where: string[];
  /** Lines that could not be read at all, one message each. */
  errors: string[];
}

// ---------------------------------------------------------------------------------------------
// Formatting

/** An entry of a list, quoted only when it has to be (a comma, a quote, or spaces at an end). */
function listEntry(value: string): string {
  return /[,"]|^\s|\s$/.test(value) || value === '' ? JSON.stringify(value) : value;
}

/** A value that runs to the end of the line, quoted only when it would not read back the same. */
function restValue(value: string): string {
  return /^\s|\s$|^"/.test(value) || value === '' ? JSON.stringify(value) : value;
}

/** A single word (an attribute key), quoted when it holds spaces or quotes. */
function wordValue(value: string): string {
  return /[\s"]/.test(value) || value === '' ? JSON.stringify(value) : value;
}

export function formatCondition(c: Condition): string {
  switch (c.type) {
    case 'message_contains':
      return `message contains ${c.words.map(listEntry).join(', ')}`;
    case 'url_contains':
      return `url contains ${restValue(c.value)}`;
    case 'business_hours':
      return c.value ? 'within business hours' : 'outside business hours';
    case 'customer_attribute':
      return `attribute ${wordValue(c.key)} ${c.op} ${restValue(c.value)}`;
    case 'verified':
      return c.value ? 'verified' : 'not verified';
    case 'ai_confidence_below':
      return `ai confidence below ${c.value}`;
    case 'frustration_detected':
      return `${c.value ? '' : 'not '}frustrated${c.level === 'low' ? ' (low)' : ''}`;
  }
}

export function formatAction(a: Action): string {
  switch (a.type) {
    case 'escalate_to_human':
      return 'escalate';
    case 'notify_team':
      return `notify team ${a.team}`;
    case 'route_to_team':
      return `route to team ${a.team}`;
    case 'require_skill':
      return `require skill ${a.skill}`;
    case 'ask_for_email':
      return 'ask for email';
    case 'queue_for_later':
      return 'queue for later';
    case 'set_priority':
      return `priority ${a.priority}`;
  }
}

export function formatConditions(conditions: readonly Condition[]): string {
  return conditions.map(formatCondition).join('\n');
}

export function formatActions(actions: readonly Action[]): string {
  return actions.map(formatAction).join('\n');
}

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * A whole-line, case-insensitive pattern: a space stands for one or more spaces or underscores,
 * `~` for optional spaces.
 */
function kw(strings: TemplateStringsArray): RegExp {
  const source = strings.raw.join('').replace(/ /g, String.raw`[\s_]+`).replace(/~/g, String.raw`\s*`);
  return new RegExp(`^${source}$`, 'isu');
}

/** A quoted string's content, or the text itself trimmed. */
function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && t.startsWith('"') && t.endsWith('"')) {
    try {
      const v: unknown = JSON.parse(t);
      if (typeof v === 'string') return v;
    } catch {
      // Not valid JSON quoting: keep the text as written.
    }
  }
  return t;
}

/** `refund, "money back", cancel` → entries; a comma inside quotes belongs to the entry. */
export function splitList(text: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '\\' && i + 1 < text.length) {
        current += ch + text[i + 1];
        i += 1;
      } else {
        current += ch;
        if (ch === '"') quoted = false;
      }
    } else if (ch === '"') {
      quoted = true;
      current += ch;
    } else if (ch === ',') {
      out.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  out.push(current);
  const entries = out.map(unquote);
  // "a,,b" and a trailing comma are slips, not empty words; a wholly empty list stays [''] for the schema to name.
  const kept = entries.filter((s) => s !== '');
  return kept.length ? kept : [''];
}

/** The first word (quoted or not) and the rest of the line. */
function firstWord(text: string): [string, string] {
  const t = text.trim();
  const quoted = /^"(?:[^"\\]|\\.)*"/.exec(t);
  if (quoted) return [unquote(quoted[0]), t.slice(quoted[0].length).trim()];
  const m = /^(\S+)\s*(.*)$/su.exec(t);
  return m ? [m[1]!, m[2]!] : ['', ''];
}

type LineReader = (line: string) => unknown | string;

/** A number, or NaN (the schema then says what is wanted). */
function numberOf(text: string): number {
  const t = text.trim().replace(',', '.');
  return /^[-+]?(?:\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
}

const CONDITION_FORMS: { pattern: RegExp; read: (m: RegExpExecArray) => unknown | string }[] = [
  { pattern: kw`(?:message|text) (?:contains|includes|has)\b:?~(.*)`, read: (m) => ({ type: 'message_contains', words: splitList(m[1] ?? '') }) },
  { pattern: kw`(?:page )?(?:url|page) (?:contains|includes|has)\b:?~(.*)`, read: (m) => ({ type: 'url_contains', value: unquote(m[1] ?? '') }) },
  { pattern: kw`(?:(?:within|during|in|inside) )?business hours`, read: () => ({ type: 'business_hours', value: true }) },
  { pattern: kw`(?:outside|outside of|not in|not within|out of|after) business hours`, read: () => ({ type: 'business_hours', value: false }) },
  {
    pattern: kw`business hours~[:=]?~(true|false|yes|no)`,
    read: (m) => ({ type: 'business_hours', value: /^(?:true|yes)$/i.test(m[1]!) }),
  },
  {
    pattern: kw`(?:customer )?attribute\b:?~(.*)`,
    read: (m) => {
      const [key, rest] = firstWord(m[1] ?? '');
      const op = /^(equals|is|==?|contains|includes)(?:\s+|$)(.*)$/isu.exec(rest);
      if (!key || !op) return 'write it as: attribute plan equals enterprise (or: attribute plan contains ent)';
      return { type: 'customer_attribute', key, op: /^(?:contains|includes)$/i.test(op[1]!) ? 'contains' : 'equals', value: unquote(op[2] ?? '') };
    },
  },
  { pattern: kw`(?:(?:visitor|customer) )?(?:is )?verified`, read: () => ({ type: 'verified', value: true }) },
  { pattern: kw`(?:(?:visitor|customer) )?(?:is )?(?:not verified|unverified)`, read: () => ({ type: 'verified', value: false }) },
  {
    pattern: kw`ai confidence~(?:below|under|<|less than)~:?~(.*)`,
    read: (m) => {
      const value = numberOf(m[1] ?? '');
      return Number.isNaN(value) ? `"${(m[1] ?? '').trim().slice(0, 40)}" is not a number; write e.g. ai confidence below 0.4` : { type: 'ai_confidence_below', value };
    },
  },
  {
    pattern: kw`(not )?(?:frustrated|frustration detected|frustration)~\(?~(low|high)?~\)?`,
    read: (m) => ({ type: 'frustration_detected', value: !m[1], ...(m[2] ? { level: m[2].toLowerCase() } : {}) }),
  },
];

const ACTION_FORMS: { pattern: RegExp; read: (m: RegExpExecArray) => unknown | string }[] = [
  { pattern: kw`escalate(?: to (?:a )?(?:human|person|agent))?`, read: () => ({ type: 'escalate_to_human' }) },
  { pattern: kw`notify (?:the )?team\b:?~(.*)`, read: (m) => ({ type: 'notify_team', team: unquote(m[1] ?? '') }) },
  { pattern: kw`route to (?:the )?team\b:?~(.*)`, read: (m) => ({ type: 'route_to_team', team: unquote(m[1] ?? '') }) },
  { pattern: kw`requires? skill\b:?~(.*)`, read: (m) => ({ type: 'require_skill', skill: unquote(m[1] ?? '') }) },
  { pattern: kw`ask for (?:an |the )?email`, read: () => ({ type: 'ask_for_email' }) },
  { pattern: kw`queue for later`, read: () => ({ type: 'queue_for_later' }) },
  { pattern: kw`(?:set )?priority\b:?~(.*)`, read: (m) => ({ type: 'set_priority', priority: unquote(m[1] ?? '').toLowerCase() }) },
];

function readerFor(forms: typeof CONDITION_FORMS, what: string, examples: string): LineReader {
  return (line) => {
    for (const { pattern, read } of forms) {
      const m = pattern.exec(line);
      if (m) return read(m);
    }
    const shown = line.length > 60 ? `${line.slice(0, 59)}…` : line;
    return `"${shown}" is not a ${what} I know; write e.g. ${examples}`;
  };
}

const readCondition = readerFor(CONDITION_FORMS, 'condition', '"message contains refund, cancel" or "url contains /pricing" (see the examples below)');
const readAction = readerFor(ACTION_FORMS, 'action', '"escalate" or "notify team sales" (see the examples below)');

function parseLines(text: string, read: LineReader): ParsedLines {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return parseJsonList(trimmed);
  const out: ParsedLines = { items: [], where: [], errors: [] };
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s*(?:[-•*]\s+)?/u, '').trim();
    if (line === '' || line.startsWith('#')) return;
    const item = read(line);
    if (typeof item === 'string') out.errors.push(`line ${i + 1}: ${item}`);
    else {
      out.items.push(item);
      out.where.push(`line ${i + 1}`);
    }
  });
  return out;
}

function parseJsonList(text: string): ParsedLines {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { items: [], where: [], errors: [`not valid JSON: ${err instanceof Error ? err.message : String(err)}`] };
  }
  if (!Array.isArray(value)) return { items: [], where: [], errors: ['JSON must be a list: [ {...}, {...} ]'] };
  return { items: value, where: value.map((_, i) => `item ${i + 1}`), errors: [] };
}

/** The conditions written in the editor, one per line (or a JSON list). */
export function parseConditionLines(text: string): ParsedLines {
  return parseLines(text, readCondition);
}

/** The actions written in the editor, one per line (or a JSON list). */
export function parseActionLines(text: string): ParsedLines {
  return parseLines(text, readAction);
}

/**
 * Points parseRuleInput's messages for conditions or actions at the editor's lines:
 * `conditions 2 (url_contains) › value: …` becomes `line 3: value …`; `conditions: add at least
 * one condition` becomes `add at least one condition`.
 */
export function relabelRuleError(error: string, field: 'conditions' | 'actions', where: readonly string[]): string {
  const indexed = new RegExp(`^${field} (\\d+)(?: \\([^)]*\\))?(?: › )?`).exec(error);
  if (indexed) {
    const label = where[Number(indexed[1]) - 1] ?? `item ${indexed[1]}`;
    const rest = error.slice(indexed[0].length);
    return rest.startsWith(':') ? `${label}${rest}` : `${label} › ${rest}`;
  }
  return error.startsWith(`${field}: `) ? error.slice(field.length + 2) : error;
}
