import type { FrustrationLevel } from './intents';
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

/** A conversation as the AI sees it: for summaries and drafts written for the agent. */
export interface ConversationContext {
  conversation: Conversation;
  visitor: Visitor;
  /** The conversation so far, oldest first. */
  history: Message[];
}

export interface AiContext extends ConversationContext {
  /** The conversation so far, oldest first, including the message being answered. */
  history: Message[];
  /** The customer's message being answered. */
  text: string;
}

export type AiAction = { type: 'answer' } | { type: 'handoff'; reason: EscalationReason };

/** A knowledge-base article an answer, a summary or a draft points to. */
export interface AiSource {
  title: string;
  url: string | null;
}

export interface AiAnswer {
  /** Text for the customer (empty when the action is a handoff and there is nothing useful to say). */
  reply: string;
  /** 0..1: how sure the AI is that the reply answers the question. */
  confidence: number;
  action: AiAction;
  /** Knowledge-base articles the reply is grounded in. */
  sources: AiSource[];
}

/** What an agent who opens a handoff needs to know, at a glance (the copilot's Summary). */
export interface AiSummary {
  /** One or two sentences; also shown at the top of the handoff card. */
  summary: string;
  keyPoints: string[];
  /** What the customer wants, in a few words. */
  intent: string;
  /** What the AI already answered or suggested, so the agent does not repeat it. */
  aiTried: string[];
  frustration: FrustrationLevel;
  /** Related knowledge-base articles. */
  articles: AiSource[];
}

/** A reply the agent may send, edit or ignore (the copilot's Suggest reply). */
export interface AiDraft {
  text: string;
  sources: AiSource[];
}

/**
 * What a knowledge-base article is drafted from (issue 20): a resolved handoff the AI could not
 * answer. Only what the customer asked and what the agent answered (never internal notes).
 */
export interface ArticleDraftInput {
  /** The customer's messages up to the agent's first reply, oldest first. */
  questions: string[];
  /** The agent's replies to the customer, oldest first. */
  answers: string[];
  /** Names known to belong to the people in it (the visitor's, the agents'): never in a draft. */
  names: string[];
}

/** A knowledge-base article drafted from a handoff; personal data removed. */
export interface ArticleDraft {
  /** A short title, as a help-center article would have. */
  title: string;
  /** The customer's question in general words (no names, no order numbers). */
  question: string;
  /** The answer, from the agent's replies. */
  answer: string;
  /** Who wrote it (recorded with the draft): OpenAI, or the built-in drafter (also when OpenAI failed). */
  draftedBy?: 'openai' | 'built-in';
}

/**
 * The AI. Every method never throws for a provider failure: the provider falls back to the
 * built-in AI and says so in the log.
 */
export interface Ai {
  /** Answers a customer, or says why a person should take over. */
  answer(ctx: AiContext): Promise<AiAnswer>;
  /** Summarises a conversation for the agent who takes it. */
  summarise(ctx: ConversationContext): Promise<AiSummary>;
  /** Drafts the agent's next reply to the customer. */
  draftReply(ctx: ConversationContext): Promise<AiDraft>;
  /**
   * Drafts a knowledge-base article from a resolved handoff (issue 20). Optional: without it the
   * built-in drafter writes the draft from the agent's own replies.
   */
  draftArticle?(input: ArticleDraftInput): Promise<ArticleDraft>;
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
