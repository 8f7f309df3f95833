import type { Lifecycle } from '../lifecycle/lifecycle';
import type { MessageLog } from '../message-log';
import type { Clock } from '../ports';
import type { SettingsService } from '../settings';
import type { ConversationStore, VisitorStore } from '../stores';
import type { Conversation } from '../types';
import type { Localizer } from '../../i18n/localizer';

export interface QueuedCustomersDeps {
  lifecycle: Lifecycle;
  conversations: ConversationStore;
  visitors: VisitorStore;
  log: MessageLog;
  settings: SettingsService;
  clock: Clock;
  /** What the customer is told, in their language. */
  localizer: Localizer;
}

/**
 * Customers in the offline queue: what they are told (that the team will follow up, and where;
 * their email asked for once), and the move there of a handoff nobody claimed.
 */
export class QueuedCustomers {
  constructor(private readonly d: QueuedCustomersDeps) {}

  /** Tells a queued customer we will follow up; asks for the email once, unless we have it. */
  tell(conversation: Conversation, now: string): void {
    const ask = this.emailAsk(conversation);
    if (!ask) return;
    if (ask.request) this.d.conversations.markEmailRequested(conversation.id, now);
    this.d.log.append(conversation.id, { role: 'ai', text: ask.text });
  }

  /**
   * Nobody claimed a waiting conversation and nobody is available: offline handling. Stored with the
   * next group commit, so a nudge round moving hundreds at once shares one fsync, off the event
   * loop. Resolves once the move and the customer's message are on disk.
   */
  async queueUnclaimed(conversationId: string): Promise<boolean> {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const result = await d.lifecycle.applyGrouped(conversationId, { type: 'queue_unclaimed' }, { now });
    if (!result.moved) return false;
    const ask = this.emailAsk(result.conversation);
    if (ask) await d.log.appendDurably(conversationId, { role: 'ai', text: ask.text }, ask.request ? () => d.conversations.markEmailRequested(conversationId, now) : undefined);
    return true;
  }

  /** What a queued customer is told: where we will follow up, or (once) a request for their email. */
  private emailAsk(conversation: Conversation): { text: string; request: boolean } | null {
    const visitor = this.d.visitors.get(conversation.visitorId);
    if (visitor?.email) {
      return { text: this.d.localizer.t(conversation.language, 'chat', 'queuedWithEmail', { email: visitor.email }), request: false };
    }
    return conversation.emailRequested ? null : { text: this.d.localizer.t(conversation.language, 'chat', 'queued'), request: true };
  }
}
