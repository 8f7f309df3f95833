import type { Conversation, EscalationReason, KbPassage, Message, Visitor } from './types';

/** Interfaces the core needs from the outside world. Adapters implement them. */

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface KnowledgeBase {
  /** Best passages for a query, best first; an empty list when nothing matches. */
  search(query: string, limit?: number): KbPassage[];
}

export interface AiContext {
  conversation: Conversation;
  visitor: Visitor;
  /** The conversation so far, oldest first, including the message being answered. */
  history: Message[];
  /** The customer's message being answered. */
  text: string;
}

export type AiAction = { type: 'answer' } | { type: 'handoff'; reason: EscalationReason };

export interface AiAnswer {
  /** Text for the customer (empty when the action is a handoff and there is nothing useful to say). */
  reply: string;
  /** 0..1: how sure the AI is that the reply answers the question. */
  confidence: number;
  action: AiAction;
  /** Knowledge-base articles the reply is grounded in. */
  sources: { title: string; url: string | null }[];
}

export interface Ai {
  /** Answers a customer. Never throws for a provider failure: falls back and says so in the log. */
  answer(ctx: AiContext): Promise<AiAnswer>;
}

/**
 * Whether a human can take a handoff now. Without Slack nobody can: handoffs are queued for
 * follow-up. The Slack side answers from agents' availability.
 */
export interface HandoffDesk {
  accepting(conversation: Conversation): boolean;
  /** Picks and records who is asked to take a conversation that just started waiting. */
  assign(conversation: Conversation): string[];
  /** Queue position and wait estimate of a waiting conversation. */
  queueInfo(conversationId: string): { position: number; etaSeconds?: number };
}
