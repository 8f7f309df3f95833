import type { Database } from '../../db/database';
import type { Clock } from '../../core/ports';
import type { Logger } from '../../logger';
import type { Lease, OutboxItem, OutboxRepository } from './outbox-repository';
import type { Pacer } from './pacing';
import { describePlaceholders, hasPlaceholders } from './placeholders';
import { findPosted, verifyMethodFor, withOutboxMetadata, type SlackCall } from './recovery';
import { apiErrorCode, classify, explainSlackError } from './slack-errors';

export interface SenderOptions {
  db: Database;
  repo: OutboxRepository;
  pacer: Pacer;
  call: SlackCall;
  /** Already the outbox's child logger. */
  log: Logger;
  clock: Clock;
  resolveRefs?: ((args: Record<string, unknown>) => Record<string, unknown> | null) | undefined;
  onSent?: ((item: OutboxItem, result: Record<string, unknown>) => void) | undefined;
  coalesce?: ((head: OutboxItem, next: readonly OutboxItem[]) => { args: Record<string, unknown>; absorbed: number } | null) | undefined;
  redirect?: ((item: OutboxItem, errorCode: string) => string | 'superseded' | null) | undefined;
  onApiError?: ((method: string, code: string) => void) | undefined;
  backoffBaseMs: number;
  backoffMaxMs: number;
  uncertainSettleMs: number;
  warnEvery: number;
  refWaitMs: number;
}

class LeaseLost extends Error {}

/** Methods whose retry first checks Slack for the earlier attempt (recovery.ts; the file upload checks files.info). */
const LOOKED_UP_BEFORE_RETRY = new Set(['chat.postMessage', 'handoff.uploadFile']);

/** How many following posts one post may take in at most (Block Kit's 50 blocks bound it anyway). */
const MAX_COALESCED = 50;

/** Slack's answers meaning the channel itself cannot take posts (options.redirect may move them). */
const CHANNEL_UNUSABLE = new Set(['not_in_channel', 'channel_not_found', 'is_archived', 'channel_is_archived']);

/** A post in a thread that exists in its channel already (a literal ts, not a placeholder still to resolve). */
function pointsAtPostedThread(args: Record<string, unknown>): boolean {
  return typeof args.thread_ts === 'string' || typeof args.ts === 'string';
}

/**
 * Sends one item and records what came of it: sent (with Slack's answer, and `onSent` in the same
 * transaction), rescheduled (429 after Retry-After, transient failures with backoff, placeholders
 * not known yet), or failed for good with the fix. Never throws for a Slack error. Every record is
 * made under the lane's lease: once another process took the lane over, nothing is recorded, and the
 * call is not made.
 */
export class OutboxSender {
  /** item id -> consecutive transient failures (resets on restart: backoff starts small again). */
  private readonly failureStreak = new Map<number, number>();
  /** item id -> consecutive 429s (only for the log level). */
  private readonly rateLimitStreak = new Map<number, number>();
  /** item id -> when it first found its placeholders unresolved. */
  private readonly blockedSince = new Map<number, number>();
  private readonly loggedOnce = new Set<string>();
  /** item lane -> the lease its send runs under. */
  private readonly leases = new Map<string, Lease>();

  constructor(private readonly o: SenderOptions) {}

  async send(item: OutboxItem, lease: Lease): Promise<void> {
    this.leases.set(item.lane, lease);
    try {
      await this.sendLeased(item);
    } finally {
      this.leases.delete(item.lane);
    }
  }

  private async sendLeased(leased: OutboxItem): Promise<void> {
    const { o } = this;
    const item = this.coalesced(leased);
    let args = item.args;
    if (hasPlaceholders(args)) {
      const resolved = this.resolve(item);
      if (resolved === null) return;
      args = resolved;
    }
    this.blockedSince.delete(item.id);
    const isPost = item.method === 'chat.postMessage';
    if (isPost) args = withOutboxMetadata(args, item.id);

    let phase: 'verify' | 'call' = 'verify';
    let verifyMethod = item.method;
    try {
      if (isPost && item.status === 'sending') {
        verifyMethod = verifyMethodFor(args);
        const found = await findPosted(o.call, item, args, (code, data) =>
          this.logOnce(
            'warn',
            `verify:${code}:${item.lane}`,
            { outboxId: item.id, lane: item.lane, slackError: code },
            `slack outbox cannot check whether an interrupted post reached Slack (${verifyMethod}: ${code}); posting it again may duplicate it — ${explainSlackError(code, verifyMethod, args, data)}`,
          ),
        );
        if (found) {
          o.log.info({ outboxId: item.id, lane: item.lane, ts: found.ts }, 'slack outbox: interrupted post was delivered; not posting again');
          this.complete(item, found);
          return;
        }
      }
      phase = 'call';
      if (!o.repo.markSending(item.id, this.nowIso(), this.leaseOf(item))) {
        if (o.repo.get(item.id)?.status === 'sent') {
          o.log.debug({ outboxId: item.id, lane: item.lane }, 'slack outbox item was superseded before its call; not sending it');
          return;
        }
        this.lostLease(item, 'not sending it');
        return;
      }
      let result: Record<string, unknown>;
      try {
        result = await o.call(item.method, args);
      } finally {
        // Spent when the answer is in, whatever it is: the call reached Slack before that, so the
        // next one, an interval later at the earliest, reaches it at least an interval after.
        o.pacer.take(item, this.nowMs());
      }
      this.complete(item, result);
    } catch (err) {
      this.handleError(item, args, err, phase === 'verify' ? verifyMethod : item.method, phase);
    }
  }

  /**
   * An 'append' item that has not reached Slack yet takes the pending 'append' items of its stream
   * that follow it into its own post (options.coalesce decides how many fit). Committed before the
   * call, under the lease: after a crash the item goes out with them, and they are never posted
   * twice. An item that may be in Slack already ('sending') goes as it is.
   */
  private coalesced(item: OutboxItem): OutboxItem {
    const { o } = this;
    if (!o.coalesce || item.mergeMode !== 'append' || item.stream === null || item.status !== 'pending') return item;
    const next: OutboxItem[] = [];
    for (const candidate of o.repo.streamAfter({ id: item.id, lane: item.lane, stream: item.stream }, MAX_COALESCED)) {
      if (candidate.mergeMode !== 'append' || candidate.status !== 'pending' || candidate.method !== item.method) break;
      next.push(candidate);
    }
    if (!next.length) return item;
    const merged = o.coalesce(item, next);
    if (!merged || merged.absorbed <= 0) return item;
    const absorbed = next.slice(0, merged.absorbed).map((i) => i.id);
    if (!o.repo.absorb(item.id, merged.args, absorbed, this.nowIso(), this.leaseOf(item))) return item;
    o.log.debug({ outboxId: item.id, lane: item.lane, coalesced: absorbed.length }, 'slack outbox coalesced pending posts into one');
    return { ...item, args: merged.args };
  }

  /** The item's args with their placeholders resolved; null when it cannot go now (it waits, or failed). */
  private resolve(item: OutboxItem): Record<string, unknown> | null {
    let resolved: Record<string, unknown> | null;
    try {
      if (!this.o.resolveRefs) throw new Error('the arguments hold placeholders but no resolveRefs is configured');
      resolved = this.o.resolveRefs(item.args);
    } catch (err) {
      this.fail(item, 'unresolved_placeholder', `cannot resolve the placeholders: ${err instanceof Error ? err.message : String(err)}`);
      return null;
    }
    if (resolved === null) {
      this.waitForRefs(item);
      return null;
    }
    if (hasPlaceholders(resolved)) {
      this.fail(item, 'unresolved_placeholder', `resolveRefs left placeholders in ${JSON.stringify(resolved)}`);
      return null;
    }
    return resolved;
  }

  private complete(item: OutboxItem, result: Record<string, unknown>): void {
    const { o } = this;
    const now = this.nowIso();
    this.forget(item.id);
    const { response_metadata: _meta, ...stored } = result;
    o.db.tx(() => {
      if (!o.repo.markSent(item.id, stored, now, this.leaseOf(item))) {
        this.lostLease(item, 'its new holder finds the post by its metadata');
        return;
      }
      if (!o.onSent) return;
      try {
        // A savepoint: a throwing onSent undoes its own writes, not the item's state.
        o.db.tx(() => o.onSent!({ ...item, status: 'sent', result: stored, sentAt: now, updatedAt: now }, result));
      } catch (err) {
        o.log.error({ err, outboxId: item.id, lane: item.lane, ref: item.ref }, 'slack outbox onSent failed');
      }
    });
  }

  private handleError(item: OutboxItem, args: Record<string, unknown>, err: unknown, method: string, phase: 'verify' | 'call'): void {
    const { o } = this;
    const outcome = classify(err, method);
    try {
      o.onApiError?.(method, apiErrorCode(err));
    } catch (hookErr) {
      o.log.error({ err: hookErr }, 'slack outbox onApiError failed');
    }
    const now = this.nowMs();
    const ctx = { outboxId: item.id, lane: item.lane, method };
    switch (outcome.kind) {
      case 'alreadyDone':
        this.complete(item, { ok: true, already: outcome.code });
        return;
      case 'permanent': {
        const fix = explainSlackError(outcome.code, method, args, outcome.data);
        if (phase === 'call' && CHANNEL_UNUSABLE.has(outcome.code) && this.redirected(item, outcome.code, fix)) return;
        this.fail(item, outcome.code, `${outcome.code}: ${fix}`);
        return;
      }
      case 'rateLimited': {
        const until = now + outcome.retryAfterMs;
        if (phase === 'call') o.pacer.pause(item.lane, method, until);
        const streak = this.bump(this.rateLimitStreak, item.id);
        o.repo.reschedule(
          item.id,
          {
            nextAttemptAt: new Date(until).toISOString(),
            // A 429 means Slack did not take the call; a verification 429 leaves the doubt in place.
            ...(phase === 'call' ? { status: 'pending' as const } : {}),
            errorCode: 'ratelimited',
            lastError: `rate limited by Slack (${method}); retry after ${outcome.retryAfterMs / 1000} s`,
          },
          this.nowIso(),
          this.leaseOf(item),
        );
        o.log[this.levelFor(streak)]({ ...ctx, retryAfterMs: outcome.retryAfterMs, streak }, 'slack outbox rate limited; pausing');
        return;
      }
      case 'transient': {
        const streak = this.bump(this.failureStreak, item.id);
        const cap = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** Math.min(streak - 1, 30));
        const backoff = cap / 2 + Math.random() * (cap / 2);
        // A post or an upload whose answer was lost may still land: let it, before looking for it.
        const delay = outcome.uncertain && LOOKED_UP_BEFORE_RETRY.has(item.method) ? Math.max(backoff, o.uncertainSettleMs) : backoff;
        // The status stays 'sending' after a failed call: it may have reached Slack (timeout, 5xx).
        o.repo.reschedule(item.id, { nextAttemptAt: new Date(now + delay).toISOString(), errorCode: null, lastError: outcome.message }, this.nowIso(), this.leaseOf(item));
        o.log[this.levelFor(streak)]({ ...ctx, err: outcome.message, streak, retryInMs: Math.round(delay) }, 'slack outbox call failed; will retry');
        return;
      }
    }
  }

  /**
   * Slack refused the item's channel: options.redirect may name another one, where the item (and the
   * open items of its stream that do not point at an existing thread) go instead of failing.
   */
  private redirected(item: OutboxItem, code: string, fix: string): boolean {
    const { o } = this;
    if (!o.redirect || pointsAtPostedThread(item.args)) return false;
    const lease = this.leaseOf(item);
    const now = this.nowIso();
    let outcome: { to: string; count: number } | null;
    try {
      outcome = o.db.tx(() => {
        const to = o.redirect!(item, code);
        if (!to || to === item.lane) return null;
        const followers = item.stream === null ? [] : o.repo.streamAfter({ id: item.id, lane: item.lane, stream: item.stream }, 10_000);
        let count: number;
        if (to === 'superseded') {
          const waiting = [item, ...followers.filter((f) => f.status === 'pending')];
          count = o.repo.supersede(waiting, { channel_unusable: code }, now, lease);
        } else {
          const movable = [item, ...followers.filter((f) => f.status === 'pending' && !pointsAtPostedThread(f.args))];
          count = o.repo.move(movable, to, { errorCode: code, lastError: `moved from ${item.lane} to ${to}: ${code}: ${fix}` }, now, lease);
        }
        // Nothing changed: the lease was taken over; undo the hook's writes too, the new holder decides.
        if (count === 0) throw new LeaseLost();
        return { to, count };
      });
    } catch (err) {
      if (err instanceof LeaseLost) {
        this.lostLease(item, 'not moving it');
        return true;
      }
      o.log.error({ err, outboxId: item.id, lane: item.lane }, 'slack outbox redirect failed; the item fails');
      return false;
    }
    if (!outcome) return false;
    this.forget(item.id);
    o.log.warn(
      { outboxId: item.id, from: item.lane, to: outcome.to, items: outcome.count, slackError: code },
      outcome.to === 'superseded'
        ? 'slack outbox: channel unusable; its waiting posts were re-posted elsewhere'
        : 'slack outbox: channel unusable; moved its posts to another channel',
    );
    return true;
  }

  private waitForRefs(item: OutboxItem): void {
    const { o } = this;
    const now = this.nowMs();
    const since = this.blockedSince.get(item.id) ?? now;
    this.blockedSince.set(item.id, since);
    const waited = now - since;
    if (waited >= o.refWaitMs) {
      this.fail(
        item,
        'unresolved_placeholder',
        `unresolved_placeholder: the message this one refers to (${describePlaceholders(item.args)}) was not sent within ${Math.round(o.refWaitMs / 1000)} s — see the failures of lane ${item.lane}`,
      );
      return;
    }
    const delay = Math.min(5_000, Math.max(100, waited / 2));
    o.repo.reschedule(item.id, { nextAttemptAt: new Date(now + delay).toISOString() }, this.nowIso(), this.leaseOf(item));
    o.log.debug({ outboxId: item.id, lane: item.lane, waitedMs: waited }, 'slack outbox item waits for its placeholders');
  }

  private fail(item: OutboxItem, code: string, message: string): void {
    this.forget(item.id);
    if (!this.o.repo.markFailed(item.id, code, message, this.nowIso(), this.leaseOf(item))) {
      this.lostLease(item, 'not marking it failed');
      return;
    }
    this.logOnce(
      'error',
      `fail:${code}:${item.lane}`,
      { outboxId: item.id, lane: item.lane, method: item.method, slackError: code, ref: item.ref },
      `Slack write failed for good (${item.method} in ${item.lane}) — ${message}`,
    );
  }

  private leaseOf(item: OutboxItem): Lease | undefined {
    return this.leases.get(item.lane);
  }

  private lostLease(item: OutboxItem, what: string): void {
    this.o.log.warn(
      { outboxId: item.id, lane: item.lane, fence: this.leaseOf(item)?.fence },
      `slack outbox lost its lease on the lane to another process; ${what}`,
    );
  }

  /** The item is done with (sent or failed): its streaks and wait go. */
  private forget(id: number): void {
    this.failureStreak.delete(id);
    this.rateLimitStreak.delete(id);
    this.blockedSince.delete(id);
  }

  private bump(streaks: Map<number, number>, id: number): number {
    const streak = (streaks.get(id) ?? 0) + 1;
    streaks.set(id, streak);
    return streak;
  }

  /** Repeated trouble is logged at debug, and at warn every Nth time in a row. */
  private levelFor(streak: number): 'warn' | 'debug' {
    return streak % this.o.warnEvery === 0 ? 'warn' : 'debug';
  }

  private logOnce(level: 'warn' | 'error', key: string, obj: Record<string, unknown>, msg: string): void {
    if (this.loggedOnce.has(key)) {
      this.o.log.debug(obj, msg);
      return;
    }
    this.loggedOnce.add(key);
    this.o.log[level](obj, msg);
  }

  private nowMs(): number {
    return this.o.clock.now().getTime();
  }

  private nowIso(): string {
    return this.o.clock.now().toISOString();
  }
}
