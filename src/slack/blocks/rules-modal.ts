/**
 * The admins' escalation-rule modals (`/handoff rules`), as pure builders and form readers:
 *
 * - the list: every rule in evaluation order with its state and Edit / ↑ / ↓ / Enable|Disable /
 *   Delete, then Add rule and Test a message (paged, so the view stays under 100 blocks);
 * - the editor (pushed on the list): name, enabled, all/any, and the conditions and actions in the
 *   line language of core/rules/rule-text.ts, one per line; `readRuleEditor` validates it with
 *   parseRuleInput and maps every problem to the block_id of its field (response_action errors);
 * - the tester (pushed on the list): a sample message, page URL, time and visitor, and for each
 *   rule whether it would fire, with every condition's reason (explainRules).
 *
 * Names and reasons can hold anything an admin or a customer typed: they are escaped for mrkdwn.
 */
import type { Button, KnownBlock } from '@slack/types';
import { z } from 'zod';
import { isValidTimeZone, wallClock, type BusinessHoursConfig } from '../../core/business-hours';
import { detectFrustration } from '../../core/intents';
import type { RuleEvaluationInput, MergedActions, RulesExplanation } from '../../core/rules/rules-engine';
import { parseRuleInput, type Action, type Condition, type RuleInput } from '../../core/rules/rule-schema';
import {
  formatAction,
  formatActions,
  formatCondition,
  formatConditions,
  parseActionLines,
  parseConditionLines,
  relabelRuleError,
} from '../../core/rules/rule-text';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../ids';
import { escapeForSlack, truncateEscaped } from '../text';
import { LIMITS, actions, button, confirmDialog, context, section } from './common';
import { ViewState, errorsByBlock, input, modal, option, readMetadata, textInput } from './forms';

export { validateBlocks } from './common';
export { validateModal } from './forms';

/** Rows (rules) per page of the list: two blocks each, well under the modal's 100. */
export const RULES_PAGE_SIZE = 20;
/** Rules shown with their reasons in the tester (two inputs' worth of blocks are kept free). */
export const TEST_RESULT_LIMIT = 80;

// ---------------------------------------------------------------------------------------------
// Values and metadata (they come back from Slack: read with zod)

const ruleKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

const ruleButtonSchema = z.strictObject({
  rule: ruleKey.optional(),
  enabled: z.boolean().optional(),
  page: z.number().int().min(0).max(10_000).optional(),
});
export type RuleButtonValue = z.infer<typeof ruleButtonSchema>;

export function ruleButtonValue(value: RuleButtonValue): string {
  return JSON.stringify(value);
}

/** A rule button's value, or null when it is not one of ours. */
export function readRuleButton(raw: unknown): RuleButtonValue | null {
  return readMetadata(raw, ruleButtonSchema);
}

const listMetaSchema = z.strictObject({ page: z.number().int().min(0).max(10_000) });
const editorMetaSchema = z.strictObject({ ruleId: ruleKey.nullable(), listViewId: z.string().max(100).nullable() });
export type RuleEditorMeta = z.infer<typeof editorMetaSchema>;
const testerMetaSchema = z.strictObject({ listViewId: z.string().max(100).nullable() });

/** The page a rules list view shows (0 when unknown). */
export function rulesListPage(privateMetadata: unknown): number {
  return readMetadata(privateMetadata, listMetaSchema)?.page ?? 0;
}

export function ruleEditorMeta(privateMetadata: unknown): RuleEditorMeta | null {
  return readMetadata(privateMetadata, editorMetaSchema);
}

/** The list view a tester was opened from (to refresh nothing, but to go back to). */
export function ruleTesterListViewId(privateMetadata: unknown): string | null {
  return readMetadata(privateMetadata, testerMetaSchema)?.listViewId ?? null;
}

// ---------------------------------------------------------------------------------------------
// The list

export interface RuleListItem {
  id: string;
  name: string;
  enabled: boolean;
  position: number;
  match: 'all' | 'any';
  conditions: readonly Condition[];
  actions: readonly Action[];
}

/** A stored rule whose definition does not validate: it can be switched off, moved or deleted. */
export interface InvalidRuleItem {
  id: string;
  name: string;
  enabled: boolean;
  position: number;
  errors: readonly string[];
}

export interface RulesListModel {
  rules: readonly RuleListItem[];
  invalid: readonly InvalidRuleItem[];
  /** 0-based; clamped to the pages there are. */
  page: number;
  /** What just happened, shown at the top ("Saved “After hours”."). Plain text. */
  notice?: string | null;
}

type Row = ({ kind: 'rule' } & RuleListItem) | ({ kind: 'invalid' } & InvalidRuleItem);

/** A line-language text as inline code: readable, and no mrkdwn inside it is live. */
function code(text: string): string {
  return `\`${escapeForSlack(text.replace(/`/g, "'").replace(/\s+/g, ' '))}\``;
}

export function ruleSummary(rule: Pick<RuleListItem, 'match' | 'conditions' | 'actions'>): string {
  const joiner = rule.match === 'any' ? ' *or* ' : ' *and* ';
  const when = rule.conditions.map((c) => code(formatCondition(c))).join(joiner);
  const then = rule.actions.map((a) => code(formatAction(a))).join(', ');
  return `*When* ${when}\n*Then* ${then}`;
}

function stateLabel(enabled: boolean): string {
  return enabled ? '🟢 On' : '⚪ Off';
}

function rowBlocks(row: Row, first: boolean, last: boolean): KnownBlock[] {
  const name = escapeForSlack(row.name);
  const head = `*${row.position}. ${name}*   ${stateLabel(row.enabled)}`;
  const body =
    row.kind === 'rule'
      ? ruleSummary(row)
      : `⚠️ This rule's stored definition is not valid, so it never fires: ${escapeForSlack(row.errors.slice(0, 3).join('; '))}`;
  const elements: Button[] = [];
  if (row.kind === 'rule') elements.push(button({ actionId: rowActionId(ACTION.ruleEdit, row.id), text: 'Edit', value: ruleButtonValue({ rule: row.id }) }));
  if (!first) elements.push(button({ actionId: rowActionId(ACTION.ruleUp, row.id), text: '↑', value: ruleButtonValue({ rule: row.id }) }));
  if (!last) elements.push(button({ actionId: rowActionId(ACTION.ruleDown, row.id), text: '↓', value: ruleButtonValue({ rule: row.id }) }));
  elements.push(
    button({
      actionId: rowActionId(ACTION.ruleToggle, row.id),
      text: row.enabled ? 'Disable' : 'Enable',
      value: ruleButtonValue({ rule: row.id, enabled: !row.enabled }),
    }),
    button({
      actionId: rowActionId(ACTION.ruleDelete, row.id),
      text: 'Delete',
      style: 'danger',
      value: ruleButtonValue({ rule: row.id }),
      confirm: confirmDialog({
        title: 'Delete this rule?',
        text: `“${row.name}” will be deleted for everyone. Its past firings stay in the analytics.`,
        confirm: 'Delete',
        deny: 'Keep it',
      }),
    }),
  );
  return [
    section(truncateEscaped(`${head}\n${body}`, 2000), `${BLOCK.rulesRow}:${row.id}`),
    actions(`${BLOCK.rulesRowActions}:${row.id}`, elements),
  ];
}

/** The rules list modal. */
export function rulesListView(model: RulesListModel): ReturnType<typeof modal> {
  const rows: Row[] = [
    ...model.rules.map((r) => ({ kind: 'rule' as const, ...r })),
    ...model.invalid.map((r) => ({ kind: 'invalid' as const, ...r })),
  ].sort((a, b) => a.position - b.position);
  const pages = Math.max(1, Math.ceil(rows.length / RULES_PAGE_SIZE));
  const page = Math.min(Math.max(0, Math.trunc(model.page) || 0), pages - 1);
  const shown = rows.slice(page * RULES_PAGE_SIZE, (page + 1) * RULES_PAGE_SIZE);

  const blocks: KnownBlock[] = [];
  if (model.notice) blocks.push(context([`✅ ${escapeForSlack(model.notice)}`], BLOCK.rulesNotice));
  blocks.push(
    section(
      'Rules are checked in this order on every customer message and page change. A rule *fires* when its conditions hold ' +
        '(all of them, or any one with _match any_); the actions of all fired rules add up. ' +
        '`escalate` hands the conversation to a person at once; `ask for email` and `queue for later` shape a handoff when one happens.',
      BLOCK.rulesIntro,
    ),
    { type: 'divider' },
  );
  if (rows.length === 0) blocks.push(section('_No rules yet._ Add one below: without rules the AI hands off only when it is unsure, when the customer asks, or when an agent takes over.'));
  shown.forEach((row, i) => {
    const index = page * RULES_PAGE_SIZE + i;
    blocks.push(...rowBlocks(row, index === 0, index === rows.length - 1));
  });
  if (pages > 1) {
    const nav: Button[] = [];
    if (page > 0) nav.push(button({ actionId: rowActionId(ACTION.rulesPage, 'prev'), text: '◀ Previous', value: ruleButtonValue({ page: page - 1 }) }));
    if (page < pages - 1) nav.push(button({ actionId: rowActionId(ACTION.rulesPage, 'next'), text: 'Next ▶', value: ruleButtonValue({ page: page + 1 }) }));
    blocks.push(context([`Page ${page + 1} of ${pages} · ${rows.length} rules`]), actions(BLOCK.rulesPager, nav));
  }
  blocks.push(
    { type: 'divider' },
    actions(BLOCK.rulesFooter, [
      button({ actionId: ACTION.ruleEdit, text: 'Add rule', style: 'primary', value: ruleButtonValue({}) }),
      button({ actionId: ACTION.ruleTest, text: 'Test a message', value: ruleButtonValue({}) }),
    ]),
  );
  return modal({
    callbackId: VIEW.rules,
    title: 'Escalation rules',
    close: 'Done',
    blocks,
    privateMetadata: JSON.stringify({ page }),
  });
}

// ---------------------------------------------------------------------------------------------
// The editor

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

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: Record<string, string> };

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

// ---------------------------------------------------------------------------------------------
// The tester

/** What the admin typed in the tester, kept to fill the form again with the results. */
export interface RuleTestForm {
  text: string;
  pageUrl: string;
  date: string | null;
  time: string | null;
  attributes: string;
  verified: boolean;
  aiConfidence: string;
}

export const EMPTY_TEST_FORM: RuleTestForm = { text: '', pageUrl: '', date: null, time: null, attributes: '', verified: false, aiConfidence: '' };

/** The tester's form, checked: what the rules will be evaluated against. */
export interface RuleTestQuery {
  form: RuleTestForm;
  text: string | null;
  pageUrl: string | null;
  /** Local date and time in the business-hours time zone; null: now. */
  date: string | null;
  time: string | null;
  attributes: Record<string, string>;
  verified: boolean;
  aiConfidence: number | undefined;
}

export interface RuleTestModel {
  form: RuleTestForm;
  /** The business-hours time zone, in which the date and time are read. */
  timezone: string;
  listViewId: string | null;
  result?: {
    explanation: RulesExplanation;
    /** When the rules were evaluated, as the zone's wall clock reads it, e.g. "Tue 2024-05-07 14:05". */
    at: string;
    message: boolean;
  };
}

export function ruleTestView(model: RuleTestModel): ReturnType<typeof modal> {
  const f = model.form;
  const verifiedOption = option('The visitor is verified (signed in on your site)', 'verified');
  const blocks: KnownBlock[] = [
    textInput(BLOCK.ruleTestInput, INPUT.ruleTestText, 'Customer message', {
      multiline: true,
      optional: true,
      initial: f.text,
      maxLength: 2000,
      placeholder: 'I want a refund',
      hint: 'Empty: a page change (only the page URL counts).',
    }),
    textInput(BLOCK.ruleTestUrl, INPUT.ruleTestUrl, 'Page URL', { optional: true, initial: f.pageUrl, maxLength: 2000, placeholder: 'https://example.com/enterprise' }),
    input(
      BLOCK.ruleTestDate,
      'Date',
      { type: 'datepicker', action_id: INPUT.ruleTestDate, ...(f.date ? { initial_date: f.date } : {}) },
      { optional: true, hint: `Date and time are read in the business-hours time zone (${model.timezone}). Empty: now.` },
    ),
    input(BLOCK.ruleTestTime, 'Time', { type: 'timepicker', action_id: INPUT.ruleTestTime, ...(f.time ? { initial_time: f.time } : {}) }, { optional: true }),
    textInput(BLOCK.ruleTestAttributes, INPUT.ruleTestAttributes, 'Visitor attributes', {
      optional: true,
      initial: f.attributes,
      maxLength: 1000,
      placeholder: 'plan=enterprise, seats=50',
    }),
    input(
      BLOCK.ruleTestVerified,
      'Identity',
      { type: 'checkboxes', action_id: INPUT.ruleTestVerified, options: [verifiedOption], ...(f.verified ? { initial_options: [verifiedOption] } : {}) },
      { optional: true },
    ),
    textInput(BLOCK.ruleTestConfidence, INPUT.ruleTestConfidence, 'AI confidence (0 to 1)', {
      optional: true,
      initial: f.aiConfidence,
      maxLength: 10,
      placeholder: '0.8',
      hint: 'For ai confidence below … conditions. Empty: not known.',
    }),
  ];
  if (model.result) blocks.push({ type: 'divider' }, ...testResultBlocks(model.result));
  return modal({
    callbackId: VIEW.ruleTest,
    title: 'Test a message',
    submit: 'Test',
    close: 'Back',
    blocks,
    privateMetadata: JSON.stringify({ listViewId: model.listViewId }),
  });
}

export function mergedActionsText(merged: MergedActions): string[] {
  const out: string[] = [];
  if (merged.escalate) out.push('escalate to a person');
  for (const team of merged.notifyTeams) out.push(`notify team ${team}`);
  if (merged.routeToTeam) out.push(`route to team ${merged.routeToTeam}`);
  if (merged.requiredSkills.length) out.push(`require skill ${merged.requiredSkills.join(', ')}`);
  if (merged.priority) out.push(`priority ${merged.priority}`);
  if (merged.askForEmail) out.push('ask for email (when handed off)');
  if (merged.queueForLater) out.push('queue for later (when handed off)');
  return out;
}

function testResultBlocks(result: NonNullable<RuleTestModel['result']>): KnownBlock[] {
  const { explanation } = result;
  const fired = explanation.result.fired.length;
  const merged = mergedActionsText(explanation.result.actions);
  const headline =
    fired === 0
      ? '*No rule fires.* The AI keeps answering as usual.'
      : `*${fired} ${fired === 1 ? 'rule fires' : 'rules fire'}* → ${merged.map((m) => escapeForSlack(m)).join(' · ') || 'no actions'}`;
  const blocks: KnownBlock[] = [
    section(`${headline}\n_Evaluated as ${result.message ? 'a customer message' : 'a page change'} at ${escapeForSlack(result.at)}._`, BLOCK.ruleTestSummary),
  ];
  const rules = explanation.rules.slice(0, TEST_RESULT_LIMIT);
  rules.forEach((r, i) => {
    const icon = r.fired ? '✅' : !r.rule.enabled ? '⏸️' : '▫️';
    const lines = [`${icon} *${r.rule.position}. ${escapeForSlack(r.rule.name)}* — ${escapeForSlack(r.summary)}`];
    for (const c of r.conditions) lines.push(`${c.result ? '✓' : '✗'} ${code(formatCondition(c.condition))} — ${escapeForSlack(c.reason)}`);
    blocks.push(section(truncateEscaped(lines.join('\n'), LIMITS.sectionText), `${BLOCK.ruleTestResult}_${i}`));
  });
  if (explanation.rules.length > rules.length) blocks.push(context([`…and ${explanation.rules.length - rules.length} more rules, not shown.`]));
  return blocks;
}

/** The tester's values, checked; or errors keyed by block_id. */
export function readRuleTest(rawValues: unknown): FormResult<RuleTestQuery> {
  const state = ViewState.from(rawValues);
  const form: RuleTestForm = {
    text: state.text(BLOCK.ruleTestInput, INPUT.ruleTestText),
    pageUrl: state.text(BLOCK.ruleTestUrl, INPUT.ruleTestUrl).trim(),
    date: state.date(BLOCK.ruleTestDate, INPUT.ruleTestDate),
    time: state.time(BLOCK.ruleTestTime, INPUT.ruleTestTime),
    attributes: state.text(BLOCK.ruleTestAttributes, INPUT.ruleTestAttributes),
    verified: state.checked(BLOCK.ruleTestVerified, INPUT.ruleTestVerified).includes('verified'),
    aiConfidence: state.text(BLOCK.ruleTestConfidence, INPUT.ruleTestConfidence).trim(),
  };
  const problems: [string, string][] = [];
  if (form.date !== null && !/^\d{4}-\d{2}-\d{2}$/.test(form.date)) problems.push([BLOCK.ruleTestDate, 'pick a date']);
  if (form.time !== null && !/^(?:[01]\d|2[0-3]):[0-5]\d$/.test(form.time)) problems.push([BLOCK.ruleTestTime, 'pick a time']);
  const attributes: Record<string, string> = {};
  for (const pair of form.attributes.split(/[,\n]/)) {
    if (pair.trim() === '') continue;
    const m = /^\s*([^=:]+?)\s*[=:]\s*(.*?)\s*$/su.exec(pair);
    if (!m || !m[1]) problems.push([BLOCK.ruleTestAttributes, `"${pair.trim().slice(0, 40)}": write attributes as key=value, separated by commas`]);
    else attributes[m[1]] = m[2] ?? '';
  }
  let aiConfidence: number | undefined;
  if (form.aiConfidence !== '') {
    const n = Number(form.aiConfidence.replace(',', '.'));
    if (!Number.isFinite(n) || n < 0 || n > 1) problems.push([BLOCK.ruleTestConfidence, 'enter a number between 0 and 1, e.g. 0.4']);
    else aiConfidence = n;
  }
  if (problems.length) return { ok: false, errors: errorsByBlock(problems) };
  const text = form.text.trim() === '' ? null : form.text;
  return {
    ok: true,
    value: { form, text, pageUrl: form.pageUrl || null, date: form.date, time: form.time, attributes, verified: form.verified, aiConfidence },
  };
}

/** The instant a local date and time in a time zone stands for (the earlier one when clocks go back). */
export function instantOfWallTime(timezone: string, date: string, time: string): Date {
  const [y, mo, d] = date.split('-').map(Number) as [number, number, number];
  const [h, mi] = time.split(':').map(Number) as [number, number];
  const naive = Date.UTC(y, mo - 1, d, h, mi);
  const offsetAt = (instant: number): number => {
    const wall = wallClock(timezone, new Date(instant));
    const [wy, wm, wd] = wall.date.split('-').map(Number) as [number, number, number];
    return Date.UTC(wy, wm - 1, wd) + wall.minutes * 60_000 - (instant - (((instant % 60_000) + 60_000) % 60_000));
  };
  const candidates = [naive - offsetAt(naive - 86_400_000), naive - offsetAt(naive + 86_400_000), naive - offsetAt(naive)];
  const exact = candidates.filter((t) => t + offsetAt(t) === naive).sort((a, b) => a - b);
  return new Date(exact[0] ?? candidates[2]!);
}

/**
 * What the rules are evaluated against for a tester query: the time (now, or the given local date
 * and time; a date alone means noon, a time alone today), business hours as set, and the
 * frustration the sample message shows on its own.
 */
export function testEvaluationInput(query: RuleTestQuery, businessHours: BusinessHoursConfig, now: Date): { input: RuleEvaluationInput; at: string } {
  const timezone = isValidTimeZone(businessHours.timezone) ? businessHours.timezone : 'UTC';
  let when = now;
  if (query.date || query.time) {
    const today = wallClock(timezone, now).date;
    when = instantOfWallTime(timezone, query.date ?? today, query.time ?? '12:00');
  }
  const wall = wallClock(timezone, when);
  const day = wall.weekday.charAt(0).toUpperCase() + wall.weekday.slice(1);
  const input: RuleEvaluationInput = {
    event: query.text === null ? 'page' : 'message',
    ...(query.text === null ? {} : { text: query.text }),
    pageUrl: query.pageUrl,
    now: when,
    businessHours,
    attributes: query.attributes,
    verified: query.verified,
    ...(query.aiConfidence === undefined ? {} : { aiConfidence: query.aiConfidence }),
    frustration: query.text === null ? 'none' : detectFrustration(query.text, []).level,
  };
  return { input, at: `${day} ${wall.date} ${wall.time} (${timezone})` };
}
