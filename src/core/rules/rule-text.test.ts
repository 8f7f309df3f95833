import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './default-rules';
import { parseRuleInput, type Action, type Condition } from './rule-schema';
import {
  formatActions,
  formatConditions,
  parseActionLines,
  parseConditionLines,
  relabelRuleError,
  splitList,
} from './rule-text';

const EVERY_CONDITION: Condition[] = [
  { type: 'message_contains', words: ['refund', 'money back', 'a, b', 'say "hi"'] },
  { type: 'url_contains', value: '/enterprise' },
  { type: 'business_hours', value: true },
  { type: 'business_hours', value: false },
  { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise plus' },
  { type: 'customer_attribute', key: 'company size', op: 'contains', value: '50' },
  { type: 'verified', value: true },
  { type: 'verified', value: false },
  { type: 'ai_confidence_below', value: 0.4 },
  { type: 'frustration_detected', value: true },
  { type: 'frustration_detected', value: true, level: 'low' },
  { type: 'frustration_detected', value: false },
];

const EVERY_ACTION: Action[] = [
  { type: 'escalate_to_human' },
  { type: 'notify_team', team: 'enterprise-sales' },
  { type: 'route_to_team', team: 'billing' },
  { type: 'require_skill', skill: 'billing' },
  { type: 'ask_for_email' },
  { type: 'queue_for_later' },
  { type: 'set_priority', priority: 'urgent' },
];

describe('rule line language', () => {
  it('writes every condition and action as a line that reads back the same', () => {
    const conditions = parseConditionLines(formatConditions(EVERY_CONDITION));
    expect(conditions.errors).toEqual([]);
    expect(conditions.items).toEqual(EVERY_CONDITION);
    const actions = parseActionLines(formatActions(EVERY_ACTION));
    expect(actions.errors).toEqual([]);
    expect(actions.items).toEqual(EVERY_ACTION);
  });

  it('round-trips the default rules', () => {
    for (const rule of DEFAULT_RULES) {
      expect(parseConditionLines(formatConditions(rule.conditions)).items).toEqual(rule.conditions);
      expect(parseActionLines(formatActions(rule.actions)).items).toEqual(rule.actions);
    }
    expect(formatConditions(DEFAULT_RULES[0]!.conditions)).toBe('message contains refund, cancel, legal');
    expect(formatActions(DEFAULT_RULES[2]!.actions)).toBe('ask for email\nqueue for later');
  });

  it('is forgiving about case, underscores, bullets, colons, comments and blank lines', () => {
    const parsed = parseConditionLines(
      ['# sensitive words', '', '- Message_Contains: Refund, "money back"', '• URL CONTAINS /pricing', 'Outside business hours', 'frustrated low', 'AI confidence < 0.3'].join('\n'),
    );
    expect(parsed.errors).toEqual([]);
    expect(parsed.items).toEqual([
      { type: 'message_contains', words: ['Refund', 'money back'] },
      { type: 'url_contains', value: '/pricing' },
      { type: 'business_hours', value: false },
      { type: 'frustration_detected', value: true, level: 'low' },
      { type: 'ai_confidence_below', value: 0.3 },
    ]);
    expect(parsed.where).toEqual(['line 3', 'line 4', 'line 5', 'line 6', 'line 7']);
    expect(parseActionLines('Escalate to a human\nset priority HIGH\nnotify the team sales').items).toEqual([
      { type: 'escalate_to_human' },
      { type: 'set_priority', priority: 'high' },
      { type: 'notify_team', team: 'sales' },
    ]);
  });

  it('says which line it cannot read', () => {
    const parsed = parseConditionLines('message contains refund\nwhen the moon is full\nai confidence below lots');
    expect(parsed.items).toHaveLength(1);
    expect(parsed.errors).toEqual([
      expect.stringMatching(/^line 2: "when the moon is full" is not a condition I know/),
      expect.stringMatching(/^line 3: "lots" is not a number/),
    ]);
    expect(parseActionLines('dance').errors).toEqual([expect.stringMatching(/^line 1: "dance" is not an? action/)]);
    expect(parseConditionLines('attribute plan').errors).toEqual([expect.stringMatching(/attribute plan equals enterprise/)]);
  });

  it('accepts the stored JSON list too', () => {
    const parsed = parseConditionLines('[{"type":"url_contains","value":"/x"}]');
    expect(parsed).toEqual({ items: [{ type: 'url_contains', value: '/x' }], where: ['item 1'], errors: [] });
    expect(parseConditionLines('[{').errors[0]).toMatch(/^not valid JSON/);
  });

  it('splits lists on commas outside quotes', () => {
    expect(splitList('refund, "money, back" ,cancel')).toEqual(['refund', 'money, back', 'cancel']);
    expect(splitList('')).toEqual(['']);
    expect(splitList('a,,b')).toEqual(['a', 'b']);
  });

  it('points schema errors at the line they came from', () => {
    const conditions = parseConditionLines('\nmessage contains refund\nai confidence below 2');
    const result = parseRuleInput({ name: 'x', conditions: conditions.items, actions: [{ type: 'escalate_to_human' }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => relabelRuleError(e, 'conditions', conditions.where))).toEqual(['line 3 › value: value must be between 0 and 1']);
    expect(relabelRuleError('conditions: add at least one condition', 'conditions', [])).toBe('add at least one condition');
    expect(relabelRuleError('actions 1 (notify_team) › team: team must be a team id', 'actions', ['line 4'])).toBe('line 4 › team: team must be a team id');
  });
});
