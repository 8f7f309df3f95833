import { DomainError } from './errors';
import type { EventBus } from './events';
import type { Lifecycle } from './lifecycle/lifecycle';
import type { MessageLog } from './message-log';
import type { Clock } from './ports';
import type { SettingsService } from './settings';
import type { EventStore, MessageStore } from './stores';
import type { Agent, Conversation, FileRef, Message } from './types';
import type { Logger } from '../logger';
import type { Localizer } from '../i18n/localizer';

export interface HandoffServiceDeps {
  /** The only writer of a conversation's state (claims, resolves, hand-backs). */
  lifecycle: Lifecycle;
  messages: MessageStore;
  events: EventStore;
  log: MessageLog;
  bus: EventBus;
  clock: Clock;
  settings: SettingsService;
  logger: Logger;
  /** What the customer is told, in their language (agent-facing errors stay English). */
  localizer: Localizer;
}

export type ClaimResult =
  | { ok: true; conversation: Conversation }
  | { ok: false; reason: 'owned'; ownerId: string }
  | { ok: false; reason: 'resolved' };

export type ReplyResult =
  | { relayed: true; message: Message; claimed: boolean }
  | { relayed: false; reason: 'not_owner'; ownerId: string }
  | { relayed: false; reason: 'resolved' | 'duplicate' };

/**
 * The agent side of a conversation: claim, replies, edits, resolve, hand back. Every change is one
 * synchronous transaction, so two agents acting at once cannot both win.
 */
export class HandoffService {
  constructor(private readonly d: HandoffServiceDeps) {}

  claim(conversationId: string, agent: Agent): ClaimResult {
    const { d } = this;
    const before = d.lifecycle.get(conversationId);
    if (before.ownerId === agent.id) return { ok: true, conversation: before };
    // From the AI it is an agent-initiated takeover (see takeOver); otherwise a claim of the handoff.
    const move = before.state === 'ai' ? ({ type: 'take_over', agent } as const) : ({ type: 'claim', agent } as const);
    const result = d.lifecycle.apply(conversationId, move, {
      announce: () => void d.logger.info({ conversationId, agentId: agent.id }, 'conversation claimed'),
    });
    if (!result.moved) {
      const current = result.conversation;
      if (current.ownerId && current.ownerId !== agent.id) return { ok: false, reason: 'owned', ownerId: current.ownerId };
      if (current.state === 'resolved') return { ok: false, reason: 'resolved' };
      if (current.ownerId === agent.id) return { ok: true, conversation: current };
      throw new DomainError('conflict', 'The conversation changed while claiming it. Try again.');
    }
    const intro = d.localizer.t(result.conversation.language, 'chat', 'introduction', { name: agent.persona.name });
    d.log.append(conversationId, { role: 'agent', text: intro, agent: agent.persona });
    return { ok: true, conversation: result.conversation };
  }

  /**
   * An agent steps into a conversation the AI is handling (agent-initiated handoff, from the App
   * Home). One claim does it all: the escalation reason becomes `agent_takeover` and the agent the
   * owner, in one transaction; the customer gets state human and the introduction exactly as with a
   * Claim. `conversation.escalated` then announces it like any handoff, so the Slack side posts the
   * card (already showing the owner) with the conversation so far in its thread — or, when the
   * conversation had a thread before, says so there. A conversation that started waiting meanwhile
   * is simply claimed; someone else's is not taken (`owned`).
   */
  takeOver(conversationId: string, agent: Agent): ClaimResult {
    const before = this.d.lifecycle.get(conversationId);
    const result = this.claim(conversationId, agent);
    if (result.ok && before.state === 'ai') {
      const conversation = this.d.lifecycle.get(conversationId);
      this.d.bus.emit({
        type: 'conversation.escalated',
        conversation,
        reason: conversation.escalation ?? { kind: 'agent_takeover', detail: agent.persona.name },
      });
      return { ok: true, conversation };
    }
    return result;
  }

  /**
   * A reply written by an agent. The owner's reply reaches the customer; in an unowned conversation
   * the reply claims it first; anyone else's stays internal. The reply is group-committed; `remember`
   * runs in the transaction that stores it (the adapter keys it by its Slack ts there), and so does a
   * last check that the conversation is still open and nobody else took it — a resolve or another
   * agent's claim committed in between wins and the reply is not stored (what the agent wrote just
   * as the conversation went back to the AI still reaches the customer). `files` (stored already)
   * go with it; the text may then be empty.
   */
  async agentReply(conversationId: string, agent: Agent, text: string, remember?: (message: Message) => void, files?: FileRef[]): Promise<ReplyResult> {
    const { d } = this;
    let conversation = d.lifecycle.get(conversationId);
    if (conversation.state === 'resolved') return { relayed: false, reason: 'resolved' };
    let claimed = false;
    if (!conversation.ownerId) {
      const result = this.claim(conversationId, agent);
      if (!result.ok) {
        return result.reason === 'owned'
          ? { relayed: false, reason: 'not_owner', ownerId: result.ownerId }
          : { relayed: false, reason: 'resolved' };
      }
      conversation = result.conversation;
      claimed = true;
    }
    if (conversation.ownerId !== agent.id) return { relayed: false, reason: 'not_owner', ownerId: conversation.ownerId! };
    const now = d.clock.now().toISOString();
    let refused: ReplyResult | null = null;
    try {
      const draft = { role: 'agent' as const, text, agent: agent.persona, ...(files?.length ? { files } : {}) };
      const { message } = await d.log.appendDurably(conversationId, draft, (m) => {
        const current = d.lifecycle.get(conversationId);
        if (current.state === 'resolved') refused = { relayed: false, reason: 'resolved' };
        else if (current.ownerId && current.ownerId !== agent.id) refused = { relayed: false, reason: 'not_owner', ownerId: current.ownerId };
        if (refused) throw new ReplyRefused();
        if (!d.events.list(conversationId).some((e) => e.type === 'first_agent_reply' && e.at >= (current.claimedAt ?? ''))) {
          d.events.record(conversationId, 'first_agent_reply', { agentId: agent.id }, now);
        }
        remember?.(m);
      });
      return { relayed: true, message, claimed };
    } catch (err) {
      if (err instanceof ReplyRefused && refused) return refused;
      throw err;
    }
  }

  editAgentMessage(messageId: string, text: string): Message | null {
    const { d } = this;
    const message = d.messages.get(messageId);
    if (!message || message.role !== 'agent' || message.deletedAt) return null;
    if (message.text === text) return message;
    d.messages.updateText(messageId, text, d.clock.now().toISOString());
    const updated = d.messages.get(messageId)!;
    d.bus.emit({ type: 'message.updated', conversation: d.lifecycle.get(message.conversationId), message: updated });
    return updated;
  }

  deleteAgentMessage(messageId: string): Message | null {
    const { d } = this;
    const message = d.messages.get(messageId);
    if (!message || message.role !== 'agent' || message.deletedAt) return null;
    d.messages.markDeleted(messageId, d.clock.now().toISOString());
    const deleted = d.messages.get(messageId)!;
    d.bus.emit({ type: 'message.deleted', conversation: d.lifecycle.get(message.conversationId), message: deleted });
    return deleted;
  }

  /**
   * The owner or an admin closes the conversation; the customer is asked for a rating. In every
   * state: a conversation nobody owns (with the AI, waiting, queued) only an admin may close — a
   * stale card's Resolve button proves nothing about who may use it.
   */
  resolve(conversationId: string, agent: Agent): Conversation {
    const { d } = this;
    const before = d.lifecycle.get(conversationId);
    if (before.state === 'resolved') return before;
    if (before.ownerId !== agent.id && !agent.isAdmin) {
      throw new DomainError(
        'forbidden',
        before.ownerId ? `Only <@${before.ownerId}> or an admin can resolve this conversation.` : 'Only the agent who claims this conversation, or an admin, can resolve it.',
      );
    }
    const result = d.lifecycle.apply(conversationId, { type: 'resolve', agent });
    if (!result.moved) return result.conversation;
    d.log.append(conversationId, { role: 'system', text: d.localizer.t(before.language, 'chat', 'resolved') });
    return result.conversation;
  }

  /** The owner (or an admin) gives the conversation back to the AI. */
  handBack(conversationId: string, agent: Agent): Conversation {
    const { d } = this;
    const before = d.lifecycle.get(conversationId);
    if (before.state !== 'human') return before;
    if (before.ownerId !== agent.id && !agent.isAdmin) {
      throw new DomainError('forbidden', `Only <@${before.ownerId}> or an admin can hand this conversation back.`);
    }
    const result = d.lifecycle.apply(conversationId, { type: 'hand_back', agent });
    if (!result.moved) return result.conversation;
    d.log.append(conversationId, { role: 'ai', text: d.localizer.t(before.language, 'chat', 'handedBack', { name: agent.persona.name }) });
    return result.conversation;
  }
}

/** Thrown inside the reply's transaction to roll it back when the agent no longer owns the conversation. */
class ReplyRefused extends Error {}
