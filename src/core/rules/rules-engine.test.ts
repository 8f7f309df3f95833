import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './default-rules';
import type { Action, Condition, Rule } from './rule-schema';
import {
  INFLECTION_SUFFIXES,
  evaluateRules,
  explainRules,
  findWords,
  mergeActions,
  noActions,
  wordMatches,
  type MergedActions,
  type RuleEvaluationInput,
} from './rules-engine';
import { DEFAULT_BUSINESS_HOURS, businessHoursSchema } from '../business-hours';
import { detectSensitiveTopic } from '../intents';

// Wednesday 2026-11-25 15:00 UTC: within the default business hours (Mon–Fri 09:00–17:00 UTC).
const OPEN = new Date('2026-11-25T15:00:00Z');
const CLOSED = new Date('2026-11-25T18:00:00Z');
const SATURDAY = new Date('2026-11-28T11:00:00Z');

function input(over: Partial<RuleEvaluationInput> = {}): RuleEvaluationInput {
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
function rule(name: string, conditions: Condition[], actions: Action[] = [{ type: 'escalate_to_human' }], over: Partial<Rule> = {}): Rule {
  const position = nextPosition++;
  return { id: `r_${name}`, name, enabled: true, position, match: 'all', conditions, actions, ...over };
}

const words = (...list: string[]): Condition => ({ type: 'message_contains', words: list });
const escalate: Action = { type: 'escalate_to_human' };
const ESCALATE: Partial<MergedActions> = { escalate: true };

interface Case {
  name: string;
  rules: Rule[];
  input: Partial<RuleEvaluationInput>;
  /** Names of the rules that fire, in order. */
  fired: string[];
  /** The merged actions, beyond noActions(). */
  actions?: Partial<MergedActions>;
}

/** One rule with one condition: fires (and escalates) or not. */
function one(name: string, condition: Condition, over: Partial<RuleEvaluationInput>, fires: boolean): Case {
  return { name, rules: [rule('r', [condition])], input: over, fired: fires ? ['r'] : [], actions: fires ? ESCALATE : {} };
}

const HUGE = `${'lorem ipsum dolor sit amet '.repeat(40_000)}please cancel it`;

const cases: Case[] = [
  // --- message_contains: words, case, accents, punctuation
  one('a listed word in a question', words('cancel'), { text: 'How do I cancel?' }, true),
  one('upper case', words('cancel'), { text: 'CANCEL MY PLAN' }, true),
  one('punctuation around the word', words('cancel'), { text: 'Cancel!' }, true),
  one('accented listed word, plain message', words('café'), { text: 'is the cafe open' }, true),
  one('plain listed word, accented message', words('cafe'), { text: 'Le CAFÉ est fermé' }, true),
  one('accents inside an inflection', words('refund'), { text: 'Réfunded?' }, true),
  one('apostrophes: "don\'t" matches "Don’t"', words("don't"), { text: 'Don’t charge me' }, true),
  one('digits are words', words('404'), { text: 'I get error 404!' }, true),
  one('no listed word', words('refund', 'cancel', 'legal'), { text: 'How do I change my plan?' }, false),
  // --- message_contains: whole words and inflections
  one('s', words('refund'), { text: 'refunds?' }, true),
  one('ed', words('refund'), { text: 'was it refunded' }, true),
  one('ing', words('refund'), { text: 'refunding takes long' }, true),
  one('es', words('tax'), { text: 'the taxes are wrong' }, true),
  one('led (doubled l)', words('cancel'), { text: 'I cancelled yesterday' }, true),
  one('ed (single l)', words('cancel'), { text: 'I canceled yesterday' }, true),
  one('ling', words('cancel'), { text: 'cancelling now' }, true),
  one('lation', words('cancel'), { text: 'cancellation policy' }, true),
  one('lations', words('cancel'), { text: 'cancellations this month' }, true),
  one('ation', words('cancel'), { text: 'cancelation fee' }, true),
  one('not inside a longer word (prefix)', words('legal'), { text: 'paralegal team onboarding' }, false),
  one('not at the end of a longer word', words('legal'), { text: 'that is illegal' }, false),
  one('not with another suffix', words('refund'), { text: 'is it refundable' }, false),
  one('not with a run-on word', words('cancel'), { text: 'the cancelbutton class' }, false),
  one('not two suffixes', words('cancel'), { text: 'cancelleds' }, false),
  one('short words match exactly only', words('it'), { text: 'its colour' }, false),
  one('short words match exactly', words('it'), { text: 'is it broken' }, true),
  one('no silent-e rule: close ≠ closed', words('close'), { text: 'my account was closed' }, false),
  // --- message_contains: phrases
  one('a phrase across a hyphen', words('money back'), { text: 'Money-back guarantee?' }, true),
  one('a phrase with something between', words('money back'), { text: 'the money is back' }, false),
  one('a phrase, words inflected', words('cancel subscription'), { text: 'I cancelled subscriptions twice' }, true),
  one('a phrase after a false start', words('money back'), { text: 'money money back please' }, true),
  one('a phrase at the very end', words('speak to sales'), { text: 'can I speak to sales' }, true),
  one('a phrase not in order', words('money back'), { text: 'back money' }, false),
  // --- message_contains: no message, hostile input
  one('page change: no message', words('cancel'), { event: 'page', text: undefined }, false),
  one('empty message', words('cancel'), { text: '' }, false),
  one('c++ is the word c', words('c++'), { text: 'Does it support C++?' }, true),
  one('(refund) is the word refund', words('(refund)'), { text: 'refund please' }, true),
  one('regex metacharacters only: never matches', words('.*', '[', '\\'), { text: 'anything at all [ ] .* \\' }, false),
  one('metacharacters in the message', words('refund'), { text: '(((((a+)+)+)+)+$ refund? [^x]*' }, true),
  one('a word at the end of 1 MB of text', words('cancel'), { text: HUGE }, true),
  one('1 MB without the word', words('refund'), { text: HUGE }, false),
  // --- url_contains
  one('url: case-insensitive substring', { type: 'url_contains', value: '/enterprise' }, { pageUrl: 'https://acme.test/Enterprise/plans' }, true),
  one('url: not there', { type: 'url_contains', value: '/enterprise' }, { pageUrl: 'https://acme.test/pricing' }, false),
  one('url: no page', { type: 'url_contains', value: '/enterprise' }, { pageUrl: null }, false),
  one('url: percent-encoded page', { type: 'url_contains', value: '/über' }, { pageUrl: 'https://acme.test/%C3%BCber-uns' }, true),
  one('url: broken percent-encoding does not throw', { type: 'url_contains', value: '/x' }, { pageUrl: 'https://acme.test/%E0%A4%A/x' }, true),
  // --- business_hours
  one('business_hours true, open', { type: 'business_hours', value: true }, { now: OPEN }, true),
  one('business_hours true, closed', { type: 'business_hours', value: true }, { now: CLOSED }, false),
  one('business_hours false, evening', { type: 'business_hours', value: false }, { now: CLOSED }, true),
  one('business_hours false, Saturday', { type: 'business_hours', value: false }, { now: SATURDAY }, true),
  one('business_hours false, open', { type: 'business_hours', value: false }, { now: OPEN }, false),
  one(
    'business_hours in the configured zone (17:30 in Berlin is closed)',
    { type: 'business_hours', value: false },
    { now: new Date('2026-11-25T16:30:00Z'), businessHours: businessHoursSchema.parse({ ...DEFAULT_BUSINESS_HOURS, timezone: 'Europe/Berlin' }) },
    true,
  ),
  one(
    'business_hours with a broken zone: false, no throw',
    { type: 'business_hours', value: false },
    { businessHours: { ...DEFAULT_BUSINESS_HOURS, timezone: 'Nowhere/Town' } },
    false,
  ),
  // --- customer_attribute
  one('attribute equals, any case', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { plan: 'Enterprise' } }, true),
  one('attribute key in another case', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { Plan: 'enterprise' } }, true),
  one('attribute equals is not contains', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { plan: 'enterprise-trial' } }, false),
  one('attribute contains', { type: 'customer_attribute', key: 'company', op: 'contains', value: 'acme' }, { attributes: { company: 'ACME Corp' } }, true),
  one('attribute contains, accents folded', { type: 'customer_attribute', key: 'company', op: 'contains', value: 'societe' }, { attributes: { company: 'Société Générale' } }, true),
  one('attribute missing', { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { attributes: { company: 'enterprise' } }, false),
  one('attribute named like an Object property', { type: 'customer_attribute', key: 'constructor', op: 'contains', value: 'function' }, { attributes: {} }, false),
  // --- verified
  one('verified true, verified visitor', { type: 'verified', value: true }, { verified: true }, true),
  one('verified true, anonymous visitor', { type: 'verified', value: true }, { verified: false }, false),
  one('verified false, anonymous visitor', { type: 'verified', value: false }, { verified: false }, true),
  // --- ai_confidence_below
  one('confidence below', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: 0.32 }, true),
  one('confidence equal is not below', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: 0.5 }, false),
  one('confidence unknown', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: undefined }, false),
  one('confidence NaN counts as unknown', { type: 'ai_confidence_below', value: 0.5 }, { aiConfidence: Number.NaN }, false),
  // --- frustration_detected
  one('frustration high', { type: 'frustration_detected', value: true }, { frustration: 'high' }, true),
  one('frustration low is not detected by default', { type: 'frustration_detected', value: true }, { frustration: 'low' }, false),
  one('frustration low with level low', { type: 'frustration_detected', value: true, level: 'low' }, { frustration: 'low' }, true),
  one('no frustration, value false', { type: 'frustration_detected', value: false }, { frustration: 'none' }, true),
  one('frustration high, value false', { type: 'frustration_detected', value: false }, { frustration: 'high' }, false),
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

describe('evaluateRules', () => {
  it('has a table of at least 40 cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = evaluateRules(c.rules, input(c.input));
    expect(result.fired.map((f) => f.rule.name)).toEqual(c.fired);
    expect(result.actions).toEqual({ ...noActions(), ...c.actions });
    for (const f of result.fired) expect(f.actions).toBe(f.rule.actions);
    // explainRules agrees with evaluateRules.
    expect(explainRules(c.rules, input(c.input)).result).toEqual(result);
  });

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

describe('explainRules', () => {
  const rules = [
    rule('Sensitive', [words('refund', 'cancel', 'legal')]),
    rule('Enterprise customers at night', [{ type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' }, { type: 'business_hours', value: false }], [{ type: 'set_priority', priority: 'urgent' }]),
    rule('Unsure AI or angry customer', [{ type: 'ai_confidence_below', value: 0.4 }, { type: 'frustration_detected', value: true }], [escalate], { match: 'any' }),
    rule('Switched off', [{ type: 'verified', value: false }], [{ type: 'ask_for_email' }], { enabled: false }),
    rule('Enterprise pages', [{ type: 'url_contains', value: '/enterprise' }], [{ type: 'notify_team', team: 'enterprise-sales' }]),
  ];

  it('gives every rule, in order, whether it fired and a reason per condition', () => {
    const explanation = explainRules(rules, input({ text: 'Cancellation please!!!', attributes: { plan: 'Enterprise' }, now: OPEN, aiConfidence: 0.9, frustration: 'high' }));
    expect(explanation.rules.map((r) => ({ name: r.rule.name, fired: r.fired, matched: r.matched, summary: r.summary, conditions: r.conditions.map((c) => [c.result, c.reason]) }))).toEqual([
      { name: 'Sensitive', fired: true, matched: true, summary: 'fired: its condition is true', conditions: [[true, 'matched "cancel" as "cancellation"']] },
      {
        name: 'Enterprise customers at night',
        fired: false,
        matched: false,
        summary: 'not fired: 1 of 2 conditions false',
        conditions: [
          [true, 'plan is "Enterprise"'],
          [false, 'within business hours (Wed 15:00 UTC)'],
        ],
      },
      {
        name: 'Unsure AI or angry customer',
        fired: true,
        matched: true,
        summary: 'fired: 1 of 2 conditions true (any)',
        conditions: [
          [false, 'AI confidence 0.9 is not below 0.4'],
          [true, 'frustration high'],
        ],
      },
      { name: 'Switched off', fired: false, matched: true, summary: 'disabled (would fire: its condition is true)', conditions: [[true, 'visitor is not verified']] },
      { name: 'Enterprise pages', fired: false, matched: false, summary: 'not fired: 1 of 1 condition false', conditions: [[false, 'page URL "https://acme.test/pricing" does not contain "/enterprise"']] },
    ]);
    expect(explanation.result.actions).toEqual({ ...noActions(), escalate: true });
  });

  it('explains a page change and unknown values', () => {
    const explanation = explainRules(rules, input({ event: 'page', text: undefined, pageUrl: null, attributes: {}, verified: true, frustration: 'none' }));
    const reasons = explanation.rules.flatMap((r) => r.conditions.map((c) => c.reason));
    expect(reasons).toEqual([
      'no message (page change)',
      'no attribute "plan"',
      'within business hours (Wed 15:00 UTC)',
      'AI confidence not known',
      'frustration none',
      'visitor is verified',
      'no page URL',
    ]);
    expect(explanation.rules.map((r) => r.summary)).toEqual([
      'not fired: 1 of 1 condition false',
      'not fired: 2 of 2 conditions false',
      'not fired: none of 2 conditions true (any)',
      'disabled (would not fire: 1 of 1 condition false)',
      'not fired: 1 of 1 condition false',
    ]);
  });

  it('lists what was looked for when nothing matched, shortened', () => {
    const many = rule('Many', [words('one', 'two', 'three', 'four', 'five', 'six', 'seven')]);
    const [explained] = explainRules([many], input({ text: 'nothing here' })).rules;
    expect(explained!.conditions[0]!.reason).toBe('none of "one", "two", "three", "four", "five" and 2 more in the message');
  });

  it('keeps reasons short for hostile values', () => {
    const long = 'x'.repeat(10_000);
    const explained = explainRules(
      [rule('Long', [{ type: 'url_contains', value: long }, { type: 'customer_attribute', key: 'plan', op: 'equals', value: long }])],
      input({ pageUrl: `https://acme.test/${long}`, attributes: { plan: long } }),
    ).rules[0]!;
    for (const c of explained.conditions) expect(c.reason.length).toBeLessThan(250);
  });
});

describe('word matching', () => {
  it('documents the suffixes', () => {
    expect(INFLECTION_SUFFIXES).toEqual(['s', 'es', 'ed', 'ing', 'ation', 'ations', 'led', 'ling', 'lation', 'lations']);
    expect(wordMatches('cancel', 'cancel')).toBe(true);
    expect(wordMatches('cancel', 'cancellations')).toBe(true);
    expect(wordMatches('cancel', 'cancellable')).toBe(false);
    expect(wordMatches('it', 'its')).toBe(false);
  });

  it('finds entries in the order listed, each once', () => {
    expect(findWords(['legal', 'refund', 'money back', 'nope'], 'Refund, refund, and is this legal? Money back!')).toEqual([
      { entry: 'legal', found: 'legal' },
      { entry: 'refund', found: 'refund' },
      { entry: 'money back', found: 'money back' },
    ]);
  });

  it('mergeActions of nothing is no action', () => {
    expect(mergeActions([])).toEqual(noActions());
  });

  /**
   * The default rule "message_contains: refund, cancel, legal" against the hard-coded
   * detectSensitiveTopic (src/core/intents.ts), which it should replace: the same verdict on
   * these messages except where the old detector knows more words.
   */
  it.each([
    ['I want a refund', true, true],
    ['REFUNDS?', true, true],
    ['was it refunded yet', true, true],
    ['How do I cancel?', true, true],
    ['I cancelled my plan', true, true],
    ['I canceled yesterday', true, true],
    ['canceling my subscription', true, true],
    ['cancellation policy', true, true],
    ['this is a legal matter', true, true],
    ['Réfund and Cancél please', true, true],
    ['How do I change my plan?', false, false],
    ['paralegal team onboarding', false, false],
    ['cancelbutton css class', false, false],
    // Where they differ: the rule's "ation" suffix, and words only the old detector knows.
    ['refundation', true, false],
    ['is the annual plan refundable', false, true],
    ['it says non-refundable', false, true],
    ['my lawyer will call you', false, true],
    ['the legality-check task', false, true],
  ])('default rule vs detectSensitiveTopic on %j', (text, byRule, byDetector) => {
    const fired = evaluateRules([{ ...DEFAULT_RULES[0]!, id: 'd', position: 1 }], input({ text })).fired.length > 0;
    expect(fired).toBe(byRule);
    expect(detectSensitiveTopic(text) !== null).toBe(byDetector);
  });
});
