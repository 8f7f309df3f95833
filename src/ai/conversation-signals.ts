import type { AiContext } from '../core/ports';
import { detectFrustration, detectHumanRequest, detectJudgmentTopic, detectSmallTalk, type Frustration } from '../core/intents';
import type { EscalationReason, Message } from '../core/types';

/**
 * What both AI providers read from a conversation before (or instead of) asking a model: the
 * customer's earlier messages, whether they sound fed up, whether the topic needs a person, what
 * the AI already answered. Pure functions over messages.
 */

/** The customer's earlier messages, oldest first, without the one being answered. */
export function previousCustomerTexts(ctx: Pick<AiContext, 'history' | 'text'>): string[] {
  const texts = customerTexts(ctx.history);
  // Only the last one can be the message being answered; an earlier equal one is a repeat to keep.
  if (texts[texts.length - 1] === ctx.text) texts.pop();
  return texts;
}

export function customerTexts(history: readonly Message[]): string[] {
  return history.filter((m) => m.role === 'customer' && !m.deletedAt).map((m) => m.text);
}

/** The customer's questions: their messages without small talk ("hi", "thanks") and requests for a person. */
export function customerQuestions(history: readonly Message[]): string[] {
  return customerTexts(history).filter((t) => t.trim() !== '' && !detectSmallTalk(t) && !detectHumanRequest(t));
}

export function askedForPerson(history: readonly Message[]): boolean {
  return customerTexts(history).some((t) => detectHumanRequest(t));
}

/**
 * Reasons to hand off that need no knowledge base and no model: a clearly frustrated customer and a
 * topic that needs a person's judgment.
 */
export function heuristicHandoff(text: string, previous: string[]): EscalationReason | null {
  const frustration = detectFrustration(text, previous);
  if (frustration.level === 'high') return { kind: 'frustration', detail: frustration.signals.join(', ') };
  const judgment = detectJudgmentTopic(text);
  if (judgment) return { kind: 'sensitive_topic', detail: `${judgment.topic} (“${judgment.match}”)` };
  return null;
}

const LEVEL = { none: 0, low: 1, high: 2 } as const;

/** The most frustrated the customer has sounded in the conversation, with that message's signals. */
export function conversationFrustration(history: readonly Message[]): Frustration {
  const texts = customerTexts(history);
  let worst: Frustration = { level: 'none', signals: [] };
  texts.forEach((text, i) => {
    const f = detectFrustration(text, texts.slice(0, i));
    if (LEVEL[f.level] > LEVEL[worst.level] || (f.level === worst.level && f.level !== 'none')) worst = f;
  });
  return worst;
}

/**
 * The AI's answers: its messages that carry a confidence. Announcements (the handoff message, the
 * request for an email, thanks for a rating) are stored without one.
 */
export function aiAnswers(history: readonly Message[]): Message[] {
  return history.filter((m) => m.role === 'ai' && !m.deletedAt && m.confidence !== null);
}
