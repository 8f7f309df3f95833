import { generatedVisitorName } from '../core/visitor-names';
import type { DomainEvent, EventBus } from '../core/events';
import type { Ai, Clock, ConversationContext } from '../core/ports';
import type { Conversation, FileRef, Message } from '../core/types';
import type { AgentRepository } from '../db/agent-repository';
import type { ConversationRepository } from '../db/conversation-repository';
import type { MessageRepository } from '../db/message-repository';
import type { VisitorRepository } from '../db/visitor-repository';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { headsUpMessage } from './blocks/heads-up';
import { context, type SlackMessage } from './blocks/common';
import { handoffCard, type CardModel } from './blocks/handoff-card';
import { customerMessageBlocks, customerPoster, filesLine, threadNotice, transcriptMessages, transcriptTurn } from './blocks/thread-messages';
import { UPLOAD_FILE_METHOD } from './file-upload';
import type { EmailAgents } from './agent-emails';
import type { SlackOutbox } from './outbox';
import { escapeForSlack } from './text';
import type { SlackRepository } from './slack-repository';
import { cardOf, permalinkOf } from './thread-refs';
import type { ThreadTranslations } from './thread-translations';
import { translatedReplyPost } from './blocks/translations';

export interface SlackBridgeDeps {
  db: Database;
  outbox: SlackOutbox;
  slack: SlackRepository;
  visitors: VisitorRepository;
  messages: MessageRepository;
  agents: AgentRepository;
  conversations: ConversationRepository;
  /** Writes the AI summary at the top of a new card. */
  ai: Pick<Ai, 'summarise'>;
  /** A summary at once, without the network (the built-in AI's): the card is posted without waiting. */
  quickSummary: (ctx: ConversationContext) => string;
  clock: Clock;
  logger: Logger;
  /** Where new handoff threads go (SLACK_HANDOFF_CHANNEL). */
  channel: string;
  /** A team's own channel, when it has one. */
  teamChannel: (teamId: string) => string | null;
  /** Agents asked to take a conversation (routed or nudged), in order. */
  askedAgents: (conversationId: string) => string[];
  /** Emails the agents who opted in (a nudge's; a routing's go once the card has its link). */
  emailAgents: EmailAgents;
  /** The customer's language on the card, customer messages translated, translated replies (issue 22). */
  translations?: ThreadTranslations;
}

/** A conversation's card, its updates and its thread posts in the outbox (coalescing, moving channel). */
export const streamOf = (conversationId: string) => `conv:${conversationId}`;

/** How many conversations one @here links (the rest are counted). */
const BROADCAST_LINKS = 5;

/**
 * Domain events → Slack, through the outbox. A conversation's first escalation posts its card and
 * the transcript so far; later customer (and AI) messages follow in the thread; every state change
 * rewrites the card. Nothing here calls Slack directly, so nothing is lost when Slack is down.
 */
export class SlackBridge {
  constructor(private readonly d: SlackBridgeDeps) {}

  /**
   * Later messages of an escalated conversation go to its thread through the outbox in the same
   * transaction that stores them: a customer message is never acked without its Slack post queued.
   */
  attachToLog(log: { onWrite(hook: (message: Message) => void): () => void }): () => void {
    return log.onWrite((message) => {
      const conversation = this.d.conversations.get(message.conversationId);
      if (conversation) this.messageCreated(conversation, message);
    });
  }

  attach(bus: EventBus): () => void {
    return bus.subscribe((e) => this.onEvent(e));
  }

  /** The card as it should look now. */
  card(conversation: Conversation): SlackMessage {
    return handoffCard(this.cardModel(conversation));
  }

  /**
   * The conversation's thread is in `from`, where Slack takes no more posts (archived, the app
   * removed): it starts again in the default channel — a new card, a line saying why (`why`,
   * mrkdwn) and the whole conversation so far — and goes on there. Joins the caller's transaction;
   * `key` makes it idempotent. False when there is nowhere else to go.
   */
  rehome(conversationId: string, from: string, why: string, key: string): boolean {
    const { d } = this;
    const conversation = d.conversations.get(conversationId);
    const channel = d.channel;
    if (!conversation || !channel || channel === from) return false;
    d.db.tx(() => {
      d.slack.rehomeThread(conversationId, channel);
      const card = this.card(conversation);
      const stream = streamOf(conversationId);
      d.outbox.enqueue({
        lane: channel,
        method: 'chat.postMessage',
        args: { channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false },
        key: `card:${conversationId}:moved:${key}`,
        ref: { conversationId, kind: 'card' },
        priority: 'urgent',
        stream,
      });
      d.outbox.enqueue({
        lane: channel,
        method: 'chat.postMessage',
        args: { channel, thread_ts: cardOf(conversationId), text: `Moved here from <#${from}>`, blocks: [context([`📦 Moved here from <#${from}>: ${why}.`])] },
        key: `moved:${conversationId}:${key}`,
        stream,
      });
      const turns = d.messages.after(conversationId, 0).filter((m) => !m.deletedAt);
      transcriptMessages(turns.map(transcriptTurn), this.customerName(conversation)).forEach((part, i) => {
        d.outbox.enqueue({
          lane: channel,
          method: 'chat.postMessage',
          args: { channel, thread_ts: cardOf(conversationId), ...part, unfurl_links: false, unfurl_media: false },
          key: `transcript:${conversationId}:moved:${key}:${i}`,
          stream,
        });
      });
      for (const m of turns) if (m.role === 'customer') this.uploadFiles(channel, conversationId, m.files, `:moved:${key}`);
    });
    return true;
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
        // Posted from inside the message's own transaction (see attachToLog).
        return;
      case 'conversation.routed':
        return this.routed(e.conversation, e.agentIds, e.kind);
      case 'conversations.broadcast':
        return this.broadcast(e.conversations, e.waitedMinutes);
      case 'team.notified':
        return this.headsUp(e.conversation, e.teamId);
      case 'message.updated':
      case 'message.deleted':
      default:
        return;
    }
  }

  private escalated(conversation: Conversation): void {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const channel = (conversation.teamId && d.teamChannel(conversation.teamId)) || d.channel;
    const visitor = d.visitors.get(conversation.visitorId);
    const created = d.db.tx(() => {
      if (!d.slack.createThread(conversation.id, channel, now)) return null;
      const turns = d.messages.after(conversation.id, 0).filter((m) => !m.deletedAt);
      const summarised: ConversationContext | null = visitor ? { conversation, visitor, history: turns } : null;
      if (summarised) d.slack.setSummary(conversation.id, d.quickSummary(summarised));
      const card = this.card(conversation);
      d.outbox.enqueue({
        lane: channel,
        method: 'chat.postMessage',
        args: { channel, text: card.text, blocks: card.blocks, unfurl_links: false, unfurl_media: false },
        key: `card:${conversation.id}`,
        ref: { conversationId: conversation.id, kind: 'card' },
        // A customer asking for a person never waits behind other customers' thread posts.
        priority: 'urgent',
        stream: streamOf(conversation.id),
      });
      const customerName = this.customerName(conversation);
      transcriptMessages(turns.map(transcriptTurn), customerName).forEach((part, i) => {
        d.outbox.enqueue({
          lane: channel,
          method: 'chat.postMessage',
          args: { channel, thread_ts: cardOf(conversation.id), ...part, unfurl_links: false, unfurl_media: false },
          key: `transcript:${conversation.id}:${i}`,
          stream: streamOf(conversation.id),
        });
      });
      // The files the customer sent so far follow the transcript, in order.
      for (const m of turns) if (m.role === 'customer') this.uploadFiles(channel, conversation.id, m.files);
      d.translations?.queueTranscript(conversation, turns);
      return { summarised };
    });
    if (created?.summarised) this.refineSummary(created.summarised);
    if (!created) {
      // Escalated again (after a reopening or a hand back): the same thread carries on.
      this.updateCard(conversation);
      this.notice(conversation.id, `🔁 Escalated again: ${this.reasonLine(conversation)}`);
    }
  }

  /**
   * Asks the AI for the card's summary after the card went out with the quick one; when it differs,
   * it replaces it and the card (as it is by then) is rewritten.
   */
  private refineSummary(ctx: ConversationContext): void {
    const { d } = this;
    const id = ctx.conversation.id;
    d.ai
      .summarise(ctx)
      .then((result) => {
        const summary = result.summary.trim();
        if (!summary || summary === d.slack.thread(id)?.summary) return;
        d.slack.setSummary(id, summary);
        const current = d.conversations.get(id);
        if (current) this.updateCard(current);
      })
      .catch((err: unknown) => d.logger.warn({ err, conversationId: id }, 'the AI summary for the card failed; the card keeps the quick one'));
  }

  private messageCreated(conversation: Conversation, message: Message): void {
    const { d } = this;
    // A reply sent translated shows both texts (taken first: it is noted for this transaction only).
    const translated = message.role === 'agent' ? d.translations?.takeReply(message.id) : undefined;
    const thread = d.slack.thread(conversation.id);
    if (!thread) return;
    if (translated) return this.post(thread.channel, conversation.id, translatedReplyPost(translated));
    // Replies typed in Slack are there already.
    if (message.role === 'agent' && d.slack.isRelayedMessage(message.id)) return;
    switch (message.role) {
      case 'customer': {
        const name = this.customerName(conversation);
        // Under the visitor's name marked as a customer's, with the customer icon: never passing for an
        // agent. Those still waiting for Slack merge into one post (mergeCustomerPosts); its files follow
        // it, each its own item in the same stream, so a later post never merges past them.
        this.post(thread.channel, conversation.id, customerMessageBlocks(message.text || filesLine(message.files ?? [])), customerPoster(name), 'append');
        this.uploadFiles(thread.channel, conversation.id, message.files);
        d.translations?.queueCustomerMessage(conversation, message);
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

  /**
   * A nudge round called the channel for these conversations: one @here per channel (the handoff
   * channel, or a team's), linking the first few and counting the rest, never one per conversation.
   */
  private broadcast(conversations: { id: string; teamId: string | null }[], waitedMinutes: number): void {
    const { d } = this;
    const channels = new Map<string | null, string>();
    const byChannel = new Map<string, string[]>();
    for (const c of conversations) {
      let channel = channels.get(c.teamId);
      if (channel === undefined) channels.set(c.teamId, (channel = (c.teamId && d.teamChannel(c.teamId)) || d.channel));
      const ids = byChannel.get(channel);
      if (ids) ids.push(c.id);
      else byChannel.set(channel, [c.id]);
    }
    for (const [channel, ids] of byChannel) {
      // Linked only once their card is posted (a link resolves when its post goes out).
      const linked: string[] = [];
      for (const id of ids) {
        if (linked.length === BROADCAST_LINKS) break;
        if (d.slack.thread(id)) linked.push(id);
      }
      if (!linked.length) continue;
      const links = linked.flatMap((id, i) => (i ? [' · ', permalinkOf(id)] : [permalinkOf(id)]));
      const more = ids.length - linked.length;
      const text =
        ids.length === 1
          ? ['<!here> A customer has been waiting for a while and nobody has claimed it yet: ', ...links]
          : [
              `<!here> ${ids.length.toLocaleString('en-US')} customers have been waiting over ${waitedMinutes} minutes and nobody has claimed them yet: `,
              ...links,
              ...(more > 0 ? [` and ${more.toLocaleString('en-US')} more`] : []),
            ];
      d.outbox.enqueue({
        lane: channel,
        method: 'chat.postMessage',
        args: { channel, text: { $format: text }, unfurl_links: false },
        priority: 'urgent',
      });
    }
  }

  /**
   * Someone was asked to take a conversation. Each agent gets a direct message with the link (the
   * push notification on Slack mobile) and, if they opted in, an email; a nudge also says so in the
   * thread.
   */
  private routed(conversation: Conversation, agentIds: string[], kind: 'routed' | 'nudged'): void {
    const { d } = this;
    const thread = d.slack.thread(conversation.id);
    if (!thread) return;
    const who = this.customerName(conversation);
    const link = permalinkOf(conversation.id);
    if (kind === 'nudged') {
      this.updateCard(conversation);
      d.outbox.enqueue({
        lane: thread.channel,
        method: 'chat.postMessage',
        args: {
          channel: thread.channel,
          thread_ts: cardOf(conversation.id),
          text: `⏰ Still unclaimed. ${agentIds.map((id) => `<@${id}>`).join(' ')}, can you take it?`,
        },
        // It calls people now: not after the thread's backlog.
        priority: 'urgent',
        stream: streamOf(conversation.id),
      });
    }
    const intro = kind === 'nudged' ? '⏰ Still waiting for someone' : '🙋 A customer needs you';
    for (const agentId of agentIds) {
      d.outbox.enqueue({
        lane: `dm:${agentId}`,
        method: 'chat.postMessage',
        args: {
          channel: agentId,
          text: { $format: [`${intro}: ${escapeForSlack(who)} (${this.reasonLine(conversation)}). Open the conversation: `, link] },
          unfurl_links: false,
        },
      });
    }
    if (kind === 'nudged') d.emailAgents(conversation.id, agentIds, kind);
  }

  /** A rule's heads-up to a team: who, where, why, with Take over — the conversation stays with the AI. */
  private headsUp(conversation: Conversation, teamId: string): void {
    const { d } = this;
    const channel = d.teamChannel(teamId) || d.channel;
    const message = headsUpMessage({
      conversationId: conversation.id,
      teamId,
      customerName: this.customerName(conversation),
      verified: d.visitors.get(conversation.visitorId)?.verified ?? false,
      pageUrl: conversation.pageUrl,
    });
    d.outbox.enqueue({
      lane: channel,
      method: 'chat.postMessage',
      args: { channel, ...message, unfurl_links: false },
      key: `heads-up:${conversation.id}:${teamId}`,
      priority: 'urgent',
    });
  }

  private updateCard(conversation: Conversation): void {
    const thread = this.d.slack.thread(conversation.id);
    if (!thread) return;
    const card = this.card(conversation);
    this.d.outbox.enqueue({
      lane: thread.channel,
      method: 'chat.update',
      args: { channel: thread.channel, ts: cardOf(conversation.id), text: card.text, blocks: card.blocks },
      // Who owns it and its state go before thread backfill; a newer card replaces one not sent yet.
      priority: 'urgent',
      stream: streamOf(conversation.id),
      merge: 'replace',
    });
  }

  private post(channel: string, conversationId: string, message: SlackMessage, extra: Record<string, unknown> = {}, merge?: 'append'): void {
    this.d.outbox.enqueue({
      lane: channel,
      method: 'chat.postMessage',
      args: { channel, thread_ts: cardOf(conversationId), ...message, ...extra, unfurl_links: false, unfurl_media: false },
      stream: streamOf(conversationId),
      ...(merge ? { merge } : {}),
    });
  }

  /** A customer's files into the conversation's thread, one outbox item each (file-upload.ts), once each per thread. */
  private uploadFiles(channel: string, conversationId: string, files: readonly FileRef[] | undefined, keySuffix = ''): void {
    for (const file of files ?? []) {
      this.d.outbox.enqueue({
        lane: channel,
        method: UPLOAD_FILE_METHOD,
        args: { fileId: file.id, channel, thread_ts: cardOf(conversationId) },
        key: `file:${file.id}${keySuffix}`,
        stream: streamOf(conversationId),
      });
    }
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
      summary: d.slack.thread(conversation.id)?.summary ?? null,
      state: conversation.state,
      owner: owner ? { slackUserId: owner.id, name: owner.persona.name } : null,
      waitingSince: conversation.state === 'waiting' || conversation.state === 'queued' ? conversation.escalatedAt : null,
      mentionUserIds: conversation.state === 'waiting' || conversation.state === 'queued' ? d.askedAgents(conversation.id) : [],
      now: d.clock.now().toISOString(),
      language: d.translations?.cardLanguage(conversation) ?? null,
    };
  }
}
