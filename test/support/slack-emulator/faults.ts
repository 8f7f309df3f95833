/**
 * What a test scripts against the Web API: failures for the next calls (429 with Retry-After, 5xx, delays,
 * resets, error answers), calls held until released, and rate limits per method (optionally per channel).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { RateLimitRule, SlackFault } from './types';
import { str } from './util';
import type { Workspace } from './workspace';

interface Hold {
  method: string;
  match: (args: Record<string, any>) => boolean;
  arrive: () => void;
  until: Promise<void>;
  release: () => void;
}

export class FaultPlan {
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly holds: Hold[] = [];
  private readonly rateLimits = new Map<string, RateLimitRule>();
  private readonly rateHits = new Map<string, number[]>();

  constructor(private readonly space: Workspace) {}

  failNext(method: string, fault: SlackFault, times: number): void {
    const q = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) q.push({ ...fault });
    this.faults.set(method, q);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The next scripted fault for `method` (or for any method) that applies to this call, taken off its queue. */
  takeFault(method: string, args: Record<string, any> = {}): SlackFault | undefined {
    const channel = str(args.channel);
    for (const key of [method, '*']) {
      const q = this.faults.get(key);
      const i = q ? q.findIndex((f) => f.channel === undefined || f.channel === channel) : -1;
      if (i >= 0) return q!.splice(i, 1)[0];
    }
    return undefined;
  }

  holdNext(method: string, match: (args: Record<string, any>) => boolean): { arrived: Promise<void>; release(): void } {
    let arrive!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const hold = { method, match, arrive, until, release };
    this.holds.push(hold);
    return {
      arrived,
      release: () => {
        const i = this.holds.indexOf(hold);
        if (i >= 0) this.holds.splice(i, 1);
        release();
      },
    };
  }

  /** Wait while a hold matches this call (one call per hold: later calls go through while this one waits); true when held. */
  async waitIfHeld(method: string, args: Record<string, any>): Promise<boolean> {
    const held = this.holds.find((h) => h.method === method && h.match(args));
    if (!held) return false;
    this.holds.splice(this.holds.indexOf(held), 1);
    held.arrive();
    await held.until;
    return true;
  }

  releaseAll(): void {
    for (const h of this.holds.splice(0)) h.release();
  }

  setRateLimit(method: string, rule: RateLimitRule | null): void {
    if (rule) this.rateLimits.set(method, rule);
    else this.rateLimits.delete(method);
    for (const k of [...this.rateHits.keys()]) if (k.startsWith(`${method}:`) || k === method) this.rateHits.delete(k);
  }

  /** Token bucket: [tokens, last refill] kept in rateHits under the key. */
  private takeToken(key: string, rule: RateLimitRule, windowMs: number, now: number): number | null {
    const perMs = rule.limit / windowMs;
    const [tokens0, at] = this.rateHits.get(key) ?? [rule.burst!, now];
    const tokens = Math.min(rule.burst!, tokens0! + (now - at!) * perMs);
    if (tokens < 1) {
      this.rateHits.set(key, [tokens, now]);
      return rule.retryAfterSec ?? Math.max(1, Math.ceil((1 - tokens) / perMs / 1000));
    }
    this.rateHits.set(key, [tokens - 1, now]);
    return null;
  }

  /** Count this call against its method's limit: null when it may go, else the Retry-After seconds. */
  checkRateLimit(method: string, args: Record<string, any>): number | null {
    const rule = this.rateLimits.get(method);
    if (!rule) return null;
    const windowMs = rule.windowMs ?? 1000;
    let key = method;
    if (rule.perChannel) {
      const ref = str(args.channel) ?? '';
      key = `${method}:${this.space.lookupChannel(ref)?.id ?? ref}`;
    }
    const now = this.space.now();
    if (rule.burst !== undefined) return this.takeToken(key, rule, windowMs, now);
    const hits = (this.rateHits.get(key) ?? []).filter((t) => t > now - windowMs);
    this.rateHits.set(key, hits);
    if (hits.length >= rule.limit) {
      return rule.retryAfterSec ?? Math.max(1, Math.ceil((hits[0]! + windowMs - now) / 1000));
    }
    hits.push(now);
    return null;
  }
}
