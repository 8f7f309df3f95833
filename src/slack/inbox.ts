import type { AllMiddlewareArgs, AnyMiddlewareArgs, App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Clock } from '../core/ports';
import type { GroupCommit } from '../db/group-commit';
import type { Logger } from '../logger';
import type { InboxRepository, InboxRow } from './inbox-repository';

/** Waits before processing a failed request again; one more failure after the last gives up. */
const RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];
/** How long stop() waits for listeners still running; what is left is processed at the next start. */
const STOP_WAIT_MS = 8_000;

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

  constructor(private readonly deps: SlackInboxDeps) {
    this.replayed = new Promise<void>((resolve) => (this.openGate = resolve));
    this.retryDelaysMs = deps.retryDelaysMs ?? RETRY_DELAYS_MS;
  }

  /**
   * Stores a request; resolves once it is on disk. Rejects when it cannot be stored: then it must
   * not be acknowledged (HTTP 500, or no Socket Mode ack), so that Slack delivers it again.
   */
  async store(body: Record<string, unknown>, retryNum?: number, retryReason?: string): Promise<InboxTicket> {
    const eventId = body.type === 'event_callback' && typeof body.event_id === 'string' ? body.event_id : null;
    const row = { eventId, body, retryNum, retryReason };
    const id = await this.deps.commit.run(() => this.deps.repo.add(row, this.deps.clock.now().toISOString()));
    return { id, ...row };
  }

  /**
   * Acks and processes a stored request. An event is acked now and processed after (the promise
   * resolves at once); anything else is processed now with `ack` handed to its listener, and the
   * promise resolves when the listeners are done.
   */
  async dispatch(ticket: InboxTicket, ack: Ack): Promise<void> {
    if (ticket.id === null || this.stopping) return ack();
    const row: InboxRow = { id: ticket.id, eventId: ticket.eventId, body: ticket.body, retryNum: ticket.retryNum, retryReason: ticket.retryReason, attempts: 0 };
    if (ticket.body.type === 'event_callback') {
      await ack();
      void this.run(row, { ordered: true });
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

  /** Processes what an earlier run left stored, oldest first, then lets new events through. */
  start(): void {
    let rows: InboxRow[];
    try {
      rows = this.deps.repo.pending().filter((r) => !this.inFlight.has(r.id));
    } catch (err) {
      this.deps.logger.error({ err }, 'could not read the Slack inbox; stored requests wait for the next start');
      rows = [];
    }
    if (rows.length) this.deps.logger.info({ count: rows.length }, 'processing Slack requests stored before the last stop');
    void (async () => {
      for (const row of rows) {
        if (this.stopping) break;
        await this.run(row, { ordered: false }).catch(() => undefined);
      }
    })().finally(() => this.openGate());
  }

  /**
   * Takes no new work (requests still arriving are stored and acked, for the next start) and waits
   * for the listeners running now, up to a limit: what is left stays stored.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.openGate();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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

  private run(row: InboxRow, how: { ordered: boolean; ack?: Ack }): Promise<void> {
    const run = this.attempt(row, how).finally(() => this.inFlight.delete(row.id));
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
      attempts = await commit.run(() => repo.failed(row.id, why));
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
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.stopping && !this.inFlight.has(row.id)) void this.run({ ...row, attempts }, { ordered: false }).catch(() => undefined);
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
