import type { Clock } from './ports';
import type { SettingsService } from './settings';
import type { VisitorTokens } from './visitor-tokens';
import type { ConversationStore, EventStore, MessageStore, NewEmail, Transactions } from './stores';
import type { FileRef } from './types';
import type { Logger } from '../logger';
import type { Localizer } from '../i18n/localizer';
import type { Language } from '../i18n/languages';

export const REOPEN_TTL_DAYS = 7;

/** A file of an emailed reply, with a link that works as long as the email's reopen link. */
export interface EmailFile {
  name: string;
  size: number;
  url: string;
}

/** One unseen reply as the email shows it. */
export interface EmailReply {
  text: string;
  files: EmailFile[];
}

/** What the follow-up email says: the agent's unseen replies and the link that reopens the chat. */
export interface FollowUpContent {
  product: string;
  agentName: string;
  replies: EmailReply[];
  reopenUrl: string;
  expiresDays: number;
  /** The customer's language: the email is written in it. */
  language: Language;
}

export interface FollowUpDeps {
  db: Transactions;
  events: EventStore;
  messages: MessageStore;
  /** The conversation's language (the email's). */
  conversations: Pick<ConversationStore, 'get'>;
  localizer: Localizer;
  settings: SettingsService;
  clock: Clock;
  logger: Logger;
  reopenTokens: VisitorTokens;
  /** Stores an email for delivery (in the caller's transaction). */
  sendEmail: (email: NewEmail) => number | null;
  /** Writes the email (the email templates). */
  composeFollowUp: (content: FollowUpContent) => { subject: string; text: string; html: string };
  /** Seconds an agent reply may stay unseen before it is emailed (OFFLINE_EMAIL_DELAY_S). */
  delaySeconds: number;
  publicUrl: string;
  /** A signed link to a file, good for `ttlSeconds`; without it files are named without links. */
  fileLink?: (file: FileRef, ttlSeconds: number) => string;
}

/**
 * Offline follow-up: an agent reply the customer has not seen within the delay is emailed to them,
 * once, with every other unseen reply of the conversation batched into the same email, the agent's
 * name and a signed, expiring link that reopens the chat.
 */
export class OfflineFollowUp {
  constructor(private readonly d: FollowUpDeps) {}

  /** Sends what is due; returns the conversation ids emailed. */
  run(): string[] {
    const { d } = this;
    const now = d.clock.now();
    const cutoff = new Date(now.getTime() - d.delaySeconds * 1000).toISOString();
    const due = d.messages.unseenAgentReplies();
    // Wait until the oldest unseen reply of a conversation is past the delay, then send them all.
    const byConversation = new Map<string, typeof due>();
    for (const row of due) {
      const list = byConversation.get(row.conversationId) ?? [];
      list.push(row);
      byConversation.set(row.conversationId, list);
    }
    const sent: string[] = [];
    const product = d.settings.get().widgetTitle;
    for (const [conversationId, rows] of byConversation) {
      if (rows[0]!.createdAt > cutoff) continue;
      const language = d.localizer.language(d.conversations.get(conversationId)?.language);
      const agentName = rows.at(-1)!.agentName ?? d.localizer.t(language, 'email', 'ourTeam');
      // `hl`: the reopen page greets the customer in the language of the email.
      const reopenUrl = `${d.publicUrl}/?handoff_reopen=${encodeURIComponent(d.reopenTokens.issue(rows[0]!.visitorId, now))}&hl=${encodeURIComponent(language)}`;
      const replies = rows.map((r) => ({
        text: r.text,
        // The links last as long as the reopen link: the customer may read the email days later.
        files: (r.files ?? []).map((f) => ({ name: f.name, size: f.size, url: d.fileLink?.(f, REOPEN_TTL_DAYS * 86_400) ?? '' })),
      }));
      const email = d.composeFollowUp({ product, agentName, replies, reopenUrl, expiresDays: REOPEN_TTL_DAYS, language });
      const at = now.toISOString();
      d.db.tx(() => {
        d.sendEmail({
          kind: 'offline_reply',
          to: rows[0]!.email!,
          subject: email.subject,
          text: email.text,
          html: email.html,
          key: `offline:${rows.map((r) => r.id).join(',')}`,
          conversationId,
        });
        d.messages.markEmailed(rows.map((r) => r.id), at);
        d.events.record(conversationId, 'emailed', { replies: rows.length }, at);
      });
      d.logger.info({ conversationId, replies: rows.length }, 'unseen agent replies emailed to the customer');
      sent.push(conversationId);
    }
    return sent;
  }
}
