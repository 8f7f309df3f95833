import { describe, expect, it } from 'vitest';
import { actionElements } from '../../../test/support/block-kit';
import { DEFAULT_RULES, DEFAULT_RULE_IDS } from '../../core/rules/default-rules';
import type { Rule } from '../../core/rules/rule-schema';
import { ACTION, VIEW, rowActionId } from '../ids';
import { RULES_PAGE_SIZE, readRuleButton, rulesListPage, rulesListView, type RuleListItem } from './rules-list';
import { validateModal } from './validate-blocks';

type Json = Record<string, any>;

const buttons = (view: { blocks: unknown[] }): Json[] => actionElements(view.blocks);

const RULES: RuleListItem[] = DEFAULT_RULES.map((r, i) => ({ ...r, id: DEFAULT_RULE_IDS[i]!, position: i + 1 }));

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
