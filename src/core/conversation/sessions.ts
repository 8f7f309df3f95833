import { matchLanguage } from '../../i18n/languages';
import type { Localizer } from '../../i18n/localizer';
import { z } from 'zod';
import { DomainError } from '../errors';
import type { EventBus } from '../events';
import { newId } from '../ids';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { MessageLog } from '../message-log';
import type { Clock } from '../ports';
import type { ConversationStore, EventStore, GroupedWrites, Transactions, VisitorStore } from '../stores';
import type { Conversation, Visitor } from '../types';
import { verifyIdentity, type VisitorTokens } from '../visitor-tokens';
import type { Logger } from '../../logger';

export interface SessionsDeps {
  db: Transactions;
  /** Writes that ride on the next group commit (seen marks). */
  commit: GroupedWrites;
  lifecycle: Lifecycle;
  visitors: VisitorStore;
  conversations: ConversationStore;
  events: EventStore;
  log: MessageLog;
  bus: EventBus;
  clock: Clock;
  tokens: VisitorTokens;
  reopenTokens: VisitorTokens;
  identitySecret: string | undefined;
  logger: Logger;
  /** What the customer is told, in their language. */
  localizer: Localizer;
}

export interface SessionInput {
  token?: string;
  /** From a follow-up email's link: opens that visitor's conversation. */
  reopen?: string;
  visitor?: {
    name?: string;
    email?: string;
    userId?: string;
    userHash?: string;
    attributes?: Record<string, string | number | boolean>;
  };
  page?: { url: string; title?: string };
  /** The widget's language (hello `lang`); one we do not speak is ignored. */
  lang?: string;
}

export interface Session {
  token: string;
  visitor: Visitor;
  conversation: Conversation;
}

const emailSchema = z.email();

/**
 * The customer's session: who they are (tokens, reopen links, signed-in identity), what they told
 * us about themselves (email), what they have seen, and their rating.
 */
export class Sessions {
  constructor(private readonly d: SessionsDeps) {}

  /** Finds or creates the visitor and their conversation; commits at once. */
  open(input: SessionInput): Session {
    const { d } = this;
    const now = d.clock.now();
    const nowIso = now.toISOString();
    let created: string | null = null;
    const session = d.db.tx((): Session => {
      // A reopen link opens its conversation once (recorded in this transaction, so of two uses,
      // even concurrent, one wins); used again it counts for nothing.
      const link = input.reopen ? d.reopenTokens.read(input.reopen, now) : null;
      const reopened =
        link && d.visitors.get(link.visitorId) && d.visitors.useReopenLink(link.id, link.visitorId, nowIso, new Date(link.exp! * 1000).toISOString())
          ? link
          : null;
      const claims = reopened ?? (input.token ? d.tokens.read(input.token, now) : null);
      let visitor = claims ? d.visitors.get(claims.visitorId) : undefined;

      const claimed = input.visitor;
      const verifiedUserId =
        claimed?.userId && claimed.userHash && verifyIdentity(d.identitySecret, claimed.userId, claimed.userHash)
          ? claimed.userId
          : null;
      if (verifiedUserId) {
        const owner = d.visitors.findVerified(verifiedUserId);
        if (owner) visitor = owner; // the same signed-in user on another device or browser
        else if (visitor?.verified) visitor = undefined; // this browser belonged to another signed-in user
      }

      let conversation: Conversation | undefined;
      if (!visitor) {
        visitor = { id: newId('v'), name: null, email: null, userId: null, verified: false, attributes: {}, createdAt: nowIso };
        d.visitors.insert(visitor, nowIso);
        conversation = d.lifecycle.create(visitor.id, nowIso);
        created = conversation.id;
      }

      if (verifiedUserId && !visitor.verified) visitor = { ...visitor, verified: true, userId: verifiedUserId };
      if (claimed?.name?.trim()) visitor = { ...visitor, name: claimed.name.trim() };
      if (claimed?.email && emailSchema.safeParse(claimed.email.trim()).success) visitor = { ...visitor, email: claimed.email.trim() };
      if (claimed?.attributes) {
        const attrs = Object.fromEntries(Object.entries(claimed.attributes).map(([k, v]) => [k, String(v)]));
        visitor = { ...visitor, attributes: { ...visitor.attributes, ...attrs } };
      }
      d.visitors.update(visitor, nowIso);

      conversation ??= d.conversations.byVisitor(visitor.id);
      if (!conversation) throw new Error(`visitor ${visitor.id} has no conversation`);
      if (input.page?.url) {
        d.conversations.setPage(conversation.id, input.page.url, input.page.title ?? null, nowIso);
        conversation = d.conversations.load(conversation.id);
      }
      const language = matchLanguage(input.lang);
      if (language && language !== conversation.language) {
        d.conversations.setLanguage(conversation.id, language, nowIso);
        conversation = d.conversations.load(conversation.id);
      }
      // A session opened by a reopen link ends when the link would have: its token, renewed at every
      // welcome, keeps the link's expiry (a verified identity grants access on its own).
      const exp = claims?.visitorId === visitor.id && !verifiedUserId ? claims.exp : undefined;
      return { token: d.tokens.issue(visitor.id, now, exp), visitor, conversation };
    });
    // Once committed (here, or with the group commit this runs in), with nothing said in it yet:
    // its first turn need not read its history.
    const startedEmpty = created;
    if (startedEmpty) d.db.afterCommit(() => d.log.startedEmpty(startedEmpty));
    return session;
  }

  /**
   * Whose a widget token is, for requests outside the socket (uploads): the visitor and their
   * conversation, or null for a forged, expired or unknown one. A token is only issued in a
   * welcome, which created both, so nothing is created here.
   */
  holder(token: string): { visitorId: string; conversationId: string } | null {
    const claims = this.d.tokens.read(token, this.d.clock.now());
    if (!claims || !this.d.visitors.get(claims.visitorId)) return null;
    const conversation = this.d.conversations.byVisitor(claims.visitorId);
    return conversation ? { visitorId: claims.visitorId, conversationId: conversation.id } : null;
  }

  /**
   * The customer's widget showed everything up to `seq` (so it need not be emailed). Stored with the
   * next group commit: a seen mark lost in a crash only means an email that was not needed.
   */
  markSeen(conversationId: string, seq: number): void {
    if (seq <= 0) return;
    this.d.commit
      .run(() => this.d.conversations.markSeen(conversationId, seq), undefined, conversationId)
      .catch((err: unknown) => this.d.logger.error({ err, conversationId }, 'could not store what the customer has seen'));
  }

  setEmail(conversationId: string, email: string): void {
    const { d } = this;
    const clean = email.trim();
    if (!emailSchema.safeParse(clean).success) {
      throw new DomainError('invalid_email', 'That does not look like an email address. Please check it.');
    }
    const now = d.clock.now().toISOString();
    const conversation = d.lifecycle.get(conversationId);
    const visitor = d.visitors.get(conversation.visitorId);
    if (!visitor) throw new DomainError('not_found', 'This conversation no longer exists.');
    d.db.tx(() => {
      d.visitors.update({ ...visitor, email: clean }, now);
      d.events.record(conversationId, 'email_captured', {}, now);
    });
    d.bus.emit({ type: 'visitor.email', conversation, email: clean });
    d.log.append(conversationId, { role: 'ai', text: d.localizer.t(conversation.language, 'chat', 'emailSaved', { email: clean }) });
  }

  rate(conversationId: string, score: number, comment: string | undefined): void {
    const { d } = this;
    const conversation = d.lifecycle.get(conversationId);
    if (conversation.state !== 'resolved') {
      throw new DomainError('not_resolved', 'You can rate the conversation once it is resolved.');
    }
    const now = d.clock.now().toISOString();
    const clean = comment?.trim() || null;
    // In a transaction: what the event's hooks write (a webhook delivery) commits with it.
    d.db.tx(() => d.events.record(conversationId, 'rated', { score, comment: clean }, now));
    d.bus.emit({ type: 'conversation.rated', conversation, score, comment: clean });
    d.log.append(conversationId, { role: 'ai', text: d.localizer.t(conversation.language, 'chat', 'ratingThanks') });
  }
}
