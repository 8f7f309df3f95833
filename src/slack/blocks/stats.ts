/**
 * Handoff analytics in Slack: the answer to `/handoff stats` (only to the caller), the daily digest
 * posted in the handoff channel, and the compact "Team performance" section of the App Home. Pure
 * builders over the report (src/core/analytics/metrics.ts), no I/O.
 *
 * Agent and team names, reasons and the advice (which quotes customers' words) are escaped: nothing
 * here can ping anyone or form a link. Agents are named, never mentioned, so a digest pings nobody.
 */
import type { KnownBlock } from '@slack/types';
import type { PeriodReport } from '../../core/analytics/analytics-service';
import {
  type AnalyticsReport,
  type Breakdown,
  type DurationStats,
  type Fix,
  type TargetCheck,
  type TargetKey,
  type TargetStatus,
} from '../../core/analytics/metrics';
import { formatSeconds } from '../../core/analytics/statistics';
import { BLOCK } from '../ids';
import { escapeForSlack, truncateEscaped } from '../text';
import { digestChannelsSection, type ChannelRow } from './channel-health';
import { LIMITS, context, fieldsSection, mrkdwn, plainText, section, type SlackMessage } from './common';


/** Rows per breakdown; the rest is counted. */
export const STATS_ROWS = 8;
/** Budgets, in characters after escaping. */
const BUDGET = { name: 60, step: 600, title: 300 } as const;

const STATUS_ICON: Record<TargetStatus, string> = { met: '✅', missed: '⚠️', no_data: '➖' };

export const TARGET_TITLES: Record<TargetKey, string> = {
  handoffRate: 'Handoff rate',
  responseTime: 'Response time',
  resolutionRate: 'Resolution',
  csat: 'CSAT after handoff',
};

const ORDER: readonly TargetKey[] = ['handoffRate', 'responseTime', 'resolutionRate', 'csat'];

function esc(text: string, max: number): string {
  return truncateEscaped(escapeForSlack(text.replace(/[\r\n\t]+/g, ' ').trim()), max);
}

/** 0.25 → "25%", 1/3 → "33.3%": one decimal at most (the status icon beside it is judged on the exact value). */
export function formatRate(rate: number): string {
  const v = Math.round(rate * 1000) / 10;
  return `${Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)}%`;
}

/** 4.5 → "4.50". */
export function formatCsat(average: number): string {
  return average.toFixed(2);
}

/** The judged value of a target, or "no data". */
export function targetValue(t: TargetCheck): string {
  if (t.value === null) return 'no data';
  switch (t.key) {
    case 'handoffRate':
    case 'resolutionRate':
      return formatRate(t.value);
    case 'responseTime':
      return formatSeconds(t.value);
    case 'csat':
      return `${formatCsat(t.value)}/5`;
  }
}

function durationLine(label: string, d: DurationStats): string {
  if (d.count === 0 || d.medianSeconds === null || d.p90Seconds === null) return `${label}: no data`;
  return `${label}: median ${formatSeconds(d.medianSeconds)} · p90 ${formatSeconds(d.p90Seconds)} (${d.count})`;
}

/** One field per target: status, value, how it was counted, the target. */
function targetFields(r: AnalyticsReport): string[] {
  const { overall: o, targets } = r;
  const head = (k: TargetKey) => `${STATUS_ICON[targets[k].status]} *${TARGET_TITLES[k]}:* ${targetValue(targets[k])}`;
  const rate = o.handoffRate;
  const res = o.resolution;
  return [
    [head('handoffRate'), rate && rate.conversations > 0 ? `${rate.escalated} of ${rate.conversations} conversations` : 'no conversations', `target ${escapeForSlack(targets.handoffRate.label)}`].join('\n'),
    [head('responseTime'), durationLine('first reply', o.timeToFirstReply), durationLine('claim', o.timeToClaim), `target ${escapeForSlack(targets.responseTime.label)} (median first reply)`].join('\n'),
    [
      head('resolutionRate'),
      res.total > 0
        ? `${res.resolved} of ${res.total} handoffs${res.reopened ? ` · ${res.reopened} reopened within 24 h` : ''}${res.handedBack ? ` · ${res.handedBack} handed back` : ''}${res.open ? ` · ${res.open} open` : ''}`
        : 'no handoffs',
      `target ${escapeForSlack(targets.resolutionRate.label)}`,
    ].join('\n'),
    [head('csat'), o.csat.count > 0 ? `${o.csat.count} rating${o.csat.count === 1 ? '' : 's'}` : 'no ratings', `target ${escapeForSlack(targets.csat.label)}`].join('\n'),
  ];
}

/** "Ada — 4 handoffs · claim 1m 30s · first reply 2m 00s · resolved 75% · CSAT 4.67 (3)". */
function breakdownLine(b: Breakdown, withRate: boolean): string {
  const parts = [`${b.handoffs} handoff${b.handoffs === 1 ? '' : 's'}`];
  if (withRate && b.handoffRate?.rate != null) parts.push(`${formatRate(b.handoffRate.rate)} of conversations`);
  if (b.timeToClaim.medianSeconds !== null) parts.push(`claim ${formatSeconds(b.timeToClaim.medianSeconds)}`);
  if (b.timeToFirstReply.medianSeconds !== null) parts.push(`first reply ${formatSeconds(b.timeToFirstReply.medianSeconds)}`);
  if (b.resolution.rate !== null) parts.push(`resolved ${formatRate(b.resolution.rate)}`);
  if (b.csat.average !== null) parts.push(`CSAT ${formatCsat(b.csat.average)} (${b.csat.count})`);
  const missed = ORDER.filter((k) => b.targets[k].status === 'missed').length;
  return `• *${esc(b.label, BUDGET.name)}*${missed ? ' ⚠️' : ''} — ${parts.join(' · ')}`;
}

function breakdownSection(title: string, rows: readonly Breakdown[], blockId: string, withRate: boolean, limit = STATS_ROWS): KnownBlock | null {
  if (rows.length === 0) return null;
  const lines = rows.slice(0, limit).map((b) => breakdownLine(b, withRate));
  if (rows.length > limit) lines.push(`_…and ${rows.length - limit} more_`);
  return section(`*${title}*\n${lines.join('\n')}`, blockId);
}

/** The advice for missed targets (escaped: it quotes customers' words). */
export function fixesText(fixes: readonly Fix[]): string {
  return fixes
    .map((f) => [`*⚠️ ${esc(f.title, BUDGET.title)}*`, ...f.steps.map((s) => `• ${esc(s, BUDGET.step)}`)].join('\n'))
    .join('\n\n');
}

function slackDate(iso: string): string {
  const ms = Date.parse(iso);
  const fallback = new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  return `<!date^${Math.floor(ms / 1000)}^{date_short_pretty} {time}|${fallback}>`;
}

function periodLine(r: PeriodReport): string {
  const o = r.overall;
  const conversations = o.handoffRate?.conversations ?? 0;
  return `${slackDate(r.period.from)} – now  ·  ${conversations} conversation${conversations === 1 ? '' : 's'}  ·  ${o.handoffs} handoff${o.handoffs === 1 ? '' : 's'}`;
}

const isEmpty = (r: AnalyticsReport) => (r.overall.handoffRate?.conversations ?? 0) === 0 && r.overall.handoffs === 0;

export interface StatsMessageOptions {
  /** Shown to admins: how to reach `GET /api/stats` (mrkdwn, ours). */
  adminNote?: string | null;
}

/** `/handoff stats [today|7d|30d]`: every number, the splits and the advice, only to the caller. */
export function statsMessage(r: PeriodReport, options: StatsMessageOptions = {}): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`📊 Handoff performance — ${r.label}`, LIMITS.header) },
    context([periodLine(r)]),
  ];
  if (isEmpty(r)) {
    blocks.push(section('_No data for this period yet: no conversations and no handoffs._', BLOCK.statsTargets));
  } else {
    blocks.push(fieldsSection(targetFields(r), BLOCK.statsTargets));
    const splits = [
      breakdownSection('By reason', r.byReason, BLOCK.statsReasons, true),
      breakdownSection('By agent', r.byAgent, BLOCK.statsAgents, false),
      breakdownSection('By team', r.byTeam, BLOCK.statsTeams, true),
    ].filter((b): b is KnownBlock => b !== null);
    if (splits.length) blocks.push({ type: 'divider' }, ...splits);
    if (r.fixes.length) blocks.push({ type: 'divider' }, section(`*What to do*\n${fixesText(r.fixes)}`, BLOCK.statsFixes));
  }
  const footer = [`Targets from the product guide. Times in ${esc(r.timezone, 60)}. \`/handoff stats today\` · \`7d\` · \`30d\``];
  if (options.adminNote) footer.push(options.adminNote);
  blocks.push(context(footer, BLOCK.statsFooter));
  return { text: statsFallback(r), blocks };
}

/** The notification text: the four numbers in one line. */
export function statsFallback(r: PeriodReport): string {
  const parts = ORDER.map((k) => `${TARGET_TITLES[k]} ${targetValue(r.targets[k])} ${STATUS_ICON[r.targets[k].status]}`);
  return `Handoff performance, ${r.label}: ${parts.join(' · ')}`;
}

/** The daily digest in the handoff channel: the numbers against the targets and, for each missed one, the likely fix. */
export function digestMessage(
  r: PeriodReport,
  o: {
    day: string;
    digestTime: string;
    channels?: { rows: readonly ChannelRow[]; defaultChannel: string };
    /** The knowledge gaps and the articles learned (kb-gaps.ts builds them). */
    learning?: readonly KnownBlock[];
  },
): SlackMessage {
  const blocks: KnownBlock[] = [
    { type: 'header', text: plainText(`📊 Daily handoff digest — ${r.label}`, LIMITS.header) },
    context([`${esc(o.day, 20)}  ·  ${periodLine(r)}`]),
  ];
  if (isEmpty(r)) {
    blocks.push(section('_No conversations and no handoffs in this period: nothing to measure yet._', BLOCK.statsTargets));
  } else {
    blocks.push(fieldsSection(targetFields(r), BLOCK.statsTargets));
    blocks.push({ type: 'divider' });
    blocks.push(
      r.fixes.length
        ? section(`*Likely fixes*\n${fixesText(r.fixes)}`, BLOCK.statsFixes)
        : section('✅ *Every target with data is met.* Keep it up!', BLOCK.statsFixes),
    );
    const reasons = breakdownSection('Handoffs by reason', r.byReason, BLOCK.statsReasons, true, 5);
    if (reasons) blocks.push(reasons);
  }
  if (o.learning?.length) blocks.push({ type: 'divider' }, ...o.learning);
  // Every channel, even in a quiet period: a team channel's load (and one Slack refused) shows here.
  const channels = o.channels ? digestChannelsSection(o.channels.rows, o.channels.defaultChannel) : null;
  if (channels) blocks.push(channels);
  blocks.push(
    context(
      [`Posted daily at ${esc(o.digestTime, 10)} (${esc(r.timezone, 60)}); change it in \`/handoff settings\`. Details: \`/handoff stats\`.`],
      BLOCK.statsFooter,
    ),
  );
  const missed = ORDER.filter((k) => r.targets[k].status === 'missed').map((k) => TARGET_TITLES[k]);
  return { text: `Daily handoff digest: ${missed.length ? `missed ${missed.join(', ')}` : 'targets met'}. ${statsFallback(r)}`, blocks };
}

/**
 * The App Home's "Team performance (7 days)": one section with the four targets and one context
 * line (2 blocks), so the Home tab stays far below 100 blocks.
 */
export function homePerformanceBlocks(r: AnalyticsReport): KnownBlock[] {
  const field = (k: TargetKey) => `${STATUS_ICON[r.targets[k].status]} *${TARGET_TITLES[k]}*\n${targetValue(r.targets[k])} · target ${escapeForSlack(r.targets[k].label)}`;
  const conversations = r.overall.handoffRate?.conversations ?? 0;
  return [
    { type: 'section', block_id: BLOCK.homeStats, text: mrkdwn('*Team performance (7 days)*'), fields: ORDER.map((k) => mrkdwn(field(k), LIMITS.sectionField)) },
    context([`${conversations} conversation${conversations === 1 ? '' : 's'} · ${r.overall.handoffs} handoff${r.overall.handoffs === 1 ? '' : 's'} · \`/handoff stats\` for details`]),
  ];
}
