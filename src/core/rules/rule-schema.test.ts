import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './default-rules';
import { InvalidRuleError, parseRuleDefinition, parseRuleInput, ruleInputSchema } from './rule-schema';
import { DomainError } from '../errors';

const valid = {
  name: 'Enterprise customers',
  conditions: [{ type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }],
  actions: [{ type: 'route_to_team', team: 'enterprise-sales' }],
};

describe('rule schema', () => {
  it('accepts the default rules as they are', () => {
    for (const rule of DEFAULT_RULES) expect(parseRuleInput(rule)).toEqual({ ok: true, value: rule });
  });

  it('fills match and enabled, trims text, lower-cases skills', () => {
    const parsed = parseRuleInput({
      name: '  Billing  ',
      conditions: [{ type: 'message_contains', words: ['  money   back ', 'refund'] }],
      actions: [{ type: 'require_skill', skill: ' Billing ' }, { type: 'set_priority', priority: 'urgent' }],
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        name: 'Billing',
        enabled: true,
        match: 'all',
        conditions: [{ type: 'message_contains', words: ['money back', 'refund'] }],
        actions: [{ type: 'require_skill', skill: 'billing' }, { type: 'set_priority', priority: 'urgent' }],
      },
    });
  });

  it('accepts every condition and action type', () => {
    const parsed = parseRuleInput({
      name: 'Everything',
      match: 'any',
      enabled: false,
      conditions: [
        { type: 'message_contains', words: ['c++', '(refund)'] },
        { type: 'url_contains', value: '/enterprise' },
        { type: 'business_hours', value: false },
        { type: 'customer_attribute', key: 'company', op: 'contains', value: 'acme' },
        { type: 'verified', value: true },
        { type: 'ai_confidence_below', value: 0 },
        { type: 'ai_confidence_below', value: 1 },
        { type: 'frustration_detected', value: true, level: 'low' },
        { type: 'frustration_detected', value: true },
      ],
      actions: [
        { type: 'escalate_to_human' },
        { type: 'notify_team', team: 'enterprise-sales' },
        { type: 'route_to_team', team: 'support_2' },
        { type: 'require_skill', skill: 'german' },
        { type: 'ask_for_email' },
        { type: 'queue_for_later' },
        { type: 'set_priority', priority: 'low' },
      ],
    });
    expect(parsed.ok).toBe(true);
  });

  it.each([
    [{ ...valid, name: '   ' }, 'name: give the rule a name'],
    [{ ...valid, name: 'x'.repeat(81) }, 'name: name can have at most 80 characters'],
    [{ ...valid, match: 'some' }, 'match: match must be "all" or "any"'],
    [{ ...valid, enabled: 'yes' }, 'enabled: enabled must be true or false'],
    [{ ...valid, conditions: [] }, 'conditions: add at least one condition'],
    [{ ...valid, actions: [] }, 'actions: add at least one action'],
    [{ ...valid, conditions: 'refund' }, 'conditions: conditions must be a list'],
    [{ ...valid, conditions: [{ type: 'moon_phase' }] }, 'conditions 1 (moon_phase) › type: unknown condition type; use one of message_contains, url_contains, business_hours, customer_attribute, verified, ai_confidence_below, frustration_detected'],
    [{ ...valid, conditions: [{ words: ['x'] }] }, 'conditions 1 › type: unknown condition type'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: [] }] }, 'conditions 1 (message_contains) › words: list at least one word or phrase'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: 'refund' }] }, 'conditions 1 (message_contains) › words: words must be a list of words or phrases'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: ['refund', '  '] }] }, 'conditions 1 (message_contains) › words 2: a word cannot be empty'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: ['.*'] }] }, 'conditions 1 (message_contains) › words 1: ".*" has no letter or digit: punctuation and symbols are not matched'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: ['x'.repeat(101)] }] }, 'words 1: a word or phrase can have at most 100 characters'],
    [{ ...valid, conditions: [{ type: 'message_contains', words: Array.from({ length: 51 }, (_, i) => `w${i}`) }] }, 'words: at most 50 words or phrases'],
    [{ ...valid, conditions: [{ type: 'message_contains', word: ['refund'], words: ['refund'] }] }, 'conditions 1 (message_contains): Unrecognized key: "word"'],
    [{ ...valid, conditions: [{ type: 'url_contains', value: '' }] }, 'conditions 1 (url_contains) › value: value cannot be empty, e.g. /enterprise'],
    [{ ...valid, conditions: [{ type: 'business_hours', value: 'false' }] }, 'conditions 1 (business_hours) › value: value must be true or false'],
    [{ ...valid, conditions: [{ type: 'customer_attribute', key: 'plan', op: 'is', value: 'x' }] }, 'conditions 1 (customer_attribute) › op: op must be "equals" or "contains"'],
    [{ ...valid, conditions: [{ type: 'customer_attribute', key: '', op: 'equals', value: 'x' }] }, 'key: key cannot be empty, e.g. plan'],
    [{ ...valid, conditions: [{ type: 'ai_confidence_below', value: 50 }] }, 'conditions 1 (ai_confidence_below) › value: value must be between 0 and 1'],
    [{ ...valid, conditions: [{ type: 'ai_confidence_below', value: '0.5' }] }, 'value: value must be a number between 0 and 1, e.g. 0.4'],
    [{ ...valid, conditions: [{ type: 'frustration_detected', value: true, level: 'extreme' }] }, 'level: level must be "low" or "high"'],
    [{ ...valid, actions: [{ type: 'launch_rockets' }] }, 'actions 1 (launch_rockets) › type: unknown action type; use one of escalate_to_human, notify_team, route_to_team, require_skill, ask_for_email, queue_for_later, set_priority'],
    [{ ...valid, actions: [{ type: 'notify_team', team: 'Enterprise Sales' }] }, 'actions 1 (notify_team) › team: team must be a team id in lower case, e.g. enterprise-sales'],
    [{ ...valid, actions: [{ type: 'route_to_team' }] }, 'actions 1 (route_to_team) › team: team must be a team id such as enterprise-sales'],
    [{ ...valid, actions: [{ type: 'require_skill', skill: '' }] }, 'skill: skill cannot be empty, e.g. billing'],
    [{ ...valid, actions: [{ type: 'set_priority', priority: 'asap' }] }, 'actions 1 (set_priority) › priority: priority must be one of low, normal, high, urgent'],
    [{ ...valid, actions: [{ type: 'escalate_to_human', team: 'x' }] }, 'actions 1 (escalate_to_human): Unrecognized key: "team"'],
    ['not a rule', 'expected object'],
  ])('refuses %j with a clear message', (value, message) => {
    const parsed = parseRuleInput(value);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors.join('\n')).toContain(message);
  });

  it('reports every problem at once', () => {
    const parsed = parseRuleInput({ name: '', match: 'x', conditions: [{ type: 'verified' }], actions: [{ type: 'set_priority' }] });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.errors).toHaveLength(4);
  });

  it('stored definitions carry no name or enabled flag', () => {
    expect(parseRuleDefinition({ match: 'any', conditions: valid.conditions, actions: valid.actions }).ok).toBe(true);
    expect(parseRuleDefinition({ ...valid }).ok).toBe(false);
  });

  it('InvalidRuleError is a DomainError with code invalid and the problems', () => {
    const err = new InvalidRuleError(['name: give the rule a name', 'actions: add at least one action']);
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('invalid');
    expect(err.errors).toHaveLength(2);
    expect(err.message).toBe('The rule is not valid: name: give the rule a name; actions: add at least one action');
  });

  it('exposes the schema for forms', () => {
    expect(ruleInputSchema.safeParse(valid).success).toBe(true);
  });
});
