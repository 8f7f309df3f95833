import { randomUUID } from 'node:crypto';
import type { Conversation, Message } from '../core/types';

/** The events an endpoint may subscribe to. */
export const WEBHOOK_EVENTS = [
  'conversation.escalated',
  'conversation.claimed',
  'conversation.resolved',
  'conversation.reopened',
  'conversation.handed_back',
  'message.created',
  'rating.submitted',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

/** What an endpoint receives: the body is this, as JSON. `ping` comes from the Test button only. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType | 'ping';
  createdAt: string;
  data: Record<string, unknown>;
}

const conversationData = (c: Conversation) => ({
  id: c.id,
  state: c.state,
  reason: c.escalation,
  agent: c.ownerId ? { id: c.ownerId } : null,
  teamId: c.teamId,
  priority: c.priority,
  createdAt: c.createdAt,
});

export function messageEvent(message: Message, at: string): WebhookEvent {
  return {
    // The message's id makes the event's: a replayed transaction cannot queue it twice.
    id: `evt_msg_${message.id}`,
    type: 'message.created',
    createdAt: at,
    data: {
      conversation: { id: message.conversationId },
      message: {
        id: message.id,
        role: message.role,
        text: message.text,
        agent: message.agent ? { name: message.agent.name } : null,
        createdAt: message.createdAt,
        files: (message.files ?? []).map((f) => ({ id: f.id, name: f.name, mime: f.mime, size: f.size })),
      },
    },
  };
}

/** The conversation_events types that are webhook events. */
const RECORDED: Record<string, WebhookEventType> = {
  escalated: 'conversation.escalated',
  claimed: 'conversation.claimed',
  resolved: 'conversation.resolved',
  reopened: 'conversation.reopened',
  handed_back: 'conversation.handed_back',
  rated: 'rating.submitted',
};

/**
 * The webhook event a recorded conversation event makes, if any: built inside the transaction that
 * records it (the conversation as that transaction left it), so the event is queued exactly when
 * the change commits.
 */
export function recordedEventOf(
  conversation: Conversation,
  type: string,
  detail: Record<string, unknown>,
  at: string,
  agentName: (id: string) => string | null,
): WebhookEvent | null {
  const kind = RECORDED[type];
  if (!kind) return null;
  const data: Record<string, unknown> = { conversation: conversationData(conversation) };
  if (kind === 'conversation.escalated') {
    const { to: _to, ...reason } = detail;
    data.conversation = { ...conversationData(conversation), reason };
  } else if (kind === 'rating.submitted') {
    data.rating = { score: detail.score, comment: detail.comment ?? null };
  } else if (typeof detail.agentId === 'string') {
    data.agent = { id: detail.agentId, name: agentName(detail.agentId) };
  }
  return { id: `evt_${randomUUID()}`, type: kind, createdAt: at, data };
}
