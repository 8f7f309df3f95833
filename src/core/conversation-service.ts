import { z } from 'zod';
import { DomainError } from './errors';
import { escalationForMessage } from './escalation-policy';
import { DEFAULT_HANDOFF_LIMITS, HANDOFF_REFUSED_MESSAGE, formatWait, handoffLimitReached, type HandoffLimits, type HandoffStartStore, type RequestOrigin } from './handoff-limits';
import { detectFrustration } from './intents';
import type { RulesService } from './rules-service';
import { mergeActions, type RuleEvaluationInput } from './rules/rules-engine';
import type { EventBus } from './events';
import { newId } from './ids';
import type { MessageLog, AppendResult } from './message-log';
import type { Ai, Clock, HandoffDesk } from './ports';
import type { SettingsService } from './settings';
import { newConversation, type AgentPersona, type Conversation, type ConversationState, type EscalationReason, type Message, type Visitor } from './types';
import { verifyIdentity, type VisitorTokens } from './visitor-tokens';
import type { Database } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import type { ConversationRepository } from '../db/conversation-repository';
import type { EventRepository } from '../db/event-repository';
import type { VisitorRepository } from '../db/visitor-repository';
import type { Logger } from '../logger';

export interface ConversationServiceDeps {
  db: Database;
  /** Writes that ride on the next group commit (seen marks). */
  commit: GroupCommit;
  visitors: VisitorRepository;
  conversations: ConversationRepository;
  events: EventRepository;
  log: MessageLog;
  bus: EventBus;
  clock: Clock;
  ai: Ai;
  desk: HandoffDesk;
  settings: SettingsService;
  tokens: VisitorTokens;
  reopenTokens: VisitorTokens;
  identitySecret: string | undefined;
  logger: Logger;
  /** The admins' escalation rules, applied to every customer message and page change. */
  rules?: RulesService;
  /** Who owns a conversation, as the customer sees them (the Slack side provides it). */
  owners?: { personaFor(conversation: Conversation): AgentPersona | null };
  /** Handoffs started, counted for the hourly limits; without it there are no limits. */
  handoffStarts?: HandoffStartStore;
  /** How many handoffs a visitor and a client address may start per hour (DEFAULT_HANDOFF_LIMITS). */
  handoffLimits?: HandoffLimits;
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
}

export interface Session {
  token: string;
  visitor: Visitor;
  conversation: Conversation;
}

const emailSchema = z.email();
/** Rule actions that only shape a handoff when one happens. */
const HANDOFF_MODIFIERS = new Set(['ask_for_email', 'queue_for_later']);
/** What one turn reads once and its steps share. */
interface Turn {
  history: readonly Message[];
  visitor?: Visitor | undefined;
  /** The client address the customer wrote from (the handoff limit per address). */
  address?: string | undefined;
}

/** What starting a handoff did: refused means over the hourly limit (the customer was told). */
type HandoffStart = 'started' | 'refused' | 'unchanged';

/** How many earlier messages the AI sees. */
const AI_HISTORY = 20;

/**
 * The customer side of a conversation: sessions, messages, the AI's turn, escalation, email, rating.
 * Synchronous database work keeps every state change atomic; the AI's turn runs after the ack,
 * one at a time per conversation so replies keep their order.
 */
export class ConversationService {
  private readonly turns = new Map<string, Promise<void>>();
  /** Customer messages stored but not yet taken by a turn, per conversation. */
  private readonly inbox = new Map<string, Message[]>();
  /** The client address of the latest message in the inbox, per conversation. */
  private readonly inboxAddress = new Map<string, string>();
  private readonly slots = new TurnSlots(TURNS_PER_TICK);

  constructor(private readonly d: ConversationServiceDeps) {}

  /** openSession, stored with the next group commit (the widget's hello). */
  openSessionGrouped(input: SessionInput): Promise<Session> {
    return this.d.commit.run(() => this.openSession(input));
  }

  /** Finds or creates the visitor and their conversation; commits at once. */
  openSession(input: SessionInput): Session {
    const { d } = this;
    const now = d.clock.now();
    const nowIso = now.toISOString();
    return d.db.tx(() => {
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
        visitor = {
          id: newId('v'),
          name: null,
          email: null,
          userId: null,
          verified: false,
          attributes: {},
          createdAt: nowIso,
        };
        d.visitors.insert(visitor, nowIso);
        conversation = newConversation(newId('c'), visitor.id, nowIso);
        d.conversations.insert(conversation);
        d.events.record(conversation.id, 'started', {}, nowIso);
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
      // A session opened by a reopen link ends when the link would have: its token, renewed at every
      // welcome, keeps the link's expiry (a verified identity grants access on its own).
      const exp = claims?.visitorId === visitor.id && !verifiedUserId ? claims.exp : undefined;
      return { token: d.tokens.issue(visitor.id, now, exp), visitor, conversation };
    });
  }

  /**
   * The customer's widget showed everything up to `seq` (so it need not be emailed). Stored with the
   * next group commit: a seen mark lost in a crash only means an email that was not needed.
   */
  markSeen(conversationId: string, seq: number): void {
    if (seq <= 0) return;
    this.d.commit
      .run(() => this.d.conversations.markSeen(conversationId, seq))
      .catch((err: unknown) => this.d.logger.error({ err, conversationId }, 'could not store what the customer has seen'));
  }

  /**
   * Messages after `afterSeq`, in order, for a (re)connecting widget: those already announced (a
   * later one reaches a socket registered now with its announcement).
   */
  replay(conversationId: string, afterSeq: number): Message[] {
    return this.d.log.announcedAfter(conversationId, afterSeq);
  }

  get(conversationId: string): Conversation {
    const c = this.d.conversations.get(conversationId);
    if (!c) throw new DomainError('not_found', 'This conversation no longer exists.');
    return c;
  }

  /** The conversation as it is now (a snapshot taken earlier may be stale); the snapshot if it is gone. */
  current(snapshot: Conversation): Conversation {
    return this.d.conversations.get(snapshot.id) ?? snapshot;
  }

  /** The agent the customer is talking to, when one owns the conversation. */
  agentFor(conversation: Conversation): AgentPersona | null {
    return conversation.state === 'human' ? (this.d.owners?.personaFor(conversation) ?? null) : null;
  }

  queueInfo(conversationId: string): { position: number; etaSeconds?: number } {
    return this.d.desk.queueInfo(conversationId);
  }

  /**
   * Stores a customer message (idempotent by clientId); resolves after the commit. The reply comes
   * later, in the conversation's next turn: messages that arrive while an earlier turn is still
   * running (or waiting to run) are taken together, each checked for escalation and the rules, and
   * the AI answers the latest with all of them in its history — one answer to a burst, not one per
   * line, and never an answer to a question the customer has already moved on from.
   */
  async customerMessage(conversationId: string, clientId: string, text: string, origin: RequestOrigin = {}): Promise<AppendResult> {
    const result = await this.d.log.appendDurably(conversationId, { role: 'customer', text, clientId });
    if (!result.duplicate) {
      if (origin.address) this.inboxAddress.set(conversationId, origin.address);
      const waiting = this.inbox.get(conversationId);
      if (waiting) waiting.push(result.message);
      else {
        this.inbox.set(conversationId, [result.message]);
        this.enqueueTurn(conversationId, () => this.afterCustomerMessages(conversationId));
      }
    }
    return result;
  }

  /** The "Talk to a person" button. Pressed while already in line, it says where the customer stands. */
  requestHuman(conversationId: string, origin: RequestOrigin = {}): void {
    this.enqueueTurn(conversationId, async () => {
      if (this.startHandoff(conversationId, { kind: 'customer_asked' }, origin) === 'unchanged') this.tellInLine(conversationId);
    });
  }

  setEmail(conversationId: string, email: string): void {
    const { d } = this;
    const clean = email.trim();
    if (!emailSchema.safeParse(clean).success) {
      throw new DomainError('invalid_email', 'That does not look like an email address. Please check it.');
    }
    const now = d.clock.now().toISOString();
    const conversation = this.get(conversationId);
    const visitor = d.visitors.get(conversation.visitorId);
    if (!visitor) throw new DomainError('not_found', 'This conversation no longer exists.');
    d.db.tx(() => {
      d.visitors.update({ ...visitor, email: clean }, now);
      d.events.record(conversationId, 'email_captured', {}, now);
    });
    d.bus.emit({ type: 'visitor.email', conversation, email: clean });
    d.log.append(conversationId, { role: 'ai', text: `Thanks! We'll follow up at ${clean} if we miss you here.` });
  }

  setPage(conversationId: string, url: string, title: string | undefined, origin: RequestOrigin = {}): void {
    const { d } = this;
    d.conversations.setPage(conversationId, url, title ?? null, d.clock.now().toISOString());
    const conversation = this.get(conversationId);
    d.bus.emit({ type: 'conversation.page', conversation });
    this.enqueueTurn(conversationId, async () => {
      this.applyRules(this.get(conversationId), { event: 'page' }, { history: [], address: origin.address });
    });
  }

  typing(conversationId: string, typing: boolean): void {
    this.d.bus.emit({ type: 'typing', conversationId, role: 'customer', typing });
  }

  rate(conversationId: string, score: number, comment: string | undefined): void {
    const { d } = this;
    const conversation = this.get(conversationId);
    if (conversation.state !== 'resolved') {
      throw new DomainError('not_resolved', 'You can rate the conversation once it is resolved.');
    }
    const now = d.clock.now().toISOString();
    const clean = comment?.trim() || null;
    d.events.record(conversationId, 'rated', { score, comment: clean }, now);
    d.bus.emit({ type: 'conversation.rated', conversation, score, comment: clean });
    d.log.append(conversationId, { role: 'ai', text: 'Thank you for your feedback!' });
  }

  /**
   * Hands the conversation to a human: `waiting` when someone can take it (they are asked at once),
   * else `queued` (the AI keeps helping and asks for an email). Announced once; a second request
   * changes nothing. Returns whether the state changed.
   */
  escalate(conversationId: string, reason: EscalationReason, options: { queue?: boolean } & RequestOrigin = {}): boolean {
    return this.startHandoff(conversationId, reason, options) === 'started';
  }

  /**
   * escalate, saying what happened. A customer may start only a few handoffs an hour, per visitor
   * and per client address (counted in the database with the transition, so a restart keeps the
   * budget): past it the conversation stays with the AI and the customer is told kindly.
   */
  private startHandoff(conversationId: string, reason: EscalationReason, options: { queue?: boolean } & RequestOrigin): HandoffStart {
    const { d } = this;
    const before = this.get(conversationId);
    // Rules such as "outside business hours → ask for email, queue for later" shape the handoff.
    const modifiers = this.handoffModifiers(before);
    const accepting = !options.queue && !modifiers.queue && d.desk.accepting(before);
    const from: ConversationState[] = accepting ? ['ai', 'queued', 'resolved'] : ['ai', 'resolved'];
    const to: ConversationState = accepting ? 'waiting' : 'queued';
    if (!from.includes(before.state)) return 'unchanged';
    const clock = d.clock.now();
    const now = clock.toISOString();
    const limits = d.handoffLimits ?? DEFAULT_HANDOFF_LIMITS;
    const outcome = d.db.tx((): HandoffStart | 'visitor' | 'address' => {
      const starts = d.handoffStarts;
      const over = starts ? handoffLimitReached(starts, limits, { visitorId: before.visitorId, address: options.address }, clock) : null;
      if (over) {
        d.events.record(conversationId, 'handoff_refused', { reason: reason.kind, limit: over }, now);
        return over;
      }
      if (!d.conversations.transition(conversationId, from, to, now)) return 'unchanged';
      d.conversations.setEscalation(conversationId, reason, now);
      d.events.record(conversationId, 'escalated', { ...reason, to }, now);
      if (to === 'queued') d.events.record(conversationId, 'queued', {}, now);
      starts?.record(conversationId, before.visitorId, options.address ?? null, now);
      return 'started';
    });
    if (outcome === 'visitor' || outcome === 'address') {
      d.logger.warn({ conversationId, reason: reason.kind, limit: outcome, address: options.address }, 'handoff refused: hourly limit reached');
      this.tellOnce(conversationId, HANDOFF_REFUSED_MESSAGE);
      return 'refused';
    }
    if (outcome === 'unchanged') return 'unchanged';

    let conversation = this.get(conversationId);
    d.logger.info({ conversationId, reason: reason.kind, state: to }, 'conversation escalated');
    const asked = to === 'waiting' ? d.desk.assign(conversation) : [];
    d.bus.emit({ type: 'conversation.escalated', conversation, reason });
    if (asked.length) d.bus.emit({ type: 'conversation.routed', conversation, agentIds: asked, kind: 'routed' });
    if (to === 'waiting') {
      this.emitState(conversation, before.state, d.desk.queueInfo(conversationId));
      d.log.append(conversationId, { role: 'ai', text: d.settings.get().handoffMessage });
      if (modifiers.askEmail) this.askForEmailOnce(this.get(conversationId), now);
    } else {
      this.emitState(conversation, before.state, null);
      conversation = this.get(conversationId);
      this.askForEmailOnce(conversation, now);
    }
    return 'started';
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
    const conversation = this.get(conversationId);
    if (conversation.state === 'waiting') {
      const queue = d.desk.queueInfo(conversationId);
      const wait = queue.etaSeconds !== undefined ? `, and the wait should be ${formatWait(queue.etaSeconds)}` : '';
      d.bus.emit({ type: 'conversation.queue', conversationId, queue });
      d.log.append(conversationId, {
        role: 'ai',
        text: `You're already in line to talk to a person: you're number ${queue.position} in the queue${wait}. Stay here and they'll reply in this chat.`,
      });
    } else if (conversation.state === 'queued') {
      const email = d.visitors.get(conversation.visitorId)?.email;
      d.log.append(conversationId, {
        role: 'ai',
        text: email
          ? `You're in line to talk to a person. Our team isn't available right now, so a team member will follow up here and by email at ${email}.`
          : // Not asked for the email again: the widget keeps its email form open while queued.
            "You're in line to talk to a person. Our team isn't available right now, so a team member will follow up here as soon as they can.",
      });
    }
  }

  /** Nobody claimed a waiting conversation and nobody is available: offline handling. */
  queueForLater(conversationId: string): boolean {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const moved = d.db.tx(() => {
      if (!d.conversations.transition(conversationId, ['waiting'], 'queued', now)) return false;
      d.events.record(conversationId, 'queued', { after: 'unclaimed' }, now);
      return true;
    });
    if (!moved) return false;
    const conversation = this.get(conversationId);
    this.emitState(conversation, 'waiting', null);
    this.askForEmailOnce(conversation, now);
    return true;
  }

  /**
   * queueForLater, stored with the next group commit: a nudge round moving hundreds at once shares
   * one fsync, off the event loop. Resolves once the move and the customer's message are on disk.
   */
  async queueForLaterGrouped(conversationId: string): Promise<boolean> {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const moved = await d.commit.run(() => {
      if (!d.conversations.transition(conversationId, ['waiting'], 'queued', now)) return false;
      d.events.record(conversationId, 'queued', { after: 'unclaimed' }, now);
      return true;
    });
    if (!moved) return false;
    const conversation = this.get(conversationId);
    this.emitState(conversation, 'waiting', null);
    const ask = this.emailAsk(conversation);
    if (ask) await d.log.appendDurably(conversationId, { role: 'ai', text: ask.text }, ask.request ? () => d.conversations.markEmailRequested(conversationId, now) : undefined);
    return true;
  }

  /** Tells a queued customer we will follow up; asks for the email once, unless we have it. */
  private askForEmailOnce(conversation: Conversation, now: string): void {
    const { d } = this;
    const ask = this.emailAsk(conversation);
    if (!ask) return;
    if (ask.request) d.conversations.markEmailRequested(conversation.id, now);
    d.log.append(conversation.id, { role: 'ai', text: ask.text });
  }

  /** What a queued customer is told: where we will follow up, or (once) a request for their email. */
  private emailAsk(conversation: Conversation): { text: string; request: boolean } | null {
    const { d } = this;
    const visitor = d.visitors.get(conversation.visitorId);
    if (visitor?.email) {
      return {
        text: `Our team isn't available right now, but I'll keep helping here. A team member will also reply to you at ${visitor.email}.`,
        request: false,
      };
    }
    return conversation.emailRequested ? null : { text: d.settings.get().queuedMessage, request: true };
  }

  /** Resolves when every AI turn in progress has finished (graceful shutdown, tests). */
  async idle(): Promise<void> {
    await this.d.commit.drain();
    while (this.turns.size) await Promise.allSettled([...this.turns.values()]);
  }

  private emitState(conversation: Conversation, previous: ConversationState, queue: { position: number; etaSeconds?: number } | null): void {
    this.d.bus.emit({ type: 'conversation.state', conversation, previous, agent: null, queue });
  }

  /**
   * Runs work after the conversation's earlier turns; a failure is logged, never thrown at the
   * socket. A turn starts on a later tick than the one that queued it, and only a few start per
   * tick (TurnSlots), so the acks of what arrived meanwhile go out between them: under load the AI
   * answers later (and takes more lines together), but storing and acking never waits for it.
   */
  private enqueueTurn(conversationId: string, work: () => Promise<void>): void {
    const prev = this.turns.get(conversationId) ?? Promise.resolve();
    const next = prev
      .then(() => this.slots.next())
      .then(work)
      .catch((err: unknown) => this.d.logger.error({ err, conversationId }, 'conversation turn failed'))
      .finally(() => {
        if (this.turns.get(conversationId) === next) this.turns.delete(conversationId);
      });
    this.turns.set(conversationId, next);
  }

  private async afterCustomerMessages(conversationId: string): Promise<void> {
    const { d } = this;
    const messages = this.inbox.get(conversationId) ?? [];
    this.inbox.delete(conversationId);
    const address = this.inboxAddress.get(conversationId);
    this.inboxAddress.delete(conversationId);
    const last = messages.at(-1);
    if (!last) return;
    let conversation = this.get(conversationId);
    if (conversation.state === 'resolved') {
      const now = d.clock.now().toISOString();
      const reopened = d.db.tx(() => {
        if (!d.conversations.transition(conversationId, ['resolved'], 'ai', now)) return false;
        d.conversations.release(conversationId, now);
        d.events.record(conversationId, 'reopened', {}, now);
        return true;
      });
      if (reopened) {
        conversation = this.get(conversationId);
        this.emitState(conversation, 'resolved', null);
      }
    }
    // Asking for a person while already in line: where they stand, not the AI's "I'm not sure".
    // Queued with someone available again, the ask hands it over like the button does.
    if ((conversation.state === 'waiting' || conversation.state === 'queued') && messages.some((m) => escalationForMessage(m.text))) {
      if (this.startHandoff(conversationId, { kind: 'customer_asked' }, { address }) === 'unchanged') this.tellInLine(conversationId);
      return;
    }
    // With a human on it (or on the way) the AI stays quiet; the message goes to the agent.
    if (conversation.state === 'human' || conversation.state === 'waiting') return;

    // Read once for the whole turn: the rules and the AI see the same history and visitor.
    const turn: Turn = { history: d.log.recent(conversationId, AI_HISTORY), visitor: d.visitors.get(conversation.visitorId), address };
    if (conversation.state === 'ai') {
      for (const message of messages) {
        const reason = escalationForMessage(message.text);
        if (reason) {
          this.escalate(conversationId, reason, { address });
          return;
        }
        if (this.applyRules(conversation, { event: 'message', text: message.text }, turn) === 'handled') return;
      }
    }
    await this.aiTurn(conversation, last, turn);
  }

  /**
   * Evaluates the admins' rules and carries out what fired: routing hints (team, skills, priority)
   * on the conversation, heads-ups to teams (once per team and conversation), asking for the email,
   * queueing for later, escalating. Only a conversation with the AI is escalated or queued.
   */
  private applyRules(
    conversation: Conversation,
    input: { event: 'message' | 'page'; text?: string; aiConfidence?: number },
    turn: Turn,
    only?: (rule: { conditions: { type: string }[] }) => boolean,
  ): 'handled' | 'continue' {
    const { d } = this;
    if (!d.rules) return 'continue';
    const visitor = turn.visitor ?? d.visitors.get(conversation.visitorId);
    if (!visitor) return 'continue';
    const earlier = input.text ? turn.history.filter((m) => m.role === 'customer' && m.text !== input.text).map((m) => m.text) : [];
    const evaluation: RuleEvaluationInput = {
      event: input.event,
      ...(input.text !== undefined ? { text: input.text } : {}),
      pageUrl: conversation.pageUrl,
      now: d.clock.now(),
      businessHours: d.settings.get().businessHours,
      attributes: visitor.attributes,
      verified: visitor.verified,
      ...(input.aiConfidence !== undefined ? { aiConfidence: input.aiConfidence } : {}),
      frustration: input.text ? detectFrustration(input.text, earlier).level : 'none',
    };
    const result = d.rules.evaluate(evaluation);
    // ask_for_email and queue_for_later shape a handoff (see handoffModifiers); alone they do nothing here.
    const fired = result.fired.filter((f) => (!only || only(f.rule)) && f.actions.some((a) => !HANDOFF_MODIFIERS.has(a.type)));
    if (!fired.length) return 'continue';
    const actions = mergeActions(fired);
    const now = d.clock.now().toISOString();
    const notify = actions.notifyTeams.filter((team) => !d.events.list(conversation.id).some((e) => e.type === 'team_notified' && e.detail.team === team));
    d.db.tx(() => {
      d.rules!.recordFirings(conversation.id, fired);
      if (actions.routeToTeam || actions.requiredSkills.length || actions.priority) {
        d.conversations.setRouting(
          conversation.id,
          {
            ...(actions.routeToTeam ? { teamId: actions.routeToTeam } : {}),
            ...(actions.requiredSkills.length ? { requiredSkills: [...new Set([...conversation.requiredSkills, ...actions.requiredSkills])] } : {}),
            ...(actions.priority ? { priority: actions.priority } : {}),
          },
          now,
        );
      }
      for (const team of notify) d.events.record(conversation.id, 'team_notified', { team }, now);
    });
    const current = this.get(conversation.id);
    for (const team of notify) d.bus.emit({ type: 'team.notified', conversation: current, teamId: team });
    if (current.state !== 'ai') return 'continue';
    const detail = fired.map((f) => `${f.rule.name}${f.reasons.length ? ` (${f.reasons.join('; ')})` : ''}`).join(', ');
    if (actions.escalate) {
      this.escalate(conversation.id, { kind: 'rule', detail }, { queue: actions.queueForLater, address: turn.address });
      return 'handled';
    }
    return 'continue';
  }

  /**
   * What the rules say about a handoff happening now: queue it for later (nobody is asked) and/or
   * ask for the email. Judged without the message (the conditions that matter are the time, the
   * page and the customer); rules that shaped the handoff are recorded as fired.
   */
  private handoffModifiers(conversation: Conversation): { queue: boolean; askEmail: boolean } {
    const { d } = this;
    const visitor = d.rules ? d.visitors.get(conversation.visitorId) : undefined;
    if (!d.rules || !visitor) return { queue: false, askEmail: false };
    const result = d.rules.evaluate({
      event: 'message',
      pageUrl: conversation.pageUrl,
      now: d.clock.now(),
      businessHours: d.settings.get().businessHours,
      attributes: visitor.attributes,
      verified: visitor.verified,
      frustration: 'none',
    });
    const shaping = result.fired.filter((f) => f.actions.some((a) => HANDOFF_MODIFIERS.has(a.type)));
    if (shaping.length) d.rules.recordFirings(conversation.id, shaping);
    const merged = mergeActions(shaping);
    return { queue: merged.queueForLater, askEmail: merged.askForEmail };
  }

  private async aiTurn(conversation: Conversation, message: Message, turn: Turn): Promise<void> {
    const { d } = this;
    const { visitor, history } = turn;
    if (!visitor) return;
    d.bus.emit({ type: 'typing', conversationId: conversation.id, role: 'ai', typing: true });
    let answer;
    try {
      answer = await d.ai.answer({
        conversation,
        visitor,
        history: [...history],
        text: message.text,
      });
    } catch (err) {
      d.logger.error({ err, conversationId: conversation.id }, 'AI failed to answer');
      answer = null;
    } finally {
      d.bus.emit({ type: 'typing', conversationId: conversation.id, role: 'ai', typing: false });
    }

    // The state may have changed while the AI was thinking (an agent took over): then stay quiet.
    const now = this.get(conversation.id);
    if (now.state === 'human' || now.state === 'waiting' || now.state === 'resolved') return;

    const threshold = d.settings.get().aiConfidenceThreshold;
    if (now.state === 'ai' && answer) {
      // Rules on the AI's confidence can only be judged now that it has answered.
      const onConfidence = (rule: { conditions: { type: string }[] }) => rule.conditions.some((c) => c.type === 'ai_confidence_below');
      if (this.applyRules(now, { event: 'message', text: message.text, aiConfidence: answer.confidence }, turn, onConfidence) === 'handled') return;
    }
    if (now.state === 'ai') {
      if (!answer) {
        this.escalate(conversation.id, { kind: 'no_match', detail: 'The AI could not answer' }, { address: turn.address });
        return;
      }
      if (answer.action.type === 'handoff') {
        this.escalate(conversation.id, answer.action.reason, { address: turn.address });
        return;
      }
      if (answer.confidence < threshold) {
        this.escalate(conversation.id, { kind: 'low_confidence', confidence: answer.confidence }, { address: turn.address });
        return;
      }
    }
    // Queued: the AI keeps helping with whatever it has; it never re-announces the handoff.
    // Group-committed with whatever else is being stored right now: one fsync for many replies.
    if (answer?.reply && (now.state === 'ai' || answer.action.type === 'answer')) {
      await d.log.appendDurably(conversation.id, { role: 'ai', text: answer.reply, confidence: answer.confidence });
    } else if (now.state === 'queued') {
      await d.log.appendDurably(conversation.id, {
        role: 'ai',
        text: "I'm not sure about that one. A team member will follow up as soon as they're back.",
        confidence: answer?.confidence ?? 0,
      });
    }
  }
}

/** How many turns may start in one turn of the event loop before I/O (new messages, acks) runs again. */
const TURNS_PER_TICK = 4;

/** Hands out at most `perTick` starts per event-loop turn, in the order they were asked for. */
class TurnSlots {
  private waiting: (() => void)[] = [];
  private scheduled = false;

  constructor(private readonly perTick: number) {}

  next(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const now = this.waiting.splice(0, this.perTick);
      if (this.waiting.length) this.schedule();
      for (const start of now) start();
    });
  }
}
