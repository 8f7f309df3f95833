/**
 * How the app tells admins about the channels handoffs go to: the direct message sent when Slack
 * refuses a team's channel, the lines of the settings modal once a channel is saved, the admins'
 * "Handoff channels" section of the App Home and the digest's per-channel breakdown. Pure builders;
 * team names are escaped, channels are only linked when they are Slack channel ids.
 */
import type { KnownBlock } from '@slack/types';
import { BLOCK } from '../ids';
import { escapeForSlack } from '../text';
import { LIMITS, context, section, type SlackMessage } from './common';

/** Why a channel cannot take the app's posts. */
export type ChannelProblem = 'not_in_channel' | 'channel_not_found' | 'is_archived';

/** Slack's error codes meaning the channel itself is unusable, as a problem; null for any other code. */
export function channelProblemOf(errorCode: string): ChannelProblem | null {
  switch (errorCode) {
    case 'not_in_channel':
    case 'channel_not_found':
    case 'is_archived':
      return errorCode;
    case 'channel_is_archived':
      return 'is_archived';
    default:
      return null;
  }
}

/** What conversations.info says of a channel when an admin saves it. */
export type ChannelCheck = { status: 'ok' } | { status: 'problem'; problem: ChannelProblem } | { status: 'unknown'; reason: string };

export interface TeamRef {
  id: string;
  name: string;
}

/** Rows per list in the App Home and the digest; the rest is counted. */
export const CHANNEL_ROWS = 15;
const BUDGET = { team: 60 } as const;

export function isChannelId(id: string): boolean {
  return /^[CG][A-Z0-9]{2,30}$/.test(id);
}

/** `<#C123>`, or the id as text when it is not a channel id. */
export function channelLink(channel: string): string {
  return isChannelId(channel) ? `<#${channel}>` : `\`${escapeForSlack(channel)}\``;
}

function teamName(t: TeamRef): string {
  const name = t.name.replace(/[\r\n\t]+/g, ' ').trim().slice(0, BUDGET.team);
  return name && name !== t.id ? `*${escapeForSlack(name)}* (${escapeForSlack(t.id)})` : `*${escapeForSlack(t.id)}*`;
}

function teamList(teams: readonly TeamRef[]): string {
  const names = teams.map(teamName);
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Why, in plain words (mrkdwn). */
export function problemReason(problem: ChannelProblem, channel: string): string {
  const ch = channelLink(channel);
  switch (problem) {
    case 'not_in_channel':
      return `the Handoff app is not in ${ch}`;
    case 'is_archived':
      return `${ch} is archived`;
    case 'channel_not_found':
      return `${ch} no longer exists, or it is private and the Handoff app is not in it`;
  }
}

/** What the admin does about it (mrkdwn). */
export function problemFix(problem: ChannelProblem, channel: string): string {
  const ch = channelLink(channel);
  switch (problem) {
    case 'not_in_channel':
      return `type \`/invite @handoff\` in ${ch}, then choose it again in \`/handoff settings\` and save; or choose another channel there`;
    case 'is_archived':
      return `unarchive ${ch} and choose it again in \`/handoff settings\`, or choose another channel there`;
    case 'channel_not_found':
      return 'choose another channel in `/handoff settings` (a private channel: `/invite @handoff` in it first, then choose it again)';
  }
}

/** The direct message to the admin who set the channel, sent once per problem. */
export function channelProblemMessage(o: { teams: readonly TeamRef[]; channel: string; problem: ChannelProblem; defaultChannel: string }): SlackMessage {
  const whose = o.teams.length === 1 ? `team ${teamList(o.teams)}` : `teams ${teamList(o.teams)}`;
  const lines = [
    `⚠️ *Handoffs for ${whose} cannot be posted in ${channelLink(o.channel)}:* ${problemReason(o.problem, o.channel)}.`,
    `*To fix it:* ${problemFix(o.problem, o.channel)}.`,
    `Meanwhile ${o.teams.length === 1 ? "this team's" : "these teams'"} handoffs, heads-ups and @here calls go to ${channelLink(o.defaultChannel)}, the default channel.`,
  ];
  const text = `Handoffs for ${o.teams.map((t) => t.id).join(', ')} cannot be posted in the team channel (${o.problem}); they go to the default channel until it is fixed.`;
  return { text, blocks: [section(lines.join('\n'))] };
}

/** A team channel just saved: checking, usable, refused (with the fix) or not known. */
export function channelCheckLine(team: TeamRef, channel: string, check: ChannelCheck | 'checking', defaultChannel: string): string {
  const who = `${teamName(team)} → ${channelLink(channel)}`;
  if (check === 'checking') return `⏳ ${who}: checking the channel…`;
  switch (check.status) {
    case 'ok':
      return `✅ ${who}: the app is in the channel; its handoffs go there.`;
    case 'problem':
      return `⚠️ ${who}: ${problemReason(check.problem, channel)}. To fix it, ${problemFix(check.problem, channel)}. Until then its handoffs go to ${channelLink(defaultChannel)}.`;
    case 'unknown':
      return `❔ ${who}: could not check the channel (${escapeForSlack(check.reason)}). If the app is not in it, the first handoff there goes to ${channelLink(defaultChannel)} and you get a message.`;
  }
}

/** A channel handoffs go to, as admins see it. */
export interface ChannelRow {
  channel: string;
  /** SLACK_HANDOFF_CHANNEL: where everything without a usable team channel goes. */
  isDefault: boolean;
  /** Teams whose channel it is. */
  teams: TeamRef[];
  /** Slack refused it (every team using it falls back to the default channel); null: usable. */
  problem: ChannelProblem | null;
  /** Conversations waiting for an agent whose thread is there. */
  waiting: number;
  /** Handoff threads started there in the period (the digest's). */
  handoffs?: number;
}

function rowHead(r: ChannelRow): string {
  const who = [r.isDefault ? 'default channel' : null, r.teams.length ? `team${r.teams.length === 1 ? '' : 's'} ${teamList(r.teams)}` : null]
    .filter((p) => p !== null)
    .join(' · ');
  return `${channelLink(r.channel)}${who ? ` — ${who}` : ''}`;
}

function counts(r: ChannelRow): string {
  const parts = r.handoffs !== undefined ? [`${r.handoffs} handoff${r.handoffs === 1 ? '' : 's'}`] : [];
  parts.push(`${r.waiting} waiting`);
  return parts.join(' · ');
}

function problemLine(r: ChannelRow, defaultChannel: string): string {
  return `⚠️ ${problemReason(r.problem!, r.channel)}: its handoffs go to ${channelLink(defaultChannel)}. To fix it, ${problemFix(r.problem!, r.channel)}.`;
}

/**
 * The first rows (at most CHANNEL_ROWS) whose lines fit one section after `head`, leaving room for
 * the count of the others: a line is never cut in the middle.
 */
function fitted(head: string, lines: readonly string[], more: (n: number) => string): string {
  const budget = LIMITS.sectionText - 100;
  const kept: string[] = [];
  let length = head.length;
  for (const line of lines.slice(0, CHANNEL_ROWS)) {
    if (length + line.length + 1 > budget) break;
    kept.push(line);
    length += line.length + 1;
  }
  if (kept.length < lines.length) kept.push(more(lines.length - kept.length));
  return [head, ...kept].join('\n');
}

/** The admins' "Handoff channels" section of the App Home: every channel, its load and its health. */
export function homeChannelsBlocks(rows: readonly ChannelRow[], defaultChannel: string): KnownBlock[] {
  const lines = rows.map((r) => `• ${rowHead(r)} · ${counts(r)}${r.problem ? `\n    ${problemLine(r, defaultChannel)}` : ''}`);
  return [
    section(lines.length ? fitted('*Handoff channels*', lines, (n) => `_…and ${n} more channels._`) : '*Handoff channels*\n_None yet._', BLOCK.homeChannels),
    context(['Only admins see this. Team channels are set in `/handoff settings`.']),
  ];
}

/** The digest's "By channel" section: handoffs in the period and still waiting, for every channel. */
export function digestChannelsSection(rows: readonly ChannelRow[], defaultChannel: string): KnownBlock | null {
  if (rows.length === 0) return null;
  const lines = rows.map((r) => `• ${rowHead(r)} — ${counts(r)}${r.problem ? ` ⚠️ ${problemReason(r.problem, r.channel)} (its handoffs go to ${channelLink(defaultChannel)})` : ''}`);
  return section(fitted('*By channel* (new handoffs in the period · waiting now)', lines, (n) => `_…and ${n} more_`), BLOCK.statsChannels);
}
