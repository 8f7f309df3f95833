import type { AiContext } from '../../src/core/ports';
import { newConversation, type Conversation, type Message } from '../../src/core/types';

const AT = '2026-11-27T18:00:00.000Z';

/** An earlier turn: an AI turn is 0.9 confident unless it says otherwise. */
export type Turn = { role: Message['role']; text: string; confidence?: number | null; agent?: string };

/**
 * An AI context for the AI providers' tests: the history holds the earlier turns and then the
 * customer's new text; the visitor is Jane Doe unless `visitorName` says otherwise.
 */
export function aiContext(
  text: string,
  earlier: Turn[] = [],
  options: { conversation?: Partial<Conversation>; visitorName?: string | null } = {},
): AiContext {
  const history: Message[] = [...earlier, { role: 'customer' as const, text }].map((m, i) => ({
    id: `m${i + 1}`,
    conversationId: 'c1',
    seq: i + 1,
    role: m.role,
    text: m.text,
    clientId: null,
    agent: 'agent' in m && m.agent ? { name: m.agent } : null,
    confidence: 'confidence' in m ? (m.confidence ?? null) : m.role === 'ai' ? 0.9 : null,
    createdAt: AT,
    editedAt: null,
    deletedAt: null,
  }));
  return {
    conversation: { ...newConversation('c1', 'v1', AT), lastSeq: history.length, ...options.conversation },
    visitor: { id: 'v1', name: options.visitorName === undefined ? 'Jane Doe' : options.visitorName, email: null, userId: null, verified: false, attributes: {}, createdAt: AT },
    history,
    text,
  };
}
