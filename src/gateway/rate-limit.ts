/** Frames per second on average, and how many may come at once. */
export interface Rate {
  perSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms). */
  at: number;
}

/**
 * Token buckets shared by everything that spends under one key (a conversation): ten sockets
 * resumed with one visitor's token get together what one socket gets, not ten times as much.
 *
 * Memory stays bounded whatever clients do. Entries are kept in least-recently-used order; a bucket
 * left alone long enough to refill to its burst is the same as no bucket, so it is dropped (swept
 * from the old end on every call, amortised O(1), no timer), and at most `maxKeys` are kept (the
 * least recently used go first — at worst that key starts again with a full burst).
 */
export class SharedRateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  /** After this long untouched, any bucket is full again. */
  private readonly refillMs: number;

  constructor(
    readonly rate: Rate,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {
    this.refillMs = (rate.burst / rate.perSecond) * 1000;
  }

  /** Takes one token from `key`'s bucket if it has one; false (and nothing taken) when it is empty. */
  take(key: string): boolean {
    const now = this.now();
    this.sweep(now);
    let bucket = this.buckets.get(key);
    if (bucket) {
      this.buckets.delete(key); // re-inserted below: most recently used last
      bucket.tokens = Math.min(this.rate.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.rate.perSecond);
      bucket.at = now;
    } else {
      bucket = { tokens: this.rate.burst, at: now };
      if (this.buckets.size >= this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    }
    const ok = bucket.tokens >= 1;
    if (ok) bucket.tokens -= 1;
    this.buckets.set(key, bucket);
    return ok;
  }

  /** How many keys hold a bucket now (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  /** Drops buckets that have refilled: in LRU order, the oldest touch is first. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.at < this.refillMs) return;
      this.buckets.delete(key);
    }
  }
}
