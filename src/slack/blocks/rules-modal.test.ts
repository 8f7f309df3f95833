import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, DEFAULT_RULE_IDS } from '../../core/rules/default-rules';
import { explainRules } from '../../core/rules/rules-engine';
import type { Rule } from '../../core/rules/rule-schema';
import { ALWAYS_OPEN } from '../../core/settings';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../ids';
import {
  EMPTY_TEST_FORM,
  editableInSlack,
  RULES_PAGE_SIZE,
  instantOfWallTime,
  readRuleButton,
  readRuleEditor,
  readRuleTest,
  ruleEditorMeta,
  ruleEditorView,
  ruleTestView,
  rulesListPage,
  rulesListView,
  testEvaluationInput,
  validateModal,
  type RuleListItem,
} from './rules-modal';

type Json = Record<string, any>;

const RULES: RuleListItem[] = DEFAULT_RULES.map((r, i) => ({ ...r, id: DEFAULT_RULE_IDS[i]!, position: i + 1 }));

function buttons(view: { blocks: unknown[] }): Json[] {
  return (view.blocks as Json[]).flatMap((b) => (b.type === 'actions' ? (b.elements as Json[]) : []));
}

/** view.state.values as Slack sends them for text inputs, radio buttons and checkboxes. */
function state(o: { name?: string; enabled?: boolean; match?: string; conditions?: string; actions?: string }): Json {
  return {
    [BLOCK.ruleName]: { [INPUT.ruleName]: { type: 'plain_text_input', value: o.name ?? null } },
    [BLOCK.ruleEnabled]: { [INPUT.ruleEnabled]: { type: 'checkboxes', selected_options: o.enabled === false ? [] : [{ value: 'enabled' }] } },
    [BLOCK.ruleMatch]: { [INPUT.ruleMatch]: { type: 'radio_buttons', selected_option: { value: o.match ?? 'all' } } },
    [BLOCK.ruleCondition]: { [INPUT.ruleCondition]: { type: 'plain_text_input', value: o.conditions ?? null } },
    [BLOCK.ruleAction]: { [INPUT.ruleAction]: { type: 'plain_text_input', value: o.actions ?? null } },
  };
}

describe('rules list modal', () => {
  it('lists the rules in order with their state and Edit / ↑ / ↓ / Disable / Delete, then Add rule and Test', () => {
    const view = rulesListView({ rules: RULES, invalid: [], page: 0, notice: 'Saved “After hours”.' });
    expect(validateModal(view)).toEqual([]);
    expect(view.callback_id).toBe(VIEW.rules);
    const text = JSON.stringify(view.blocks);
    expect(text).toContain('1. Always escalate sensitive topics');
    expect(text).toContain('`message contains refund, cancel, legal`');
    expect(text).toContain('Saved “After hours”.');
    const ids = buttons(view).map((b) => b.action_id);
    const [first, , last] = DEFAULT_RULE_IDS;
    expect(ids).toContain(rowActionId(ACTION.ruleEdit, first));
    expect(ids).not.toContain(rowActionId(ACTION.ruleUp, first));
    expect(ids).toContain(rowActionId(ACTION.ruleDown, first));
    expect(ids).not.toContain(rowActionId(ACTION.ruleDown, last));
    expect(ids).toContain(rowActionId(ACTION.ruleUp, last));
    expect(ids).toEqual(expect.arrayContaining([ACTION.ruleEdit, ACTION.ruleTest]));
    const del = buttons(view).find((b) => b.action_id === rowActionId(ACTION.ruleDelete, first))!;
    expect(del.style).toBe('danger');
    expect(del.confirm.title.text).toMatch(/delete/i);
    const toggle = buttons(view).find((b) => b.action_id === rowActionId(ACTION.ruleToggle, first))!;
    expect(toggle.text.text).toBe('Disable');
    expect(readRuleButton(toggle.value)).toEqual({ rule: first, enabled: false });
  });

  it('escapes names and shows an invalid stored rule without Edit', () => {
    const view = rulesListView({
      rules: [{ ...RULES[0]!, name: '<!channel> *bold*', enabled: false }],
      invalid: [{ id: 'rule_bad', name: 'Broken', enabled: true, position: 2, errors: ['conditions 1: unknown condition type'] }],
      page: 0,
    });
    expect(validateModal(view)).toEqual([]);
    const text = JSON.stringify(view.blocks);
    const mrkdwn = JSON.stringify((view.blocks as Json[]).filter((b) => b.type === 'section'));
    expect(mrkdwn).toContain('&lt;!channel&gt;');
    expect(mrkdwn).not.toContain('<!channel>');
    expect(text).toContain('not valid');
    const ids = buttons(view).map((b) => b.action_id);
    expect(ids).not.toContain(rowActionId(ACTION.ruleEdit, 'rule_bad'));
    expect(ids).toContain(rowActionId(ACTION.ruleDelete, 'rule_bad'));
    expect(buttons(view).find((b) => b.action_id === rowActionId(ACTION.ruleToggle, RULES[0]!.id))!.text.text).toBe('Enable');
  });

  it('pages long lists and stays within the modal limits', () => {
    const many: RuleListItem[] = Array.from({ length: RULES_PAGE_SIZE * 2 + 5 }, (_, i) => ({
      ...RULES[0]!,
      id: `rule_${i}`,
      name: `Rule ${i} ${'x'.repeat(70)}`,
      position: i + 1,
      conditions: [{ type: 'message_contains', words: Array.from({ length: 50 }, (_, j) => `word${j}`) }],
    }));
    for (const page of [0, 1, 2, 99]) {
      const view = rulesListView({ rules: many, invalid: [], page, notice: 'x'.repeat(5000) });
      expect(validateModal(view)).toEqual([]);
      expect(view.blocks.length).toBeLessThanOrEqual(100);
    }
    const middle = rulesListView({ rules: many, invalid: [], page: 1 });
    expect(rulesListPage(middle.private_metadata)).toBe(1);
    const nav = buttons(middle).filter((b) => b.action_id.startsWith(ACTION.rulesPage));
    expect(nav.map((b) => readRuleButton(b.value))).toEqual([{ page: 0 }, { page: 2 }]);
    expect(rulesListPage(rulesListView({ rules: many, invalid: [], page: 99 }).private_metadata)).toBe(2);
    expect(JSON.stringify(rulesListView({ rules: [], invalid: [], page: 0 }).blocks)).toContain('No rules yet');
  });

  it('reads nothing from foreign button values', () => {
    for (const raw of [undefined, '', 'x', '[]', '{"rule":"a b"}', '{"rule":"r","extra":1}', '{"page":-1}']) expect(readRuleButton(raw)).toBeNull();
  });
});

describe('rule editor', () => {
  it('opens empty for a new rule (enabled, match all) and filled in for an existing one', () => {
    const fresh = ruleEditorView({ ruleId: null, listViewId: 'V1', rule: null, teams: [] });
    expect(validateModal(fresh)).toEqual([]);
    expect(fresh.title.text).toBe('New rule');
    expect(ruleEditorMeta(fresh.private_metadata)).toEqual({ ruleId: null, listViewId: 'V1' });
    const edit = ruleEditorView({ ruleId: RULES[2]!.id, listViewId: 'V1', rule: RULES[2]!, teams: ['enterprise-sales'] });
    expect(validateModal(edit)).toEqual([]);
    const blocks = edit.blocks as Json[];
    const byId = (id: string) => blocks.find((b) => b.block_id === id)!;
    expect(byId(BLOCK.ruleName).element.initial_value).toBe('After hours');
    expect(byId(BLOCK.ruleEnabled).element.initial_options).toHaveLength(1);
    expect(byId(BLOCK.ruleMatch).element.initial_option.value).toBe('all');
    expect(byId(BLOCK.ruleCondition).element.initial_value).toBe('outside business hours');
    expect(byId(BLOCK.ruleAction).element.initial_value).toBe('ask for email\nqueue for later');
    expect(JSON.stringify(byId(BLOCK.ruleHelp))).toContain('enterprise-sales');
  });

  it('reads a valid form as a rule input', () => {
    const result = readRuleEditor(
      state({ name: ' Refunds ', enabled: false, match: 'any', conditions: 'message contains refund, "money back"\nurl contains /billing', actions: 'escalate\npriority high' }),
    );
    expect(result).toEqual({
      ok: true,
      value: {
        name: 'Refunds',
        enabled: false,
        match: 'any',
        conditions: [
          { type: 'message_contains', words: ['refund', 'money back'] },
          { type: 'url_contains', value: '/billing' },
        ],
        actions: [{ type: 'escalate_to_human' }, { type: 'set_priority', priority: 'high' }],
      },
    });
  });

  it('puts every problem next to its field', () => {
    const result = readRuleEditor(state({ name: '', conditions: 'message contains refund\nthe moon is full\nai confidence below 2', actions: '' }));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual([BLOCK.ruleAction, BLOCK.ruleCondition, BLOCK.ruleName].sort());
    expect(result.errors[BLOCK.ruleName]).toBe('give the rule a name');
    // An unreadable line is named; the schema's complaints about the same field wait for the next try.
    expect(result.errors[BLOCK.ruleCondition]).toMatch(/^line 2: "the moon is full" is not a condition/);
    expect(result.errors[BLOCK.ruleAction]).toBe('add at least one action');

    const values = readRuleEditor(state({ name: 'x', conditions: '\nai confidence below 2', actions: 'notify team Sales Team\nset priority huge' }));
    expect(values.ok).toBe(false);
    if (values.ok) return;
    expect(values.errors[BLOCK.ruleCondition]).toBe('line 2 › value: value must be between 0 and 1');
    expect(values.errors[BLOCK.ruleAction]).toMatch(/^line 1 › team: team must be a team id[^]*\nline 2 › priority: priority must be one of/);
  });

  it('does not open a rule too long for Slack text inputs (cutting it would lose part of it)', () => {
    expect(editableInSlack(RULES[0]!)).toBe(true);
    const long = { ...RULES[0]!, conditions: Array.from({ length: 20 }, () => ({ type: 'message_contains' as const, words: Array.from({ length: 50 }, (_, i) => `word${i}`) })) };
    expect(editableInSlack(long)).toBe(false);
  });

  it('survives a payload of the wrong shape', () => {
    const result = readRuleEditor({ nonsense: 42 });
    expect(result.ok).toBe(false);
    expect(readRuleEditor(null).ok).toBe(false);
  });
});

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
