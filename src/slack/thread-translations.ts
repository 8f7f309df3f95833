import { describeFailure } from '../ai/fallback-ai';
import type { Translator } from '../ai/translator';
import type { SettingsService } from '../core/settings';
import type { Conversation, Message } from '../core/types';
import { generatedVisitorName } from '../core/visitor-names';
import type { MessageRepository } from '../db/message-repository';
import type { VisitorRepository } from '../db/visitor-repository';
import { LANGUAGE_INFO, type Language } from '../i18n/languages';
import type { Logger } from '../logger';
import type { CardModel } from './blocks/handoff-card';
import { customerPoster } from './blocks/thread-messages';
import { customerTranslationPost, type TranslatedReply } from './blocks/translations';
import type { SlackOutbox } from './outbox';
import type { SlackRepository } from './slack-repository';
import { cardOf } from './thread-refs';

/**
 * A handoff thread in two languages (issue 22): when the customer's language is not the
 * workspace's and OpenAI is configured, each customer message posted in the thread is followed by
 * its translation, and agents can send a reply translated into the customer's language.
 *
 * A message's translation is an outbox item of its own (TRANSLATE_METHOD), queued in the message's
 * transaction beside its post: the post never waits on OpenAI, the translation survives a restart,
 * and instances sharing the database translate each message once (the item's key, the lane's
 * lease). Its call translates and queues the translated post, keyed by the message, after the
 * original in the thread's lane: a retry or a restart never posts it twice. OpenAI failing leaves
 * the post untranslated (logged); a stop in the middle leaves the item to the next start.
 */

/** The outbox method of a message's translation (never sent to Slack: the outbox's call runs it here). */
export const TRANSLATE_METHOD = 'handoff.translate';
/**
 * Translations wait on OpenAI, so they have lanes of their own (a lane's items go one by one):
 * a conversation's always in the same one, in order; a few at once, never all of the outbox's.
 */
const TRANSLATE_LANES = 2;
/** At escalation, the customer's latest messages in the transcript are translated too. */
const TRANSCRIPT_TRANSLATIONS = 5;

export interface ThreadTranslationsDeps {
  /** null: OpenAI is not configured, nothing is translated nor offered. */
  translator: Translator | null;
  settings: Pick<SettingsService, 'get'>;
  messages: Pick<MessageRepository, 'get'>;
  visitors: Pick<VisitorRepository, 'get'>;
  conversations: { get(id: string): Conversation | undefined };
  slack: Pick<SlackRepository, 'thread'>;
  outbox: Pick<SlackOutbox, 'enqueue'>;
  logger: Logger;
}

export interface LanguagePair {
  customer: Language;
  workspace: Language;
}

function laneOf(conversationId: string): string {
  let h = 0;
  for (const c of conversationId) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return `translate:${h % TRANSLATE_LANES}`;
}

export class ThreadTranslations {
  /** Translated replies between their transaction's alsoInTx and the bridge's hook (same process, same transaction). */
  private readonly replies = new Map<string, TranslatedReply>();

  constructor(private readonly d: ThreadTranslationsDeps) {}

  /** The customer's language (not said: the admins' default) and the workspace's. */
  languages(conversation: Conversation): LanguagePair {
    const s = this.d.settings.get();
    return { customer: conversation.language ?? s.defaultLanguage, workspace: s.workspaceLanguage };
  }

  /** The two languages when this conversation is translated, else null. */
  pair(conversation: Conversation): LanguagePair | null {
    if (!this.d.translator) return null;
    const p = this.languages(conversation);
    return p.customer === p.workspace ? null : p;
  }

  /** The card's language field: when the customer said it, or when it is not the workspace's. */
  cardLanguage(conversation: Conversation): CardModel['language'] {
    const p = this.languages(conversation);
    if (conversation.language === null && p.customer === p.workspace) return null;
    const info = LANGUAGE_INFO[p.customer];
    return { name: info.name, native: info.native, replyIn: this.pair(conversation) !== null };
  }

  /** A customer message's translation, queued in its transaction (after its post). */
  queueCustomerMessage(conversation: Conversation, message: Message): void {
    if (message.role !== 'customer' || !message.text.trim() || !this.pair(conversation)) return;
    this.d.outbox.enqueue({
      lane: laneOf(conversation.id),
      method: TRANSLATE_METHOD,
      args: { conversationId: conversation.id, messageId: message.id },
      key: `translate:${message.id}`,
    });
  }

  /** At escalation: the customer's latest messages of the transcript, translated after it. */
  queueTranscript(conversation: Conversation, turns: readonly Message[]): void {
    const customer = turns.filter((m) => m.role === 'customer' && m.text.trim());
    for (const m of customer.slice(-TRANSCRIPT_TRANSLATIONS)) this.queueCustomerMessage(conversation, m);
  }

  /**
   * The outbox's call for TRANSLATE_METHOD: translates the message as it is now (edited, deleted or
   * erased since: nothing) and queues its translated post. Throws only when stopped (the item waits
   * for the next start); any other failure is logged and the message stays untranslated.
   */
  async run(args: Record<string, unknown>): Promise<Record<string, unknown>> {
    const { d } = this;
    const conversationId = String(args.conversationId ?? '');
    const messageId = String(args.messageId ?? '');
    const conversation = d.conversations.get(conversationId);
    const message = d.messages.get(messageId);
    const pair = conversation ? this.pair(conversation) : null;
    if (!conversation || !message || message.deletedAt || !message.text.trim() || !pair || !d.translator) return { ok: true, translated: false };
    let translation: string;
    try {
      translation = await d.translator.translate(message.text, pair.customer, pair.workspace);
    } catch (err) {
      const failure = describeFailure(err);
      if (failure.kind === 'aborted') throw err;
      d.logger.warn({ conversationId, messageId, failure }, 'translating a customer message failed; it stays untranslated in the thread');
      return { ok: true, translated: false };
    }
    const thread = d.slack.thread(conversationId);
    if (!thread) return { ok: true, translated: false };
    const visitor = d.visitors.get(conversation.visitorId);
    const post = customerTranslationPost(translation, LANGUAGE_INFO[pair.customer].name, LANGUAGE_INFO[pair.workspace].name);
    d.outbox.enqueue({
      lane: thread.channel,
      method: 'chat.postMessage',
      args: {
        channel: thread.channel,
        thread_ts: cardOf(conversationId),
        ...post,
        // Under the customer's name and icon, like the message: an erasure finds and removes it with hers.
        ...customerPoster(visitor?.name || generatedVisitorName(conversation.visitorId)),
        unfurl_links: false,
        unfurl_media: false,
      },
      key: `translation:${messageId}`,
      stream: `conv:${conversationId}`,
    });
    return { ok: true, translated: true };
  }

  /** An agent's reply in the workspace's language, translated into the customer's; throws when it cannot be. */
  async translateReply(conversation: Conversation, text: string): Promise<{ translation: string; pair: LanguagePair }> {
    const pair = this.pair(conversation);
    if (!pair || !this.d.translator) throw new Error('this conversation is not translated');
    return { translation: await this.d.translator.translate(text, pair.workspace, pair.customer), pair };
  }

  /** Called in the reply's transaction: the bridge posts it with both texts (takeReply) instead of the plain line. */
  noteReply(messageId: string, reply: TranslatedReply): void {
    this.replies.set(messageId, reply);
  }

  /** The bridge's hook, in the same transaction: the translated reply, once. */
  takeReply(messageId: string): TranslatedReply | undefined {
    const reply = this.replies.get(messageId);
    this.replies.delete(messageId);
    return reply;
  }
}
