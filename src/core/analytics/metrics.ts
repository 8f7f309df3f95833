/**
 * Handoff analytics: the product guide's four numbers, overall and split by agent, team and reason,
 * each judged against its target, plus what to do when one is missed. Pure: plain conversation and
 * event records in (src/db/analytics-repository.ts reads them), a typed report out. No clock, no
 * I/O; the period is given. Handoffs are read from the events in handoffs.ts, the advice for a
 * missed target is written in fixes.ts, and the statistics are in statistics.ts.
 *
 * Definitions (README "Analytics" says the same for people):
 *
 * - A *conversation* counts for the period when it started in the period and the customer wrote at
 *   least once (a widget opened and left silent is not a conversation).
 * - A *handoff* starts at an `escalated` event while no earlier handoff of the conversation is open;
 *   it closes at `resolved` or `handed_back`. An `escalated` event while one is open (a queued
 *   customer asking again once someone is available) belongs to the open handoff. A handoff is in
 *   the period when it started in it; what follows it (claim, reply, resolution, reopening, rating)
 *   counts whenever it happened, up to now.
 * - *Handoff rate*: conversations of the period with a handoff in the period / conversations of the
 *   period. Target: under 30%.
 * - *Response time*: seconds from the handoff to the claim, and to the first agent reply; median and
 *   90th percentile. Agent takeovers are left out of the time to claim (nobody waited for a claim).
 *   Target: a median time to the first agent reply under 3 minutes.
 * - *Resolution rate*: handoffs resolved and not reopened within 24 hours of the resolution /
 *   handoffs. Handed back to the AI or still open counts as not resolved. Target: over 90%.
 * - *CSAT*: the average of the ratings (1–5) given after a handoff was resolved (the last rating of
 *   each handoff), with their count. Target: over 4.5.
 * - *Median*: the middle value, or the mean of the two middle values for an even count. *p90*:
 *   nearest rank, the smallest value that at least 90% of the values are at or below
 *   (`sorted[ceil(0.9 n) - 1]`).
 * - No data (nothing to divide by) is `null` with the status `no_data`, never 0 and never NaN.
 */
import { wallClock } from '../business-hours';
import { fixesFor } from './fixes';
import { computeHandoffs } from './handoffs';
import { durations, groupBy, ms, ratio, seconds } from './statistics';
import { topTopics, type Topic } from './topics';

// ---------------------------------------------------------------------------------------------
// Input

export interface ConversationRecord {
  id: string;
  /** ISO. */
  createdAt: string;
  /** ISO; null when the customer never wrote. */
  firstCustomerMessageAt: string | null;
  teamId: string | null;
}

export interface EventRecord {
  conversationId: string;
  /** escalated | claimed | first_agent_reply | resolved | reopened | rated | handed_back | queued | nudged | emailed | … */
  type: string;
  /** ISO. */
  at: string;
  detail: Record<string, unknown>;
}

export interface CustomerMessageRecord {
  conversationId: string;
  text: string;
  /** ISO. */
  at: string;
}

export interface MetricsInput {
  /** [from, to): ISO instants. */
  period: { from: string; to: string };
  /** Conversations started in the period, and every conversation with a handoff in it. */
  conversations: readonly ConversationRecord[];
  /** Every event of the conversations with a handoff in the period, in the order they were recorded. */
  events: readonly EventRecord[];
  /** Customer messages of those conversations (for the topics the knowledge base lacks). */
  customerMessages?: readonly CustomerMessageRecord[];
  /** IANA zone for the hour-of-day histogram (default UTC). */
  timezone?: string;
  /** Names to show for agent and team ids. */
  names?: { agents?: Readonly<Record<string, string>>; teams?: Readonly<Record<string, string>> };
  /** The AI confidence threshold now, for the advice. */
  confidenceThreshold?: number;
}

// ---------------------------------------------------------------------------------------------
// Output

export type TargetKey = 'handoffRate' | 'responseTime' | 'resolutionRate' | 'csat';
export type TargetStatus = 'met' | 'missed' | 'no_data';

/** The product guide's targets ("Measuring Handoff Performance"). All comparisons are strict. */
export const TARGETS = {
  /** Share of conversations handed to a person: under 30%. */
  handoffRate: { op: '<', value: 0.3, label: '< 30%' },
  /** Median seconds from the handoff to the first agent reply: under 3 minutes. */
  responseTime: { op: '<', value: 180, label: '< 3 min' },
  /** Share of handoffs resolved and not reopened within 24 h: over 90%. */
  resolutionRate: { op: '>', value: 0.9, label: '> 90%' },
  /** Average rating after a handoff: over 4.5 of 5. */
  csat: { op: '>', value: 4.5, label: '> 4.5/5' },
} as const satisfies Record<TargetKey, { op: '<' | '>'; value: number; label: string }>;


export interface TargetCheck {
  key: TargetKey;
  /** The judged value: a 0..1 rate, seconds, or a 1..5 average; null without data. */
  value: number | null;
  target: number;
  op: '<' | '>';
  /** e.g. "< 30%". */
  label: string;
  status: TargetStatus;
}

export interface DurationStats {
  /** How many values. */
  count: number;
  medianSeconds: number | null;
  p90Seconds: number | null;
}

export interface RateStats {
  /** Conversations of the group with a handoff in the period. */
  escalated: number;
  /** Conversations of the group in the period. */
  conversations: number;
  rate: number | null;
}

export interface ResolutionStats {
  /** Handoffs. */
  total: number;
  /** Resolved and not reopened within 24 h. */
  resolved: number;
  /** Resolved, then reopened within 24 h. */
  reopened: number;
  handedBack: number;
  /** Not closed yet (waiting, queued or with an agent). */
  open: number;
  rate: number | null;
}

export interface CsatStats {
  count: number;
  average: number | null;
}

export interface MetricSet {
  handoffs: number;
  /** null where it does not apply (an agent's handoffs have no conversations to divide by). */
  handoffRate: RateStats | null;
  timeToClaim: DurationStats;
  timeToFirstReply: DurationStats;
  resolution: ResolutionStats;
  csat: CsatStats;
}

export interface Breakdown extends MetricSet {
  /** Agent id, team id or reason kind. */
  key: string;
  /** What people call it (the agent's or team's name, the reason in words). */
  label: string;
  /** The four targets for this group (the handoff rate is no_data where it does not apply). */
  targets: Record<TargetKey, TargetCheck>;
}

export interface HourBucket {
  /** Local hour of day, 0..23. */
  hour: number;
  /** Handoffs that started in this hour. */
  handoffs: number;
  /** Claims made in this hour (whenever their handoff started). */
  claims: number;
  /** Handoffs of this hour claimed within the response target. */
  claimedInTime: number;
}

export type FixKind = 'too_many_handoffs' | 'slow_responses' | 'reopened_after_resolve' | 'awkward_transitions';

/** A missed target and the product guide's likely fixes, as plain sentences (escape before showing as mrkdwn). */
export interface Fix {
  kind: FixKind;
  target: TargetKey;
  title: string;
  steps: string[];
}

export interface AnalyticsReport {
  period: { from: string; to: string };
  overall: MetricSet;
  targets: Record<TargetKey, TargetCheck>;
  byAgent: Breakdown[];
  byTeam: Breakdown[];
  byReason: Breakdown[];
  /** 24 buckets, local hours of `timezone`. */
  hourly: HourBucket[];
  timezone: string;
  /** Most common topics of handoffs the AI could not answer (no_match, low_confidence). */
  topics: Topic[];
  /** Empty when every target with data is met. */
  fixes: Fix[];
}

export type HandoffOutcome = 'resolved' | 'reopened' | 'handed_back' | 'open';

/** One handoff with its timings: a row of the CSV export. */
export interface Handoff {
  conversationId: string;
  escalatedAt: string;
  reason: string;
  reasonDetail: string | null;
  teamId: string | null;
  /** Who claimed it (else who resolved it). */
  agentId: string | null;
  claimedAt: string | null;
  secondsToClaim: number | null;
  firstReplyAt: string | null;
  secondsToFirstReply: number | null;
  resolvedAt: string | null;
  reopenedAt: string | null;
  handedBackAt: string | null;
  outcome: HandoffOutcome;
  rating: number | null;
  ratingComment: string | null;
  /** Nobody was available at some point: it went to the offline queue. */
  queued: boolean;
  nudges: number;
  /** Agent replies went out by email (the customer had left). */
  emailed: boolean;
}

export const REASON_LABELS: Readonly<Record<string, string>> = {
  customer_asked: 'Asked for a person',
  low_confidence: 'Low AI confidence',
  no_match: 'No knowledge-base match',
  frustration: 'Frustration',
  sensitive_topic: 'Sensitive topic',
  rule: 'Rule',
  agent_takeover: 'Agent takeover',
};

// ---------------------------------------------------------------------------------------------
// Targets

export function checkTarget(key: TargetKey, value: number | null): TargetCheck {
  const t = TARGETS[key];
  const status: TargetStatus = value === null ? 'no_data' : (t.op === '<' ? value < t.value : value > t.value) ? 'met' : 'missed';
  return { key, value, target: t.value, op: t.op, label: t.label, status };
}

function targetsOf(m: MetricSet): Record<TargetKey, TargetCheck> {
  return {
    handoffRate: checkTarget('handoffRate', m.handoffRate?.rate ?? null),
    responseTime: checkTarget('responseTime', m.timeToFirstReply.medianSeconds),
    resolutionRate: checkTarget('resolutionRate', m.resolution.rate),
    csat: checkTarget('csat', m.csat.average),
  };
}

// ---------------------------------------------------------------------------------------------
// The report

function metricSet(handoffs: readonly Handoff[], rate: RateStats | null): MetricSet {
  const count = (o: HandoffOutcome) => handoffs.filter((h) => h.outcome === o).length;
  const ratings = handoffs.flatMap((h) => (h.rating !== null ? [h.rating] : []));
  const resolved = count('resolved');
  return {
    handoffs: handoffs.length,
    handoffRate: rate,
    timeToClaim: durations(handoffs.flatMap((h) => (h.secondsToClaim !== null ? [h.secondsToClaim] : []))),
    timeToFirstReply: durations(handoffs.flatMap((h) => (h.secondsToFirstReply !== null ? [h.secondsToFirstReply] : []))),
    resolution: {
      total: handoffs.length,
      resolved,
      reopened: count('reopened'),
      handedBack: count('handed_back'),
      open: count('open'),
      rate: ratio(resolved, handoffs.length),
    },
    csat: { count: ratings.length, average: ratings.length ? ratings.reduce((a, b) => a + b, 0) / ratings.length : null },
  };
}

function rateOf(conversations: readonly ConversationRecord[], escalated: ReadonlySet<string>): RateStats {
  const n = conversations.filter((c) => escalated.has(c.id)).length;
  return { escalated: n, conversations: conversations.length, rate: ratio(n, conversations.length) };
}

function breakdown(key: string, label: string, m: MetricSet): Breakdown {
  return { key, label, ...m, targets: targetsOf(m) };
}

/** Biggest groups first, then by name. */
const bySize = (a: Breakdown, b: Breakdown) => b.handoffs - a.handoffs || a.label.localeCompare(b.label);

/** The report for a period. */
export function computeReport(input: MetricsInput): AnalyticsReport {
  const from = ms(input.period.from);
  const to = ms(input.period.to);
  const inPeriod = (iso: string) => ms(iso) >= from && ms(iso) < to;
  const handoffs = computeHandoffs(input);

  // The handoff rate's conversations: started in the period, the customer wrote (before its end).
  const conversations = input.conversations.filter(
    (c) => inPeriod(c.createdAt) && c.firstCustomerMessageAt !== null && ms(c.firstCustomerMessageAt) < to,
  );
  const firstHandoff = new Map<string, Handoff>();
  for (const h of handoffs) if (!firstHandoff.has(h.conversationId)) firstHandoff.set(h.conversationId, h);
  const escalated = new Set(firstHandoff.keys());

  const overall = metricSet(handoffs, rateOf(conversations, escalated));

  const agentNames = input.names?.agents ?? {};
  const teamNames = input.names?.teams ?? {};
  const byAgent = [...groupBy(handoffs, (h) => h.agentId)].map(([id, list]) => breakdown(id, agentNames[id] ?? id, metricSet(list, null)));
  const byTeam = [...groupBy(handoffs, (h) => h.teamId)].map(([id, list]) => {
    const own = conversations.filter((c) => c.teamId === id);
    return breakdown(id, teamNames[id] ?? id, metricSet(list, rateOf(own, escalated)));
  });
  const byReason = [...groupBy(handoffs, (h) => h.reason)].map(([reason, list]) => {
    // Each escalated conversation counts once, under the reason of its first handoff: the reasons' rates add up to the whole.
    const firstForReason = new Set([...firstHandoff.values()].filter((h) => h.reason === reason).map((h) => h.conversationId));
    return breakdown(reason, REASON_LABELS[reason] ?? reason, metricSet(list, rateOf(conversations, firstForReason)));
  });

  const timezone = input.timezone ?? 'UTC';
  const hourly = hourlyBuckets(handoffs, timezone);
  const topics = unansweredTopics(handoffs, input.customerMessages ?? []);
  const targets = targetsOf(overall);
  const report: AnalyticsReport = {
    period: { ...input.period },
    overall,
    targets,
    byAgent: byAgent.sort(bySize),
    byTeam: byTeam.sort(bySize),
    byReason: byReason.sort(bySize),
    hourly,
    timezone,
    topics,
    fixes: [],
  };
  report.fixes = fixesFor(report, handoffs, input.confidenceThreshold);
  return report;
}

function hourlyBuckets(handoffs: readonly Handoff[], timezone: string): HourBucket[] {
  const buckets: HourBucket[] = Array.from({ length: 24 }, (_, hour) => ({ hour, handoffs: 0, claims: 0, claimedInTime: 0 }));
  const hourOf = (iso: string) => Math.floor(wallClock(timezone, new Date(iso)).minutes / 60);
  for (const h of handoffs) {
    const b = buckets[hourOf(h.escalatedAt)]!;
    b.handoffs += 1;
    if (h.claimedAt !== null) {
      buckets[hourOf(h.claimedAt)]!.claims += 1;
      if (seconds(h.escalatedAt, h.claimedAt) < TARGETS.responseTime.value) b.claimedInTime += 1;
    }
  }
  return buckets;
}

/** Reasons that mean the knowledge base had no good answer. */
const UNANSWERED = new Set(['no_match', 'low_confidence']);
/** How many customer messages before a handoff tell what it was about. */
const TOPIC_MESSAGES = 3;

function unansweredTopics(handoffs: readonly Handoff[], messages: readonly CustomerMessageRecord[]): Topic[] {
  const byConversation = groupBy(messages, (m) => m.conversationId);
  const texts = handoffs
    .filter((h) => UNANSWERED.has(h.reason))
    .map((h) =>
      (byConversation.get(h.conversationId) ?? [])
        .filter((m) => ms(m.at) <= ms(h.escalatedAt))
        .sort((a, b) => ms(a.at) - ms(b.at))
        .slice(-TOPIC_MESSAGES)
        .map((m) => m.text),
    )
    .filter((t) => t.length > 0);
  return topTopics(texts);
}
