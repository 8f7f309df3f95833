import { randomUUID } from 'node:crypto';
import type { DomainEvent } from '../core/events';
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

/** The webhook event a domain event makes, if any (one per conversation move). */
export function webhookEventOf(e: DomainEvent, at: string): WebhookEvent | null {
  const make = (type: WebhookEventType, data: Record<string, unknown>): WebhookEvent => ({ id: `evt_${randomUUID()}`, type, createdAt: at, data });
  switch (e.type) {
    case 'conversation.escalated':
      return make('conversation.escalated', { conversation: { ...conversationData(e.conversation), reason: e.reason } });
    case 'conversation.state': {
      const now = e.conversation.state;
      const type: WebhookEventType | null =
        now === 'human' && e.previous !== 'human'
          ? 'conversation.claimed'
          : now === 'resolved' && e.previous !== 'resolved'
            ? 'conversation.resolved'
            : e.previous === 'resolved'
              ? 'conversation.reopened'
              : e.previous === 'human' && now === 'ai'
                ? 'conversation.handed_back'
                : null;
      if (!type) return null;
      return make(type, {
        conversation: { ...conversationData(e.conversation), previousState: e.previous },
        ...(e.agent ? { agent: { id: e.conversation.ownerId, name: e.agent.name } } : {}),
      });
    }
    case 'conversation.rated':
      return make('rating.submitted', { conversation: conversationData(e.conversation), rating: { score: e.score, comment: e.comment } });
    default:
      return null;
  }
}
