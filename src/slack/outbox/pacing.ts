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

/**
 * Paced per stream rather than per lane: one card is rewritten at most once a second (its updates
 * are coalesced meanwhile, so the card still ends up current), whatever happens in its channel.
 */
export const STREAM_PACING: Readonly<Record<string, PacingRule>> = Object.freeze({
  'chat.update': { perSecond: 1, burst: 1 },
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
  private readonly streamRules: Record<string, PacingRule>;
  private readonly lanes = new Map<string, LaneBudget>();
  private readonly methodHeldUntil = new Map<string, number>();
  /** `${method} ${stream}` -> its pacing clock (ms), for the stream-paced methods. */
  private readonly streams = new Map<string, number>();

  constructor(
    rules: Record<string, PacingRule> = {},
    /** Where method holds are shared; without it they stay in this process. */
    private readonly holds?: MethodHolds,
    streamRules: Record<string, PacingRule> = {},
  ) {
    this.rules = { ...DEFAULT_PACING, ...rules };
    this.streamRules = { ...STREAM_PACING, ...streamRules };
  }

  /**
   * The earliest time (ms) the item may be sent: its own next attempt, any hold on its method (in its
   * lane for a per-channel limit, everywhere otherwise), its lane's pacing, its stream's pacing.
   */
  readyAt(item: OutboxItem): number {
    const lane = this.lanes.get(item.lane);
    const rule = this.rules[item.method];
    const streamRule = item.stream === null ? undefined : this.streamRules[item.method];
    const streamClock = streamRule ? this.streams.get(streamKey(item.method, item.stream!)) : undefined;
    return Math.max(
      Date.parse(item.nextAttemptAt),
      PER_CHANNEL_LIMITS.has(item.method) ? (lane?.heldUntil ?? 0) : 0,
      this.methodHeldUntil.get(item.method) ?? 0,
      rule && lane ? lane.pacedUntil - burstAllowanceMs(rule) : 0,
      streamRule && streamClock !== undefined ? streamClock - burstAllowanceMs(streamRule) : 0,
    );
  }

  /** Whether the item's method is paced per stream (the caller adopts the stream's last send first). */
  pacesStream(item: OutboxItem): boolean {
    return item.stream !== null && this.streamRules[item.method] !== undefined;
  }

  /** The stream's last call of the item's method went out at `sentAt` (ms; e.g. from another process). */
  adoptStream(item: OutboxItem, sentAt: number): void {
    const rule = item.stream === null ? undefined : this.streamRules[item.method];
    if (!rule || sentAt <= 0) return;
    const key = streamKey(item.method, item.stream!);
    this.streams.set(key, Math.max(this.streams.get(key) ?? 0, sentAt + intervalMs(rule)));
  }

  /** The item's call was answered now: it spends one interval of its lane's pacing (and its stream's). */
  take(item: OutboxItem, now: number): void {
    const rule = this.rules[item.method];
    if (rule) {
      const lane = this.laneOf(item.lane);
      lane.pacedUntil = Math.max(lane.pacedUntil, now) + intervalMs(rule);
    }
    const streamRule = item.stream === null ? undefined : this.streamRules[item.method];
    if (!streamRule) return;
    const key = streamKey(item.method, item.stream!);
    this.streams.set(key, Math.max(this.streams.get(key) ?? 0, now) + intervalMs(streamRule));
    // Clocks in the past pace nothing: drop them now and then, so the map stays as small as the busy streams.
    if (this.streams.size > 1_000) for (const [k, until] of this.streams) if (until < now) this.streams.delete(k);
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

const streamKey = (method: string, stream: string) => `${method} ${stream}`;
