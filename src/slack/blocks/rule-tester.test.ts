import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, DEFAULT_RULE_IDS } from '../../core/rules/default-rules';
import { explainRules } from '../../core/rules/rules-engine';
import type { Rule } from '../../core/rules/rule-schema';
import { ALWAYS_OPEN } from '../../core/settings';
import { BLOCK, INPUT } from '../ids';
import { EMPTY_TEST_FORM, instantOfWallTime, readRuleTest, ruleTestView, testEvaluationInput } from './rule-tester';
import type { RuleListItem } from './rules-list';
import { validateModal } from './validate-blocks';

type Json = Record<string, any>;

const RULES: RuleListItem[] = DEFAULT_RULES.map((r, i) => ({ ...r, id: DEFAULT_RULE_IDS[i]!, position: i + 1 }));

describe('rule tester', () => {
  const rules: Rule[] = RULES.map((r) => ({ ...r, conditions: [...r.conditions], actions: [...r.actions] }));
  const NOW = new Date('2024-05-07T10:00:00Z');

  function query(o: Partial<typeof EMPTY_TEST_FORM>) {
    const f = { ...EMPTY_TEST_FORM, ...o };
    const values: Json = {
      [BLOCK.ruleTestInput]: { [INPUT.ruleTestText]: { type: 'plain_text_input', value: f.text || null } },
      [BLOCK.ruleTestUrl]: { [INPUT.ruleTestUrl]: { type: 'plain_text_input', value: f.pageUrl || null } },
      [BLOCK.ruleTestDate]: { [INPUT.ruleTestDate]: { type: 'datepicker', selected_date: f.date } },
      [BLOCK.ruleTestTime]: { [INPUT.ruleTestTime]: { type: 'timepicker', selected_time: f.time } },
      [BLOCK.ruleTestAttributes]: { [INPUT.ruleTestAttributes]: { type: 'plain_text_input', value: f.attributes || null } },
      [BLOCK.ruleTestVerified]: { [INPUT.ruleTestVerified]: { type: 'checkboxes', selected_options: f.verified ? [{ value: 'verified' }] : [] } },
      [BLOCK.ruleTestConfidence]: { [INPUT.ruleTestConfidence]: { type: 'plain_text_input', value: f.aiConfidence || null } },
    };
    return readRuleTest(values);
  }

  it('shows which rules fire, with each condition and its reason', () => {
    const q = query({ text: 'I want a refund', pageUrl: 'https://acme.example/enterprise', attributes: 'plan=enterprise' });
    expect(q.ok).toBe(true);
    if (!q.ok) return;
    expect(q.value.attributes).toEqual({ plan: 'enterprise' });
    const { input, at } = testEvaluationInput(q.value, ALWAYS_OPEN, NOW);
    expect(input.event).toBe('message');
    expect(at).toBe('Tue 2024-05-07 10:00 (UTC)');
    const explanation = explainRules(rules, input);
    const view = ruleTestView({ form: q.value.form, timezone: 'UTC', listViewId: 'V1', result: { explanation, at, message: true } });
    expect(validateModal(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('2 rules fire');
    expect(text).toMatch(/✅ \*1\. Always escalate sensitive topics\*/);
    expect(text).toContain('matched \\"refund\\"');
    expect(text).toMatch(/▫️ \*3\. After hours\*/);
    // The form keeps what was typed, to change and test again.
    expect((view.blocks as Json[]).find((b) => b.block_id === BLOCK.ruleTestInput)!.element.initial_value).toBe('I want a refund');
  });

  it('reads the date and time in the business-hours zone; a message-less test is a page change', () => {
    const q = query({ date: '2024-03-31', time: '02:30', pageUrl: '/pricing' });
    if (!q.ok) throw new Error('expected ok');
    const berlin = { ...ALWAYS_OPEN, timezone: 'Europe/Berlin' };
    const { input, at } = testEvaluationInput(q.value, berlin, NOW);
    expect(input.event).toBe('page');
    expect(input.text).toBeUndefined();
    // 02:30 does not exist in Berlin that night (clocks jump to 03:00): the nearest instant is used.
    expect(at).toMatch(/^Sun 2024-03-31 0[13]:30 \(Europe\/Berlin\)$/);
    expect(instantOfWallTime('Europe/Berlin', '2024-07-01', '09:00').toISOString()).toBe('2024-07-01T07:00:00.000Z');
    expect(instantOfWallTime('America/New_York', '2024-01-15', '23:45').toISOString()).toBe('2024-01-16T04:45:00.000Z');
    // A date alone is noon there.
    const noon = query({ date: '2024-07-01' });
    if (!noon.ok) throw new Error('expected ok');
    expect(testEvaluationInput(noon.value, berlin, NOW).input.now.toISOString()).toBe('2024-07-01T10:00:00.000Z');
  });

  it('says what is wrong with attributes and confidence', () => {
    const q = query({ attributes: 'plan enterprise', aiConfidence: '7' });
    expect(q.ok).toBe(false);
    if (q.ok) return;
    expect(q.errors[BLOCK.ruleTestAttributes]).toMatch(/key=value/);
    expect(q.errors[BLOCK.ruleTestConfidence]).toMatch(/between 0 and 1/);
  });

  it('stays within the modal limits with many rules', () => {
    const many: Rule[] = Array.from({ length: 120 }, (_, i) => ({ ...rules[0]!, id: `r${i}`, position: i + 1, name: `Rule ${i}` }));
    const q = query({ text: 'refund please' });
    if (!q.ok) throw new Error('expected ok');
    const { input, at } = testEvaluationInput(q.value, ALWAYS_OPEN, NOW);
    const view = ruleTestView({ form: q.value.form, timezone: 'UTC', listViewId: null, result: { explanation: explainRules(many, input), at, message: true } });
    expect(validateModal(view)).toEqual([]);
    expect(JSON.stringify(view.blocks)).toContain('more rules, not shown');
  });
});
