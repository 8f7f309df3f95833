import { generatedVisitorName } from '../core/visitor-names';
import type { DomainEvent, EventBus } from '../core/events';
import type { Clock } from '../core/ports';
import type { Conversation, Message } from '../core/types';
import type { AgentRepository } from '../db/agent-repository';
import type { MessageRepository } from '../db/message-repository';
import type { VisitorRepository } from '../db/visitor-repository';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { customerMessageBlocks, handoffCard, threadNotice, transcriptMessages, type CardModel, type SlackMessage } from './blocks/handoff-card';
import type { SlackOutbox } from './outbox';
import type { SlackRepository } from './slack-repository';

export interface SlackBridgeDeps {
  db: Database;
  outbox: SlackOutbox;
  slack: SlackRepository;
  visitors: VisitorRepository;
  messages: MessageRepository;
  agents: AgentRepository;
  clock: Clock;
  logger: Logger;
  /** Where new handoff threads go (SLACK_HANDOFF_CHANNEL). */
  channel: string;
}

/** Placeholder the outbox resolves to the card's ts once the card has been posted. */
export const cardOf = (conversationId: string) => ({ $cardOf: conversationId });

/**
 * Domain events → Slack, through the outbox. A conversation's first escalation posts its card and
 * the transcript so far; later customer (and AI) messages follow in the thread; every state change
 * rewrites the card. Nothing here calls Slack directly, so nothing is lost when Slack is down.
 */
export class SlackBridge {
  constructor(private readonly d: SlackBridgeDeps) {}

  attach(bus: EventBus): () => void {
    return bus.subscribe((e) => this.onEvent(e));
  }

  /** The outbox calls this when an item went out: the card's ts becomes the thread. */
  onSent(ref: unknown, result: Record<string, unknown>): void {
    const r = ref as { conversationId?: string; kind?: string } | null;
    if (r?.kind === 'card' && r.conversationId && typeof result.ts === 'string') {
      this.d.slack.setThreadTs(r.conversationId, result.ts);
    }
  }

  /** Resolves `{$cardOf: id}` placeholders; undefined while the card is not posted yet. */
  lookup(op: string, value: unknown): unknown {
    if (op === '$cardOf' && typeof value === 'string') return this.d.slack.thread(value)?.ts ?? undefined;
    return undefined;
  }

  /** The card as it should look now. */
  card(conversation: Conversation): SlackMessage {
    return handoffCard(this.cardModel(conversation));
  }

  /** Posts a line in the conversation's thread (if it has one). */
  notice(conversationId: string, text: string): void {
    const thread = this.d.slack.thread(conversationId);
    if (!thread) return;
    this.post(thread.channel, conversationId, threadNotice(text));
  }

  private onEvent(e: DomainEvent): void {
    switch (e.type) {
      case 'conversation.escalated':
        return this.escalated(e.conversation);
      case 'conversation.state':
        this.updateCard(e.conversation);
        if (e.previous === 'resolved' && e.conversation.state === 'ai') {
          this.notice(e.conversation.id, '↩️ The customer came back; the conversation is with the AI again.');
        }
        return;
      case 'message.created':
        return this.messageCreated(e.conversation, e.message);
      case 'message.updated':
      case 'message.deleted':
      default:
        return;
    }
  }

  private escalated(conversation: Conversation): void {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const created = d.db.tx(() => {
      if (!d.slack.createThread(conversation.id, d.channel, now)) return false;
      const card = this.card(conversation);
      d.outbox.enqueue({
        lane: d.channel,
        method: 'chat.postMessage',
        args: { channel: d.channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false },
        key: `card:${conversation.id}`,
        ref: { conversationId: conversation.id, kind: 'card' },
      });
      const turns = d.messages.after(conversation.id, 0).filter((m) => !m.deletedAt);
      const customerName = this.customerName(conversation);
      transcriptMessages(
        turns.map((m) => ({ role: m.role, text: m.text, at: m.createdAt, agentName: m.agent?.name })),
        customerName,
      ).forEach((part, i) => {
        d.outbox.enqueue({
          lane: d.channel,
          method: 'chat.postMessage',
          args: { channel: d.channel, thread_ts: cardOf(conversation.id), ...part, unfurl_links: false, unfurl_media: false },
          key: `transcript:${conversation.id}:${i}`,
        });
      });
      return true;
    });
    if (!created) {
      // Escalated again (after a reopening or a hand back): the same thread carries on.
      this.updateCard(conversation);
      this.notice(conversation.id, `🔁 Escalated again: ${this.reasonLine(conversation)}`);
    }
  }

  private messageCreated(conversation: Conversation, message: Message): void {
    const { d } = this;
    const thread = d.slack.thread(conversation.id);
    if (!thread) return;
    // Replies typed in Slack are there already.
    if (message.role === 'agent' && d.slack.isRelayedMessage(message.id)) return;
    switch (message.role) {
      case 'customer': {
        const name = this.customerName(conversation);
        this.post(thread.channel, conversation.id, customerMessageBlocks(message.text), { username: name.slice(0, 80) });
        return;
      }
      case 'ai':
        this.post(thread.channel, conversation.id, threadNotice(`🤖 AI to the customer: ${message.text}`));
        return;
      case 'agent':
        this.post(thread.channel, conversation.id, threadNotice(`💬 Sent to the customer as ${message.agent?.name ?? 'the agent'}: ${message.text}`));
        return;
      case 'system':
        this.post(thread.channel, conversation.id, threadNotice(`ℹ️ ${message.text}`));
        return;
    }
  }

  private updateCard(conversation: Conversation): void {
    const thread = this.d.slack.thread(conversation.id);
    if (!thread) return;
    const card = this.card(conversation);
    this.d.outbox.enqueue({
      lane: thread.channel,
      method: 'chat.update',
      args: { channel: thread.channel, ts: cardOf(conversation.id), text: card.text, blocks: card.blocks },
    });
  }

  private post(channel: string, conversationId: string, message: SlackMessage, extra: Record<string, unknown> = {}): void {
    this.d.outbox.enqueue({
      lane: channel,
      method: 'chat.postMessage',
      args: { channel, thread_ts: cardOf(conversationId), ...message, ...extra, unfurl_links: false, unfurl_media: false },
    });
  }

  private customerName(conversation: Conversation): string {
    const visitor = this.d.visitors.get(conversation.visitorId);
    return visitor?.name || generatedVisitorName(conversation.visitorId);
  }

  private reasonLine(conversation: Conversation): string {
    const kind = conversation.escalation?.kind ?? 'customer_asked';
    return kind.replace(/_/g, ' ');
  }

  private cardModel(conversation: Conversation): CardModel {
    const { d } = this;
    const visitor = d.visitors.get(conversation.visitorId);
    const owner = conversation.ownerId ? d.agents.get(conversation.ownerId) : undefined;
    return {
      conversationId: conversation.id,
      customer: {
        name: visitor?.name ?? null,
        email: visitor?.email ?? null,
        verified: visitor?.verified ?? false,
        generatedName: generatedVisitorName(conversation.visitorId),
      },
      page: { url: conversation.pageUrl, title: conversation.pageTitle },
      reason: conversation.escalation ?? { kind: 'customer_asked' },
      state: conversation.state,
      owner: owner ? { slackUserId: owner.id, name: owner.persona.name } : null,
      waitingSince: conversation.state === 'waiting' || conversation.state === 'queued' ? conversation.escalatedAt : null,
      mentionUserIds: [],
      now: d.clock.now().toISOString(),
    };
  }
}
