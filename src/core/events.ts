import type { KbDraft } from './learning/types';
import type { AgentPersona, Conversation, EscalationReason, Message, MessageRole } from './types';

/**
 * Domain events: the core decides and persists, then announces what happened here. Adapters
 * (websocket registry, Slack outbox, mailer) subscribe and turn events into frames, posts, emails.
 * Events are emitted after the change is committed.
 */
export type DomainEvent =
  | { type: 'message.created'; conversation: Conversation; message: Message }
  | { type: 'message.updated'; conversation: Conversation; message: Message }
  | { type: 'message.deleted'; conversation: Conversation; message: Message }
  | {
      type: 'conversation.state';
      conversation: Conversation;
      previous: Conversation['state'];
      agent: AgentPersona | null;
      queue: { position: number; etaSeconds?: number } | null;
    }
  | { type: 'conversation.escalated'; conversation: Conversation; reason: EscalationReason }
  | { type: 'conversation.page'; conversation: Conversation }
  | { type: 'visitor.email'; conversation: Conversation; email: string }
  | { type: 'conversation.rated'; conversation: Conversation; score: number; comment: string | null }
  | { type: 'typing'; conversationId: string; role: MessageRole; typing: boolean }
  | {
      type: 'conversation.routed';
      conversation: Conversation;
      /** Who was asked: one agent, or several (first available). The @here is conversations.broadcast. */
      agentIds: string[];
      kind: 'routed' | 'nudged';
    }
  | { type: 'agent.changed'; agentId: string }
  /** A rule asked for a team's heads-up about a conversation (without escalating it). */
  | { type: 'team.notified'; conversation: Conversation; teamId: string }
  /**
   * A nudge round called the whole channel for these conversations, unclaimed after `waitedMinutes`:
   * one @here per round, however many reached that point.
   */
  | { type: 'conversations.broadcast'; conversations: { id: string; teamId: string | null }[]; waitedMinutes: number }
  /** A knowledge-base draft learned from a handoff was stored, edited, approved or discarded (`by`: who; null for the copilot). */
  | { type: 'kb.draft'; draft: KbDraft; change: 'drafted' | 'edited' | 'approved' | 'discarded'; by: string | null }
  /** A waiting conversation moved in the queue (someone ahead was claimed or left). */
  | { type: 'conversation.queue'; conversationId: string; queue: { position: number; etaSeconds?: number } };

export type DomainEventType = DomainEvent['type'];
type Handler = (event: DomainEvent) => void;

export class EventBus {
  private readonly handlers = new Set<Handler>();

  constructor(private readonly onHandlerError: (err: unknown, event: DomainEvent) => void) {}

  subscribe(handler: Handler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** Delivers to every subscriber; one failing subscriber never stops the others or the caller. */
  emit(event: DomainEvent): void {
    for (const handler of this.handlers) {
      try {
        handler(event);
      } catch (err) {
        this.onHandlerError(err, event);
      }
    }
  }
}
