import type { Message } from '../types';
import type { Logger } from '../../logger';

/**
 * How many turns may start in one turn of the event loop before I/O (new messages, acks) runs again.
 * One: a turn of the built-in AI costs main-thread time (search, rules, its answer stored), and an
 * ack waits behind every turn started before its fsync's callback comes round. Benchmark 2 (built-in
 * AI, 1,000 messages/s): send → ack p99 27 → 12 ms and p50 2.4 → 1.1 ms against 4 per tick, with
 * no loss of acks/s in benchmarks 1 and 8 (turns of one conversation still take its burst together).
 */
const TURNS_PER_TICK = 1;

/** Customer messages stored but not yet taken by a turn, and where the latest came from. */
export interface Burst {
  messages: Message[];
  /** The client address of the latest message (the handoff limit per address). */
  address: string | undefined;
}

/**
 * The scheduling of conversation turns: one at a time per conversation so replies keep their
 * order, and messages that arrive while a turn is pending taken together as one burst.
 */
export class TurnQueue {
  private readonly turns = new Map<string, Promise<void>>();
  private readonly bursts = new Map<string, Burst>();
  private readonly slots = new TurnSlots(TURNS_PER_TICK);

  constructor(private readonly logger: Logger) {}

  /**
   * Runs work after the conversation's earlier turns; a failure is logged, never thrown at the
   * socket. A turn starts on a later tick than the one that queued it, and only a few start per
   * tick (TurnSlots), so the acks of what arrived meanwhile go out between them: under load the AI
   * answers later (and takes more lines together), but storing and acking never waits for it.
   */
  enqueue(conversationId: string, work: () => Promise<void>): void {
    const prev = this.turns.get(conversationId) ?? Promise.resolve();
    const next = prev
      .then(() => this.slots.next())
      .then(work)
      .catch((err: unknown) => this.logger.error({ err, conversationId }, 'conversation turn failed'))
      .finally(() => {
        if (this.turns.get(conversationId) === next) this.turns.delete(conversationId);
      });
    this.turns.set(conversationId, next);
  }

  /**
   * Adds a stored customer message to the conversation's pending burst; the first of a burst
   * queues a turn that takes the whole burst when it runs.
   */
  addToBurst(conversationId: string, message: Message, address: string | undefined, take: (burst: Burst) => Promise<void>): void {
    const pending = this.bursts.get(conversationId);
    if (pending) {
      pending.messages.push(message);
      if (address) pending.address = address;
      return;
    }
    this.bursts.set(conversationId, { messages: [message], address });
    this.enqueue(conversationId, () => {
      const burst = this.bursts.get(conversationId)!;
      this.bursts.delete(conversationId);
      return take(burst);
    });
  }

  /** Whether a turn of the conversation is queued or running. */
  pending(conversationId: string): boolean {
    return this.turns.has(conversationId);
  }

  /** Resolves when every turn queued or running has finished. */
  async idle(): Promise<void> {
    while (this.turns.size) await Promise.allSettled([...this.turns.values()]);
  }
}

/** Hands out at most `perTick` starts per event-loop turn, in the order they were asked for. */
class TurnSlots {
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTick: number) {}

  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const now = this.waiting.splice(0, this.perTick);
      if (this.waiting.length) this.schedule();
      for (const start of now) start();
    });
  }
}
