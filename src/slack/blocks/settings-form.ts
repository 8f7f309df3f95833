/**
 * Reading the submitted settings modal (settings-modal.ts): `readSettingsForm` turns the values
 * into a settings patch and team channels, checked field by field with readable messages and then
 * by the settings schema itself; every problem is keyed by the block_id of its input, for
 * `response_action: 'errors'`. Pure.
 */
import type { ZodIssue } from 'zod';
import { WEEKDAYS, businessHoursSchema, isValidTimeZone, type OpeningRange, type Weekday } from '../../core/business-hours';
import { ROUTING_METHODS, settingsSchema, type Settings } from '../../core/settings';
import { BLOCK, INPUT } from '../ids';
import { ViewState, errorsByBlock, type FormResult } from './forms';
import { readLanguageFields } from './settings-language';
import { SETTINGS_TEAM_LIMIT, dayActionId, dayBlockId, hhmm, parseDay, teamActionId, teamBlockId, type SettingsTeam } from './settings-modal';

export interface SettingsChange {
  patch: Partial<Settings>;
  /** Every shown team with the channel chosen for it (null: none). */
  channels: SettingsTeam[];
}

type Problem = [blockId: string, message: string];

function numberField(
  raw: string,
  blockId: string,
  o: { min: number; max: number; integer?: boolean; example: string },
  problems: Problem[],
): number | undefined {
  const t = raw.trim().replace(',', '.');
  const n = /^[-+]?(?:\d+\.?\d*|\.\d+)$/.test(t) ? Number(t) : Number.NaN;
  const kind = o.integer ? 'a whole number' : 'a number';
  if (!Number.isFinite(n) || n < o.min || n > o.max || (o.integer && !Number.isInteger(n))) {
    problems.push([blockId, `enter ${kind} from ${o.min} to ${o.max}, e.g. ${o.example}`]);
    return undefined;
  }
  return n;
}

function textField(raw: string, blockId: string, max: number, problems: Problem[]): string | undefined {
  const t = raw.trim();
  if (t === '') problems.push([blockId, 'this cannot be empty']);
  else if (t.length > max) problems.push([blockId, `at most ${max} characters (this has ${t.length})`]);
  else return t;
  return undefined;
}

/** `#4F46E5`, `4f46e5` and `#abc` are all the colour #4f46e5 / #aabbcc; anything else is not. */
export function normaliseColour(raw: string): string | null {
  const t = raw.trim().replace(/^#/, '').toLowerCase();
  if (/^[0-9a-f]{6}$/.test(t)) return `#${t}`;
  if (/^[0-9a-f]{3}$/.test(t)) return `#${[...t].map((c) => c + c).join('')}`;
  return null;
}

/** The input a settings-schema issue belongs to. */
function blockOfIssue(issue: ZodIssue): string {
  const [key, sub, day] = issue.path;
  if (key === 'businessHours') {
    if (sub === 'timezone') return BLOCK.settingsTimezone;
    if (sub === 'holidays') return BLOCK.settingsHolidays;
    if (sub === 'weekly' && typeof day === 'string' && (WEEKDAYS as readonly string[]).includes(day)) return dayBlockId(day as Weekday);
    return dayBlockId('mon');
  }
  const byKey: Partial<Record<keyof Settings, string>> = {
    routingMethod: BLOCK.settingsRouting,
    defaultCapacity: BLOCK.settingsCapacity,
    nudgeFirstMinutes: BLOCK.settingsNudgeFirst,
    nudgeBroadcastMinutes: BLOCK.settingsNudgeBroadcast,
    aiConfidenceThreshold: BLOCK.settingsThreshold,
    handoffMessage: BLOCK.settingsHandoffMessage,
    agentIntroduction: BLOCK.settingsIntroduction,
    queuedMessage: BLOCK.settingsQueuedMessage,
    widgetTitle: BLOCK.settingsWidgetTitle,
    widgetGreeting: BLOCK.settingsWidgetGreeting,
    widgetColour: BLOCK.settingsWidgetColour,
    digestTime: BLOCK.settingsDigestTime,
    defaultLanguage: BLOCK.settingsDefaultLanguage,
    detectLanguage: BLOCK.settingsDetectLanguage,
    workspaceLanguage: BLOCK.settingsWorkspaceLanguage,
  };
  return byKey[key as keyof Settings] ?? BLOCK.settingsRouting;
}

/**
 * The submitted settings form as a patch (every field: the settings service keeps only what
 * changed) and the team channels; or the problems keyed by block_id.
 */
export function readSettingsForm(rawValues: unknown, current: Readonly<Settings>, teams: readonly SettingsTeam[]): FormResult<SettingsChange> {
  const state = ViewState.from(rawValues);
  const problems: Problem[] = [];
  const text = (block: string, action: string) => state.text(block, action);

  const routing = state.selected(BLOCK.settingsRouting, INPUT.settingsRouting);
  const routingMethod = (ROUTING_METHODS as readonly string[]).includes(routing ?? '') ? (routing as Settings['routingMethod']) : undefined;
  if (!routingMethod) problems.push([BLOCK.settingsRouting, `choose one of ${ROUTING_METHODS.join(', ')}`]);
  const defaultCapacity = numberField(text(BLOCK.settingsCapacity, INPUT.settingsCapacity), BLOCK.settingsCapacity, { min: 1, max: 50, integer: true, example: '3' }, problems);
  const nudgeFirstMinutes = numberField(text(BLOCK.settingsNudgeFirst, INPUT.settingsNudgeFirst), BLOCK.settingsNudgeFirst, { min: 0.5, max: 120, example: '2' }, problems);
  const nudgeBroadcastMinutes = numberField(
    text(BLOCK.settingsNudgeBroadcast, INPUT.settingsNudgeBroadcast),
    BLOCK.settingsNudgeBroadcast,
    { min: 1, max: 1440, example: '10' },
    problems,
  );
  if (nudgeFirstMinutes !== undefined && nudgeBroadcastMinutes !== undefined && nudgeBroadcastMinutes <= nudgeFirstMinutes) {
    problems.push([BLOCK.settingsNudgeBroadcast, `must be later than the first nudge (${nudgeFirstMinutes} minutes)`]);
  }
  const aiConfidenceThreshold = numberField(
    text(BLOCK.settingsThreshold, INPUT.settingsThreshold),
    BLOCK.settingsThreshold,
    { min: 0, max: 1, example: '0.5' },
    problems,
  );

  const digestText = text(BLOCK.settingsDigestTime, INPUT.settingsDigestTime).trim().toLowerCase();
  const digestTime = digestText === 'off' ? 'off' : /^\d{1,2}[:.h]\d{2}$/.test(digestText) ? hhmm(digestText) : null;
  if (!digestTime || (digestTime !== 'off' && !/^(?:[01]\d|2[0-3]):[0-5]\d$/.test(digestTime))) {
    problems.push([BLOCK.settingsDigestTime, 'enter a time HH:MM such as 09:00, or off']);
  }

  const timezone = text(BLOCK.settingsTimezone, INPUT.settingsTimezone).trim();
  if (!isValidTimeZone(timezone)) {
    problems.push([BLOCK.settingsTimezone, `"${timezone.slice(0, 40)}" is not a time zone; use an IANA name such as Europe/Berlin, America/New_York or UTC`]);
  }
  const weekly = {} as Record<Weekday, OpeningRange[]>;
  for (const day of WEEKDAYS) {
    const parsed = parseDay(text(dayBlockId(day), dayActionId(day)));
    if (parsed.ok) weekly[day] = parsed.ranges;
    else problems.push([dayBlockId(day), parsed.error]);
  }
  const holidays = text(BLOCK.settingsHolidays, INPUT.settingsHolidays)
    .split(/[\s,;]+/)
    .filter((d) => d !== '');
  const hours = businessHoursSchema.safeParse({ timezone, weekly, holidays });
  if (!hours.success) {
    const seen = new Set(problems.map(([b]) => b));
    for (const issue of hours.error.issues) {
      const block = blockOfIssue({ ...issue, path: ['businessHours', ...issue.path] } as ZodIssue);
      if (!seen.has(block)) problems.push([block, issue.message]);
    }
  }

  const handoffMessage = textField(text(BLOCK.settingsHandoffMessage, INPUT.settingsHandoffMessage), BLOCK.settingsHandoffMessage, 500, problems);
  const agentIntroduction = textField(text(BLOCK.settingsIntroduction, INPUT.settingsIntroduction), BLOCK.settingsIntroduction, 500, problems);
  const queuedMessage = textField(text(BLOCK.settingsQueuedMessage, INPUT.settingsQueuedMessage), BLOCK.settingsQueuedMessage, 500, problems);
  const widgetTitle = textField(text(BLOCK.settingsWidgetTitle, INPUT.settingsWidgetTitle), BLOCK.settingsWidgetTitle, 60, problems);
  const widgetGreeting = textField(text(BLOCK.settingsWidgetGreeting, INPUT.settingsWidgetGreeting), BLOCK.settingsWidgetGreeting, 500, problems);
  const colourText = text(BLOCK.settingsWidgetColour, INPUT.settingsWidgetColour);
  const widgetColour = normaliseColour(colourText);
  if (!widgetColour) problems.push([BLOCK.settingsWidgetColour, `"${colourText.trim().slice(0, 30)}" is not a colour; use a hex colour such as #4f46e5`]);

  const languages = readLanguageFields(state, problems);

  const channels: SettingsTeam[] = [];
  for (const team of teams.slice(0, SETTINGS_TEAM_LIMIT)) {
    const channel = state.conversation(teamBlockId(team.id), teamActionId(team.id));
    if (channel !== null && !/^[CG][A-Z0-9]{2,30}$/.test(channel)) problems.push([teamBlockId(team.id), 'choose a channel (a direct message cannot be a team channel)']);
    else channels.push({ ...team, channel });
  }

  if (problems.length) return { ok: false, errors: errorsByBlock(problems) };
  const patch: Partial<Settings> = {
    routingMethod,
    defaultCapacity,
    nudgeFirstMinutes,
    nudgeBroadcastMinutes,
    aiConfidenceThreshold,
    businessHours: hours.success ? hours.data : undefined,
    handoffMessage,
    agentIntroduction,
    queuedMessage,
    widgetTitle,
    widgetGreeting,
    widgetColour: widgetColour ?? undefined,
    digestTime: digestTime ?? undefined,
    ...languages,
  };
  // The settings schema has the last word (the same check SettingsService.update makes).
  const whole = settingsSchema.safeParse({ ...current, ...patch });
  if (!whole.success) return { ok: false, errors: errorsByBlock(whole.error.issues.map((i) => [blockOfIssue(i), i.message] as Problem)) };
  return { ok: true, value: { patch, channels } };
}
