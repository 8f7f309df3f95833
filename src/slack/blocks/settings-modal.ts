/**
 * The admins' settings modal (`/handoff settings`), as a pure builder and form reader: routing,
 * capacity, nudges, the AI confidence threshold, business hours (one compact line per weekday, the
 * time zone and holidays), the customer-facing messages, the widget theme, the languages
 * (settings-language.ts) and each team's channel.
 * The submitted form is read by settings-form.ts.
 */
import type { KnownBlock } from '@slack/types';
import { WEEKDAYS, type OpeningRange, type Weekday } from '../../core/business-hours';
import { ROUTING_METHODS, type Settings } from '../../core/settings';
import { BLOCK, INPUT, VIEW } from '../ids';
import { escapeForSlack } from '../text';
import { channelCheckLine, type ChannelCheck, type TeamRef } from './channel-health';
import { context, section } from './common';
import { input, modal, option, textInput } from './forms';
import { languageBlocks } from './settings-language';

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
  defaultLanguage: 'Default language',
  detectLanguage: "Visitor's language from the browser",
  workspaceLanguage: "Team's language in Slack",
  textOverrides: 'Customer texts',
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

/** `9`, `9:30`, `9.30`, `9h30` → `09:00`, `09:30`; null when it is not a time of day. */
export function hhmm(text: string): string | null {
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
    ...languageBlocks(s),
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
        { optional: true, hint: "Where this team's handoffs, heads-ups and @here calls go (empty: the default channel). /invite the app there first." },
      ),
    );
  }
  if (model.teams.length > teams.length) blocks.push(context([`${model.teams.length - teams.length} more teams are not shown.`]));
  return modal({ callbackId: VIEW.settings, title: 'Handoff settings', submit: 'Save', close: 'Cancel', blocks });
}

/** A team channel saved, with what Slack said of it. */
export interface SavedChannelCheck {
  team: TeamRef;
  channel: string;
  check: ChannelCheck;
}

/** Shown in place of the form once saved; each team channel set is followed by whether the app can post there. */
export function settingsSavedView(o: {
  changed: readonly (keyof Settings)[];
  teamsChanged: readonly string[];
  by: string;
  checks?: readonly SavedChannelCheck[];
  defaultChannel?: string;
}): ReturnType<typeof modal> {
  const names = [...o.changed.map(labelOf), ...o.teamsChanged.map((t) => `channel of ${t}`)];
  const text = names.length ? `✅ *Saved.* Changed: ${escapeForSlack(names.join(', '))}.` : 'Nothing changed.';
  const checks = (o.checks ?? []).slice(0, SETTINGS_TEAM_LIMIT);
  return modal({
    callbackId: VIEW.settings,
    title: 'Handoff settings',
    close: 'Done',
    blocks: [
      section(text, BLOCK.settingsSaved),
      ...(checks.length ? [section(checks.map((c) => channelCheckLine(c.team, c.channel, c.check, o.defaultChannel ?? '')).join('\n'), BLOCK.settingsChannelChecks)] : []),
      context([names.length ? `In effect now; recorded in the audit log as <@${o.by}>.` : 'Run `/handoff settings` again to change something.']),
    ],
  });
}
