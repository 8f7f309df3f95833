import { CustomerTurn } from './conversation/customer-turn';
import type { Metrics } from './metrics';
import { Escalation } from './conversation/escalation';
import type { QueuedCustomers } from './conversation/queued-customers';
import { RuleEffects } from './conversation/rule-effects';
import { Sessions, type Session, type SessionInput, type SessionsDeps } from './conversation/sessions';
import { TurnQueue } from './conversation/turn-queue';
import type { HandoffLimits, HandoffStartStore, RequestOrigin } from './handoff-limits';
import type { AppendResult, MessageLog } from './message-log';
import type { Ai, HandoffDesk } from './ports';
import type { RulesService } from './rules-service';
import type { SettingsService } from './settings';
import { DomainError } from './errors';
import { escalationForMessage } from './escalation-policy';
import type { FileAttachments } from './stores';
import type { AgentPersona, Conversation, EscalationReason, FileRef, Message } from './types';
import type { Localizer } from '../i18n/localizer';

export type { Session, SessionInput } from './conversation/sessions';

/** What sessions need (stores, tokens, the lifecycle), and what the turns and escalation add. */
export interface ConversationServiceDeps extends SessionsDeps {
  /** Operations metrics (the AI's answer times); absent: not measured. */
  metrics?: Metrics;
  /** What queued customers are told (shared with the nudge round's move to the queue). */
  queued: QueuedCustomers;
  ai: Ai;
  desk: HandoffDesk;
  settings: SettingsService;
  /** What the customer is told, in their language (issue 22). */
  localizer: Localizer;
  /** The admins' escalation rules, applied to every customer message and page change. */
  rules?: RulesService;
  /** Who owns a conversation, as the customer sees them (the Slack side provides it). */
  owners?: { personaFor(conversation: Conversation): AgentPersona | null };
  /** Handoffs started, counted for the hourly limits; without it there are no limits. */
  handoffStarts?: HandoffStartStore;
  /** How many handoffs a visitor and a client address may start per hour (DEFAULT_HANDOFF_LIMITS). */
  handoffLimits?: HandoffLimits;
  /** The customers' uploads a message may carry; without it a message with files is refused. */
  files?: FileAttachments;
}

/**
 * The customer side of a conversation, as the adapters call it: a thin front over sessions
 * (conversation/sessions.ts), the turn queue, the customer's turn (rules, the AI), and escalation.
 * Synchronous database work keeps every state change atomic; a turn runs after the ack, one at a
 * time per conversation so replies keep their order.
 */
export class ConversationService {
  private readonly sessions: Sessions;
  private readonly turns: TurnQueue;
  private readonly turn: CustomerTurn;
  private readonly escalation: Escalation;

  constructor(private readonly d: ConversationServiceDeps) {
    const ruleEffects = new RuleEffects(d);
    this.sessions = new Sessions(d);
    this.turns = new TurnQueue(d.logger);
    this.escalation = new Escalation({ ...d, ruleEffects });
    this.turn = new CustomerTurn({ ...d, ruleEffects, escalation: this.escalation });
  }

  /** openSession, stored with the next group commit (the widget's hello). */
  openSessionGrouped(input: SessionInput): Promise<Session> {
    return this.d.commit.run(() => this.openSession(input));
  }

  /** Finds or creates the visitor and their conversation; commits at once. */
  openSession(input: SessionInput): Session {
    return this.sessions.open(input);
  }

  /** The visitor a widget token names and their conversation (uploads carry the token); null when it is not valid. */
  tokenHolder(token: string): { visitorId: string; conversationId: string } | null {
    return this.sessions.holder(token);
  }

  markSeen(conversationId: string, seq: number): void {
    this.sessions.markSeen(conversationId, seq);
  }

  setEmail(conversationId: string, email: string): void {
    this.sessions.setEmail(conversationId, email);
  }

  rate(conversationId: string, score: number, comment: string | undefined): void {
    this.sessions.rate(conversationId, score, comment);
  }

  /**
   * Messages after `afterSeq`, in order, for a (re)connecting widget: those already announced (a
   * later one reaches a socket registered now with its announcement).
   */
  replay(conversationId: string, afterSeq: number): Message[] {
    return this.d.log.announcedAfter(conversationId, afterSeq);
  }

  /** replay, with where it leaves the widget (see MessageLog.resume): the registry counts on from there. */
  resume(conversationId: string, afterSeq: number): ReturnType<MessageLog['resume']> {
    return this.d.log.resume(conversationId, afterSeq);
  }

  get(conversationId: string): Conversation {
    return this.d.lifecycle.get(conversationId);
  }

  /** The conversation as it is now (a snapshot taken earlier may be stale); the snapshot if it is gone. */
  current(snapshot: Conversation): Conversation {
    return this.d.conversations.get(snapshot.id) ?? snapshot;
  }

  /** The agent the customer is talking to, when one owns the conversation. */
  agentFor(conversation: Conversation): AgentPersona | null {
    return conversation.state === 'human' ? (this.d.owners?.personaFor(conversation) ?? null) : null;
  }

  queueInfo(conversationId: string): { position: number; etaSeconds?: number } {
    return this.d.desk.queueInfo(conversationId);
  }

  /**
   * Stores a customer message (idempotent by clientId); resolves after the commit. The reply comes
   * later, in the conversation's next turn: messages that arrive while an earlier turn is still
   * running (or waiting to run) are taken together, each checked for escalation and the rules, and
   * the AI answers the latest with all of them in its history — one answer to a burst, not one per
   * line, and never an answer to a question the customer has already moved on from.
   */
  async customerMessage(
    conversationId: string,
    clientId: string,
    text: string,
    origin: RequestOrigin = {},
    fileIds: readonly string[] = [],
  ): Promise<AppendResult> {
    let files: FileRef[] | undefined;
    if (fileIds.length) {
      const refs = this.d.files?.refs(conversationId, fileIds) ?? null;
      if (!refs) {
        // Sent again after one of its files was removed: still the message stored the first time.
        const stored = this.d.log.byClientId(conversationId, clientId);
        if (stored) return { message: stored, duplicate: true };
        throw new DomainError('file_unavailable', 'A file of this message is not available (it was not uploaded here, or it was removed). Please attach it again.');
      }
      files = refs;
    }
    const result = await this.d.log.appendDurably(conversationId, { role: 'customer', text, clientId, ...(files ? { files } : {}) });
    if (!result.duplicate && this.turnMayAct(conversationId, text)) {
      this.turns.addToBurst(conversationId, result.message, origin.address, (burst) => this.turn.afterMessages(burst));
    }
    return result;
  }

  /**
   * Whether the message's turn could do anything. With an agent on it (`human`), or one on the way
   * (`waiting`) and no ask for a person in the text, the turn would read the state and return
   * (CustomerTurn.afterMessages): not scheduling it saves its promise hops and ticks per message.
   * Only when no turn of the conversation is pending: an earlier one may still change the state
   * (a hand back, a resolve) before this message's turn would have run.
   */
  private turnMayAct(conversationId: string, text: string): boolean {
    if (this.turns.pending(conversationId)) return true;
    const state = this.d.conversations.get(conversationId)?.state;
    return !(state === 'human' || (state === 'waiting' && !escalationForMessage(text)));
  }

  /** The "Talk to a person" button. Pressed while already in line, it says where the customer stands. */
  requestHuman(conversationId: string, origin: RequestOrigin = {}): void {
    this.turns.enqueue(conversationId, async () => this.escalation.startOrTellInLine(conversationId, { kind: 'customer_asked' }, origin));
  }

  setPage(conversationId: string, url: string, title: string | undefined, origin: RequestOrigin = {}): void {
    const { d } = this;
    d.conversations.setPage(conversationId, url, title ?? null, d.clock.now().toISOString());
    d.bus.emit({ type: 'conversation.page', conversation: this.get(conversationId) });
    this.turns.enqueue(conversationId, async () => this.turn.afterPage(conversationId, origin.address));
  }

  typing(conversationId: string, typing: boolean): void {
    this.d.bus.emit({ type: 'typing', conversationId, role: 'customer', typing });
  }

  /**
   * Hands the conversation to a human: `waiting` when someone can take it (they are asked at once),
   * else `queued` (the AI keeps helping and asks for an email). Announced once; a second request
   * changes nothing. Returns whether the state changed.
   */
  escalate(conversationId: string, reason: EscalationReason, options: { queue?: boolean } & RequestOrigin = {}): boolean {
    return this.escalation.start(conversationId, reason, options) === 'started';
  }

  /** Resolves when every turn in progress has finished (graceful shutdown, tests). */
  async idle(): Promise<void> {
    await this.d.commit.drain();
    await this.turns.idle();
  }
}
