/**
 * Handoff analytics: the product guide's four numbers, overall and split by agent, team and reason,
 * each judged against its target, plus what to do when one is missed. Pure: plain conversation and
 * event records in (src/db/analytics-repository.ts reads them), a typed report out. No clock, no
 * I/O; the period is given.
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

/** Hours after a resolution within which a reopening means it was not resolved. */
export const REOPEN_WINDOW_HOURS = 24;

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
// Statistics

/** The middle value; the mean of the two middle values for an even count; null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile (0 < p ≤ 100): `sorted[ceil(p/100 · n) − 1]`; null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile: p must be in (0, 100], got ${p}`);
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

function durations(values: readonly number[]): DurationStats {
  return { count: values.length, medianSeconds: median(values), p90Seconds: percentile(values, 90) };
}

const ratio = (n: number, d: number): number | null => (d > 0 ? n / d : null);

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
// Handoffs from events

const ms = (iso: string) => Date.parse(iso);
const seconds = (from: string, to: string) => Math.max(0, (ms(to) - ms(from)) / 1000);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

interface Draft extends Handoff {
  open: boolean;
}

/**
 * Every handoff that started in the period, with what followed it. Events are taken per
 * conversation in the order given (the repository gives them in the order they were recorded;
 * events of one transaction share a time).
 */
export function computeHandoffs(input: Pick<MetricsInput, 'period' | 'conversations' | 'events'>): Handoff[] {
  const teamOf = new Map(input.conversations.map((c) => [c.id, c.teamId]));
  const byConversation = new Map<string, EventRecord[]>();
  for (const e of input.events) {
    const list = byConversation.get(e.conversationId) ?? [];
    list.push(e);
    byConversation.set(e.conversationId, list);
  }
  const from = ms(input.period.from);
  const to = ms(input.period.to);
  const out: Draft[] = [];
  for (const [conversationId, list] of byConversation) {
    // Stable: events recorded in one transaction keep their order.
    const events = [...list].sort((a, b) => ms(a.at) - ms(b.at));
    let current: Draft | null = null;
    for (const e of events) {
      if (e.type === 'escalated') {
        if (current?.open) continue;
        current = {
          conversationId,
          escalatedAt: e.at,
          reason: str(e.detail['kind']) ?? 'unknown',
          reasonDetail: str(e.detail['detail']) ?? (typeof e.detail['confidence'] === 'number' ? `confidence ${e.detail['confidence']}` : null),
          teamId: teamOf.get(conversationId) ?? null,
          agentId: null,
          claimedAt: null,
          secondsToClaim: null,
          firstReplyAt: null,
          secondsToFirstReply: null,
          resolvedAt: null,
          reopenedAt: null,
          handedBackAt: null,
          outcome: 'open',
          rating: null,
          ratingComment: null,
          queued: e.detail['to'] === 'queued',
          nudges: 0,
          emailed: false,
          open: true,
        };
        const at = ms(e.at);
        if (at >= from && at < to) out.push(current);
        continue;
      }
      if (!current) continue;
      const h: Draft = current;
      switch (e.type) {
        case 'claimed':
          if (h.open && h.claimedAt === null) {
            h.claimedAt = e.at;
            h.agentId = str(e.detail['agentId']) ?? h.agentId;
            if (h.reason !== 'agent_takeover') h.secondsToClaim = seconds(h.escalatedAt, e.at);
          }
          break;
        case 'first_agent_reply':
          if (h.open && h.firstReplyAt === null) {
            h.firstReplyAt = e.at;
            h.secondsToFirstReply = seconds(h.escalatedAt, e.at);
            h.agentId ??= str(e.detail['agentId']);
          }
          break;
        case 'resolved':
          if (h.open) {
            h.open = false;
            h.resolvedAt = e.at;
            h.outcome = 'resolved';
            h.agentId ??= str(e.detail['agentId']);
          }
          break;
        case 'handed_back':
          if (h.open) {
            h.open = false;
            h.handedBackAt = e.at;
            h.outcome = 'handed_back';
          }
          break;
        case 'reopened':
          if (h.resolvedAt !== null && h.reopenedAt === null) {
            h.reopenedAt = e.at;
            if (ms(e.at) - ms(h.resolvedAt) < REOPEN_WINDOW_HOURS * 3_600_000) h.outcome = 'reopened';
          }
          break;
        case 'rated':
          if (h.resolvedAt !== null && typeof e.detail['score'] === 'number') {
            h.rating = e.detail['score'];
            h.ratingComment = str(e.detail['comment']);
          }
          break;
        case 'queued':
          if (h.open) h.queued = true;
          break;
        case 'nudged':
          if (h.open) h.nudges += 1;
          break;
        case 'emailed':
          h.emailed = true;
          break;
        default:
          break;
      }
    }
  }
  return out
    .sort((a, b) => ms(a.escalatedAt) - ms(b.escalatedAt) || a.conversationId.localeCompare(b.conversationId))
    .map(({ open: _open, ...h }) => h);
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

function groupBy<T>(items: readonly T[], key: (item: T) => string | null): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    if (k === null) continue;
    const list = out.get(k) ?? [];
    list.push(item);
    out.set(k, list);
  }
  return out;
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

// ---------------------------------------------------------------------------------------------
// What to do about a missed target (the product guide's "Common Issues")

/** 0.25 → "25%", 1/3 → "33.3%". */
const pct = (v: number) => {
  const x = Math.round(v * 1000) / 10;
  return `${Number.isInteger(x) ? x.toFixed(0) : x.toFixed(1)}%`;
};

export function formatSeconds(s: number): string {
  const total = Math.round(s);
  if (total < 60) return `${total}s`;
  if (total < 3600) return `${Math.floor(total / 60)}m ${String(total % 60).padStart(2, '0')}s`;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  return h < 48 ? `${h}h ${String(m).padStart(2, '0')}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

const hourRange = (h: number) => `${String(h).padStart(2, '0')}:00–${String((h + 1) % 24).padStart(2, '0')}:00`;

function fixesFor(report: AnalyticsReport, handoffs: readonly Handoff[], threshold: number | undefined): Fix[] {
  const fixes: Fix[] = [];
  const { targets, overall } = report;
  const reasonCount = (r: string) => report.byReason.find((b) => b.key === r)?.handoffs ?? 0;

  if (targets.handoffRate.status === 'missed') {
    const steps: string[] = [];
    if (report.topics.length) {
      steps.push(
        `Improve the knowledge base: add articles on what the AI could not answer — ${report.topics.map((t) => `"${t.phrase}" (${t.handoffs})`).join(', ')}.`,
      );
    } else {
      steps.push('Improve the knowledge base: add articles on the questions customers ask most before a handoff.');
    }
    const low = reasonCount('low_confidence');
    const none = reasonCount('no_match');
    if (low || none) {
      steps.push(
        `Tune the AI confidence threshold${threshold !== undefined ? ` (now ${threshold})` : ''} in \`/handoff settings\`: ${low} handoff${low === 1 ? '' : 's'} for low confidence, ${none} with no knowledge-base match. Below the threshold the AI hands off; better articles raise its confidence.`,
      );
    }
    const rule = reasonCount('rule');
    steps.push(
      rule
        ? `Review the rules for common questions (\`/handoff rules\`): ${rule} handoff${rule === 1 ? '' : 's'} came from rules; let the AI answer what the knowledge base covers.`
        : 'Add rules for common questions (`/handoff rules`) so they reach the right team or skill at once.',
    );
    fixes.push({ kind: 'too_many_handoffs', target: 'handoffRate', title: `Too many handoffs: ${pct(targets.handoffRate.value!)} of conversations (target ${targets.handoffRate.label})`, steps });
  }

  if (targets.responseTime.status === 'missed') {
    const steps = [
      'Turn on notifications: agents get a direct message (a push on Slack mobile) for each handoff routed to them; `/handoff notify email on` adds an email.',
      'Set up Slack alerts for the handoff channel, and set `/handoff available` only while watching it.',
    ];
    const short = report.hourly
      .filter((b) => b.handoffs > b.claimedInTime)
      .sort((a, b) => b.handoffs - b.claimedInTime - (a.handoffs - a.claimedInTime) || a.hour - b.hour)
      .slice(0, 3)
      .sort((a, b) => a.hour - b.hour);
    if (short.length) {
      steps.push(
        `Ensure adequate staffing (${report.timezone}): ${short.map((b) => `${hourRange(b.hour)} ${b.handoffs} handoff${b.handoffs === 1 ? '' : 's'}, ${b.claimedInTime} claimed within 3 min`).join('; ')}.`,
      );
    }
    const queued = handoffs.filter((h) => h.queued).length;
    if (queued) steps.push(`${queued} handoff${queued === 1 ? ' was' : 's were'} queued because nobody was available.`);
    const claim = overall.timeToClaim.medianSeconds;
    const reply = targets.responseTime.value!;
    fixes.push({
      kind: 'slow_responses',
      target: 'responseTime',
      title: `Slow responses: ${formatSeconds(reply)} median to the first reply${claim !== null ? ` (${formatSeconds(claim)} to claim)` : ''}, target ${targets.responseTime.label}`,
      steps,
    });
  }

  if (targets.resolutionRate.status === 'missed') {
    const r = overall.resolution;
    const parts = [
      r.reopened ? `${r.reopened} reopened within 24 h` : null,
      r.handedBack ? `${r.handedBack} handed back to the AI` : null,
      r.open ? `${r.open} still open` : null,
    ].filter((p): p is string => p !== null);
    fixes.push({
      kind: 'reopened_after_resolve',
      target: 'resolutionRate',
      title: `Resolution ${pct(targets.resolutionRate.value!)} (target ${targets.resolutionRate.label})${parts.length ? `: ${parts.join(', ')}` : ''}`,
      steps: [
        'Follow through: solve the issue completely, confirm with the customer that it is solved, and offer more help before pressing Resolve.',
        'Resolve conversations that are done, so they do not stay open.',
      ],
    });
  }

  if (targets.csat.status === 'missed') {
    fixes.push({
      kind: 'awkward_transitions',
      target: 'csat',
      title: `CSAT ${targets.csat.value!.toFixed(2)}/5 from ${overall.csat.count} rating${overall.csat.count === 1 ? '' : 's'} (target ${targets.csat.label}): awkward transitions`,
      steps: [
        'Customize the handoff message and the agent introduction in `/handoff settings`, so the customer knows what happens next.',
        'Read the AI summary on the card (and *Summary*) before replying: build on what the AI said and do not ask again what it asked.',
      ],
    });
  }
  return fixes;
}
