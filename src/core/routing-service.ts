import { effectiveStatus } from './availability';
import type { EventBus } from './events';
import type { Clock, HandoffDesk } from './ports';
import { chooseAgents } from './routing';
import type { SettingsService } from './settings';
import type { Conversation } from './types';
import type { AgentRepository } from '../db/agent-repository';
import type { ConversationRepository } from '../db/conversation-repository';
import type { EventRepository } from '../db/event-repository';
import type { RoutingRepository } from '../db/routing-repository';
import type { Database } from '../db/database';
import type { Logger } from '../logger';

const CURSOR = 'round_robin_cursor';

export interface NudgeOutcome {
  nudged: string[];
  broadcast: string[];
  queued: string[];
}

/**
 * Who takes a handoff: routes a conversation when it starts waiting (the chosen agents are recorded
 * and announced), nudges the next agent and then the whole channel when nobody claims it, and sends
 * it to the offline queue when nobody is there at all.
 */
export class RoutingService implements HandoffDesk {
  constructor(
    private readonly d: {
      db: Database;
      agents: AgentRepository;
      conversations: ConversationRepository;
      routing: RoutingRepository;
      events: EventRepository;
      settings: SettingsService;
      clock: Clock;
      bus: EventBus;
      logger: Logger;
      /** False while Slack is not set up: then nobody can take a handoff. */
      enabled: () => boolean;
      /** Moves a waiting conversation to the offline queue (asks for the email). */
      queueForLater: (conversationId: string) => void;
      /** Tags of the knowledge-base article the conversation is about (its topic). */
      topicOf?: (conversation: Conversation) => string[];
    },
  ) {}

  /**
   * Whether a person can take a handoff now. Until some agent has set a status, availability is not
   * in use yet and the handoff channel itself takes handoffs (anyone there can claim).
   */
  accepting(conversation: Conversation): boolean {
    if (!this.d.enabled()) return false;
    if (!this.d.agents.anyStatusSet()) return true;
    return this.decide(conversation, []).agentIds.length > 0;
  }

  /** Picks and records who is asked to take a conversation that just started waiting. */
  assign(conversation: Conversation): string[] {
    const { d } = this;
    const decision = this.decide(conversation, []);
    const now = d.clock.now().toISOString();
    d.db.tx(() => {
      d.routing.recordAssignments(conversation.id, decision.agentIds, 'routed', now);
      d.agents.markRouted(decision.agentIds, now);
      if (decision.cursor) d.routing.setCursor(CURSOR, decision.cursor);
      d.events.record(conversation.id, 'routed', { agentIds: decision.agentIds, method: d.settings.get().routingMethod }, now);
    });
    return decision.agentIds;
  }

  /** Agents asked so far for a conversation (routed or nudged), in order. */
  askedAgents(conversationId: string): string[] {
    return [...new Set(this.currentAssignments(conversationId).flatMap((a) => (a.agentId && a.kind !== 'broadcast' ? [a.agentId] : [])))];
  }

  /** Assignments of the current escalation only: a conversation escalated again starts afresh. */
  private currentAssignments(conversationId: string) {
    const since = this.d.conversations.get(conversationId)?.escalatedAt ?? '';
    return this.d.routing.assignments(conversationId).filter((a) => a.at >= since);
  }

  /** Queue position (1-based) and a wait estimate from recent claim times. */
  queueInfo(conversationId: string): { position: number; etaSeconds?: number } {
    const position = this.d.conversations.queuePosition(conversationId);
    const waits = this.d.routing.recentClaimWaits(20).sort((a, b) => a - b);
    if (!waits.length) return { position };
    const median = waits[Math.floor(waits.length / 2)]!;
    const available = Math.max(1, this.availableCount());
    return { position, etaSeconds: Math.max(30, Math.round((median * Math.ceil(position / available)) / 10) * 10) };
  }

  /** Tells every waiting customer their new place after the queue moved. */
  announceQueue(): void {
    for (const w of this.d.routing.waiting()) {
      this.d.bus.emit({ type: 'conversation.queue', conversationId: w.id, queue: this.queueInfo(w.id) });
    }
  }

  /**
   * The unclaimed-handoff job: after `nudgeFirstMinutes` the next agent is asked, after
   * `nudgeBroadcastMinutes` the whole channel; with nobody available at that point the
   * conversation goes to the offline queue.
   */
  nudge(): NudgeOutcome {
    const { d } = this;
    const settings = d.settings.get();
    const now = d.clock.now();
    const out: NudgeOutcome = { nudged: [], broadcast: [], queued: [] };
    for (const w of d.routing.waiting()) {
      const conversation = d.conversations.get(w.id);
      if (!conversation || conversation.state !== 'waiting') continue;
      const waitedMin = (now.getTime() - Date.parse(w.escalatedAt)) / 60_000;
      const history = this.currentAssignments(w.id);
      const nowIso = now.toISOString();
      if (waitedMin >= settings.nudgeBroadcastMinutes) {
        if (!history.some((a) => a.kind === 'broadcast')) {
          d.db.tx(() => {
            d.routing.recordAssignments(w.id, [null], 'broadcast', nowIso);
            d.events.record(w.id, 'nudged', { kind: 'broadcast' }, nowIso);
          });
          out.broadcast.push(w.id);
          d.bus.emit({ type: 'conversation.routed', conversation, agentIds: [], kind: 'broadcast' });
        } else if (this.decide(conversation, []).agentIds.length === 0) {
          d.logger.info({ conversationId: w.id }, 'nobody claimed the handoff and nobody is available: queued for follow-up');
          d.queueForLater(w.id);
          out.queued.push(w.id);
        }
        continue;
      }
      if (waitedMin >= settings.nudgeFirstMinutes && !history.some((a) => a.kind === 'nudged')) {
        const decision = this.decide(conversation, this.askedAgents(w.id));
        if (!decision.agentIds.length) continue;
        d.db.tx(() => {
          d.routing.recordAssignments(w.id, decision.agentIds, 'nudged', nowIso);
          d.agents.markRouted(decision.agentIds, nowIso);
          if (decision.cursor) d.routing.setCursor(CURSOR, decision.cursor);
          d.events.record(w.id, 'nudged', { kind: 'agent', agentIds: decision.agentIds }, nowIso);
        });
        out.nudged.push(w.id);
        d.bus.emit({ type: 'conversation.routed', conversation, agentIds: decision.agentIds, kind: 'nudged' });
      }
    }
    return out;
  }

  private availableCount(): number {
    const cap = this.d.settings.get().defaultCapacity;
    return this.d.agents.availability().filter((a) => effectiveStatus(a, cap) === 'available').length;
  }

  /**
   * Skills a conversation needs: set by a rule, else the topic of the article it matched, counted
   * only where some agent has that skill (an article tag nobody claims as a skill says nothing).
   */
  requiredSkills(conversation: Conversation): string[] {
    if (conversation.requiredSkills.length) return conversation.requiredSkills;
    const topic = this.d.topicOf?.(conversation) ?? [];
    if (!topic.length) return [];
    const known = new Set(this.d.agents.availability({ all: true }).flatMap((a) => a.skills));
    return topic.map((t) => t.toLowerCase()).filter((t) => known.has(t));
  }

  private decide(conversation: Conversation, exclude: string[]) {
    const settings = this.d.settings.get();
    const agents = this.d.agents.availability();
    return chooseAgents({
      method: settings.routingMethod,
      agents,
      defaultCapacity: settings.defaultCapacity,
      requiredSkills: settings.routingMethod === 'skill_based' ? this.requiredSkills(conversation) : [],
      teamId: conversation.teamId,
      cursor: this.d.routing.cursor(CURSOR),
      exclude,
    });
  }
}
