import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES } from './default-rules';
import { INFLECTION_SUFFIXES, evaluateRules, explainRules, findWords, mergeActions, noActions, wordMatches } from './rules-engine';
import { escalate, input, OPEN, rule, words } from './rules-test-kit';
import { detectSensitiveTopic } from '../intents';

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
