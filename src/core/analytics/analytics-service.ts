import { createHash } from 'node:crypto';
import { isValidTimeZone, minutesOf, wallClock } from '../business-hours';
import type { Clock } from '../ports';
import type { Settings } from '../settings';
import type { AnalyticsStore } from '../stores';
import { handoffsCsv } from './csv';
import { beforeWindow, computeGaps, gapHandoffs, topicRate, type GapReport, type KbGapsStore, type LearnedArticle } from './gaps';
import { computeHandoffs } from './handoffs';
import { computeReport, type AnalyticsReport, type Handoff } from './metrics';
import { topicFragments } from './topics';

/** The periods people ask for: since local midnight, the last 7 days, the last 30 days. */
export const PERIODS = ['today', '7d', '30d'] as const;
export type PeriodName = (typeof PERIODS)[number];
export const DEFAULT_PERIOD: PeriodName = '7d';

export interface Period {
  name: PeriodName;
  /** ISO, inclusive. */
  from: string;
  /** ISO, exclusive: now. */
  to: string;
  /** "last 7 days", "today (since 00:00 Europe/Berlin)". */
  label: string;
}

export interface PeriodReport extends AnalyticsReport {
  name: PeriodName;
  label: string;
}

/** `today`, `7d` or `30d` (any case, surrounding spaces ignored); empty means the default; null for anything else. */
export function parsePeriod(text: string | null | undefined): PeriodName | null {
  const t = (text ?? '').trim().toLowerCase();
  if (t === '') return DEFAULT_PERIOD;
  return (PERIODS as readonly string[]).includes(t) ? (t as PeriodName) : null;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The instant the local date of `now` began in `timezone` (daylight saving included: the day's
 * first minute, whatever the offset was then).
 */
export function startOfLocalDay(timezone: string, now: Date): Date {
  const today = wallClock(timezone, now).date;
  // Whole minutes: every zone in use today has a whole-minute offset.
  let t = Math.floor(now.getTime() / 60_000) * 60_000 - wallClock(timezone, now).minutes * 60_000;
  // An offset change since midnight moves the wall clock by its size: correct once or twice.
  for (let i = 0; i < 3; i++) {
    const w = wallClock(timezone, new Date(t));
    if (w.date === today && w.minutes === 0) break;
    t += w.date === today ? -w.minutes * 60_000 : (1440 - w.minutes) * 60_000;
  }
  return new Date(t);
}

export function periodRange(name: PeriodName, now: Date, timezone: string): Period {
  const to = now.toISOString();
  switch (name) {
    case 'today':
      return { name, from: startOfLocalDay(timezone, now).toISOString(), to, label: `today (since 00:00 ${timezone})` };
    case '7d':
      return { name, from: new Date(now.getTime() - 7 * DAY_MS).toISOString(), to, label: 'last 7 days' };
    case '30d':
      return { name, from: new Date(now.getTime() - 30 * DAY_MS).toISOString(), to, label: 'last 30 days' };
  }
}

/** The windows of `/handoff kb gaps`. */
export const GAP_PERIODS = ['7d', '30d'] as const satisfies readonly PeriodName[];

export interface GapWindow extends GapReport {
  name: (typeof GAP_PERIODS)[number];
  label: string;
  period: { from: string; to: string };
}

/**
 * Learned articles shown at most, the newest: the digest and `/handoff kb gaps` stay short, and
 * each costs two scans of its topic's conversations (`/handoff kb gaps` answers within Slack's 3
 * seconds: about 0.6 s for five articles at 20,000 conversations a month on SQLite).
 */
export const LEARNED_LIMIT = 5;

export interface AnalyticsServiceDeps {
  repo: AnalyticsStore & KbGapsStore;
  clock: Clock;
  settings: { get(): Readonly<Settings> };
  /** Runs `fn` in one database transaction (the digest's record and its post commit together). */
  tx: <T>(fn: () => T) => T;
  /** The admins' API: where its bearer token is kept (generated into the database at first start) and its base URL. */
  api: { token: ApiTokenStore; baseUrl: string };
  /** Where admins' changes to the token are recorded (admin_audit). */
  audit?: { record(e: { actor: string | null; action: string; target: string | null; detail: Record<string, unknown>; at: string }): void };
}

/**
 * The API token's store. Read on every request, never kept in memory, so a rotation or a
 * revocation applies at once, in every process sharing the database.
 */
export interface ApiTokenStore {
  /** The current token; null when revoked. */
  read(): string | null;
  /** A new random token replaces the old one (or ends a revocation) and is returned. */
  rotate(now: string): string;
  /** No token until the next rotation: the API answers 401. */
  revoke(now: string): void;
}

/** A short, one-way name for a token in the audit log (the token itself is never recorded). */
function fingerprint(token: string | null): string | null {
  return token === null ? null : createHash('sha256').update(token).digest('hex').slice(0, 12);
}

/**
 * Handoff analytics over a period: reads the records, computes the report (metrics.ts), exports
 * the handoffs as CSV, and decides when the daily digest is due. Days and hours are those of the
 * business-hours time zone.
 */
export class AnalyticsService {
  private readonly cache = new Map<PeriodName, { at: number; report: PeriodReport }>();

  constructor(private readonly d: AnalyticsServiceDeps) {}

  /** The time zone of days and hours: the business-hours one. */
  timezone(): string {
    const tz = this.d.settings.get().businessHours.timezone;
    return isValidTimeZone(tz) ? tz : 'UTC';
  }

  period(name: PeriodName = DEFAULT_PERIOD): Period {
    return periodRange(name, this.d.clock.now(), this.timezone());
  }

  report(name: PeriodName = DEFAULT_PERIOD): PeriodReport {
    const p = this.period(name);
    const { repo } = this.d;
    const report = computeReport({
      period: { from: p.from, to: p.to },
      conversations: repo.conversations(p.from, p.to),
      events: repo.events(p.from, p.to),
      customerMessages: repo.unansweredMessages(p.from, p.to),
      timezone: this.timezone(),
      names: { agents: repo.agentNames(), teams: repo.teamNames() },
      confidenceThreshold: this.d.settings.get().aiConfidenceThreshold,
    });
    const out: PeriodReport = { name: p.name, label: p.label, ...report };
    this.cache.set(name, { at: this.d.clock.now().getTime(), report: out });
    return out;
  }

  /** A report at most `maxAgeMs` old (the Home tab shows one on every refresh). */
  cached(name: PeriodName = DEFAULT_PERIOD, maxAgeMs = 60_000): PeriodReport {
    const hit = this.cache.get(name);
    if (hit && this.d.clock.now().getTime() - hit.at < maxAgeMs) return hit.report;
    return this.report(name);
  }

  /** How admins reach the JSON and CSV endpoints; `token` is null while revoked. */
  apiAccess(): { token: string | null; statsUrl: string; csvUrl: string } {
    const base = this.d.api.baseUrl.replace(/\/+$/, '');
    return { token: this.d.api.token.read(), statsUrl: `${base}/api/stats`, csvUrl: `${base}/api/stats.csv` };
  }

  /** An admin replaces the API token: the old one is refused from now on. Audited (`api_token.rotate`). */
  rotateApiToken(by: string | null): string {
    return this.d.tx(() => {
      const now = this.d.clock.now().toISOString();
      const before = this.d.api.token.read();
      const token = this.d.api.token.rotate(now);
      this.d.audit?.record({
        actor: by,
        action: 'api_token.rotate',
        target: 'analytics_api_token',
        detail: { before: fingerprint(before), after: fingerprint(token) },
        at: now,
      });
      return token;
    });
  }

  /**
   * An admin revokes the API token: the API answers 401 until the next rotation. Audited
   * (`api_token.revoke`); false (and nothing recorded) when it was revoked already.
   */
  revokeApiToken(by: string | null): boolean {
    return this.d.tx(() => {
      const now = this.d.clock.now().toISOString();
      const before = this.d.api.token.read();
      if (before === null) return false;
      this.d.api.token.revoke(now);
      this.d.audit?.record({ actor: by, action: 'api_token.revoke', target: 'analytics_api_token', detail: { before: fingerprint(before), after: null }, at: now });
      return true;
    });
  }

  /** The handoffs that started in the period, oldest first. */
  handoffs(name: PeriodName = DEFAULT_PERIOD): Handoff[] {
    const p = this.period(name);
    const { repo } = this.d;
    return computeHandoffs({ period: { from: p.from, to: p.to }, conversations: repo.conversations(p.from, p.to), events: repo.events(p.from, p.to) });
  }

  /** The handoffs of the period as CSV (one row each, with the agent's and team's names). */
  csv(name: PeriodName = DEFAULT_PERIOD): string {
    return handoffsCsv(this.handoffs(name), { agents: this.d.repo.agentNames(), teams: this.d.repo.teamNames() });
  }

  /**
   * The knowledge gaps of the last 7 and 30 days (gaps.ts): the handoffs for no match or low
   * confidence by topic, with their drafts and articles. The 30 days are read once; the 7 are a
   * part of them.
   */
  gaps(): GapWindow[] {
    const { repo } = this.d;
    const widest = this.period('30d');
    const conversations = repo.conversations(widest.from, widest.to);
    const events = repo.events(widest.from, widest.to);
    const messages = repo.unansweredMessages(widest.from, widest.to);
    const drafts = repo.kbDrafts(widest.from);
    return GAP_PERIODS.map((name) => {
      const p = name === widest.name ? widest : this.period(name);
      const handoffs = computeHandoffs({ period: { from: p.from, to: p.to }, conversations, events });
      return { name, label: p.label, period: { from: p.from, to: p.to }, ...computeGaps(gapHandoffs(handoffs, messages), drafts) };
    });
  }

  /**
   * Articles approved since `since` (default: the last 30 days), the newest LEARNED_LIMIT, each with
   * the handoff rate of the conversations mentioning its topic in the 30 days before its approval
   * and since.
   */
  learnedArticles(since?: string): LearnedArticle[] {
    const { repo } = this.d;
    const now = this.d.clock.now().toISOString();
    const from = since ?? this.period('30d').from;
    return repo.approvedArticles(from, now, LEARNED_LIMIT).map((d) => {
      const approvedAt = d.decidedAt!;
      const fragments = d.topic ? topicFragments(d.topic) : [];
      const rate = (w: { from: string; to: string }) => (d.topic && fragments.length ? topicRate(d.topic, repo.topicConversations(fragments, w.from, w.to)) : null);
      return {
        draftId: d.id,
        title: d.title,
        articleId: d.articleId,
        topic: d.topic,
        approvedAt,
        approvedBy: d.decidedBy,
        before: rate(beforeWindow(approvedAt)),
        after: rate({ from: approvedAt, to: now }),
      };
    });
  }

  /** When the last daily digest was posted, or null: its "Learned" part covers what came since. */
  lastDigestAt(): string | null {
    return this.d.repo.lastDigestAt();
  }

  /**
   * The local date whose digest is due now, or null: the digest time has come today (local) and
   * today's digest was not posted. A minute missed (a restart, a busy tick) is caught up later the
   * same day, never twice.
   */
  digestDue(): { day: string } | null {
    const at = this.d.settings.get().digestTime;
    if (at === 'off') return null;
    const wall = wallClock(this.timezone(), this.d.clock.now());
    if (wall.minutes < minutesOf(at)) return null;
    return this.d.repo.digestPosted(wall.date) ? null : { day: wall.date };
  }

  /**
   * Records the digest of `day` and runs `post` (which enqueues it) in one transaction. False, and
   * `post` is not run, when that day's digest was recorded already.
   */
  recordDigest(day: string, channel: string, post: () => void): boolean {
    return this.d.tx(() => {
      if (!this.d.repo.recordDigest(day, channel, this.d.clock.now().toISOString())) return false;
      post();
      return true;
    });
  }
}
