/**
 * The admins' settings modal (`/handoff settings`), as a pure builder and form reader: routing,
 * capacity, nudges, the AI confidence threshold, business hours (one compact line per weekday, the
 * time zone and holidays), the customer-facing messages, the widget theme and each team's channel.
 *
 * `readSettingsForm` turns the submitted values into a settings patch and team channels, checked
 * field by field with readable messages and then by the settings schema itself; every problem is
 * keyed by the block_id of its input, for `response_action: 'errors'`.
 */
import type { KnownBlock } from '@slack/types';
import type { ZodIssue } from 'zod';
import { WEEKDAYS, businessHoursSchema, isValidTimeZone, type OpeningRange, type Weekday } from '../../core/business-hours';
import { ROUTING_METHODS, settingsSchema, type Settings } from '../../core/settings';
import { BLOCK, INPUT, VIEW } from '../ids';
import { escapeForSlack } from '../text';
import { context, section } from './common';
import { ViewState, errorsByBlock, input, modal, option, textInput } from './forms';
import type { FormResult } from './rules-modal';

export { validateBlocks } from './common';
export { validateModal } from './forms';

/** Team inputs shown at most (each is one block); more teams are named, not editable here. */
export const SETTINGS_TEAM_LIMIT = 40;

export interface SettingsTeam {
  id: string;
  name: string;
  channel: string | null;
}

export interface SettingsModel {
  settings: Readonly<Settings>;
  teams: readonly SettingsTeam[];
}

export const ROUTING_LABELS: Record<Settings['routingMethod'], string> = {
  round_robin: 'Round robin: the next available agent',
  first_available: 'First available: everyone, first claim wins',
  skill_based: 'Skill based: agents with the skills',
  load_balanced: 'Load balanced: the least busy agent',
};

/** Labels of the settings (a setting added later without one is shown by its key). */
export const SETTING_LABELS: Partial<Record<keyof Settings, string>> = {
  routingMethod: 'Routing method',
  defaultCapacity: 'Default capacity',
  nudgeFirstMinutes: 'Ask the next agent after',
  nudgeBroadcastMinutes: '@here in the channel after',
  aiConfidenceThreshold: 'AI confidence threshold',
  businessHours: 'Business hours',
  handoffMessage: 'Handoff message',
  agentIntroduction: 'Agent introduction',
  queuedMessage: 'Queued message',
  widgetTitle: 'Widget title',
  widgetGreeting: 'Widget greeting',
  widgetColour: 'Widget colour',
  digestTime: 'Daily digest',
};

function labelOf(key: keyof Settings): string {
  return SETTING_LABELS[key] ?? key;
}

const DAY_NAMES: Record<Weekday, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export function dayBlockId(day: Weekday): string {
  return `${BLOCK.settingsDay}_${day}`;
}

export function teamBlockId(teamId: string): string {
  return `${BLOCK.settingsTeam}:${teamId}`;
}

/** Slack wants action_ids unique within a view, so the repeated inputs carry their key too. */
export function dayActionId(day: Weekday): string {
  return `${INPUT.settingsDay}_${day}`;
}

export function teamActionId(teamId: string): string {
  return `${INPUT.settingsTeam}:${teamId}`;
}

// ---------------------------------------------------------------------------------------------
// Business hours as text, one line per weekday

/** `09:00-17:00, 18:00-20:00`, or `closed`. */
export function formatDay(ranges: readonly OpeningRange[]): string {
  return ranges.length ? ranges.map((r) => `${r.start}-${r.end}`).join(', ') : 'closed';
}

function hhmm(text: string): string | null {
  const m = /^(\d{1,2})(?:[:.h](\d{2}))?$/.exec(text.trim());
  if (!m) return null;
  return `${m[1]!.padStart(2, '0')}:${m[2] ?? '00'}`;
}

/**
 * A weekday's line: `closed` (or empty), `open` / `all day` / `24h`, or ranges such as
 * `09:00-17:00` or `9-12, 13:30-17`, separated by commas. Ranges are then checked by the business
 * hours schema (end after start, no overlap).
 */
export function parseDay(text: string): { ok: true; ranges: OpeningRange[] } | { ok: false; error: string } {
  const t = text.trim().toLowerCase();
  if (t === '' || /^(?:closed|off|none|-|—)$/.test(t)) return { ok: true, ranges: [] };
  if (/^(?:open|all day|24h|24 ?hours|00:00\s*[-–—]\s*24:00)$/.test(t)) return { ok: true, ranges: [{ start: '00:00', end: '24:00' }] };
  const ranges: OpeningRange[] = [];
  for (const part of t.split(/[,;]/)) {
    if (part.trim() === '') continue;
    const m = /^\s*([\d:.h]+)\s*(?:-|–|—|to)\s*([\d:.h]+)\s*$/.exec(part);
    const start = m ? hhmm(m[1]!) : null;
    const end = m ? hhmm(m[2]!) : null;
    if (!start || !end) {
      return { ok: false, error: `"${part.trim().slice(0, 30)}" is not a time range; write e.g. 09:00-17:00, several separated by commas, or closed` };
    }
    ranges.push({ start, end });
  }
  return { ok: true, ranges };
}

// ---------------------------------------------------------------------------------------------
// The modal

export function settingsView(model: SettingsModel): ReturnType<typeof modal> {
  const s = model.settings;
  const routingOptions = ROUTING_METHODS.map((m) => option(ROUTING_LABELS[m], m));
  const header = (text: string): KnownBlock => ({ type: 'header', text: { type: 'plain_text', text, emoji: true } });
  const blocks: KnownBlock[] = [
    context(['Changes apply at once, without a restart, and are recorded in the audit log with your name.'], BLOCK.settingsIntro),
    header('Routing'),
    input(BLOCK.settingsRouting, labelOf('routingMethod'), {
      type: 'static_select',
      action_id: INPUT.settingsRouting,
      options: routingOptions,
      initial_option: routingOptions[Math.max(0, ROUTING_METHODS.indexOf(s.routingMethod))],
    }),
    textInput(BLOCK.settingsCapacity, INPUT.settingsCapacity, labelOf('defaultCapacity'), {
      initial: String(s.defaultCapacity),
      maxLength: 3,
      hint: 'Conversations an agent handles at once before routing counts them busy (1 to 50).',
    }),
    textInput(BLOCK.settingsNudgeFirst, INPUT.settingsNudgeFirst, `${labelOf('nudgeFirstMinutes')} (minutes)`, {
      initial: String(s.nudgeFirstMinutes),
      maxLength: 6,
      hint: 'Not claimed by then: the next agent is asked (0.5 to 120).',
    }),
    textInput(BLOCK.settingsNudgeBroadcast, INPUT.settingsNudgeBroadcast, `${labelOf('nudgeBroadcastMinutes')} (minutes)`, {
      initial: String(s.nudgeBroadcastMinutes),
      maxLength: 6,
      hint: 'Still not claimed: @here in the handoff channel (1 to 1440).',
    }),
    textInput(BLOCK.settingsThreshold, INPUT.settingsThreshold, `${labelOf('aiConfidenceThreshold')} (0 to 1)`, {
      initial: String(s.aiConfidenceThreshold),
      maxLength: 6,
      hint: 'Below it the AI hands off instead of answering.',
    }),
    textInput(BLOCK.settingsDigestTime, INPUT.settingsDigestTime, labelOf('digestTime'), {
      initial: s.digestTime,
      maxLength: 5,
      placeholder: '09:00',
      hint: 'When the daily analytics digest is posted to the handoff channel (HH:MM in the business-hours time zone), or off.',
    }),
    header('Business hours'),
    textInput(BLOCK.settingsTimezone, INPUT.settingsTimezone, 'Time zone', {
      initial: s.businessHours.timezone,
      maxLength: 64,
      placeholder: 'Europe/Berlin',
      hint: 'An IANA time zone such as Europe/Berlin, America/New_York or UTC.',
    }),
    ...WEEKDAYS.map((day, i) =>
      textInput(dayBlockId(day), dayActionId(day), DAY_NAMES[day], {
        initial: formatDay(s.businessHours.weekly[day] ?? []),
        maxLength: 200,
        placeholder: '09:00-17:00',
        ...(i === 0 ? { hint: 'Ranges such as 09:00-17:00, several separated by commas (09:00-12:00, 13:00-17:00); closed; or 00:00-24:00 for all day.' } : {}),
      }),
    ),
    textInput(BLOCK.settingsHolidays, INPUT.settingsHolidays, 'Holidays', {
      optional: true,
      initial: s.businessHours.holidays.join(', '),
      multiline: true,
      placeholder: '2025-12-25, 2026-01-01',
      hint: 'Dates closed all day (YYYY-MM-DD), separated by commas.',
    }),
    header('Messages to the customer'),
    textInput(BLOCK.settingsHandoffMessage, INPUT.settingsHandoffMessage, labelOf('handoffMessage'), {
      initial: s.handoffMessage,
      multiline: true,
      maxLength: 500,
      hint: 'Shown when the conversation goes to a person.',
    }),
    textInput(BLOCK.settingsIntroduction, INPUT.settingsIntroduction, labelOf('agentIntroduction'), {
      initial: s.agentIntroduction,
      multiline: true,
      maxLength: 500,
      hint: "Sent when an agent claims it; {name} becomes the agent's name.",
    }),
    textInput(BLOCK.settingsQueuedMessage, INPUT.settingsQueuedMessage, labelOf('queuedMessage'), {
      initial: s.queuedMessage,
      multiline: true,
      maxLength: 500,
      hint: 'Shown when nobody is available and the customer is asked for an email.',
    }),
    header('Widget'),
    textInput(BLOCK.settingsWidgetTitle, INPUT.settingsWidgetTitle, labelOf('widgetTitle'), { initial: s.widgetTitle, maxLength: 60 }),
    textInput(BLOCK.settingsWidgetGreeting, INPUT.settingsWidgetGreeting, labelOf('widgetGreeting'), {
      initial: s.widgetGreeting,
      multiline: true,
      maxLength: 500,
    }),
    textInput(BLOCK.settingsWidgetColour, INPUT.settingsWidgetColour, labelOf('widgetColour'), {
      initial: s.widgetColour,
      maxLength: 7,
      placeholder: '#4f46e5',
      hint: 'A hex colour such as #4f46e5.',
    }),
    header('Team channels'),
  ];
  const teams = model.teams.slice(0, SETTINGS_TEAM_LIMIT);
  if (teams.length === 0) blocks.push(context(['No teams yet. Rules name teams (`notify team …`, `route to team …`); their channels can be set here.']));
  for (const team of teams) {
    blocks.push(
      input(
        teamBlockId(team.id),
        `${team.name} (${team.id})`,
        {
          type: 'conversations_select',
          action_id: teamActionId(team.id),
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(team.channel ? { initial_conversation: team.channel } : {}),
        },
        { optional: true, hint: 'Where this team gets its heads-ups; invite the app there.' },
      ),
    );
  }
  if (model.teams.length > teams.length) blocks.push(context([`${model.teams.length - teams.length} more teams are not shown.`]));
  return modal({ callbackId: VIEW.settings, title: 'Handoff settings', submit: 'Save', close: 'Cancel', blocks });
}

/** Shown in place of the form once saved. */
export function settingsSavedView(o: { changed: readonly (keyof Settings)[]; teamsChanged: readonly string[]; by: string }): ReturnType<typeof modal> {
  const names = [...o.changed.map(labelOf), ...o.teamsChanged.map((t) => `channel of ${t}`)];
  const text = names.length ? `✅ *Saved.* Changed: ${escapeForSlack(names.join(', '))}.` : 'Nothing changed.';
  return modal({
    callbackId: VIEW.settings,
    title: 'Handoff settings',
    close: 'Done',
    blocks: [
      section(text, BLOCK.settingsSaved),
      context([names.length ? `In effect now; recorded in the audit log as <@${o.by}>.` : 'Run `/handoff settings` again to change something.']),
    ],
  });
}

// ---------------------------------------------------------------------------------------------
// Reading

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
  };
  // The settings schema has the last word (the same check SettingsService.update makes).
  const whole = settingsSchema.safeParse({ ...current, ...patch });
  if (!whole.success) return { ok: false, errors: errorsByBlock(whole.error.issues.map((i) => [blockOfIssue(i), i.message] as Problem)) };
  return { ok: true, value: { patch, channels } };
}
