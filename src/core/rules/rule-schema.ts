import { z } from 'zod';
import { DomainError } from '../errors';

/**
 * The JSON format of escalation rules ("orchestrations"), validated with zod wherever a rule enters
 * the app: an admin's form, the database on read, an import. Inside the core the types are trusted.
 *
 * A rule's `definition` (stored as JSON in rules.definition) is
 *
 *   { "match": "all" | "any", "conditions": [Condition, ...], "actions": [Action, ...] }
 *
 * and its name, enabled flag and position are columns of their own. Every condition and action is
 * an object with a `type`; see the schemas below for their fields.
 */

export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type Priority = (typeof PRIORITIES)[number];

export const CONDITION_TYPES = [
  'message_contains',
  'url_contains',
  'business_hours',
  'customer_attribute',
  'verified',
  'ai_confidence_below',
  'frustration_detected',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const ACTION_TYPES = [
  'escalate_to_human',
  'notify_team',
  'route_to_team',
  'require_skill',
  'ask_for_email',
  'queue_for_later',
  'set_priority',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const MAX_WORDS = 50;
export const MAX_WORD_LENGTH = 100;
export const MAX_CONDITIONS = 20;
export const MAX_ACTIONS = 20;
export const MAX_RULE_NAME = 80;

const boolean = (what: string) => z.boolean({ error: `${what} must be true or false` });

/** A condition's or action's object: its `type` and its own fields, nothing else. */
function ofType<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.strictObject({ type: z.literal(type), ...shape });
}

/** Non-empty text after trimming, at most `max` characters; the messages say what to write. */
const requiredText = (field: string, max: number, errors: { notText: string; empty: string }) =>
  z.string({ error: errors.notText }).trim().min(1, errors.empty).max(max, `${field} can have at most ${max} characters`);

/** A word or phrase of message_contains: trimmed, inner spaces collapsed, at least one letter or digit. */
const wordEntry = z
  .string({ error: 'each word must be text' })
  .transform((s) => s.trim().replace(/\s+/g, ' '))
  .pipe(
    z
      .string()
      .min(1, 'a word cannot be empty')
      .max(MAX_WORD_LENGTH, `a word or phrase can have at most ${MAX_WORD_LENGTH} characters`)
      .refine((s) => /[\p{L}\p{N}]/u.test(s), {
        error: (iss) => `"${String(iss.input)}" has no letter or digit: punctuation and symbols are not matched`,
      }),
  );

const teamId = z
  .string({ error: 'team must be a team id such as enterprise-sales' })
  .trim()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'team must be a team id in lower case, e.g. enterprise-sales');

export const messageContainsSchema = ofType('message_contains', {
  /** Words and phrases; the condition is true when the message contains any of them. */
  words: z
    .array(wordEntry, { error: 'words must be a list of words or phrases, e.g. ["refund", "money back"]' })
    .min(1, 'list at least one word or phrase')
    .max(MAX_WORDS, `at most ${MAX_WORDS} words or phrases`),
});

export const urlContainsSchema = ofType('url_contains', {
  value: requiredText('value', 500, { notText: 'value must be text, e.g. /enterprise', empty: 'value cannot be empty, e.g. /enterprise' }),
});

export const businessHoursConditionSchema = ofType('business_hours', {
  /** true: during business hours; false: outside them. */
  value: boolean('value'),
});

export const customerAttributeSchema = ofType('customer_attribute', {
  key: requiredText('key', 100, { notText: 'key must be the name of an attribute, e.g. plan', empty: 'key cannot be empty, e.g. plan' }),
  op: z.enum(['equals', 'contains'], { error: 'op must be "equals" or "contains"' }),
  value: requiredText('value', 200, { notText: 'value must be text, e.g. enterprise', empty: 'value cannot be empty' }),
});

export const verifiedSchema = ofType('verified', {
  value: boolean('value'),
});

export const aiConfidenceBelowSchema = ofType('ai_confidence_below', {
  value: z
    .number({ error: 'value must be a number between 0 and 1, e.g. 0.4' })
    .min(0, 'value must be between 0 and 1')
    .max(1, 'value must be between 0 and 1'),
});

export const frustrationDetectedSchema = ofType('frustration_detected', {
  value: boolean('value'),
  /**
   * The least level that counts as frustration: 'high' (the default, when the AI itself would hand
   * off) or 'low' (any sign of annoyance).
   */
  level: z.enum(['low', 'high'], { error: 'level must be "low" or "high"' }).optional(),
});

export const conditionSchema = z.discriminatedUnion(
  'type',
  [
    messageContainsSchema,
    urlContainsSchema,
    businessHoursConditionSchema,
    customerAttributeSchema,
    verifiedSchema,
    aiConfidenceBelowSchema,
    frustrationDetectedSchema,
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `unknown condition type; use one of ${CONDITION_TYPES.join(', ')}` : undefined) },
);

export const actionSchema = z.discriminatedUnion(
  'type',
  [
    ofType('escalate_to_human', {}),
    /** A heads-up in the team's channel; the conversation stays with the AI. */
    ofType('notify_team', { team: teamId }),
    ofType('route_to_team', { team: teamId }),
    ofType('require_skill', {
      skill: z
        .string({ error: 'skill must be text, e.g. billing' })
        .trim()
        .toLowerCase()
        .min(1, 'skill cannot be empty, e.g. billing')
        .max(50, 'skill can have at most 50 characters'),
    }),
    ofType('ask_for_email', {}),
    ofType('queue_for_later', {}),
    ofType('set_priority', {
      priority: z.enum(PRIORITIES, { error: `priority must be one of ${PRIORITIES.join(', ')}` }),
    }),
  ],
  { error: (iss) => (iss.code === 'invalid_union' ? `unknown action type; use one of ${ACTION_TYPES.join(', ')}` : undefined) },
);

/** What rules.definition holds. */
export const ruleDefinitionSchema = z.strictObject({
  match: z.enum(['all', 'any'], { error: 'match must be "all" or "any"' }).default('all'),
  conditions: z
    .array(conditionSchema, { error: 'conditions must be a list' })
    .min(1, 'add at least one condition')
    .max(MAX_CONDITIONS, `at most ${MAX_CONDITIONS} conditions`),
  actions: z
    .array(actionSchema, { error: 'actions must be a list' })
    .min(1, 'add at least one action')
    .max(MAX_ACTIONS, `at most ${MAX_ACTIONS} actions`),
});

/** A rule as an admin writes it: its definition plus a name and the enabled flag. */
export const ruleInputSchema = ruleDefinitionSchema.extend({
  name: z
    .string({ error: 'name must be text' })
    .trim()
    .min(1, 'give the rule a name')
    .max(MAX_RULE_NAME, `name can have at most ${MAX_RULE_NAME} characters`),
  enabled: boolean('enabled').default(true),
});

export type Condition = z.infer<typeof conditionSchema>;
export type Action = z.infer<typeof actionSchema>;
export type RuleDefinition = z.infer<typeof ruleDefinitionSchema>;
export type RuleInput = z.infer<typeof ruleInputSchema>;
/** What callers may pass before validation (match and enabled have defaults). */
export type RuleInputDraft = z.input<typeof ruleInputSchema>;

/** A rule as the engine sees it. */
export interface Rule extends RuleDefinition {
  id: string;
  name: string;
  enabled: boolean;
  /** Order among the rules: lower first. */
  position: number;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/**
 * Readable problems of a failed parse, one per issue, each prefixed with where it is:
 * `conditions 1 (message_contains) › words 2: "!!!" has no letter or digit: ...`.
 */
export function describeIssues(error: z.ZodError, input: unknown): string[] {
  return error.issues.map((issue) => {
    const where = describePath(issue.path, input);
    return where ? `${where}: ${issue.message}` : issue.message;
  });
}

function describePath(path: PropertyKey[], input: unknown): string {
  const parts: string[] = [];
  let node: unknown = input;
  for (const key of path) {
    const child: unknown = node !== null && typeof node === 'object' ? (node as Record<PropertyKey, unknown>)[key] : undefined;
    if (typeof key === 'number') {
      const type = child !== null && typeof child === 'object' ? (child as { type?: unknown }).type : undefined;
      const label = `${parts.pop() ?? 'item'} ${key + 1}`;
      parts.push(typeof type === 'string' && type.length <= 40 ? `${label} (${type})` : label);
    } else {
      parts.push(String(key));
    }
    node = child;
  }
  return parts.join(' › ');
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown): Parsed<T> {
  const result = schema.safeParse(value);
  return result.success ? { ok: true, value: result.data } : { ok: false, errors: describeIssues(result.error, value) };
}

/** Validates a rule written by an admin (name, enabled, match, conditions, actions). */
export function parseRuleInput(value: unknown): Parsed<RuleInput> {
  return parseWith(ruleInputSchema, value);
}

/** Validates a stored definition (rules.definition, already JSON-parsed). */
export function parseRuleDefinition(value: unknown): Parsed<RuleDefinition> {
  return parseWith(ruleDefinitionSchema, value);
}

/** The definition part of a rule, in the order it is stored. */
export function definitionOf(rule: RuleDefinition): RuleDefinition {
  return { match: rule.match, conditions: rule.conditions, actions: rule.actions };
}

/** A rule that does not validate; `errors` says why, one readable line each. */
export class InvalidRuleError extends DomainError {
  constructor(readonly errors: string[]) {
    super('invalid', `The rule is not valid: ${errors.join('; ')}`);
    this.name = 'InvalidRuleError';
  }
}
