import { effectiveStatus, type AgentAvailability } from './availability';
import type { EventBus } from './events';
import type { Clock, HandoffDesk } from './ports';
import { chooseAgents } from './routing';
import { nextTurn, onceNextTurn } from './time-slices';
import type { SettingsService } from './settings';
import type { Conversation } from './types';
import type { AgentService } from './agent-service';
import type { EventStore, GroupedWrites } from './stores';
import type { Logger } from '../logger';

const CURSOR = 'round_robin_cursor';
/** Waiting conversations the nudge round reads at a time (one query, one transaction for its writes). */
export const NUDGE_PAGE = 100;

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
    /** What agents' availability reads (the AgentService's stores), and what routing adds. */
    private readonly d: ConstructorParameters<typeof AgentService>[0] & {
      events: EventStore;
      logger: Logger;
      /** False while Slack is not set up: then nobody can take a handoff. */
      enabled: () => boolean;
      /** The group commit: the nudge round's writes share its fsync, off the event loop (else db.tx). */
      commit?: Pick<GroupedWrites, 'run'>;
      /** Moves a waiting conversation to the offline queue (asks for the email); may resolve once stored. */
      queueForLater: (conversationId: string) => unknown;
      /** Tags of the knowledge-base article the conversation is about (its topic). */
      topicOf?: (conversation: Conversation) => string[];
      /**
       * Whether the customer has the widget open here: queue positions are announced only to them
       * (the others get theirs when they come back). Without it, to every waiting conversation.
       */
      watching?: (conversationId: string) => boolean;
      /**
       * Conversations per page of the nudge round (default NUDGE_PAGE). A page runs without
       * yielding: where each statement is a round trip (PostgreSQL), smaller pages keep the event
       * loop free for acks.
       */
      nudgePageSize?: number;
    },
  ) {}


  /**
   * Whether a person can take a handoff now. Until some agent has set a status, availability is not
   * in use yet and the handoff channel itself takes handoffs (anyone there can claim).
   */
  accepting(conversation: Conversation): boolean {
    if (!this.d.enabled()) return false;
    if (!this.d.agents.anyStatusSet()) return true;
    return this.decide(conversation).agentIds.length > 0;
  }

  /** Picks and records who is asked to take a conversation that just started waiting. */
  assign(conversation: Conversation): string[] {
    const { d } = this;
    const decision = this.decide(conversation);
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
    return this.estimator()(this.d.conversations.queuePosition(conversationId));
  }

  /** Position → queue info, with the claim times and the available agents read once. */
  private estimator(): (position: number) => { position: number; etaSeconds?: number } {
    const waits = this.d.routing.recentClaimWaits(20).sort((a, b) => a - b);
    if (!waits.length) return (position) => ({ position });
    const median = waits[Math.floor(waits.length / 2)]!;
    const available = Math.max(1, this.availableCount());
    return (position) => ({ position, etaSeconds: Math.max(30, Math.round((median * Math.ceil(position / available)) / 10) * 10) });
  }

  /**
   * Tells the waiting customers their new place after the queue moved. Announcements asked for in
   * the same turn of the event loop (a round queueing hundreds, claims in a burst) are made once,
   * on the next turn: one ordered read of the queue gives every position, and only customers with
   * the widget open get a frame. Never a count per conversation (that was quadratic).
   */
  readonly announceQueue = onceNextTurn(
    () => this.announceQueueNow(),
    (err) => this.d.logger.error({ err }, 'could not announce queue positions'),
  );

  private announceQueueNow(): void {
    const { d } = this;
    if (!d.db.isOpen()) return; // the app stopped meanwhile
    const ids = d.routing.waitingIds();
    let estimate: ReturnType<RoutingService['estimator']> | null = null;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      if (d.watching && !d.watching(id)) continue;
      estimate ??= this.estimator();
      d.bus.emit({ type: 'conversation.queue', conversationId: id, queue: estimate(i + 1) });
    }
  }

  /**
   * The unclaimed-handoff job: after `nudgeFirstMinutes` the next agent is asked, after
   * `nudgeBroadcastMinutes` the whole channel (one @here for the round, however many conversations
   * reach it); with nobody available at that point the conversation goes to the offline queue.
   *
   * The queue is read a page at a time in its order (only conversations with something due), each
   * page's writes in one group-committed transaction (the fsync off the event loop), and the round
   * yields to the event loop between pages, so a queue of thousands never blocks health checks,
   * acks or a shutdown; it stops early when `signal` aborts (the scheduler stopping).
   */
  async nudge(options: { signal?: AbortSignal } = {}): Promise<NudgeOutcome> {
    const { d } = this;
    const settings = d.settings.get();
    const now = d.clock.now();
    const nowIso = now.toISOString();
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000).toISOString();
    const firstCutoff = minutesAgo(settings.nudgeFirstMinutes);
    const broadcastCutoff = minutesAgo(settings.nudgeBroadcastMinutes);
    const cutoff = firstCutoff > broadcastCutoff ? firstCutoff : broadcastCutoff;
    const { signal } = options;
    const out: NudgeOutcome = { nudged: [], broadcast: [], queued: [] };
    const called: { id: string; teamId: string | null }[] = [];
    let cursor = d.routing.cursor(CURSOR);
    let after: { escalatedAt: string; id: string } | null = null;
    try {
      while (!signal?.aborted) {
        const agents = d.agents.availability();
        const available = agents.filter((a) => effectiveStatus(a, settings.defaultCapacity) === 'available');
        const page = d.routing.nudgePage(
          { cutoff, broadcastCutoff, availableIds: available.map((a) => a.id), nobodyAvailable: !available.length },
          after,
          this.d.nudgePageSize ?? NUDGE_PAGE,
        );
        if (!page.length) break;
        after = page.at(-1)!;
        const broadcast: typeof page = [];
        const nudged: { conversation: Conversation; agentIds: string[] }[] = [];
        const toQueue: string[] = [];
        for (const w of page) {
          if (w.escalatedAt <= broadcastCutoff) {
            if (!w.broadcast) broadcast.push(w);
            else if (!available.length) toQueue.push(w.id);
            continue;
          }
          // Nudged once per escalation, and only when someone not asked yet is available.
          if (w.nudged || !available.some((a) => !w.asked.includes(a.id))) continue;
          const conversation = d.conversations.get(w.id);
          if (!conversation || conversation.state !== 'waiting') continue;
          const decision = this.decide(conversation, { agents, cursor, exclude: w.asked });
          if (!decision.agentIds.length) continue;
          cursor = decision.cursor;
          // What markRouted stores, seen by the next decisions of this page (load balancing).
          for (const a of agents) if (decision.agentIds.includes(a.id)) a.lastRoutedAt = nowIso;
          nudged.push({ conversation, agentIds: decision.agentIds });
        }
        if (broadcast.length || nudged.length) {
          // The page's writes in one transaction; with the group commit its fsync runs off the
          // event loop. Conversations claimed since the page was read are left alone.
          const stillWaiting = (id: string) => d.conversations.get(id)?.state === 'waiting';
          const write = () => {
            const done = { broadcast: broadcast.filter((w) => stillWaiting(w.id)), nudged: nudged.filter((n) => stillWaiting(n.conversation.id)) };
            for (const w of done.broadcast) {
              d.routing.recordAssignments(w.id, [null], 'broadcast', nowIso);
              d.events.record(w.id, 'nudged', { kind: 'broadcast' }, nowIso);
            }
            for (const { conversation, agentIds } of done.nudged) {
              d.routing.recordAssignments(conversation.id, agentIds, 'nudged', nowIso);
              d.agents.markRouted(agentIds, nowIso);
              d.events.record(conversation.id, 'nudged', { kind: 'agent', agentIds }, nowIso);
            }
            if (done.nudged.length && cursor) d.routing.setCursor(CURSOR, cursor);
            return done;
          };
          const done = d.commit ? await d.commit.run(write) : d.db.tx(write);
          for (const w of done.broadcast) {
            out.broadcast.push(w.id);
            called.push({ id: w.id, teamId: w.teamId });
          }
          for (const { conversation, agentIds } of done.nudged) {
            out.nudged.push(conversation.id);
            d.bus.emit({ type: 'conversation.routed', conversation, agentIds, kind: 'nudged' });
          }
        }
        if (toQueue.length) {
          d.logger.info(
            { conversationIds: toQueue.length <= 20 ? toQueue : `${toQueue.length} conversations` },
            'nobody claimed the handoff and nobody is available: queued for follow-up',
          );
          // The page's moves together: with the group commit they share one fsync.
          await Promise.all(toQueue.map((id) => d.queueForLater(id)));
          out.queued.push(...toQueue);
        }
        if (page.length < (this.d.nudgePageSize ?? NUDGE_PAGE)) break;
        await nextTurn();
      }
    } finally {
      // One @here for everything this round called out, even when it stopped early.
      if (called.length) d.bus.emit({ type: 'conversations.broadcast', conversations: called, waitedMinutes: settings.nudgeBroadcastMinutes });
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

  /** Who to ask, by the routing method; by default among the agents available now, from the stored cursor. */
  private decide(conversation: Conversation, from: { agents?: AgentAvailability[]; cursor?: string | null; exclude?: string[] } = {}) {
    const settings = this.d.settings.get();
    return chooseAgents({
      method: settings.routingMethod,
      agents: from.agents ?? this.d.agents.availability(),
      defaultCapacity: settings.defaultCapacity,
      requiredSkills: settings.routingMethod === 'skill_based' ? this.requiredSkills(conversation) : [],
      teamId: conversation.teamId,
      cursor: from.cursor !== undefined ? from.cursor : this.d.routing.cursor(CURSOR),
      exclude: from.exclude ?? [],
    });
  }
}
