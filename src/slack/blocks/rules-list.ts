/**
 * The admins' escalation-rules list (`/handoff rules`), as a pure builder: every rule in
 * evaluation order with its state and Edit / ↑ / ↓ / Enable|Disable / Delete, then Add rule and
 * Test a message; paged, so the view stays under 100 blocks. The editor (rule-editor.ts) and the
 * tester (rule-tester.ts) are pushed on it.
 *
 * Names can hold anything an admin typed: they are escaped for mrkdwn. Button values and private
 * metadata come back from Slack, so they are read with zod.
 */
import type { Button, KnownBlock } from '@slack/types';
import { z } from 'zod';
import type { Action, Condition } from '../../core/rules/rule-schema';
import { formatAction, formatCondition } from '../../core/rules/rule-text';
import { ACTION, BLOCK, VIEW, rowActionId } from '../ids';
import { escapeForSlack, truncateEscaped } from '../text';
import { actions, button, confirmDialog, context, section } from './common';
import { modal, readMetadata } from './forms';

/** Rows (rules) per page of the list: two blocks each, well under the modal's 100. */
export const RULES_PAGE_SIZE = 20;

// ---------------------------------------------------------------------------------------------
// Values and metadata (they come back from Slack: read with zod)

export const ruleKey = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

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

/** The page a rules list view shows (0 when unknown). */
export function rulesListPage(privateMetadata: unknown): number {
  return readMetadata(privateMetadata, listMetaSchema)?.page ?? 0;
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
export function code(text: string): string {
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
