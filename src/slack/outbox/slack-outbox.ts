import type { Database } from '../../db/database';
import type { Logger } from '../../logger';
import type { Clock } from '../../core/ports';
import { createOutboxRepository, NORMAL, URGENT, type OutboxItem, type OutboxRepository, type OutboxStatus } from './outbox-repository';
import { LaneLeases } from './leases';
import { createMethodHolds } from './method-holds';
import { Pacer, type PacingRule } from './pacing';
import type { SlackCall } from './recovery';
import { OutboxScheduler } from './scheduler';
import { OutboxSender } from './sender';

export interface SlackOutboxOptions {
  db: Database;
  call: SlackCall;
  logger: Logger;
  clock: Clock;
  /**
   * Replaces the placeholders of an item's args (objects with one `$`-key, e.g. `{"$cardOf": "c_1"}`)
   * at send time; `resolvePlaceholders` helps. null: not resolvable yet, the item (and its lane) waits
   * — at most `refWaitMs`, then it fails. Only called for args that hold placeholders.
   */
  resolveRefs?: (args: Record<string, unknown>) => Record<string, unknown> | null;
  /** Called once an item is sent, in the transaction that records it (e.g. to store a card's ts). */
  onSent?: (item: OutboxItem, result: Record<string, unknown>) => void;
  /**
   * Merges an 'append' item with the pending items of its stream that follow it (`next`, in order,
   * all 'append'), just before it is sent: returns the merged args and how many of `next` (a prefix)
   * they carry, or null to send the item alone. Without it, 'append' items go one by one.
   */
  coalesce?: (head: OutboxItem, next: readonly OutboxItem[]) => { args: Record<string, unknown>; absorbed: number } | null;
  /**
   * Slack refused `item` because its channel is unusable (errorCode one of not_in_channel,
   * channel_not_found, is_archived, channel_is_archived). Called inside the transaction that would
   * mark it failed. Return another channel id to move the item there instead of failing it (the
   * outbox rewrites its lane and args.channel, and moves the open items of the same `stream` in that
   * lane that do not point at an existing thread along with it); `'superseded'` when the hook has
   * made what the item and the waiting items of its stream in that lane carry go out elsewhere (e.g. a
   * conversation re-posted in another channel): they are recorded as superseded; null: it fails as
   * before.
   */
  redirect?: (item: OutboxItem, errorCode: string) => string | 'superseded' | null;
  /** Called for every call Slack (or the network) refused, with the method and a short code (apiErrorCode): for metrics. */
  onApiError?: (method: string, code: string) => void;
  /** Per-method pacing (per channel); methods not listed are only slowed down by 429s. */
  pacing?: Record<string, PacingRule>;
  /** Per-method pacing per stream (default: chat.update once a second per card). */
  streamPacing?: Record<string, PacingRule>;
  /** Lanes sending at the same time. */
  concurrency?: number;
  /** Backoff after 5xx, network errors and timeouts: base doubling to max, with jitter. */
  backoff?: { baseMs?: number; maxMs?: number };
  /**
   * After a timeout or a reset the request may still land on Slack's side: wait at least this long
   * before looking for the post and sending again (default 10 s).
   */
  uncertainSettleMs?: number;
  /** Transient failures are logged at debug, and at warn every Nth consecutive one of an item. */
  warnEvery?: number;
  /** How long an item may wait for its placeholders before it fails. */
  refWaitMs?: number;
  /** How long stop() waits for calls already in flight after the flush deadline. */
  inFlightGraceMs?: number;
  /**
   * Lane leases (processes sharing the database): a lease lasts this long without renewal, so a
   * dead process's lane is taken over after it (default 15 s).
   */
  leaseMs?: number;
  /**
   * How often an idle worker looks for items enqueued by other processes sharing the database (each
   * process wakes at once for its own; default 5 s).
   */
  pollMs?: number;
  /** This instance's id in the lease table; by default `host/pid/random` (leases.ts). */
  owner?: string;
}

export interface EnqueueInput {
  /** Ordering key, usually the channel id: a lane's items are sent one after the other. */
  lane: string;
  method: string;
  args: Record<string, unknown>;
  /** Idempotency key: enqueueing the same key again does nothing. */
  key?: string;
  /** Free JSON kept with the item and handed to onSent (e.g. `{ conversationId, kind: 'card' }`). */
  ref?: unknown;
  /**
   * 'urgent' items (a new card, card updates, channel alerts) go before the lane's 'normal' ones
   * (thread backfill); each queue keeps its order. Default 'normal'.
   */
  priority?: 'urgent' | 'normal';
  /** What the item belongs to within its lane, e.g. `conv:c_1`: coalescing and moving work within it. */
  stream?: string;
  /**
   * 'append': merged at send time with the pending 'append' items of its stream that follow it
   * (options.coalesce); 'replace': supersedes the pending 'replace' items of its stream and method
   * (it carries all they would have, e.g. the whole card). Needs `stream`.
   */
  merge?: 'append' | 'replace';
}

export interface OutboxFailure {
  id: number;
  lane: string;
  method: string;
  errorCode: string | null;
  /** What went wrong and how to fix it. */
  error: string | null;
  attempts: number;
  ref: unknown;
  createdAt: string;
  failedAt: string;
}

/**
 * The persisted outbox every write to Slack goes through. `enqueue` is synchronous and joins the
 * caller's transaction, so a domain change and its Slack write commit together. A worker
 * (scheduler.ts) sends the items of a lane in order (lanes in parallel; a lane's urgent queue before
 * its normal one, each strictly in order), merges an item with the waiting 'append' items of its
 * stream at send time (`coalesce`) and lets a 'replace' item supersede waiting ones, paces
 * chat.postMessage per channel (pacing.ts), honours Retry-After, retries transient failures with
 * backoff and never drops an item (sender.ts): it is either sent, or failed with its error kept for
 * admins (slack-errors.ts). An item is marked `sending` before its call; a chat.postMessage found
 * `sending` (crash, timeout) is looked up in Slack by its metadata before being posted again
 * (recovery.ts). Processes sharing the database take a lane's lease before sending its head item
 * (leases.ts), so each item goes out once and in order whichever process sends it; the lane's pacing
 * and 429 holds travel with the lease and a method's 429 hold is stored for all (method-holds.ts), so
 * together they stay within Slack's limits as one process would.
 */
export class SlackOutbox {
  private readonly repo: OutboxRepository;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly scheduler: OutboxScheduler;
  private readonly leases: LaneLeases;
  private readonly db: Database;

  constructor(options: SlackOutboxOptions) {
    this.db = options.db;
    this.repo = createOutboxRepository(options.db);
    this.log = options.logger.child({ component: 'slack-outbox' });
    this.clock = options.clock;
    // Slack counts the app's calls whoever makes them: method holds are shared at once, lane budgets with the lease.
    const pacer = new Pacer(options.pacing, createMethodHolds(options.db), options.streamPacing);
    const sender = new OutboxSender({
      db: options.db,
      repo: this.repo,
      pacer,
      call: options.call,
      log: this.log,
      clock: options.clock,
      resolveRefs: options.resolveRefs,
      onSent: options.onSent,
      coalesce: options.coalesce,
      redirect: options.redirect,
      onApiError: options.onApiError,
      backoffBaseMs: options.backoff?.baseMs ?? 500,
      backoffMaxMs: options.backoff?.maxMs ?? 60_000,
      uncertainSettleMs: options.uncertainSettleMs ?? 10_000,
      warnEvery: Math.max(1, options.warnEvery ?? 5),
      refWaitMs: options.refWaitMs ?? 5 * 60_000,
    });
    this.leases = new LaneLeases({ repo: this.repo, clock: options.clock, log: this.log, ttlMs: options.leaseMs ?? 15_000, owner: options.owner });
    this.scheduler = new OutboxScheduler({
      heads: () => this.repo.heads(),
      headsOf: (lane) => this.repo.headsOf(lane),
      lastSentOf: (stream, method) => this.repo.lastSentOf(stream, method),
      leases: this.leases,
      openCount: () => this.repo.openCount(),
      pacer,
      send: (item, lease) => sender.send(item, lease),
      clock: options.clock,
      log: this.log,
      concurrency: Math.max(1, options.concurrency ?? 4),
      inFlightGraceMs: options.inFlightGraceMs ?? 10_000,
      leasePollMs: 500,
      pollMs: options.pollMs ?? 5_000,
    });
  }

  /**
   * Stores a write to Slack; synchronous, so it can run inside the caller's transaction. Returns the
   * item's id, or null when `key` was enqueued before.
   */
  enqueue(input: EnqueueInput): number | null {
    if (!input.lane) throw new Error('outbox: lane is required');
    if (!input.method) throw new Error('outbox: method is required');
    if (input.merge && !input.stream) throw new Error('outbox: merge needs a stream');
    const now = this.clock.now().toISOString();
    const item = {
      lane: input.lane,
      method: input.method,
      args: input.args,
      key: input.key ?? null,
      ref: input.ref,
      priority: input.priority === 'urgent' ? URGENT : NORMAL,
      stream: input.stream ?? null,
      mergeMode: input.merge ?? null,
    };
    const id =
      input.merge === 'replace'
        ? this.db.tx(() => {
            const inserted = this.repo.insert(item, now);
            if (inserted !== null) this.repo.supersedeBefore(inserted, { lane: item.lane, stream: input.stream!, method: item.method }, now);
            return inserted;
          })
        : this.repo.insert(item, now);
    // Runs after the current synchronous transaction has committed (or rolled back: then it finds nothing).
    if (id !== null) this.scheduler.schedule();
    return id;
  }

  /** Starts the worker; items left by a previous run (pending or interrupted) go out first. */
  start(): void {
    if (this.scheduler.isRunning) return;
    const open = this.repo.countsByStatus();
    if (open.pending || open.sending) {
      this.log.info({ pending: open.pending, interrupted: open.sending }, 'slack outbox resuming unsent items');
    }
    this.leases.releaseDeadLocal();
    this.scheduler.start();
  }

  /**
   * Keeps sending until nothing is pending or `flushWithinMs` has passed, then takes no new work and
   * waits (bounded) for calls in flight. Unsent items stay in the database for the next start.
   */
  async stop(options: { flushWithinMs?: number } = {}): Promise<void> {
    const drained = await this.scheduler.stop(options.flushWithinMs ?? 5_000);
    try {
      // Calls still in flight keep their fences: a process taking a lane over checks Slack first.
      this.leases.releaseAll();
    } catch {
      // database closed already: the leases expire by themselves
    }
    if (drained) return;
    let left = -1;
    try {
      left = this.repo.openCount();
    } catch {
      // database closed already
    }
    this.log.info({ unsent: left }, 'slack outbox stopped; unsent items go out after the next start');
  }

  /** Resolves true once nothing is pending nor in flight, false after timeoutMs. */
  drain(timeoutMs: number): Promise<boolean> {
    return this.scheduler.drain(timeoutMs);
  }

  /** Counts by status. */
  stats(): Record<OutboxStatus, number> {
    return this.repo.countsByStatus();
  }

  /** Items of a lane not yet sent nor failed. */
  pendingFor(lane: string): number {
    return this.repo.openCount(lane);
  }

  /** Recently failed items with their errors and fixes, most recent first. */
  failures(limit = 50): OutboxFailure[] {
    return this.repo.failed(limit).map((i) => ({
      id: i.id,
      lane: i.lane,
      method: i.method,
      errorCode: i.errorCode,
      error: i.lastError,
      attempts: i.attempts,
      ref: i.ref,
      createdAt: i.createdAt,
      failedAt: i.updatedAt,
    }));
  }

  /**
   * Deletes items sent (or failed) more than `olderThanMs` ago, for a daily job. Their idempotency
   * keys become free again.
   */
  prune(olderThanMs: number): number {
    return this.repo.prune(new Date(this.clock.now().getTime() - olderThanMs).toISOString());
  }

  /** One item as stored (tests, admin views). */
  get(id: number): OutboxItem | undefined {
    return this.repo.get(id);
  }
}

export function createSlackOutbox(options: SlackOutboxOptions): SlackOutbox {
  return new SlackOutbox(options);
}
