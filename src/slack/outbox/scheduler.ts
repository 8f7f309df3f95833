import type { Clock } from '../../core/ports';
import { onceNextTurn } from '../../core/time-slices';
import type { Logger } from '../../logger';
import type { LaneLeases } from './leases';
import type { Lease, OutboxItem } from './outbox-repository';
import type { Pacer } from './pacing';

export interface SchedulerOptions {
  /** The oldest unsent item of each queue (urgent, normal) of every lane. */
  heads: () => OutboxItem[];
  /** The same for one lane (read again once its lease is taken). */
  headsOf: (lane: string) => OutboxItem[];
  /** When `stream`'s last call of `method` went out (ms; 0: never), for methods paced per stream. */
  lastSentOf: (stream: string, method: string) => number;
  /** Lane leases shared with the other processes on the database. */
  leases: LaneLeases;
  /** Items not yet sent nor failed. */
  openCount: () => number;
  pacer: Pacer;
  /** Sends one item under the lane's lease and records the outcome. */
  send: (item: OutboxItem, lease: Lease) => Promise<void>;
  clock: Clock;
  log: Logger;
  /** Lanes sending at the same time. */
  concurrency: number;
  /** How long stop() waits for calls already in flight after the flush deadline. */
  inFlightGraceMs: number;
  /**
   * How soon a lane leased by another process is looked at again (it releases the lease after each
   * item), at the latest when that lease expires.
   */
  leasePollMs: number;
  /** How often an idle worker looks for items that other processes enqueued (and left, if they died). */
  pollMs: number;
}

interface DrainWaiter {
  resolve(drained: boolean): void;
  timer: NodeJS.Timeout;
}

/**
 * The outbox's worker: on each tick it starts one item of every lane that is not already sending, up
 * to `concurrency` lanes at once (lanes with an urgent item first), so a lane's items go one after the
 * other while lanes run side by side. A lane has two queues, each strictly in order: urgent (new
 * cards, card updates, channel alerts) and normal (thread backfill); its urgent head goes first when
 * it is ready (pacing, pauses, backoff), else its normal head when that is. It sleeps until the earliest item is due, and
 * wakes at once when an item is enqueued or a send finishes. Before a send it takes the lane's lease
 * (leases.ts), reads the lane's head again under it and adopts the lane's rate budget as the other
 * processes left it; a lane leased by another process is looked at again shortly.
 */
export class OutboxScheduler {
  private running = false;
  private stopping: Promise<boolean> | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** When the wake timer fires, on the monotonic clock (performance.now). */
  private wakeDue = Infinity;
  /** lane -> the send in flight. */
  private readonly active = new Map<string, Promise<void>>();
  private drainWaiters: DrainWaiter[] = [];

  constructor(private readonly o: SchedulerOptions) {}

  get isRunning(): boolean {
    return this.running;
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  /**
   * Keeps sending until nothing is pending or `flushWithinMs` has passed, then takes no new work and
   * waits (bounded) for calls in flight. Resolves whether everything went out within the flush time.
   */
  stop(flushWithinMs: number): Promise<boolean> {
    if (!this.stopping) {
      if (!this.running) return Promise.resolve(true);
      this.stopping = this.shutDown(flushWithinMs).finally(() => {
        this.stopping = undefined;
      });
    }
    return this.stopping;
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

  /** Looks for work on the next turn of the event loop (after the caller's transaction). */
  readonly schedule = onceNextTurn(
    () => this.tick(),
    (err) => {
      // e.g. the database was closed under us; retry a little later rather than die.
      this.o.log.error({ err }, 'slack outbox worker tick failed');
      if (this.running) this.wake(this.nowMs() + 1_000);
    },
  );

  private async shutDown(flushWithinMs: number): Promise<boolean> {
    const drained = await this.drain(flushWithinMs);
    this.running = false;
    this.clearWake();
    if (!this.active.size) return drained;
    const inFlight = () => Promise.allSettled([...this.active.values()]);
    const grace = new Promise<'timeout'>((resolve) => {
      const t = setTimeout(() => resolve('timeout'), this.o.inFlightGraceMs);
      void inFlight().then(() => clearTimeout(t));
    });
    const settled = await Promise.race([inFlight().then(() => 'settled' as const), grace]);
    if (settled === 'timeout') {
      this.o.log.warn({ inFlight: this.active.size }, 'slack outbox stopped with calls in flight; they are checked at the next start');
    }
    return drained;
  }

  private clearWake(): void {
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    this.wakeDue = Infinity;
  }

  /**
   * Ticks again at `at` (the app clock's ms). The timer already set is compared by when it fires in
   * real time, not by the app-clock time it was set for: the app clock may have jumped since.
   */
  private wake(at: number): void {
    const delay = Math.max(0, at - this.nowMs());
    const due = performance.now() + delay;
    if (due >= this.wakeDue) return;
    this.clearWake();
    this.wakeDue = due;
    this.wakeTimer = setTimeout(() => {
      this.wakeTimer = undefined;
      this.wakeDue = Infinity;
      this.schedule();
    }, delay);
  }

  /** The lane's item to send now (urgent first), or when the earliest of its heads is ready. */
  private choose(heads: readonly OutboxItem[], now: number): { item: OutboxItem } | { readyAt: number } {
    let readyAt = Infinity;
    for (const item of heads) {
      const at = this.o.pacer.readyAt(item);
      if (at <= now) return { item };
      readyAt = Math.min(readyAt, at);
    }
    return { readyAt };
  }

  private tick(): void {
    const { o } = this;
    this.checkDrain();
    if (!this.running) return;
    const now = this.nowMs();
    let nextWake = Infinity;
    const lanes = new Map<string, OutboxItem[]>();
    for (const item of o.heads()) {
      if (this.active.has(item.lane)) continue;
      const heads = lanes.get(item.lane);
      if (heads) heads.push(item);
      else lanes.set(item.lane, [item]);
    }
    // From memory: a lone process reads nothing more per tick; the others' spending comes with the lease.
    const ready: OutboxItem[] = [];
    for (const heads of lanes.values()) {
      heads.sort(byQueue);
      const choice = this.choose(heads, now);
      if ('item' in choice) ready.push(choice.item);
      else nextWake = Math.min(nextWake, choice.readyAt);
    }
    ready.sort(byQueue);
    for (const item of ready) {
      if (this.active.size >= o.concurrency) break; // a finishing send schedules the next tick
      const claim = o.leases.take(item.lane);
      if ('busyUntil' in claim) {
        nextWake = Math.min(nextWake, Math.max(Math.min(claim.busyUntil, now + o.leasePollMs), now + 1));
        continue;
      }
      const { lease } = claim;
      // Read again under the lease: another process may have sent, retried or marked them meanwhile,
      // and spent the lane's (or a card's) rate budget or seen a 429.
      const heads = o.headsOf(item.lane).sort(byQueue);
      for (const h of heads) {
        o.pacer.adopt(item.lane, claim.budget, h.method);
        if (o.pacer.pacesStream(h)) o.pacer.adoptStream(h, o.lastSentOf(h.stream!, h.method));
      }
      if (!heads.length) o.pacer.adopt(item.lane, claim.budget);
      // Not the tick's start: taking the lease was a commit.
      const choice = this.choose(heads, this.nowMs());
      if (!('item' in choice)) {
        this.release(lease);
        nextWake = Math.min(nextWake, choice.readyAt);
        continue;
      }
      const head = choice.item;
      const lane = head.lane;
      const stopRenewing = o.leases.keep(lease);
      const run = o
        .send(head, lease)
        .catch((err: unknown) => o.log.error({ err, outboxId: head.id, lane }, 'slack outbox send crashed'))
        .finally(() => {
          stopRenewing();
          this.release(lease);
          this.active.delete(lane);
          this.schedule();
        });
      this.active.set(lane, run);
    }
    this.wake(Math.min(nextWake, now + o.pollMs));
  }

  private release(lease: Lease): void {
    try {
      this.o.leases.release(lease, this.o.pacer.budget(lease.lane));
    } catch (err) {
      // e.g. the database is closed: the lease expires by itself.
      this.o.log.warn({ err, lane: lease.lane }, 'slack outbox cannot release its lease on a lane');
    }
  }

  private isDrained(): boolean {
    if (this.active.size) return false;
    try {
      return this.o.openCount() === 0;
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

  private nowMs(): number {
    return this.o.clock.now().getTime();
  }
}

/** Urgent before normal, then oldest first. */
const byQueue = (a: OutboxItem, b: OutboxItem) => a.priority - b.priority || a.id - b.id;
