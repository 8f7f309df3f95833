/**
 * The rule tester (pushed on the rules list): a sample message, page URL, time and visitor, and
 * for each rule whether it would fire, with every condition's reason (explainRules). Pure builder
 * and reader, plus the evaluation input a query stands for.
 *
 * Names and reasons can hold anything an admin or a customer typed: they are escaped for mrkdwn.
 */
import type { KnownBlock } from '@slack/types';
import { z } from 'zod';
import { isValidTimeZone, wallClock, type BusinessHoursConfig } from '../../core/business-hours';
import { detectFrustration } from '../../core/intents';
import type { MergedActions, RuleEvaluationInput, RulesExplanation } from '../../core/rules/rules-engine';
import { formatCondition } from '../../core/rules/rule-text';
import { BLOCK, INPUT, VIEW } from '../ids';
import { escapeForSlack, truncateEscaped } from '../text';
import { LIMITS, context, section } from './common';
import { ViewState, errorsByBlock, input, modal, option, readMetadata, textInput, type FormResult } from './forms';
import { code } from './rules-list';

/** Rules shown with their reasons in the tester (two inputs' worth of blocks are kept free). */
export const TEST_RESULT_LIMIT = 80;

const testerMetaSchema = z.strictObject({ listViewId: z.string().max(100).nullable() });

/** The list view a tester was opened from (to refresh nothing, but to go back to). */
export function ruleTesterListViewId(privateMetadata: unknown): string | null {
  return readMetadata(privateMetadata, testerMetaSchema)?.listViewId ?? null;
}

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
