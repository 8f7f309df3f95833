import { describe, expect, it } from 'vitest';
import { DEFAULT_RULES, DEFAULT_RULE_IDS } from '../../core/rules/default-rules';
import { BLOCK, INPUT } from '../ids';
import { editableInSlack, readRuleEditor, ruleEditorMeta, ruleEditorView } from './rule-editor';
import type { RuleListItem } from './rules-list';
import { validateModal } from './validate-blocks';

type Json = Record<string, any>;

const RULES: RuleListItem[] = DEFAULT_RULES.map((r, i) => ({ ...r, id: DEFAULT_RULE_IDS[i]!, position: i + 1 }));

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
