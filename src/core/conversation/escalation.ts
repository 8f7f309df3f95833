import type { EventBus } from '../events';
import { DEFAULT_HANDOFF_LIMITS, handoffLimitReached, type HandoffLimits, type HandoffStartStore, type RequestOrigin } from '../handoff-limits';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { MessageLog } from '../message-log';
import type { Clock, HandoffDesk } from '../ports';
import type { SettingsService } from '../settings';
import type { EventStore, VisitorStore } from '../stores';
import type { EscalationReason } from '../types';
import type { QueuedCustomers } from './queued-customers';
import type { RuleEffects } from './rule-effects';
import type { Logger } from '../../logger';
import type { Localizer } from '../../i18n/localizer';

export interface EscalationDeps {
  lifecycle: Lifecycle;
  events: EventStore;
  visitors: VisitorStore;
  log: MessageLog;
  bus: EventBus;
  clock: Clock;
  desk: HandoffDesk;
  settings: SettingsService;
  ruleEffects: RuleEffects;
  queued: QueuedCustomers;
  logger: Logger;
  /** What the customer is told, in their language. */
  localizer: Localizer;
  /** Handoffs started, counted for the hourly limits; without it there are no limits. */
  handoffStarts?: HandoffStartStore | undefined;
  /** How many handoffs a visitor and a client address may start per hour (DEFAULT_HANDOFF_LIMITS). */
  handoffLimits?: HandoffLimits | undefined;
}

/** What starting a handoff did: refused means over the hourly limit (the customer was told). */
export type HandoffStart = 'started' | 'refused' | 'unchanged';

/**
 * Handing a conversation to a person: `waiting` when someone can take it (they are asked at once),
 * else `queued` (the AI keeps helping and asks for an email); the hourly handoff limits; and what a
 * customer already in line is told when they ask again.
 */
export class Escalation {
  constructor(private readonly d: EscalationDeps) {}

  /**
   * Starts a handoff, announced once; a second request changes nothing. A customer may start only a
   * few handoffs an hour, per visitor and per client address (counted in the database with the
   * move, so a restart keeps the budget): past it the conversation stays with the AI and the
   * customer is told kindly.
   */
  start(conversationId: string, reason: EscalationReason, options: { queue?: boolean | undefined } & RequestOrigin = {}): HandoffStart {
    const { d } = this;
    const before = d.lifecycle.get(conversationId);
    // Rules such as "outside business hours → ask for email, queue for later" shape the handoff.
    const modifiers = d.ruleEffects.handoffModifiers(before);
    const accepting = !options.queue && !modifiers.queue && d.desk.accepting(before);
    const clock = d.clock.now();
    const now = clock.toISOString();
    const limits = d.handoffLimits ?? DEFAULT_HANDOFF_LIMITS;
    const starts = d.handoffStarts;
    const result = d.lifecycle.apply(conversationId, { type: accepting ? 'escalate' : 'queue', reason }, {
      now,
      guard: () => {
        const over = starts ? handoffLimitReached(starts, limits, { visitorId: before.visitorId, address: options.address }, clock) : null;
        if (over) d.events.record(conversationId, 'handoff_refused', { reason: reason.kind, limit: over }, now);
        return over ?? undefined;
      },
      also: () => starts?.record(conversationId, before.visitorId, options.address ?? null, now),
      announce: (conversation) => {
        d.logger.info({ conversationId, reason: reason.kind, state: conversation.state }, 'conversation escalated');
        const asked = accepting ? d.desk.assign(conversation) : [];
        d.bus.emit({ type: 'conversation.escalated', conversation, reason });
        if (asked.length) d.bus.emit({ type: 'conversation.routed', conversation, agentIds: asked, kind: 'routed' });
        return accepting ? d.desk.queueInfo(conversationId) : null;
      },
    });
    if (!result.moved && result.refused) {
      d.logger.warn({ conversationId, reason: reason.kind, limit: result.refused, address: options.address }, 'handoff refused: hourly limit reached');
      this.tellOnce(conversationId, d.localizer.t(before.language, 'chat', 'handoffRefused'));
      return 'refused';
    }
    if (!result.moved) return 'unchanged';

    if (accepting) {
      d.log.append(conversationId, { role: 'ai', text: d.localizer.t(before.language, 'chat', 'handoff') });
      if (modifiers.askEmail) d.queued.tell(d.lifecycle.get(conversationId), now);
    } else {
      d.queued.tell(d.lifecycle.get(conversationId), now);
    }
    return 'started';
  }

  /** start, and if the customer was already in line, where they stand. */
  startOrTellInLine(conversationId: string, reason: EscalationReason, origin: RequestOrigin): void {
    if (this.start(conversationId, reason, origin) === 'unchanged') this.tellInLine(conversationId);
  }

  /** A system line, unless it is already the conversation's last message (a customer pressing again). */
  private tellOnce(conversationId: string, text: string): void {
    const last = this.d.log.recent(conversationId, 1).at(-1);
    if (last?.role === 'system' && last.text === text) return;
    this.d.log.append(conversationId, { role: 'system', text });
  }

  /**
   * The customer asked for a person while already in line: where they stand (their place and the
   * estimate while waiting; that the team will follow up, and where, while queued).
   */
  private tellInLine(conversationId: string): void {
    const { d } = this;
    const conversation = d.lifecycle.get(conversationId);
    if (conversation.state === 'waiting') {
      const queue = d.desk.queueInfo(conversationId);
      const lang = conversation.language;
      const text =
        queue.etaSeconds !== undefined
          ? d.localizer.t(lang, 'chat', 'inLineEta', { n: queue.position, wait: d.localizer.plural(lang, 'chat', 'waitMinutes', Math.max(1, Math.round(queue.etaSeconds / 60))) })
          : d.localizer.t(lang, 'chat', 'inLine', { n: queue.position });
      d.bus.emit({ type: 'conversation.queue', conversationId, queue });
      d.log.append(conversationId, { role: 'ai', text });
    } else if (conversation.state === 'queued') {
      const email = d.visitors.get(conversation.visitorId)?.email;
      d.log.append(conversationId, {
        role: 'ai',
        text: email
          ? d.localizer.t(conversation.language, 'chat', 'inLineQueuedEmail', { email })
          : // Not asked for the email again: the widget keeps its email form open while queued.
            d.localizer.t(conversation.language, 'chat', 'inLineQueued'),
      });
    }
  }
}
