import type { AgentService } from '../core/agent-service';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';
import { sleep as realSleep, type Job, type JobContext } from './scheduler';

export type Presence = 'active' | 'away';

/** Slack's 429 holds of its methods, kept where every instance sees them (the app: the database). */
export interface MethodHolds {
  /** Until when (ms) Slack asked every caller of `method` to wait; 0 when it did not. */
  until(method: string): number;
  /** Slack answered `method` with 429: every caller waits until `until` (ms). */
  hold(method: string, until: number): void;
}

const METHOD = 'users.getPresence';

export interface PresenceDeps {
  agents: Pick<AgentService, 'presenceTargets' | 'setPresence'>;
  /**
   * Slack's users.getPresence for one user. When rate limited it rejects with an error carrying
   * `retryAfter` in seconds (as @slack/web-api's rate-limited error does with
   * `rejectRateLimitedCalls`).
   */
  getPresence: (userId: string) => Promise<Presence>;
  clock: Clock;
  logger: Logger;
  /** Calls per run (one run a minute). users.getPresence is Tier 3: about 50 a minute. */
  maxPerMinute?: number;
  /** The calls of a run are spread over this long. */
  windowMs?: number;
  /** Tests pass one that returns at once (and may advance their clock). */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * Where a 429's Retry-After is kept, so that whichever instance runs the next tick waits too; read
   * at the start of every run. Without it the hold is known to this process only.
   */
  holds?: MethodHolds;
}

export interface PresenceReport {
  /** Agents whose presence is polled (everyone not manually offline). */
  targets: number;
  /** Agents polled in this run, in order. */
  polled: string[];
  /** Of them, reported away. */
  away: number;
  /** Calls that failed (not counting a rate limit). */
  failed: number;
  /** Set when Slack said 429: the run stopped and the next runs wait this long. */
  rateLimitedForMs?: number;
  /** The run did not poll: Slack's Retry-After has not passed yet. */
  paused?: boolean;
  /** The scheduler stopped during the run. */
  aborted?: boolean;
}

export type PresencePoller = (ctx?: Partial<JobContext>) => Promise<PresenceReport>;

export const PRESENCE_CRON = '* * * * *';

/**
 * Polls Slack presence for agents who are not manually offline and records it (AgentService
 * records the changes of what routing sees). Tier 3 allows about 50 users.getPresence calls a
 * minute, so a run makes at most `maxPerMinute` calls, spaced evenly over the minute; with more
 * agents than that, runs take turns over them (a cursor: the last agent polled). A failing call is
 * logged, never thrown; a 429 ends the run and pauses polling for Retry-After, in every instance
 * sharing `holds`.
 */
export function pollPresence(deps: PresenceDeps): PresencePoller {
  const { agents, getPresence, clock, logger } = deps;
  const maxPerMinute = Math.max(1, Math.floor(deps.maxPerMinute ?? 45));
  const windowMs = deps.windowMs ?? 60_000;
  const sleep = deps.sleep ?? realSleep;
  let cursor: string | null = null;
  /** Also kept here: a hold that could not be stored still holds this process. */
  let pausedUntil = 0;

  return async (ctx = {}) => {
    const signal = ctx.signal ?? new AbortController().signal;
    const ids = [...agents.presenceTargets()].sort();
    const report: PresenceReport = { targets: ids.length, polled: [], away: 0, failed: 0 };
    if (!ids.length) return report;
    const heldUntil = Math.max(pausedUntil, deps.holds?.until(METHOD) ?? 0);
    if (clock.now().getTime() < heldUntil) {
      logger.debug({ until: new Date(heldUntil).toISOString() }, 'presence polling paused by a Slack rate limit');
      return { ...report, paused: true };
    }

    const count = Math.min(ids.length, maxPerMinute);
    const first = cursor === null ? 0 : Math.max(0, ids.findIndex((id) => id > cursor!));
    const batch = Array.from({ length: count }, (_, i) => ids[(first + i) % ids.length]!);
    // Rounded up so that a full batch never exceeds maxPerMinute within any minute.
    const spacingMs = Math.ceil(windowMs / count);
    const startedAt = clock.now().getTime();

    for (const [i, agentId] of batch.entries()) {
      if (i > 0) {
        // Aimed at fixed points from the start, so slow calls do not stretch the run.
        const wait = startedAt + i * spacingMs - clock.now().getTime();
        if (wait > 0) await sleep(Math.min(wait, spacingMs), signal);
      }
      if (signal.aborted) {
        report.aborted = true;
        break;
      }
      try {
        const presence = await getPresence(agentId);
        agents.setPresence(agentId, presence);
        report.polled.push(agentId);
        if (presence === 'away') report.away++;
        cursor = agentId;
      } catch (err) {
        const retryAfterS = retryAfterOf(err);
        if (retryAfterS !== null) {
          // The cursor stays before this agent: the next run starts with them.
          report.rateLimitedForMs = retryAfterS * 1000;
          pausedUntil = clock.now().getTime() + report.rateLimitedForMs;
          logger.warn({ agentId, retryAfterS, polled: report.polled.length }, 'users.getPresence rate limited; presence polling pauses');
          try {
            deps.holds?.hold(METHOD, pausedUntil);
          } catch (holdErr) {
            logger.warn({ err: holdErr }, 'cannot store the users.getPresence rate limit; other instances may poll before it passes');
          }
          break;
        }
        report.failed++;
        cursor = agentId;
        // One warning a run is enough to see the problem; the rest would only repeat it.
        logger[report.failed === 1 ? 'warn' : 'debug']({ err, agentId }, 'users.getPresence failed; their presence is checked again next time');
      }
    }

    logger.debug({ targets: ids.length, polled: report.polled.length, away: report.away, failed: report.failed }, 'presence polled');
    if (report.failed > 1) logger.warn({ failed: report.failed, of: batch.length }, 'users.getPresence failed for several agents');
    return report;
  };
}

/** The presence job: every minute. */
export function presenceJob(deps: PresenceDeps): Job {
  const poll = pollPresence(deps);
  return { name: 'presence', cron: PRESENCE_CRON, run: (ctx) => poll(ctx) };
}

/** Seconds to wait when `err` is a rate limit (429), else null. */
function retryAfterOf(err: unknown): number | null {
  const e = err as { code?: unknown; retryAfter?: unknown } | null;
  if (typeof e !== 'object' || e === null) return null;
  const s = Number(e.retryAfter);
  if (Number.isFinite(s) && s >= 0) return s;
  if (e.code === 'slack_webapi_rate_limited_error') return 60;
  return null;
}
