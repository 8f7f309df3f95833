import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { Clock } from '../core/ports';
import { createOutboxRepository, type OutboxItem, type OutboxRepository, type OutboxStatus } from './outbox-repository';

export type { OutboxItem, OutboxStatus } from './outbox-repository';

/** A thin wrapper over WebClient.apiCall: resolves with Slack's answer, throws the WebClient's errors. */
export type SlackCall = (method: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>;

/** Token bucket for one method, kept per channel: `perSecond` on average, `burst` at once. */
export interface PacingRule {
  perSecond: number;
  burst: number;
}

/** Slack allows chat.postMessage about once a second per channel, tolerating short bursts. */
export const DEFAULT_PACING: Readonly<Record<string, PacingRule>> = Object.freeze({
  'chat.postMessage': { perSecond: 1, burst: 3 },
});

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
  /** Per-method pacing (per channel); methods not listed are only slowed down by 429s. */
  pacing?: Record<string, PacingRule>;
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

// Slack errors after which sending the same call again cannot succeed. Any other platform error
// (`ok: false`) that is not known to be transient is treated the same way: retrying a rejected
// payload forever would block its lane.
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

// Errors that mean "already done": a retried call whose first attempt did reach Slack.
const ALREADY_DONE: Record<string, string[]> = {
  'reactions.add': ['already_reacted'],
  'reactions.remove': ['no_reaction'],
  'pins.add': ['already_pinned'],
  'pins.remove': ['no_pin'],
  'chat.delete': ['message_not_found'],
  'conversations.invite': ['already_in_channel'],
  'conversations.join': ['already_in_channel'],
};

// Methods whose rate limit is per channel; for the others a 429 holds the method in every lane.
const PER_CHANNEL_LIMITS = new Set(['chat.postMessage', 'chat.postEphemeral']);

export const OUTBOX_EVENT_TYPE = 'handoff_outbox';

type Outcome =
  | { kind: 'rateLimited'; retryAfterMs: number }
  | { kind: 'transient'; message: string; uncertain?: boolean }
  | { kind: 'alreadyDone'; code: string }
  | { kind: 'permanent'; code: string; data: Record<string, unknown> };

function classify(err: unknown, method: string): Outcome {
  const e = err as { code?: unknown; retryAfter?: unknown; data?: Record<string, unknown>; message?: unknown } | null;
  const message = err instanceof Error ? err.message : String(err);
  if (e?.code === 'slack_webapi_rate_limited_error') {
    const s = Number(e.retryAfter);
    return { kind: 'rateLimited', retryAfterMs: (Number.isFinite(s) && s > 0 ? s : 1) * 1000 };
  }
  if (e?.code === 'slack_webapi_platform_error') {
    const data = e.data ?? {};
    const code = typeof data.error === 'string' ? data.error : 'unknown_error';
    if (code === 'ratelimited') {
      const meta = data.response_metadata as { retryAfter?: unknown } | undefined;
      const s = Number(meta?.retryAfter);
      return { kind: 'rateLimited', retryAfterMs: (Number.isFinite(s) && s > 0 ? s : 1) * 1000 };
    }
    if (TRANSIENT_PLATFORM_ERRORS.has(code)) return { kind: 'transient', message };
    if (ALREADY_DONE[method]?.includes(code)) return { kind: 'alreadyDone', code };
    return { kind: 'permanent', code, data };
  }
  // slack_webapi_request_error (network, reset, timeout), slack_webapi_http_error (5xx), anything else.
  // A request error may still be on its way to Slack: it is "uncertain".
  return { kind: 'transient', message, uncertain: e?.code === 'slack_webapi_request_error' };
}

/** The fix for a permanent Slack error, in plain words for whoever reads the log or the admin page. */
export function explainSlackError(code: string, method: string, args: Record<string, unknown>, data: Record<string, unknown> = {}): string {
  const channel = typeof args.channel === 'string' ? args.channel : '?';
  switch (code) {
    case 'not_in_channel':
      return `invite the app to the channel: /invite @handoff in <#${channel}>`;
    case 'channel_not_found':
      return `the channel ${channel} does not exist or the app cannot see it: check the configured channel id, and invite the app if the channel is private`;
    case 'is_archived':
    case 'channel_is_archived':
      return `the channel ${channel} is archived: unarchive it or configure another channel`;
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is wrong or revoked: reinstall the app and set the new Bot User OAuth Token (xoxb-…)';
    case 'missing_scope': {
      const needed = typeof data.needed === 'string' ? data.needed : 'that the method needs';
      return `add the scope ${needed} in manifest.yml (oauth_config.scopes.bot) and reinstall the app`;
    }
    case 'no_permission':
    case 'restricted_action':
    case 'ekm_access_denied':
      return `a workspace setting keeps the app from doing this in <#${channel}>: ask a Slack admin to allow it`;
    case 'invalid_blocks':
    case 'invalid_blocks_format':
    case 'invalid_arguments':
    case 'invalid_arg_name':
    case 'invalid_metadata_format':
    case 'msg_too_long':
    case 'no_text':
    case 'too_many_attachments':
      return `Slack refused the payload Handoff built for ${method} (a bug in Handoff: please report it with this log line)`;
    case 'cant_update_message':
    case 'edit_window_closed':
      return 'the message cannot be edited by the app (not its own message, or too old)';
    case 'message_not_found':
      return 'the message to change was deleted in Slack';
    case 'thread_not_found':
      return 'the thread was deleted in Slack';
    case 'user_not_found':
    case 'users_not_found':
      return 'the Slack user no longer exists (deactivated, or a wrong user id)';
    default:
      return `Slack refused ${method} with "${code}": see https://api.slack.com/methods/${method}#errors`;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A placeholder is an object with a single key starting with `$`, e.g. `{"$cardOf": "c_1"}`. */
export function isPlaceholder(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0]!.startsWith('$');
}

export function hasPlaceholders(v: unknown): boolean {
  if (isPlaceholder(v)) return true;
  if (Array.isArray(v)) return v.some(hasPlaceholders);
  if (isObject(v)) return Object.values(v).some(hasPlaceholders);
  return false;
}

/**
 * Replaces every placeholder `{ [op]: value }` in args with `lookup(op, value)`; null when a lookup
 * answers undefined (not known yet). A building block for `resolveRefs`.
 */
export function resolvePlaceholders(
  args: Record<string, unknown>,
  lookup: (op: string, value: unknown) => unknown,
): Record<string, unknown> | null {
  let missing = false;
  const walk = (v: unknown): unknown => {
    if (missing) return v;
    if (isPlaceholder(v)) {
      const op = Object.keys(v)[0]!;
      const out = lookup(op, v[op]);
      if (out === undefined) missing = true;
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(args) as Record<string, unknown>;
  return missing ? null : out;
}

/** Adds `outbox_id` to the message metadata (keeping the caller's), so a crashed send can be found again. */
export function withOutboxMetadata(args: Record<string, unknown>, outboxId: number): Record<string, unknown> {
  let meta: unknown = args.metadata;
  if (typeof meta === 'string') {
    try {
      meta = JSON.parse(meta);
    } catch {
      meta = undefined;
    }
  }
  const m = isObject(meta) ? meta : {};
  const payload = isObject(m.event_payload) ? m.event_payload : {};
  return {
    ...args,
    metadata: {
      event_type: typeof m.event_type === 'string' ? m.event_type : OUTBOX_EVENT_TYPE,
      event_payload: { ...payload, outbox_id: outboxId },
    },
  };
}

function outboxIdOf(message: unknown): number | undefined {
  if (!isObject(message) || !isObject(message.metadata)) return undefined;
  const payload = message.metadata.event_payload;
  if (!isObject(payload)) return undefined;
  const id = Number(payload.outbox_id);
  return Number.isFinite(id) ? id : undefined;
}

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

interface DrainWaiter {
  resolve(drained: boolean): void;
  timer: NodeJS.Timeout;
}

const VERIFY_PAGE_LIMIT = 100;
const VERIFY_MAX_PAGES = 3;
// Look for a crashed send among messages from a little before the item was enqueued.
const VERIFY_LOOKBACK_S = 60;

/**
 * The persisted outbox every write to Slack goes through. `enqueue` is synchronous and joins the
 * caller's transaction, so a domain change and its Slack write commit together. A worker sends the
 * items of a lane strictly in order (lanes in parallel), paces chat.postMessage per channel, honours
 * Retry-After, retries transient failures with backoff and never drops an item: it is either sent,
 * or failed with its error kept for admins. An item is marked `sending` before its call; a
 * chat.postMessage found `sending` (crash, timeout) is looked up in Slack by its metadata before
 * being posted again.
 */
export class SlackOutbox {
  private readonly db: Database;
  private readonly repo: OutboxRepository;
  private readonly call: SlackCall;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly resolveRefs: SlackOutboxOptions['resolveRefs'];
  private readonly onSent: SlackOutboxOptions['onSent'];
  private readonly pacing: Record<string, PacingRule>;
  private readonly concurrency: number;
  private readonly backoffBaseMs: number;
  private readonly uncertainSettleMs: number;
  private readonly backoffMaxMs: number;
  private readonly warnEvery: number;
  private readonly refWaitMs: number;
  private readonly inFlightGraceMs: number;

  private running = false;
  private stopping: Promise<void> | undefined;
  private tickQueued = false;
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Infinity;
  /** lane -> the send in flight. */
  private readonly active = new Map<string, Promise<void>>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly lanePausedUntil = new Map<string, number>();
  private readonly methodPausedUntil = new Map<string, number>();
  /** item id -> consecutive transient failures (resets on restart: backoff starts small again). */
  private readonly failureStreak = new Map<number, number>();
  /** item id -> consecutive 429s (only for the log level). */
  private readonly rateLimitStreak = new Map<number, number>();
  /** item id -> when it first found its placeholders unresolved. */
  private readonly blockedSince = new Map<number, number>();
  private readonly loggedOnce = new Set<string>();
  private drainWaiters: DrainWaiter[] = [];

  constructor(options: SlackOutboxOptions) {
    this.db = options.db;
    this.repo = createOutboxRepository(options.db);
    this.call = options.call;
    this.log = options.logger.child({ component: 'slack-outbox' });
    this.clock = options.clock;
    this.resolveRefs = options.resolveRefs;
    this.onSent = options.onSent;
    this.pacing = { ...DEFAULT_PACING, ...options.pacing };
    this.concurrency = Math.max(1, options.concurrency ?? 4);
    this.backoffBaseMs = options.backoff?.baseMs ?? 500;
    this.uncertainSettleMs = options.uncertainSettleMs ?? 10_000;
    this.backoffMaxMs = options.backoff?.maxMs ?? 60_000;
    this.warnEvery = Math.max(1, options.warnEvery ?? 5);
    this.refWaitMs = options.refWaitMs ?? 5 * 60_000;
    this.inFlightGraceMs = options.inFlightGraceMs ?? 10_000;
  }

  /**
   * Stores a write to Slack; synchronous, so it can run inside the caller's transaction. Returns the
   * item's id, or null when `key` was enqueued before.
   */
  enqueue(input: EnqueueInput): number | null {
    if (!input.lane) throw new Error('outbox: lane is required');
    if (!input.method) throw new Error('outbox: method is required');
    const id = this.repo.insert(
      { lane: input.lane, method: input.method, args: input.args, key: input.key ?? null, ref: input.ref },
      this.nowIso(),
    );
    // Runs after the current synchronous transaction has committed (or rolled back: then it finds nothing).
    if (id !== null) this.schedule();
    return id;
  }

  /** Starts the worker; items left by a previous run (pending or interrupted) go out first. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const open = this.repo.countsByStatus();
    if (open.pending || open.sending) {
      this.log.info({ pending: open.pending, interrupted: open.sending }, 'slack outbox resuming unsent items');
    }
    this.schedule();
  }

  /**
   * Keeps sending until nothing is pending or `flushWithinMs` has passed, then takes no new work and
   * waits (bounded) for calls in flight. Unsent items stay in the database for the next start.
   */
  stop(options: { flushWithinMs?: number } = {}): Promise<void> {
    if (!this.stopping) {
      if (!this.running) return Promise.resolve();
      this.stopping = this.shutDown(options.flushWithinMs ?? 5_000).finally(() => {
        this.stopping = undefined;
      });
    }
    return this.stopping;
  }

  private async shutDown(flushWithinMs: number): Promise<void> {
    const drained = await this.drain(flushWithinMs);
    this.running = false;
    this.clearWake();
    if (this.active.size) {
      const grace = new Promise<'timeout'>((resolve) => {
        const t = setTimeout(() => resolve('timeout'), this.inFlightGraceMs);
        void Promise.allSettled([...this.active.values()]).then(() => clearTimeout(t));
      });
      const settled = await Promise.race([Promise.allSettled([...this.active.values()]).then(() => 'settled' as const), grace]);
      if (settled === 'timeout') {
        this.log.warn({ inFlight: this.active.size }, 'slack outbox stopped with calls in flight; they are checked at the next start');
      }
    }
    if (!drained) {
      let left = -1;
      try {
        left = this.repo.openCount();
      } catch {
        // database closed already
      }
      this.log.info({ unsent: left }, 'slack outbox stopped; unsent items go out after the next start');
    }
  }

  /** Resolves true once nothing is pending nor in flight, false after timeoutMs. */
  drain(timeoutMs: number): Promise<boolean> {
    if (this.isDrained()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: DrainWaiter = {
        resolve,
        timer: setTimeout(() => {
          this.drainWaiters = this.drainWaiters.filter((w) => w !== waiter);
          resolve(this.isDrained());
        }, timeoutMs),
      };
      this.drainWaiters.push(waiter);
    });
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
    return this.repo.prune(new Date(this.nowMs() - olderThanMs).toISOString());
  }

  /** One item as stored (tests, admin views). */
  get(id: number): OutboxItem | undefined {
    return this.repo.get(id);
  }

  // --- worker -------------------------------------------------------------------------------

  private nowMs(): number {
    return this.clock.now().getTime();
  }

  private nowIso(): string {
    return this.clock.now().toISOString();
  }

  private schedule(): void {
    if (this.tickQueued) return;
    this.tickQueued = true;
    setImmediate(() => {
      this.tickQueued = false;
      try {
        this.tick();
      } catch (err) {
        // e.g. the database was closed under us; retry a little later rather than die.
        this.log.error({ err }, 'slack outbox worker tick failed');
        if (this.running) this.wake(this.nowMs() + 1_000);
      }
    });
  }

  private clearWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeAt = Infinity;
  }

  private wake(at: number): void {
    if (at >= this.wakeAt) return;
    this.clearWake();
    this.wakeAt = at;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeAt = Infinity;
      this.schedule();
    }, Math.max(0, at - this.nowMs()));
  }

  private bucketFor(item: OutboxItem, now: number): TokenBucket | undefined {
    const rule = this.pacing[item.method];
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

  private tick(): void {
    this.checkDrain();
    if (!this.running) return;
    const now = this.nowMs();
    let nextWake = Infinity;
    for (const item of this.repo.heads()) {
      if (this.active.size >= this.concurrency) break; // a finishing send schedules the next tick
      if (this.active.has(item.lane)) continue;
      const bucket = this.bucketFor(item, now);
      const readyAt = Math.max(
        Date.parse(item.nextAttemptAt),
        this.lanePausedUntil.get(item.lane) ?? 0,
        this.methodPausedUntil.get(item.method) ?? 0,
        bucket ? bucket.readyAt(now) : 0,
      );
      if (readyAt > now) {
        nextWake = Math.min(nextWake, readyAt);
        continue;
      }
      bucket?.take(now);
      const lane = item.lane;
      const run = this.process(item)
        .catch((err: unknown) => this.log.error({ err, outboxId: item.id, lane }, 'slack outbox send crashed'))
        .finally(() => {
          this.active.delete(lane);
          this.schedule();
        });
      this.active.set(lane, run);
    }
    if (nextWake < Infinity) this.wake(nextWake);
  }

  private isDrained(): boolean {
    if (this.active.size) return false;
    try {
      return this.repo.openCount() === 0;
    } catch {
      return false;
    }
  }

  private checkDrain(): void {
    if (!this.drainWaiters.length || !this.isDrained()) return;
    for (const w of this.drainWaiters.splice(0)) {
      clearTimeout(w.timer);
      w.resolve(true);
    }
  }

  private async process(item: OutboxItem): Promise<void> {
    let args = item.args;
    if (hasPlaceholders(args)) {
      let resolved: Record<string, unknown> | null;
      try {
        if (!this.resolveRefs) throw new Error('the arguments hold placeholders but no resolveRefs is configured');
        resolved = this.resolveRefs(args);
      } catch (err) {
        this.fail(item, 'unresolved_placeholder', `cannot resolve the placeholders: ${err instanceof Error ? err.message : String(err)}`);
        return;
      }
      if (resolved === null) {
        this.waitForRefs(item);
        return;
      }
      if (hasPlaceholders(resolved)) {
        this.fail(item, 'unresolved_placeholder', `resolveRefs left placeholders in ${JSON.stringify(resolved)}`);
        return;
      }
      args = resolved;
    }
    this.blockedSince.delete(item.id);
    const isPost = item.method === 'chat.postMessage';
    if (isPost) args = withOutboxMetadata(args, item.id);

    let phase: 'verify' | 'call' = 'verify';
    let verifyMethod = item.method;
    try {
      if (isPost && item.status === 'sending') {
        verifyMethod = typeof args.thread_ts === 'string' ? 'conversations.replies' : 'conversations.history';
        const found = await this.findPosted(item, args, verifyMethod);
        if (found) {
          this.log.info({ outboxId: item.id, lane: item.lane, ts: found.ts }, 'slack outbox: interrupted post was delivered; not posting again');
          this.complete(item, found);
          return;
        }
      }
      phase = 'call';
      this.repo.markSending(item.id, this.nowIso());
      const result = await this.call(item.method, args);
      this.complete(item, result);
    } catch (err) {
      this.handleError(item, args, err, phase === 'verify' ? verifyMethod : item.method, phase);
    }
  }

  /** Looks for a chat.postMessage of this item that reached Slack before a crash or timeout. */
  private async findPosted(
    item: OutboxItem,
    args: Record<string, unknown>,
    method: string,
  ): Promise<Record<string, unknown> | null> {
    const channel = args.channel;
    if (typeof channel !== 'string') return null;
    const oldest = (Date.parse(item.createdAt) / 1000 - VERIFY_LOOKBACK_S).toFixed(6);
    const base: Record<string, unknown> = { channel, oldest, limit: VERIFY_PAGE_LIMIT, include_all_metadata: true };
    if (method === 'conversations.replies') base.ts = args.thread_ts;
    let cursor: string | undefined;
    for (let page = 0; page < VERIFY_MAX_PAGES; page++) {
      let res: Record<string, unknown>;
      try {
        res = await this.call(method, cursor ? { ...base, cursor } : base);
      } catch (err) {
        const outcome = classify(err, method);
        if (outcome.kind !== 'permanent') throw err;
        this.logOnce(
          'warn',
          `verify:${outcome.code}:${item.lane}`,
          { outboxId: item.id, lane: item.lane, slackError: outcome.code },
          `slack outbox cannot check whether an interrupted post reached Slack (${method}: ${outcome.code}); posting it again may duplicate it — ${explainSlackError(outcome.code, method, args, outcome.data)}`,
        );
        return null;
      }
      const messages = Array.isArray(res.messages) ? (res.messages as unknown[]) : [];
      const found = messages.find((m) => outboxIdOf(m) === item.id);
      if (isObject(found)) return { ok: true, channel, ts: found.ts, message: found, recovered: true };
      const meta = res.response_metadata as { next_cursor?: unknown } | undefined;
      cursor = typeof meta?.next_cursor === 'string' && meta.next_cursor ? meta.next_cursor : undefined;
      if (!cursor) break;
    }
    return null;
  }

  private complete(item: OutboxItem, result: Record<string, unknown>): void {
    const now = this.nowIso();
    this.failureStreak.delete(item.id);
    this.rateLimitStreak.delete(item.id);
    this.blockedSince.delete(item.id);
    const { response_metadata: _meta, ...stored } = result;
    this.db.tx(() => {
      this.repo.markSent(item.id, stored, now);
      if (!this.onSent) return;
      try {
        // A savepoint: a throwing onSent undoes its own writes, not the item's state.
        this.db.tx(() => this.onSent!({ ...item, status: 'sent', result: stored, sentAt: now, updatedAt: now }, result));
      } catch (err) {
        this.log.error({ err, outboxId: item.id, lane: item.lane, ref: item.ref }, 'slack outbox onSent failed');
      }
    });
  }

  private handleError(item: OutboxItem, args: Record<string, unknown>, err: unknown, method: string, phase: 'verify' | 'call'): void {
    const outcome = classify(err, method);
    const now = this.nowMs();
    const ctx = { outboxId: item.id, lane: item.lane, method };
    switch (outcome.kind) {
      case 'alreadyDone':
        this.complete(item, { ok: true, already: outcome.code });
        return;
      case 'permanent': {
        const fix = explainSlackError(outcome.code, method, args, outcome.data);
        this.fail(item, outcome.code, `${outcome.code}: ${fix}`);
        return;
      }
      case 'rateLimited': {
        const until = now + outcome.retryAfterMs;
        if (phase === 'call') {
          if (PER_CHANNEL_LIMITS.has(method)) this.lanePausedUntil.set(item.lane, until);
          else this.methodPausedUntil.set(method, until);
        }
        const streak = (this.rateLimitStreak.get(item.id) ?? 0) + 1;
        this.rateLimitStreak.set(item.id, streak);
        this.repo.reschedule(
          item.id,
          {
            nextAttemptAt: new Date(until).toISOString(),
            // A 429 means Slack did not take the call; a verification 429 leaves the doubt in place.
            ...(phase === 'call' ? { status: 'pending' as const } : {}),
            errorCode: 'ratelimited',
            lastError: `rate limited by Slack (${method}); retry after ${outcome.retryAfterMs / 1000} s`,
          },
          this.nowIso(),
        );
        const level = streak % this.warnEvery === 0 ? 'warn' : 'debug';
        this.log[level]({ ...ctx, retryAfterMs: outcome.retryAfterMs, streak }, 'slack outbox rate limited; pausing');
        return;
      }
      case 'transient': {
        const streak = (this.failureStreak.get(item.id) ?? 0) + 1;
        this.failureStreak.set(item.id, streak);
        const cap = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(streak - 1, 30));
        const backoff = cap / 2 + Math.random() * (cap / 2);
        const delay = outcome.uncertain && item.method === 'chat.postMessage' ? Math.max(backoff, this.uncertainSettleMs) : backoff;
        // The status stays 'sending' after a failed call: it may have reached Slack (timeout, 5xx).
        this.repo.reschedule(
          item.id,
          { nextAttemptAt: new Date(now + delay).toISOString(), errorCode: null, lastError: outcome.message },
          this.nowIso(),
        );
        const level = streak % this.warnEvery === 0 ? 'warn' : 'debug';
        this.log[level]({ ...ctx, err: outcome.message, streak, retryInMs: Math.round(delay) }, 'slack outbox call failed; will retry');
        return;
      }
    }
  }

  private waitForRefs(item: OutboxItem): void {
    const now = this.nowMs();
    const since = this.blockedSince.get(item.id) ?? now;
    this.blockedSince.set(item.id, since);
    const waited = now - since;
    if (waited >= this.refWaitMs) {
      this.fail(
        item,
        'unresolved_placeholder',
        `unresolved_placeholder: the message this one refers to (${describePlaceholders(item.args)}) was not sent within ${Math.round(this.refWaitMs / 1000)} s — see the failures of lane ${item.lane}`,
      );
      return;
    }
    const delay = Math.min(5_000, Math.max(100, waited / 2));
    this.repo.reschedule(item.id, { nextAttemptAt: new Date(now + delay).toISOString() }, this.nowIso());
    this.log.debug({ outboxId: item.id, lane: item.lane, waitedMs: waited }, 'slack outbox item waits for its placeholders');
  }

  private fail(item: OutboxItem, code: string, message: string): void {
    this.failureStreak.delete(item.id);
    this.rateLimitStreak.delete(item.id);
    this.blockedSince.delete(item.id);
    this.repo.markFailed(item.id, code, message, this.nowIso());
    this.logOnce(
      'error',
      `fail:${code}:${item.lane}`,
      { outboxId: item.id, lane: item.lane, method: item.method, slackError: code, ref: item.ref },
      `Slack write failed for good (${item.method} in ${item.lane}) — ${message}`,
    );
  }

  private logOnce(level: 'warn' | 'error', key: string, obj: Record<string, unknown>, msg: string): void {
    if (this.loggedOnce.has(key)) {
      this.log.debug(obj, msg);
      return;
    }
    this.loggedOnce.add(key);
    this.log[level](obj, msg);
  }
}

function describePlaceholders(args: Record<string, unknown>): string {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (isPlaceholder(v)) found.push(JSON.stringify(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(args);
  return found.join(', ');
}

export function createSlackOutbox(options: SlackOutboxOptions): SlackOutbox {
  return new SlackOutbox(options);
}

export type { OutboxRepository };
