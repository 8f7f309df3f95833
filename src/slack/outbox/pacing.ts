import type { OutboxItem } from './outbox-repository';

/** Token bucket for one method, kept per channel: `perSecond` on average, `burst` at once. */
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

class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private readonly rule: PacingRule,
    now: number,
  ) {
    this.tokens = rule.burst;
    this.last = now;
  }
  private refill(now: number): void {
    this.tokens = Math.min(this.rule.burst, this.tokens + ((now - this.last) * this.rule.perSecond) / 1000);
    this.last = now;
  }
  /** When the next token is available (now when one is). */
  readyAt(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? now : now + ((1 - this.tokens) * 1000) / this.rule.perSecond;
  }
  take(now: number): void {
    this.refill(now);
    this.tokens -= 1;
  }
}

/**
 * When an item may go: paced per method and channel (token buckets, e.g. chat.postMessage about
 * once a second per channel), and held after a 429 — its lane for a per-channel limit, its method
 * in every lane otherwise. In memory: a restart starts with full buckets and no pauses.
 */
export class Pacer {
  private readonly rules: Record<string, PacingRule>;
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly lanePausedUntil = new Map<string, number>();
  private readonly methodPausedUntil = new Map<string, number>();

  constructor(rules: Record<string, PacingRule> = {}) {
    this.rules = { ...DEFAULT_PACING, ...rules };
  }

  /** The earliest time (ms) the item may be sent: its own next attempt, any pause, its bucket. */
  readyAt(item: OutboxItem, now: number): number {
    return Math.max(
      Date.parse(item.nextAttemptAt),
      this.lanePausedUntil.get(item.lane) ?? 0,
      this.methodPausedUntil.get(item.method) ?? 0,
      this.bucketFor(item, now)?.readyAt(now) ?? 0,
    );
  }

  /** The item is being sent now: it takes a token of its bucket. */
  take(item: OutboxItem, now: number): void {
    this.bucketFor(item, now)?.take(now);
  }

  /** Slack answered a call of `method` in `lane` with 429: hold until `until` (ms). */
  pause(lane: string, method: string, until: number): void {
    if (PER_CHANNEL_LIMITS.has(method)) this.lanePausedUntil.set(lane, until);
    else this.methodPausedUntil.set(method, until);
  }

  private bucketFor(item: OutboxItem, now: number): TokenBucket | undefined {
    const rule = this.rules[item.method];
    if (!rule) return undefined;
    const channel = typeof item.args.channel === 'string' ? item.args.channel : item.lane;
    const key = `${item.method}\u0000${channel}`;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(rule, now);
      this.buckets.set(key, bucket);
    }
    return bucket;
  }
}
