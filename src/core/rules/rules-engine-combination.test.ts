/** evaluateRules, rules together: all/any, enabled and order, merging actions, the product's default rules; what it says and keeps. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './default-rules';
import type { Action, Condition } from './rule-schema';
import { evaluateRules } from './rules-engine';
import { CLOSED, type Case, ESCALATE, OPEN, escalate, input, itEvaluates, rule, words } from './rules-test-kit';

const cases: Case[] = [
  // --- all / any
  {
    name: 'all: every condition must hold',
    rules: [rule('both', [words('refund'), { type: 'verified', value: true }])],
    input: { text: 'refund please', verified: false },
    fired: [],
  },
  {
    name: 'all: every condition holds',
    rules: [rule('both', [words('refund'), { type: 'verified', value: true }])],
    input: { text: 'refund please', verified: true },
    fired: ['both'],
    actions: ESCALATE,
  },
  {
    name: 'any: one condition is enough',
    rules: [rule('either', [words('refund'), { type: 'url_contains', value: '/billing' }], [escalate], { match: 'any' })],
    input: { text: 'hello', pageUrl: 'https://acme.test/billing' },
    fired: ['either'],
    actions: ESCALATE,
  },
  {
    name: 'any: none holds',
    rules: [rule('either', [words('refund'), { type: 'url_contains', value: '/billing' }], [escalate], { match: 'any' })],
    input: { text: 'hello' },
    fired: [],
  },
  { name: 'no conditions never fires', rules: [rule('empty', [])], input: {}, fired: [] },
  {
    name: 'page change: url rules fire, message rules do not',
    rules: [rule('words', [words('cancel')]), rule('page', [{ type: 'url_contains', value: '/enterprise' }], [{ type: 'notify_team', team: 'enterprise-sales' }])],
    input: { event: 'page', text: undefined, pageUrl: 'https://acme.test/enterprise' },
    fired: ['page'],
    actions: { notifyTeams: ['enterprise-sales'] },
  },
  // --- enabled, order
  {
    name: 'disabled rules are skipped',
    rules: [rule('off', [words('refund')], [escalate], { enabled: false }), rule('on', [words('refund')], [{ type: 'set_priority', priority: 'high' }])],
    input: { text: 'refund' },
    fired: ['on'],
    actions: { priority: 'high' },
  },
  {
    name: 'rules run by position, not by array order: the first route wins',
    rules: [
      rule('second', [words('refund')], [{ type: 'route_to_team', team: 'billing' }], { position: 20 }),
      rule('first', [words('refund')], [{ type: 'route_to_team', team: 'support' }], { position: 10 }),
    ],
    input: { text: 'refund' },
    fired: ['first', 'second'],
    actions: { routeToTeam: 'support' },
  },
  {
    name: 'equal positions keep the given order',
    rules: [
      rule('a', [words('refund')], [{ type: 'route_to_team', team: 'team-a' }], { position: 1 }),
      rule('b', [words('refund')], [{ type: 'route_to_team', team: 'team-b' }], { position: 1 }),
    ],
    input: { text: 'refund' },
    fired: ['a', 'b'],
    actions: { routeToTeam: 'team-a' },
  },
  // --- merging
  {
    name: 'merge: escalate if any says so; skills and teams unioned; highest priority; flags',
    rules: [
      rule('a', [words('refund')], [{ type: 'require_skill', skill: 'billing' }, { type: 'set_priority', priority: 'high' }, { type: 'notify_team', team: 'finance' }]),
      rule('b', [words('refund')], [escalate, { type: 'require_skill', skill: 'Billing' }, { type: 'require_skill', skill: 'german' }, { type: 'set_priority', priority: 'low' }]),
      rule('c', [words('refund')], [{ type: 'notify_team', team: 'finance' }, { type: 'notify_team', team: 'enterprise-sales' }, { type: 'ask_for_email' }, { type: 'queue_for_later' }]),
      rule('d', [words('nothing')], [{ type: 'set_priority', priority: 'urgent' }]),
    ],
    input: { text: 'refund' },
    fired: ['a', 'b', 'c'],
    actions: {
      escalate: true,
      requiredSkills: ['billing', 'german'],
      notifyTeams: ['finance', 'enterprise-sales'],
      priority: 'high',
      askForEmail: true,
      queueForLater: true,
    },
  },
  {
    name: 'merge: urgent beats everything',
    rules: [
      rule('a', [words('refund')], [{ type: 'set_priority', priority: 'normal' }]),
      rule('b', [words('refund')], [{ type: 'set_priority', priority: 'urgent' }]),
      rule('c', [words('refund')], [{ type: 'set_priority', priority: 'high' }]),
    ],
    input: { text: 'refund' },
    fired: ['a', 'b', 'c'],
    actions: { priority: 'urgent' },
  },
  {
    name: 'merge: notify without escalating',
    rules: [rule('heads-up', [{ type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }], [{ type: 'notify_team', team: 'enterprise-sales' }])],
    input: { attributes: { plan: 'enterprise' } },
    fired: ['heads-up'],
    actions: { notifyTeams: ['enterprise-sales'] },
  },
  {
    name: 'unknown condition and action types (unvalidated JSON) are false and ignored',
    rules: [
      rule('odd', [{ type: 'moon_phase', value: 'full' } as unknown as Condition]),
      rule('odd-action', [words('refund')], [{ type: 'launch_rockets' } as unknown as Action, { type: 'ask_for_email' }]),
    ],
    input: { text: 'refund' },
    fired: ['odd-action'],
    actions: { askForEmail: true },
  },
  // --- the product's default rules together
  {
    name: 'defaults: refund on the enterprise page after hours fires all three',
    rules: DEFAULT_RULES.map((r, i) => ({ ...r, id: `d${i}`, position: i + 1 })),
    input: { text: 'I want a REFUND!', pageUrl: 'https://acme.test/enterprise', now: CLOSED },
    fired: ['Always escalate sensitive topics', 'Enterprise pages', 'After hours'],
    actions: { escalate: true, notifyTeams: ['enterprise-sales'], askForEmail: true, queueForLater: true },
  },
  {
    name: 'defaults: an ordinary question in business hours fires none',
    rules: DEFAULT_RULES.map((r, i) => ({ ...r, id: `d${i}`, position: i + 1 })),
    input: { text: 'How do I export to CSV?', now: OPEN },
    fired: [],
  },
];

describe('evaluateRules: rules together', () => {
  itEvaluates(cases);

  it('says why each fired rule fired', () => {
    const result = evaluateRules(DEFAULT_RULES.map((r, i) => ({ ...r, id: `d${i}`, position: i })), input({ text: 'I cancelled, now I want my refund', now: CLOSED }));
    expect(result.fired.map((f) => [f.rule.name, f.reasons])).toEqual([
      ['Always escalate sensitive topics', ['matched "refund", matched "cancel" as "cancelled"']],
      ['After hours', ['outside business hours (Wed 18:00 UTC)']],
    ]);
  });

  it('does not change the rules it is given', () => {
    const rules = [rule('b', [words('refund')], [escalate], { position: 2 }), rule('a', [words('refund')], [escalate], { position: 1 })];
    const copy = structuredClone(rules);
    evaluateRules(rules, input({ text: 'refund' }));
    expect(rules).toEqual(copy);
  });

  it('stays fast on long messages with many rules', () => {
    const rules = Array.from({ length: 50 }, (_, i) => rule(`r${i}`, [words(...Array.from({ length: 50 }, (_, j) => `word${i}x${j} phrase${j}`))]));
    const started = performance.now();
    const result = evaluateRules(rules, input({ text: 'word phrase '.repeat(2000) }));
    expect(result.fired).toEqual([]);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
