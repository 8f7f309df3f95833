import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Clock } from '../core/ports';
import type { GroupCommit } from '../db/group-commit';
import type { Logger } from '../logger';
import type { InboxLease, InboxRepository, InboxRow } from './inbox-repository';
import { isAlive } from './outbox/leases';

/** Waits before processing a failed request again; one more failure after the last gives up. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];
/** How long stop() waits for listeners still running; what is left is processed at the next start. */
const STOP_WAIT_MS = 8_000;
/** A row's lease without renewal: another process takes over a dead one's rows after this. */
const LEASE_MS = 30_000;
/** How often stored rows are looked at for one whose owner's lease expired. */
const SWEEP_MS = 10_000;

/** A stored request. `id` is null for an event already stored or applied (a retry): nothing to do. */
export interface InboxTicket {
  id: number | null;
  eventId: string | null;
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

type Ack = (response?: unknown) => Promise<void>;

export interface SlackInboxDeps {
  repo: InboxRepository;
  commit: GroupCommit;
  clock: Clock;
  logger: Logger;
  /** Bolt's processEvent: runs the middleware and listeners. */
  process: (event: ReceiverEvent) => Promise<void>;
  retryDelaysMs?: number[];
  stopWaitMs?: number;
  /** A row's lease (ms), renewed every third of it while its listeners run; 30 s by default. */
  leaseMs?: number;
  /** How often (ms) rows whose lease expired are taken over; 10 s by default. */
  sweepMs?: number;
  /** This instance's id on the rows it holds; by default `host/pid/random`. */
  owner?: string;
}

/**
 * Slack never delivers again a request it got a 2xx (or a Socket Mode ack) for, so every request is
 * stored durably (slack_inbox, through the group commit: its fsync runs off the event loop) before
 * it is acknowledged, and forgotten once its listeners have finished. An event is acked as soon as
 * it is stored and processed after; an interaction or a slash command is processed at once and its
 * listener acks it (with the answer Slack shows), stored first all the same, because listeners ack
 * before their effect (a Claim acks, then claims).
 *
 * A request whose processing did not finish — the process died, stop() gave up waiting, a listener
 * threw, authorization failed — stays stored: it is processed again later (a failure after a delay,
 * the rest at the next start, before new events). Handlers are idempotent (replies are keyed by
 * their Slack ts, claims and edits are atomic), so processing again what had already taken effect
 * just before a crash does nothing twice. An event's id is recorded as applied in the transaction
 * that forgets its row, and a retry of an event stored or applied is acked without a second effect.
 *
 * Processes sharing the database (issue 16) each process a row once: a row has an owner and a lease
 * (`lease_until`). A row is stored owned by the process that stores it, its lease is renewed while
 * its listeners run, and a row is taken (at start, or by the sweep every 10 s) only in one UPDATE
 * that requires no owner or an expired lease; so a live process's rows are never replayed by
 * another, and a killed process's rows are processed by the others once its lease has expired. At
 * start the rows of a process on this machine that is gone (or an earlier run with this pid) are
 * freed at once, so a restart processes what a crash left as before.
 */
export class SlackInbox {
  private readonly inFlight = new Map<number, Promise<void>>();
  /** Requests whose middleware chain and listeners all finished without an error. */
  private readonly succeeded = new Set<number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopping = false;
  /** New events wait for the replay of the stored ones, so a conversation's events keep their order. */
  private readonly replayed: Promise<void>;
  private openGate!: () => void;
  private readonly retryDelaysMs: number[];
  /** Rows waiting for a retry timer: the sweep leaves them to it. */
  private readonly waiting = new Set<number>();
  private readonly renewals = new Set<NodeJS.Timeout>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping = false;
  private replayDone = false;
  readonly owner: string;
  private readonly leaseMs: number;

  constructor(private readonly deps: SlackInboxDeps) {
    this.replayed = new Promise<void>((resolve) => (this.openGate = resolve));
    this.retryDelaysMs = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
    this.owner = deps.owner ?? `${os.hostname()}/${process.pid}/${randomUUID()}`;
    this.leaseMs = deps.leaseMs ?? LEASE_MS;
  }

  private lease(extraMs = 0): InboxLease {
    return { owner: this.owner, until: new Date(this.deps.clock.now().getTime() + this.leaseMs + extraMs).toISOString() };
  }

  /**
   * Stores a request; resolves once it is on disk. Rejects when it cannot be stored: then it must
   * not be acknowledged (HTTP 500, or no Socket Mode ack), so that Slack delivers it again.
   */
  async store(body: Record<string, unknown>, retryNum?: number, retryReason?: string): Promise<InboxTicket> {
    const eventId = body.type === 'event_callback' && typeof body.event_id === 'string' ? body.event_id : null;
    const row = { eventId, body, retryNum, retryReason };
    // Owned from the start, so no other process replays it; stored during a stop, it is left free.
    const lease = this.stopping ? null : this.lease();
    const id = await this.deps.commit.run(() => this.deps.repo.add(row, this.deps.clock.now().toISOString(), lease));
    return { id, ...row };
  }

  /**
   * Acks and processes a stored request. An event is acked now and processed after (the promise
   * resolves at once); anything else is processed now with `ack` handed to its listener, and the
   * promise resolves when the listeners are done.
   */
  async dispatch(ticket: InboxTicket, ack: Ack): Promise<void> {
    if (ticket.id === null || this.stopping) return ack();
    const row: InboxRow = { id: ticket.id, eventId: ticket.eventId, body: ticket.body, retryNum: ticket.retryNum, retryReason: ticket.retryReason, attempts: 0, owner: this.owner, leaseUntil: null };
    if (ticket.body.type === 'event_callback') {
      await ack();
      // run() records its own failures; what is left (e.g. the database closed under a stop) is
      // logged, never an unhandled rejection.
      void this.run(row, { ordered: true }).catch((err: unknown) => this.deps.logger.error({ err, inboxId: row.id }, 'a Slack event could not be processed; it stays stored'));
      return;
    }
    return this.run(row, { ordered: false, ack });
  }

  /** store() then dispatch(), for a receiver that hands over Bolt's ReceiverEvents (Socket Mode). */
  async receive(event: ReceiverEvent): Promise<void> {
    const ticket = await this.store(event.body, event.retryNum, event.retryReason);
    await this.dispatch(ticket, event.ack);
  }

  /** Bolt global middleware (register it first): notes which requests were fully processed. */
  readonly middleware = async ({ context, next }: AnyMiddlewareArgs & AllMiddlewareArgs): Promise<void> => {
    await next();
    const id = (context as { inboxId?: unknown }).inboxId;
    if (typeof id === 'number') this.succeeded.add(id);
  };

  /**
   * Processes what an earlier run left stored (and no live process holds), oldest first, then lets
   * new events through; from then on, sweeps every 10 s for rows whose owner's lease expired.
   */
  start(): void {
    let rows: InboxRow[];
    try {
      this.releaseDeadLocal();
      rows = this.deps.repo.pending().filter((r) => !this.inFlight.has(r.id));
    } catch (err) {
      this.deps.logger.error({ err }, 'could not read the Slack inbox; stored requests wait for the next start');
      rows = [];
    }
    if (rows.length) this.deps.logger.info({ count: rows.length }, 'processing Slack requests stored before the last stop');
    void this.processStored(rows).finally(() => {
      this.replayDone = true;
      this.openGate();
    });
    if (!this.sweepTimer && !this.stopping) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.deps.sweepMs ?? SWEEP_MS);
      this.sweepTimer.unref();
    }
  }

  /**
   * Takes over, oldest first, stored rows nobody holds: a dead process's once its lease expired.
   * Runs every 10 s after start(); resolves once the rows it took have been processed.
   */
  async sweep(): Promise<void> {
    if (this.stopping || this.sweeping || !this.replayDone) return;
    this.sweeping = true;
    try {
      const now = this.deps.clock.now().toISOString();
      const rows = this.deps.repo
        .pending()
        .filter((r) => !this.inFlight.has(r.id) && !this.waiting.has(r.id) && (r.owner === null || (r.leaseUntil !== null && r.leaseUntil <= now)));
      if (rows.length) this.deps.logger.info({ count: rows.length }, 'taking over Slack requests whose lease expired');
      await this.processStored(rows);
    } catch (err) {
      this.deps.logger.warn({ err }, 'could not sweep the Slack inbox; trying again later');
    } finally {
      this.sweeping = false;
    }
  }

  /** Each row in turn, if it can be taken (one atomic UPDATE): another process may hold it. */
  private async processStored(rows: InboxRow[]): Promise<void> {
    for (const row of rows) {
      if (this.stopping) break;
      if (this.inFlight.has(row.id) || !this.take(row.id)) continue;
      await this.run(row, { ordered: false }).catch(() => undefined);
    }
  }

  private take(id: number, orOwn = false): boolean {
    try {
      const { until } = this.lease();
      return this.deps.repo.take(id, this.owner, this.deps.clock.now().toISOString(), until, orOwn);
    } catch (err) {
      this.deps.logger.warn({ err, inboxId: id }, 'could not take a stored Slack request; it is tried again later');
      return false;
    }
  }

  /**
   * Frees the rows of processes on this machine that are gone (a kill -9 before a restart), or of an
   * earlier run with this very pid (one inbox per process), so they are processed now rather than
   * after the expiry. Owners named otherwise, or on other machines, wait for the expiry.
   */
  private releaseDeadLocal(): void {
    for (const owner of this.deps.repo.leaseOwners(this.deps.clock.now().toISOString())) {
      const [host, pid] = owner.split('/');
      if (owner === this.owner || host !== os.hostname() || !/^\d+$/.test(pid ?? '')) continue;
      if (Number(pid) !== process.pid && isAlive(Number(pid))) continue;
      this.deps.logger.info({ owner }, 'freeing the Slack requests held by a process that is gone');
      this.deps.repo.release(owner);
    }
  }

  /**
   * Takes no new work (requests still arriving are stored and acked, for the next start) and waits
   * for the listeners running now, up to a limit: what is left stays stored.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.openGate();
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.waiting.clear();
    try {
      await this.waitForListeners();
    } finally {
      // Leases of rows still running are no longer renewed: other processes take them after expiry.
      for (const t of this.renewals) clearInterval(t);
      this.renewals.clear();
    }
  }

  private async waitForListeners(): Promise<void> {
    const deadline = Date.now() + (this.deps.stopWaitMs ?? STOP_WAIT_MS);
    if (this.inFlight.size) this.deps.logger.info({ running: this.inFlight.size }, 'waiting for Slack listeners to finish');
    while (this.inFlight.size) {
      const left = deadline - Date.now();
      if (left <= 0) {
        this.deps.logger.warn({ running: this.inFlight.size }, 'Slack listeners still running at stop; their requests are processed at the next start');
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.inFlight.values()]),
        new Promise((r) => (timer = setTimeout(r, left))),
      ]);
      clearTimeout(timer);
    }
  }

  /** Runs a row this process holds, renewing its lease (every third of it) until done. */
  private run(row: InboxRow, how: { ordered: boolean; ack?: Ack }): Promise<void> {
    const renewal = setInterval(() => {
      try {
        if (this.deps.repo.renew(row.id, this.owner, this.lease().until)) return;
        this.deps.logger.warn({ inboxId: row.id }, 'lost the lease on a Slack request; another process took it over');
      } catch (err) {
        this.deps.logger.warn({ err, inboxId: row.id }, 'could not renew the lease on a Slack request');
        return;
      }
      clearInterval(renewal);
      this.renewals.delete(renewal);
    }, Math.max(1, Math.floor(this.leaseMs / 3)));
    renewal.unref();
    this.renewals.add(renewal);
    const run = this.attempt(row, how).finally(() => {
      clearInterval(renewal);
      this.renewals.delete(renewal);
      this.inFlight.delete(row.id);
    });
    this.inFlight.set(row.id, run);
    return run;
  }

  private async attempt(row: InboxRow, { ordered, ack }: { ordered: boolean; ack?: Ack }): Promise<void> {
    if (ordered) await this.replayed;
    if (this.stopping && !ack) return; // stays stored for the next start
    const event: ReceiverEvent = {
      body: row.body,
      ack: ack ?? (async () => {}),
      retryNum: row.retryNum,
      retryReason: row.retryReason,
      customProperties: { inboxId: row.id },
    };
    let error: unknown = null;
    try {
      await this.deps.process(event);
    } catch (err) {
      error = err;
    }
    if (this.succeeded.delete(row.id)) {
      await this.deps.commit.run(() => this.deps.repo.finish(row.id, row.eventId, this.deps.clock.now().toISOString()));
    } else {
      await this.failed(row, error);
    }
    if (error && ack) throw error;
  }

  private async failed(row: InboxRow, error: unknown): Promise<void> {
    const { logger, commit, repo } = this.deps;
    const why = error instanceof Error ? error.message : error ? String(error) : 'a listener failed or the request was not authorized';
    let attempts: number;
    try {
      const delay = this.retryDelaysMs[row.attempts] ?? 0;
      // Ours until the retry (and a lease after it): if this process dies, another takes it then.
      attempts = await commit.run(() => repo.failed(row.id, why, this.lease(delay)));
    } catch (err) {
      logger.error({ err, inboxId: row.id }, 'could not record a failed Slack request; it is processed again at the next start');
      return;
    }
    const delay = this.retryDelaysMs[attempts - 1];
    const what = { inboxId: row.id, eventId: row.eventId ?? undefined, type: row.body.type, attempts };
    if (delay === undefined) {
      logger.error({ ...what, why }, 'gave up on a Slack request after repeated failures');
      await commit.run(() => repo.drop(row.id)).catch(() => undefined);
      return;
    }
    logger.warn({ ...what, why, retryInMs: delay }, 'a Slack request failed; it is processed again later');
    if (this.stopping) return;
    this.waiting.add(row.id);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.waiting.delete(row.id);
      if (!this.stopping && !this.inFlight.has(row.id) && this.take(row.id, true)) void this.run({ ...row, attempts }, { ordered: false }).catch(() => undefined);
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }
}

/**
 * Bolt's own receiver slot stays empty: requests reach the app through the inbox, which calls
 * app.processEvent once a request is stored. The HTTP route (receiver.ts) and the Socket Mode
 * connection (`intoInbox`) feed the inbox, not the app, so the app can be built first.
 */
export const noReceiver: Receiver = { init() {}, start: async () => {}, stop: async () => {} };

/**
 * Feeds a Bolt receiver's events (Socket Mode) to the inbox: each is stored before the receiver may
 * ack it (the envelope is acked only once its event is on disk). Returns the receiver, to start and
 * stop.
 */
export function intoInbox<R extends Receiver>(receiver: R, inbox: SlackInbox): R {
  receiver.init({ processEvent: (event: ReceiverEvent) => inbox.receive(event) } as unknown as App);
  return receiver;
}
