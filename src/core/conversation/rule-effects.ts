import { detectFrustration } from '../intents';
import type { Clock } from '../ports';
import type { RulesService } from '../rules-service';
import { mergeActions, type RuleEvaluationInput } from '../rules/rules-engine';
import type { EventBus } from '../events';
import type { Lifecycle } from '../lifecycle/lifecycle';
import type { SettingsService } from '../settings';
import type { ConversationStore, EventStore, Transactions, VisitorStore } from '../stores';
import type { Conversation, EscalationReason, Message, Visitor } from '../types';

export interface RuleEffectsDeps {
  db: Transactions;
  conversations: ConversationStore;
  events: EventStore;
  visitors: VisitorStore;
  lifecycle: Lifecycle;
  bus: EventBus;
  clock: Clock;
  settings: SettingsService;
  /** The admins' escalation rules; without them nothing fires. */
  rules?: RulesService | undefined;
}

/** What one turn reads once and its steps share. */
export interface Turn {
  history: readonly Message[];
  visitor?: Visitor | undefined;
  /** The client address the customer wrote from (the handoff limit per address). */
  address?: string | undefined;
}

/** A handoff the rules ask for: the caller escalates (the rules never move a conversation themselves). */
export interface RuleEscalation {
  reason: EscalationReason;
  queue: boolean;
}

/** Rule actions that only shape a handoff when one happens. */
const HANDOFF_MODIFIERS = new Set(['ask_for_email', 'queue_for_later']);

/**
 * The admins' rules, carried out: routing hints (team, skills, priority) on the conversation,
 * heads-ups to teams (once per team and conversation), and the handoffs they ask for or shape.
 */
export class RuleEffects {
  constructor(private readonly d: RuleEffectsDeps) {}

  /**
   * Evaluates the rules and carries out what fired. Only a conversation with the AI is escalated or
   * queued: the escalation is returned for the caller to make.
   */
  apply(
    conversation: Conversation,
    input: { event: 'message' | 'page'; text?: string; aiConfidence?: number },
    turn: Turn,
    only?: (rule: { conditions: { type: string }[] }) => boolean,
  ): RuleEscalation | null {
    const { d } = this;
    if (!d.rules) return null;
    const visitor = turn.visitor ?? d.visitors.get(conversation.visitorId);
    if (!visitor) return null;
    const earlier = input.text ? turn.history.filter((m) => m.role === 'customer' && m.text !== input.text).map((m) => m.text) : [];
    const evaluation: RuleEvaluationInput = {
      ...this.context(conversation, visitor),
      event: input.event,
      ...(input.text !== undefined ? { text: input.text } : {}),
      ...(input.aiConfidence !== undefined ? { aiConfidence: input.aiConfidence } : {}),
      frustration: input.text ? detectFrustration(input.text, earlier).level : 'none',
    };
    const result = d.rules.evaluate(evaluation);
    // ask_for_email and queue_for_later shape a handoff (see handoffModifiers); alone they do nothing here.
    const fired = result.fired.filter((f) => (!only || only(f.rule)) && f.actions.some((a) => !HANDOFF_MODIFIERS.has(a.type)));
    if (!fired.length) return null;
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
    const current = d.lifecycle.get(conversation.id);
    for (const team of notify) d.bus.emit({ type: 'team.notified', conversation: current, teamId: team });
    if (current.state !== 'ai' || !actions.escalate) return null;
    const detail = fired.map((f) => `${f.rule.name}${f.reasons.length ? ` (${f.reasons.join('; ')})` : ''}`).join(', ');
    return { reason: { kind: 'rule', detail }, queue: actions.queueForLater };
  }

  /**
   * What the rules say about a handoff happening now: queue it for later (nobody is asked) and/or
   * ask for the email. Judged without the message (the conditions that matter are the time, the
   * page and the customer); rules that shaped the handoff are recorded as fired.
   */
  handoffModifiers(conversation: Conversation): { queue: boolean; askEmail: boolean } {
    const { d } = this;
    const visitor = d.rules ? d.visitors.get(conversation.visitorId) : undefined;
    if (!d.rules || !visitor) return { queue: false, askEmail: false };
    const result = d.rules.evaluate({ ...this.context(conversation, visitor), event: 'message', frustration: 'none' });
    const shaping = result.fired.filter((f) => f.actions.some((a) => HANDOFF_MODIFIERS.has(a.type)));
    if (shaping.length) d.rules.recordFirings(conversation.id, shaping);
    const merged = mergeActions(shaping);
    return { queue: merged.queueForLater, askEmail: merged.askForEmail };
  }

  /** What every evaluation knows: the page, the time and business hours, the customer. */
  private context(conversation: Conversation, visitor: Visitor) {
    return {
      pageUrl: conversation.pageUrl,
      now: this.d.clock.now(),
      businessHours: this.d.settings.get().businessHours,
      attributes: visitor.attributes,
      verified: visitor.verified,
    };
  }
}
