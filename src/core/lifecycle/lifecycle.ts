import { DomainError } from '../errors';
import type { EventBus } from '../events';
import { newId } from '../ids';
import type { Clock } from '../ports';
import type { ConversationStore, EventStore, GroupedWrites, Transactions } from '../stores';
import { newConversation, type Conversation, type ConversationState } from '../types';
import { INITIAL_STATE, STARTED_EVENT, plan, type Move } from './transitions';

export type QueueInfo = { position: number; etaSeconds?: number };

export interface LifecycleDeps {
  db: Transactions;
  /** The group commit, for moves made in bulk (applyGrouped). */
  commit: GroupedWrites;
  conversations: ConversationStore;
  events: EventStore;
  bus: EventBus;
  clock: Clock;
}

export interface MoveOptions<R> {
  /** The time the move is recorded at (default: the clock's now). */
  now?: string;
  /**
   * In the transaction, once the table allows the move and before it is made: a result other than
   * undefined stops it (nothing of the move is written; what `guard` wrote commits).
   */
  guard?: (before: Conversation) => R | undefined;
  /** In the transaction, after the move and its events. */
  also?: (before: Conversation) => void;
  /**
   * After the commit, before `conversation.state` is emitted: what is announced first. Returns the
   * queue position the state event carries (a conversation that starts waiting).
   */
  announce?: (conversation: Conversation) => QueueInfo | null | void;
}

export type Moved<R = never> =
  | { moved: true; conversation: Conversation; previous: ConversationState }
  /** The table refused the move, another change got there first, or `guard` stopped it (`refused`). */
  | { moved: false; conversation: Conversation; refused?: R };

type Written<R> = { moved: true; previous: ConversationState } | { moved: false; refused?: R };

/**
 * The only writer of a conversation's state. A move is one transaction: read the state, ask the
 * table (transitions.ts), write the state with a compare-and-set (so two agents acting at once
 * cannot both win), record the move's events; then, committed, it re-reads the conversation and
 * emits `conversation.state`.
 */
export class Lifecycle {
  constructor(private readonly d: LifecycleDeps) {}

  /** The conversation, or a not_found DomainError. */
  get(conversationId: string): Conversation {
    const c = this.d.conversations.get(conversationId);
    if (!c) throw new DomainError('not_found', 'This conversation no longer exists.');
    return c;
  }

  /** A new conversation, in its first state, with `started` recorded. Call inside a transaction. */
  create(visitorId: string, now: string): Conversation {
    const conversation: Conversation = { ...newConversation(newId('c'), visitorId, now), state: INITIAL_STATE };
    this.d.conversations.insert(conversation);
    this.d.events.record(conversation.id, STARTED_EVENT, {}, now);
    return conversation;
  }

  /** Makes `move` in its own transaction (committed with synchronous=FULL) and announces it. */
  apply<R = never>(conversationId: string, move: Move, options: MoveOptions<R> = {}): Moved<R> {
    const now = options.now ?? this.d.clock.now().toISOString();
    return this.announce(conversationId, move, options, this.d.db.tx(() => this.write(conversationId, move, options, now)));
  }

  /**
   * apply, stored with the next group commit: many moves at once (a nudge round queueing hundreds)
   * share one fsync, off the event loop. Announced once the move is on disk.
   */
  async applyGrouped<R = never>(conversationId: string, move: Move, options: MoveOptions<R> = {}): Promise<Moved<R>> {
    const now = options.now ?? this.d.clock.now().toISOString();
    const written = await this.d.commit.run(() => this.write(conversationId, move, options, now), undefined, conversationId);
    return this.announce(conversationId, move, options, written);
  }

  private write<R>(conversationId: string, move: Move, options: MoveOptions<R>, now: string): Written<R> {
    const { conversations, events } = this.d;
    const before = conversations.get(conversationId);
    const p = before ? plan(before.state, move) : null;
    if (!before || !p) return { moved: false };
    const refused = options.guard?.(before);
    if (refused !== undefined) return { moved: false, refused };
    const won =
      p.owner && p.owner !== 'release'
        ? conversations.claim(conversationId, p.owner.take, [p.from], now)
        : conversations.transition(conversationId, [p.from], p.to, now);
    if (!won) return { moved: false };
    if (p.owner === 'release') conversations.release(conversationId, now);
    if (p.escalation) conversations.setEscalation(conversationId, p.escalation, now);
    for (const e of p.events) events.record(conversationId, e.type, e.detail, now);
    options.also?.(before);
    return { moved: true, previous: p.from };
  }

  private announce<R>(conversationId: string, move: Move, options: MoveOptions<R>, written: Written<R>): Moved<R> {
    const conversation = this.get(conversationId);
    if (!written.moved) return { ...written, conversation };
    const queue = options.announce?.(conversation) ?? null;
    const agent = move.type === 'claim' || move.type === 'take_over' ? move.agent.persona : null;
    this.d.bus.emit({ type: 'conversation.state', conversation, previous: written.previous, agent, queue });
    return { moved: true, conversation, previous: written.previous };
  }
}
