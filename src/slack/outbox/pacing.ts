import type { OutboxItem } from './outbox-repository';

/** Token bucket for one method, kept per lane: `perSecond` on average, `burst` at once. */
export interface PacingRule {
  perSecond: number;
  burst: number;
}

/** Slack allows chat.postMessage about once a second per channel, tolerating short bursts. */
export const DEFAULT_PACING: Readonly<Record<string, PacingRule>> = Object.freeze({
  'chat.postMessage': { perSecond: 1, burst: 3 },
});

// Methods whose rate limit is per channel; for the others a 429 holds the method in every lane.
const PER_CHANNEL_LIMITS = new Set(['chat.postMessage', 'chat.postEphemeral']);

/**
 * What a lane's calls wait for (ms since the epoch; 0: nothing), shared by the processes on the
 * database through the lane's lease row (leases.ts).
 */
export interface LaneBudget {
  /**
   * The lane's pacing clock: the token bucket in its GCRA form, one time rather than tokens and a
   * refill time, so that a row can carry it. A paced call may go once now >= pacedUntil minus the
   * burst allowance, and each call moves it on by one interval from max(now, pacedUntil).
   */
  pacedUntil: number;
  /** Retry-After of a 429 on a per-channel limit. */
  heldUntil: number;
}

/** Holds of methods limited workspace-wide, shared by every process (method-holds.ts). */
export interface MethodHolds {
  /** Until when (ms) Slack asked every caller of `method` to wait; 0 when it did not. */
  until(method: string): number;
  /** Slack answered `method` with 429: every caller waits until `until` (ms). */
  hold(method: string, until: number): void;
}

const intervalMs = (rule: PacingRule) => 1000 / rule.perSecond;
const burstAllowanceMs = (rule: PacingRule) => (Math.max(1, rule.burst) - 1) * intervalMs(rule);

/**
 * When an item may go: paced per method and lane (e.g. chat.postMessage about once a second per
 * channel), and held after a 429 — its lane for a per-channel limit, its method in every lane
 * otherwise. Decided from memory, so a lone process reads nothing per tick; what other processes
 * spent is adopted when the lane's lease is taken (the scheduler does that before every send) and
 * this process's spending is stored when it releases the lease. A method's hold is stored at once.
 * The paced methods of one lane share its clock (by default only chat.postMessage is paced).
 */
export class Pacer {
  private readonly rules: Record<string, PacingRule>;
  private readonly lanes = new Map<string, LaneBudget>();
  private readonly methodHeldUntil = new Map<string, number>();

  constructor(
    rules: Record<string, PacingRule> = {},
    /** Where method holds are shared; without it they stay in this process. */
    private readonly holds?: MethodHolds,
  ) {
    this.rules = { ...DEFAULT_PACING, ...rules };
  }

  /** The earliest time (ms) the item may be sent: its own next attempt, any hold, its lane's pacing. */
  readyAt(item: OutboxItem): number {
    const lane = this.lanes.get(item.lane);
    const rule = this.rules[item.method];
    return Math.max(
      Date.parse(item.nextAttemptAt),
      lane?.heldUntil ?? 0,
      this.methodHeldUntil.get(item.method) ?? 0,
      rule && lane ? lane.pacedUntil - burstAllowanceMs(rule) : 0,
    );
  }

  /** The item's call was answered now: it spends one interval of its lane's pacing. */
  take(item: OutboxItem, now: number): void {
    const rule = this.rules[item.method];
    if (!rule) return;
    const lane = this.laneOf(item.lane);
    lane.pacedUntil = Math.max(lane.pacedUntil, now) + intervalMs(rule);
  }

  /** Slack answered a call of `method` in `lane` with 429: hold until `until` (ms). */
  pause(lane: string, method: string, until: number): void {
    if (PER_CHANNEL_LIMITS.has(method)) {
      const budget = this.laneOf(lane);
      budget.heldUntil = Math.max(budget.heldUntil, until);
      return;
    }
    this.methodHeldUntil.set(method, Math.max(this.methodHeldUntil.get(method) ?? 0, until));
    this.holds?.hold(method, until);
  }

  /**
   * The lane's lease was just taken: what the processes that held it before spent (from its row),
   * and the shared hold of `method` (its head's) when that method is limited workspace-wide.
   */
  adopt(lane: string, shared: LaneBudget, method?: string): void {
    const budget = this.laneOf(lane);
    budget.pacedUntil = Math.max(budget.pacedUntil, shared.pacedUntil);
    budget.heldUntil = Math.max(budget.heldUntil, shared.heldUntil);
    if (method === undefined || PER_CHANNEL_LIMITS.has(method) || !this.holds) return;
    const until = this.holds.until(method);
    if (until > (this.methodHeldUntil.get(method) ?? 0)) this.methodHeldUntil.set(method, until);
  }

  /** The lane's budget as this process knows it, to store with its lease. */
  budget(lane: string): LaneBudget {
    return { ...this.laneOf(lane) };
  }

  private laneOf(lane: string): LaneBudget {
    let budget = this.lanes.get(lane);
    if (!budget) {
      budget = { pacedUntil: 0, heldUntil: 0 };
      this.lanes.set(lane, budget);
    }
    return budget;
  }
}
