import { isWithinBusinessHours, wallClock, type BusinessHoursConfig } from '../business-hours';
import { foldText, words, type FrustrationLevel } from '../intents';
import { PRIORITIES, type Action, type Condition, type Priority, type Rule } from './rule-schema';

/**
 * The rules engine: which of the admins' rules fire for a customer's message or page change, and
 * what they ask for together. Pure: no I/O, no clock (the time comes in the input); rules come in
 * already validated (rule-schema.ts), but a malformed condition or action is treated as false or
 * ignored, never thrown on.
 *
 * ## How `message_contains` matches
 *
 * The message and each listed entry are split into words the same way (src/core/intents.ts
 * `words`): lower case, accents removed ("Café" is "cafe"), apostrophes inside a word dropped
 * ("don't" is "dont"), and every other character that is not a letter or a digit (spaces,
 * punctuation, symbols, hyphens) separates words. So "Cancel!" contains cancel, "(refund)" is the
 * word refund and "c++" is the word c. Nothing of an entry is ever used as a regular expression.
 *
 * A listed word matches a word of the message when
 * - the two are equal ("cancel" matches "Cancel", "CANCEL" and "cancel?"), or
 * - the listed word has at least 3 characters and the message's word is the listed word followed by
 *   exactly one of the suffixes s, es, ed, ing, ation, ations, led, ling, lation, lations:
 *   "cancel" matches cancels, canceled, canceling, cancelation(s), cancelled, cancelling and
 *   cancellation(s); "refund" matches refunds, refunded and refunding.
 * It never matches inside or at the end of a longer word: "cancel" does not match "cancelbutton",
 * "legal" does not match "paralegal" or "illegal", "refund" does not match "refundable", and
 * "close" does not match "closed" (list such forms as words of their own).
 *
 * A phrase ("money back") matches when its words, each by the rule above, appear one after the
 * other in the message ("Money-back guarantee?" matches; "money is back" does not).
 * The condition is true when any listed entry matches.
 */

export interface RuleEvaluationInput {
  /** What happened: a customer message, or the customer moving to another page. */
  event: 'message' | 'page';
  /** The customer's message; absent for a page change. */
  text?: string;
  pageUrl: string | null;
  now: Date;
  businessHours: BusinessHoursConfig;
  /** The widget's identify attributes, e.g. { plan: 'enterprise' }. */
  attributes: Record<string, string>;
  verified: boolean;
  /** The AI's confidence (0..1) for the current message, once known. */
  aiConfidence?: number;
  /** detectFrustration(...).level for the current message. */
  frustration: FrustrationLevel;
}

export interface MergedActions {
  /** Some fired rule said escalate_to_human. */
  escalate: boolean;
  /** Teams to give a heads-up in their channel (no escalation), in rule order, once each. */
  notifyTeams: string[];
  /** The first fired rule's route_to_team. */
  routeToTeam: string | null;
  /** Union of require_skill, lower case, in rule order. */
  requiredSkills: string[];
  askForEmail: boolean;
  queueForLater: boolean;
  /** The highest set_priority; null when no fired rule set one. */
  priority: Priority | null;
}

export interface FiredRule {
  rule: Rule;
  actions: Action[];
  /** Why its conditions held, e.g. `matched "cancel" as "cancelled"` (for the handoff card). */
  reasons: string[];
}

export interface RulesResult {
  fired: FiredRule[];
  actions: MergedActions;
}

export interface ConditionExplanation {
  condition: Condition;
  result: boolean;
  reason: string;
}

export interface RuleExplanation {
  rule: Rule;
  /** The conditions hold (whether or not the rule is enabled). */
  matched: boolean;
  /** Enabled and matched: its actions count. */
  fired: boolean;
  conditions: ConditionExplanation[];
  /** One line, e.g. "fired: all 2 conditions true", "disabled (would fire)". */
  summary: string;
}

export interface RulesExplanation {
  rules: RuleExplanation[];
  result: RulesResult;
}

export const INFLECTION_SUFFIXES = ['s', 'es', 'ed', 'ing', 'ation', 'ations', 'led', 'ling', 'lation', 'lations'] as const;
const SUFFIXES = new Set<string>(INFLECTION_SUFFIXES);
/** Shorter listed words match only exactly: "it" must not match "its", nor "go" "goes"-like noise. */
export const MIN_INFLECTED_LENGTH = 3;

export function noActions(): MergedActions {
  return { escalate: false, notifyTeams: [], routeToTeam: null, requiredSkills: [], askForEmail: false, queueForLater: false, priority: null };
}

/** True when a message word is the listed word or the listed word plus one of the suffixes. */
export function wordMatches(listed: string, word: string): boolean {
  if (word === listed) return true;
  if (listed.length < MIN_INFLECTED_LENGTH || word.length <= listed.length || !word.startsWith(listed)) return false;
  return SUFFIXES.has(word.slice(listed.length));
}

export interface WordMatch {
  /** The entry as listed in the rule. */
  entry: string;
  /** The message's words it matched, folded. */
  found: string;
}

/** The listed entries (words or phrases) found in a text, in the order listed. */
export function findWords(entries: readonly string[], text: string): WordMatch[] {
  return findInTokens(entries, words(text));
}

/** The forms of a listed word that match: itself, and itself plus each suffix when long enough. */
function formsOf(listed: string): string[] {
  return listed.length >= MIN_INFLECTED_LENGTH ? [listed, ...INFLECTION_SUFFIXES.map((s) => listed + s)] : [listed];
}

/** Where each word occurs in the message: built once per message, so many entries cost little. */
type WordIndex = Map<string, number[]>;

function indexWords(tokens: readonly string[]): WordIndex {
  const index: WordIndex = new Map();
  tokens.forEach((t, i) => {
    const at = index.get(t);
    if (at) at.push(i);
    else index.set(t, [i]);
  });
  return index;
}

function findInTokens(entries: readonly string[], tokens: readonly string[], index: WordIndex = indexWords(tokens)): WordMatch[] {
  const matches: WordMatch[] = [];
  for (const entry of entries) {
    if (typeof entry !== 'string') continue;
    const listed = words(entry);
    if (listed.length === 0) continue;
    // Where the entry's first word occurs (in any of its forms), earliest first; then the rest must follow.
    const starts = formsOf(listed[0]!)
      .flatMap((form) => index.get(form) ?? [])
      .sort((a, b) => a - b);
    const start = starts.find((i) => listed.every((w, j) => j === 0 || (i + j < tokens.length && wordMatches(w, tokens[i + j]!))));
    if (start !== undefined) matches.push({ entry, found: tokens.slice(start, start + listed.length).join(' ') });
  }
  return matches;
}

// ---------------------------------------------------------------------------------------------
// Conditions

/** Per-input values computed at most once, however many rules ask. */
class Facts {
  private tokensCache: string[] | undefined;
  private indexCache: WordIndex | undefined;
  private openCache: { open: boolean; at: string } | { error: string } | undefined;

  constructor(readonly input: RuleEvaluationInput) {}

  get tokens(): string[] {
    this.tokensCache ??= typeof this.input.text === 'string' ? words(this.input.text) : [];
    return this.tokensCache;
  }

  get index(): WordIndex {
    this.indexCache ??= indexWords(this.tokens);
    return this.indexCache;
  }

  get businessHours(): { open: boolean; at: string } | { error: string } {
    if (!this.openCache) {
      const { businessHours: config, now } = this.input;
      try {
        const wall = wallClock(config.timezone, now);
        const day = wall.weekday.charAt(0).toUpperCase() + wall.weekday.slice(1);
        this.openCache = { open: isWithinBusinessHours(config, now), at: `${day} ${wall.time} ${config.timezone}` };
      } catch (err) {
        this.openCache = { error: err instanceof Error ? err.message : String(err) };
      }
    }
    return this.openCache;
  }
}

const FRUSTRATION_RANK: Record<FrustrationLevel, number> = { none: 0, low: 1, high: 2 };

function quote(value: string, max = 60): string {
  const s = value.length > max ? `${value.slice(0, max - 1)}…` : value;
  return `"${s}"`;
}

function quoteList(values: readonly string[], max = 5): string {
  const shown = values.slice(0, max).map((v) => quote(v, 40));
  return values.length > max ? `${shown.join(', ')} and ${values.length - max} more` : shown.join(', ');
}

function attributeValue(attributes: Record<string, string>, key: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(attributes, key)) return attributes[key];
  const folded = key.toLowerCase();
  const match = Object.keys(attributes).find((k) => k.toLowerCase() === folded);
  return match === undefined ? undefined : attributes[match];
}

function safeDecode(url: string): string {
  try {
    return decodeURI(url);
  } catch {
    return url;
  }
}

function evaluateCondition(condition: Condition, facts: Facts): ConditionExplanation {
  const { input } = facts;
  const out = (result: boolean, reason: string): ConditionExplanation => ({ condition, result, reason });
  switch (condition.type) {
    case 'message_contains': {
      if (typeof input.text !== 'string') return out(false, 'no message (page change)');
      const list = Array.isArray(condition.words) ? condition.words : [];
      const found = findInTokens(list, facts.tokens, facts.index);
      if (found.length === 0) return out(false, `none of ${quoteList(list)} in the message`);
      const parts = found.map((m) => {
        const listed = words(m.entry).join(' ');
        return listed === m.found ? `matched ${quote(m.entry, 40)}` : `matched ${quote(m.entry, 40)} as ${quote(m.found, 40)}`;
      });
      return out(true, parts.join(', '));
    }
    case 'url_contains': {
      const needle = String(condition.value ?? '').toLowerCase();
      if (!input.pageUrl) return out(false, 'no page URL');
      if (!needle) return out(false, 'nothing to look for');
      const url = input.pageUrl.toLowerCase();
      const hit = url.includes(needle) || safeDecode(url).includes(needle);
      return out(hit, hit ? `page URL contains ${quote(condition.value)}` : `page URL ${quote(input.pageUrl, 80)} does not contain ${quote(condition.value)}`);
    }
    case 'business_hours': {
      const state = facts.businessHours;
      if ('error' in state) return out(false, `business hours unknown: ${state.error}`);
      const reason = `${state.open ? 'within' : 'outside'} business hours (${state.at})`;
      return out(state.open === condition.value, reason);
    }
    case 'customer_attribute': {
      const key = String(condition.key ?? '');
      const raw = attributeValue(input.attributes ?? {}, key);
      if (raw === undefined || raw === null) return out(false, `no attribute ${quote(key, 40)}`);
      const actual = foldText(String(raw)).trim();
      const wanted = foldText(String(condition.value ?? '')).trim();
      if (condition.op === 'contains') {
        const hit = wanted.length > 0 && actual.includes(wanted);
        return out(hit, `${key} ${quote(String(raw))} ${hit ? 'contains' : 'does not contain'} ${quote(condition.value)}`);
      }
      const hit = actual === wanted;
      return out(hit, hit ? `${key} is ${quote(String(raw))}` : `${key} is ${quote(String(raw))}, not ${quote(condition.value)}`);
    }
    case 'verified':
      return out(input.verified === condition.value, input.verified ? 'visitor is verified' : 'visitor is not verified');
    case 'ai_confidence_below': {
      const c = input.aiConfidence;
      if (typeof c !== 'number' || !Number.isFinite(c)) return out(false, 'AI confidence not known');
      const below = c < condition.value;
      return out(below, `AI confidence ${round(c)} is ${below ? '' : 'not '}below ${round(condition.value)}`);
    }
    case 'frustration_detected': {
      const least = condition.level === 'low' ? 1 : 2;
      const level = FRUSTRATION_RANK[input.frustration] ?? 0;
      const detected = level >= least;
      return out(detected === condition.value, `frustration ${input.frustration ?? 'none'}${condition.level === 'low' ? ' (low counts)' : ''}`);
    }
    default:
      return out(false, `unknown condition ${quote(String((condition as { type?: unknown }).type), 40)}`);
  }
}

function round(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function evaluateRule(rule: Rule, facts: Facts): { matched: boolean; conditions: ConditionExplanation[] } {
  const conditions = (Array.isArray(rule.conditions) ? rule.conditions : []).map((c) => evaluateCondition(c, facts));
  // A rule without conditions never fires: an empty list is a mistake, not "always".
  const matched = conditions.length > 0 && (rule.match === 'any' ? conditions.some((c) => c.result) : conditions.every((c) => c.result));
  return { matched, conditions };
}

function inOrder(rules: readonly Rule[]): Rule[] {
  // Stable: equal positions keep the order they came in.
  return rules.map((rule, i) => ({ rule, i })).sort((a, b) => a.rule.position - b.rule.position || a.i - b.i).map((x) => x.rule);
}

// ---------------------------------------------------------------------------------------------
// Actions

/** Merges the actions of fired rules, in rule order. */
export function mergeActions(fired: readonly { actions: readonly Action[] }[]): MergedActions {
  const merged = noActions();
  const notify = new Set<string>();
  const skills = new Set<string>();
  for (const { actions } of fired) {
    for (const action of Array.isArray(actions) ? actions : []) {
      switch (action.type) {
        case 'escalate_to_human':
          merged.escalate = true;
          break;
        case 'notify_team':
          notify.add(action.team);
          break;
        case 'route_to_team':
          merged.routeToTeam ??= action.team;
          break;
        case 'require_skill':
          skills.add(action.skill.trim().toLowerCase());
          break;
        case 'ask_for_email':
          merged.askForEmail = true;
          break;
        case 'queue_for_later':
          merged.queueForLater = true;
          break;
        case 'set_priority':
          if (PRIORITIES.includes(action.priority) && (merged.priority === null || PRIORITIES.indexOf(action.priority) > PRIORITIES.indexOf(merged.priority))) {
            merged.priority = action.priority;
          }
          break;
        default:
          // An action this version does not know: ignored.
          break;
      }
    }
  }
  merged.notifyTeams = [...notify];
  merged.requiredSkills = [...skills];
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Entry points

/** The enabled rules whose conditions hold, in order, and their actions merged. */
export function evaluateRules(rules: readonly Rule[], input: RuleEvaluationInput): RulesResult {
  const facts = new Facts(input);
  const fired: FiredRule[] = [];
  for (const rule of inOrder(rules)) {
    if (!rule.enabled) continue;
    const { matched, conditions } = evaluateRule(rule, facts);
    if (matched) fired.push({ rule, actions: rule.actions, reasons: conditions.filter((c) => c.result).map((c) => c.reason) });
  }
  return { fired, actions: mergeActions(fired) };
}

/**
 * For the "test a message" form: every rule in order, whether it fired, and each condition's
 * result with a short reason. Disabled rules are evaluated too (`matched`) but never fire.
 */
export function explainRules(rules: readonly Rule[], input: RuleEvaluationInput): RulesExplanation {
  const facts = new Facts(input);
  const explained: RuleExplanation[] = [];
  const fired: FiredRule[] = [];
  for (const rule of inOrder(rules)) {
    const { matched, conditions } = evaluateRule(rule, facts);
    const isFired = rule.enabled && matched;
    if (isFired) fired.push({ rule, actions: rule.actions, reasons: conditions.filter((c) => c.result).map((c) => c.reason) });
    explained.push({ rule, matched, fired: isFired, conditions, summary: summarize(rule, matched, conditions) });
  }
  return { rules: explained, result: { fired, actions: mergeActions(fired) } };
}

function summarize(rule: Rule, matched: boolean, conditions: ConditionExplanation[]): string {
  const total = conditions.length;
  const yes = conditions.filter((c) => c.result).length;
  const plural = (n: number) => `${n} condition${n === 1 ? '' : 's'}`;
  if (total === 0) return rule.enabled ? 'not fired: no conditions' : 'disabled';
  let why: string;
  if (rule.match === 'any') why = matched ? `${yes} of ${total} conditions true (any)` : `none of ${plural(total)} true (any)`;
  else why = matched ? (total === 1 ? 'its condition is true' : `all ${plural(total)} true`) : `${total - yes} of ${plural(total)} false`;
  if (!rule.enabled) return `disabled (${matched ? 'would fire' : 'would not fire'}: ${why})`;
  return `${matched ? 'fired' : 'not fired'}: ${why}`;
}
