/** Shared by the rules engine's tests: a message in business hours, rules built in order, and the table runner. */
import { expect, it } from 'vitest';
import type { Action, Condition, Rule } from './rule-schema';
import { evaluateRules, explainRules, noActions, type MergedActions, type RuleEvaluationInput } from './rules-engine';
import { DEFAULT_BUSINESS_HOURS } from '../business-hours';

// Wednesday 2026-11-25 15:00 UTC: within the default business hours (Mon–Fri 09:00–17:00 UTC).
export const OPEN = new Date('2026-11-25T15:00:00Z');
export const CLOSED = new Date('2026-11-25T18:00:00Z');
export const SATURDAY = new Date('2026-11-28T11:00:00Z');

export function input(over: Partial<RuleEvaluationInput> = {}): RuleEvaluationInput {
  return {
    event: 'message',
    text: 'hello there',
    pageUrl: 'https://acme.test/pricing',
    now: OPEN,
    businessHours: DEFAULT_BUSINESS_HOURS,
    attributes: {},
    verified: false,
    frustration: 'none',
    ...over,
  };
}

let nextPosition = 1;
/** A rule at the next position (unless `over` says otherwise), escalating by default. */
export function rule(name: string, conditions: Condition[], actions: Action[] = [{ type: 'escalate_to_human' }], over: Partial<Rule> = {}): Rule {
  const position = nextPosition++;
  return { id: `r_${name}`, name, enabled: true, position, match: 'all', conditions, actions, ...over };
}

export const words = (...list: string[]): Condition => ({ type: 'message_contains', words: list });
export const escalate: Action = { type: 'escalate_to_human' };
export const ESCALATE: Partial<MergedActions> = { escalate: true };

export interface Case {
  name: string;
  rules: Rule[];
  input: Partial<RuleEvaluationInput>;
  /** Names of the rules that fire, in order. */
  fired: string[];
  /** The merged actions, beyond noActions(). */
  actions?: Partial<MergedActions>;
}

/** One rule with one condition: fires (and escalates) or not. */
export function one(name: string, condition: Condition, over: Partial<RuleEvaluationInput>, fires: boolean): Case {
  return { name, rules: [rule('r', [condition])], input: over, fired: fires ? ['r'] : [], actions: fires ? ESCALATE : {} };
}

/** One test per case: the rules that fire, the merged actions, and explainRules agreeing with evaluateRules. */
export function itEvaluates(cases: Case[]): void {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateRules(c.rules, input(c.input));
    expect(result.fired.map((f) => f.rule.name)).toEqual(c.fired);
    expect(result.actions).toEqual({ ...noActions(), ...c.actions });
    for (const f of result.fired) expect(f.actions).toBe(f.rule.actions);
    // explainRules agrees with evaluateRules.
    expect(explainRules(c.rules, input(c.input)).result).toEqual(result);
  });
}
