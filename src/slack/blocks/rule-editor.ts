/**
 * The rule editor (pushed on the rules list): name, enabled, all/any, and the conditions and
 * actions in the line language of core/rules/rule-text.ts, one per line. `readRuleEditor`
 * validates it with parseRuleInput and maps every problem to the block_id of its field
 * (response_action errors). Pure builder and reader.
 */
import type { KnownBlock } from '@slack/types';
import { z } from 'zod';
import { parseRuleInput, type Action, type Condition, type RuleInput } from '../../core/rules/rule-schema';
import { formatActions, formatConditions, parseActionLines, parseConditionLines, relabelRuleError } from '../../core/rules/rule-text';
import { BLOCK, INPUT, VIEW } from '../ids';
import { escapeForSlack } from '../text';
import { LIMITS, context } from './common';
import { ViewState, errorsByBlock, input, modal, option, readMetadata, textInput, type FormResult } from './forms';
import { ruleKey, type RuleListItem } from './rules-list';

const editorMetaSchema = z.strictObject({ ruleId: ruleKey.nullable(), listViewId: z.string().max(100).nullable() });
export type RuleEditorMeta = z.infer<typeof editorMetaSchema>;

export function ruleEditorMeta(privateMetadata: unknown): RuleEditorMeta | null {
  return readMetadata(privateMetadata, editorMetaSchema);
}

export interface RuleEditorModel {
  /** null: a new rule. */
  ruleId: string | null;
  /** The list modal under the editor, to refresh after a save. */
  listViewId: string | null;
  /** The rule as it is (editing), or null (a new rule: enabled, match all, empty). */
  rule: { name: string; enabled: boolean; match: 'all' | 'any'; conditions: readonly Condition[]; actions: readonly Action[] } | null;
  /** Team ids that exist, named in the help. */
  teams: readonly string[];
}

export const CONDITION_EXAMPLES = [
  'message contains refund, cancel, "money back"',
  'url contains /enterprise',
  'within business hours · outside business hours',
  'attribute plan equals enterprise · attribute plan contains ent',
  'verified · not verified',
  'ai confidence below 0.4',
  'frustrated · frustrated (low) · not frustrated',
];

export const ACTION_EXAMPLES = [
  'escalate',
  'notify team enterprise-sales',
  'route to team enterprise-sales',
  'require skill billing',
  'ask for email · queue for later',
  'priority low|normal|high|urgent',
];

/**
 * Whether a rule's conditions and actions fit Slack's 3000-character text inputs. A rule written
 * elsewhere (up to 20 conditions of 50 long phrases) may not; cutting it in the editor would
 * silently lose part of it on save, so such a rule is not opened for editing.
 */
export function editableInSlack(rule: Pick<RuleListItem, 'conditions' | 'actions'>): boolean {
  return formatConditions(rule.conditions).length <= LIMITS.plainTextInput && formatActions(rule.actions).length <= LIMITS.plainTextInput;
}

export function ruleEditorView(model: RuleEditorModel): ReturnType<typeof modal> {
  const rule = model.rule;
  const enabled = rule?.enabled ?? true;
  const match = rule?.match ?? 'all';
  const matchOptions = [option('All conditions hold', 'all'), option('Any condition holds', 'any')];
  const enabledOption = option('Enabled: the rule fires when its conditions hold', 'enabled');
  const teams = model.teams.length ? model.teams.map((t) => `\`${escapeForSlack(t)}\``).join(', ') : '_none yet_';
  const blocks: KnownBlock[] = [
    textInput(BLOCK.ruleName, INPUT.ruleName, 'Name', { initial: rule?.name, maxLength: 80, placeholder: 'e.g. Refunds go to billing' }),
    input(
      BLOCK.ruleEnabled,
      'Status',
      { type: 'checkboxes', action_id: INPUT.ruleEnabled, options: [enabledOption], ...(enabled ? { initial_options: [enabledOption] } : {}) },
      { optional: true },
    ),
    input(BLOCK.ruleMatch, 'Fire when', {
      type: 'radio_buttons',
      action_id: INPUT.ruleMatch,
      options: matchOptions,
      initial_option: matchOptions[match === 'any' ? 1 : 0],
    }),
    textInput(BLOCK.ruleCondition, INPUT.ruleCondition, 'Conditions, one per line', {
      multiline: true,
      initial: rule ? formatConditions(rule.conditions) : null,
      placeholder: 'message contains refund, cancel',
      hint: `For example:\n${CONDITION_EXAMPLES.join('\n')}`,
    }),
    textInput(BLOCK.ruleAction, INPUT.ruleAction, 'Actions, one per line', {
      multiline: true,
      initial: rule ? formatActions(rule.actions) : null,
      placeholder: 'escalate',
      hint: `For example:\n${ACTION_EXAMPLES.join('\n')}`,
    }),
    context(
      [
        '*message contains* matches whole words, ignoring case and accents, and their simple endings (refund → refunds, refunded; cancel → cancelled, cancellation), ' +
          'never inside another word (legal ≠ illegal). A phrase matches its words in a row. ' +
          `*ask for email* and *queue for later* apply when the conversation is handed off. Teams: ${teams}. ` +
          'Lines starting with # are ignored; a JSON list is accepted too.',
      ],
      BLOCK.ruleHelp,
    ),
  ];
  return modal({
    callbackId: VIEW.ruleEdit,
    title: model.ruleId ? 'Edit rule' : 'New rule',
    submit: 'Save',
    close: 'Cancel',
    blocks,
    privateMetadata: JSON.stringify({ ruleId: model.ruleId, listViewId: model.listViewId } satisfies RuleEditorMeta),
  });
}

/** Which field a parseRuleInput message is about (its first path segment). */
function blockOfRuleError(error: string): string {
  if (error.startsWith('name')) return BLOCK.ruleName;
  if (error.startsWith('enabled')) return BLOCK.ruleEnabled;
  if (error.startsWith('match')) return BLOCK.ruleMatch;
  if (error.startsWith('conditions')) return BLOCK.ruleCondition;
  if (error.startsWith('actions')) return BLOCK.ruleAction;
  return BLOCK.ruleName;
}

function withoutField(error: string, field: string): string {
  return error.startsWith(`${field}: `) ? error.slice(field.length + 2) : error;
}

/**
 * The editor's values as a rule input, validated by the rule schema; or the problems keyed by the
 * block_id of the field they are about, for `response_action: 'errors'`.
 */
export function readRuleEditor(rawValues: unknown): FormResult<RuleInput> {
  const state = ViewState.from(rawValues);
  const conditions = parseConditionLines(state.text(BLOCK.ruleCondition, INPUT.ruleCondition));
  const actionLines = parseActionLines(state.text(BLOCK.ruleAction, INPUT.ruleAction));
  const draft = {
    name: state.text(BLOCK.ruleName, INPUT.ruleName),
    enabled: state.checked(BLOCK.ruleEnabled, INPUT.ruleEnabled).includes('enabled'),
    match: state.selected(BLOCK.ruleMatch, INPUT.ruleMatch) ?? 'all',
    conditions: conditions.items,
    actions: actionLines.items,
  };
  const problems: [string, string][] = [
    ...conditions.errors.map((e) => [BLOCK.ruleCondition, e] as [string, string]),
    ...actionLines.errors.map((e) => [BLOCK.ruleAction, e] as [string, string]),
  ];
  const parsed = parseRuleInput(draft);
  if (parsed.ok && problems.length === 0) return { ok: true, value: parsed.value };
  if (!parsed.ok) {
    const unreadable = new Set(problems.map(([block]) => block));
    for (const error of parsed.errors) {
      const block = blockOfRuleError(error);
      // A field with unreadable lines already says so; "add at least one condition" would only add noise.
      if (unreadable.has(block)) continue;
      const message =
        block === BLOCK.ruleCondition
          ? relabelRuleError(error, 'conditions', conditions.where)
          : block === BLOCK.ruleAction
            ? relabelRuleError(error, 'actions', actionLines.where)
            : withoutField(withoutField(withoutField(error, 'name'), 'enabled'), 'match');
      problems.push([block, message]);
    }
  }
  return { ok: false, errors: errorsByBlock(problems) };
}
