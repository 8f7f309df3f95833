import type { KbDraft } from '../core/learning/types';
import type { AgentService } from '../core/agent-service';
import type { AnalyticsReport } from '../core/analytics/metrics';
import type { DomainEvent, EventBus } from '../core/events';
import { detectFrustration } from '../core/intents';
import type { Clock } from '../core/ports';
import { generatedVisitorName } from '../core/visitor-names';
import type { DashboardConversation, DashboardList, DashboardRepository } from '../db/dashboard-repository';
import type { Logger } from '../logger';
import { HOME_LIST_LIMIT, appHome, homeCustomerName, type HomeConversation, type HomeList, type HomeModel, type HomeNotice, type HomeView } from './blocks/app-home';
import type { ChannelRow } from './blocks/channel-health';
import { BLOCK } from './ids';
import type { SlackOutbox } from './outbox';

/**
 * A customer counts as high value when the site says so through `HandoffWidget.identify(…,
 * attributes)`: a `plan` of enterprise, business or pro, or an `mrr` or `value` attribute of at
 * least HIGH_VALUE_MIN (in the site's own currency; "$1,200" reads as 1200). Attribute names are
 * matched case-insensitively. Deliberately simple: it only decides who gets a 💎 in the Home tab.
 */
export const HIGH_VALUE_PLANS: ReadonlySet<string> = new Set(['enterprise', 'business', 'pro']);
export const HIGH_VALUE_MIN = 500;

export function isHighValue(attributes: Record<string, string>): boolean {
  const get = (name: string) => Object.entries(attributes).find(([k]) => k.trim().toLowerCase() === name)?.[1];
  const plan = get('plan')?.trim().toLowerCase();
  if (plan !== undefined && HIGH_VALUE_PLANS.has(plan)) return true;
  return ['mrr', 'value'].some((name) => {
    const raw = get(name);
    if (raw === undefined) return false;
    const n = Number.parseFloat(raw.replace(/[^0-9.-]/g, ''));
    return Number.isFinite(n) && n >= HIGH_VALUE_MIN;
  });
}

/** How many recent customer messages the frustration signal reads. */
const FRUSTRATION_WINDOW = 5;

/**
 * What came of an agent's click in their Home tab, as the listener saw it. The notice is rendered
 * from it at each publish, so the customer's name and the thread link are current (a taken-over
 * conversation's thread appears once its card is posted).
 */
export type HomeOutcome =
  | { kind: 'claimed' | 'took_over'; conversationId: string }
  | { kind: 'owned'; conversationId: string; ownerId: string }
  | { kind: 'resolved' | 'not_found' | 'failed' }
  | { kind: 'text'; text: string };

interface SharedLists {
  queue: HomeList;
  live: HomeList;
  performance: AnalyticsReport | null;
  /** Read once per round, for the admins among the viewers. */
  channels: () => ChannelRow[] | null;
}

export interface HomePublisherOptions {
  dashboard: DashboardRepository;
  agents: Pick<AgentService, 'summary'>;
  outbox: Pick<SlackOutbox, 'enqueue' | 'pendingFor'>;
  clock: Clock;
  logger: Logger;
  /** Queue changes within this window publish once per agent. */
  debounceMs?: number;
  /** "Live" AI conversations: those active within this window. */
  liveWindowMs?: number;
  /** How long a notice stays at the top of an agent's Home tab. */
  noticeTtlMs?: number;
  /** The team's last 7 days for the "Team performance" section (cached by the caller); absent: no section. */
  performance?: () => AnalyticsReport | null;
  /** Every channel handoffs go to, with its health and load, for admins' Home tabs; absent: no section. */
  channels?: { rows: () => ChannelRow[]; defaultChannel: string; isAdmin: (userId: string) => boolean };
  /** Knowledge-base drafts waiting for a decision, for admins' Home tabs (isAdmin above); absent: no section. */
  kbDrafts?: () => KbDraft[];
}

/**
 * Keeps agents' App Home tabs current: publishes (views.publish, through the outbox, one lane per
 * agent) when an agent opens the tab, right after their own changes from it, and — debounced, so a
 * burst publishes once per agent — for everyone who opened it when the queue changes
 * (conversation.escalated / state / routed) or their own availability changes (agent.changed).
 *
 * Who opened the Home tab is remembered in memory only: after a restart a tab refreshes again the
 * next time its agent opens it (Slack sends app_home_opened every time), which is enough for a view
 * that is rebuilt from the database each time.
 *
 * Answers to an agent's own clicks (someone else already owns it, …) are shown as a notice at the
 * top of their Home tab: only they see it, it needs no channel or DM, and it sits where they
 * clicked. A notice stays for `noticeTtlMs` or until their next action.
 */
export class HomePublisher {
  private readonly viewers = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly notices = new Map<string, { outcome: HomeOutcome; until: number }>();
  /** What each agent was last sent (without the footer's time), to skip identical publishes. */
  private readonly lastSent = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly debounceMs: number;
  private readonly liveWindowMs: number;
  private readonly noticeTtlMs: number;

  constructor(private readonly d: HomePublisherOptions) {
    this.debounceMs = d.debounceMs ?? 1_000;
    this.liveWindowMs = d.liveWindowMs ?? 30 * 60_000;
    this.noticeTtlMs = d.noticeTtlMs ?? 2 * 60_000;
  }

  attach(bus: EventBus): () => void {
    return bus.subscribe((e) => this.onEvent(e));
  }

  /** The agent opened their Home tab: remember them and publish now. */
  opened(userId: string): void {
    this.viewers.add(userId);
    this.publish(userId, true);
  }

  /**
   * After the agent's own change from the Home tab: publish now, with what came of it as a notice at
   * the top (null clears an earlier notice).
   */
  refresh(userId: string, outcome: HomeOutcome | null = null): void {
    this.viewers.add(userId);
    if (outcome !== null) this.notices.set(userId, { outcome, until: this.nowMs() + this.noticeTtlMs });
    else this.notices.delete(userId);
    this.publish(userId, true);
  }

  /** Agents whose Home tab is kept current. */
  get watching(): ReadonlySet<string> {
    return this.viewers;
  }

  /** The Home tab of an agent as it should look now. */
  view(userId: string): HomeView {
    return appHome(this.model(userId));
  }

  model(userId: string, shared: SharedLists = this.sharedLists()): HomeModel {
    const { d } = this;
    const now = d.clock.now();
    const summary = d.agents.summary(userId);
    const kept = this.notices.get(userId);
    const outcome = kept && kept.until > now.getTime() ? kept.outcome : null;
    if (kept && outcome === null) this.notices.delete(userId);
    return {
      now: now.toISOString(),
      agent: {
        id: userId,
        status: summary.status,
        effective: summary.effective,
        presence: summary.presence,
        activeConversations: summary.activeConversations,
        capacity: summary.capacity,
      },
      notice: outcome !== null ? this.notice(outcome) : null,
      mine: this.list(d.dashboard.mine(userId, HOME_LIST_LIMIT)),
      queue: shared.queue,
      live: shared.live,
      liveWindowMinutes: Math.round(this.liveWindowMs / 60_000),
      performance: shared.performance,
      channels: this.channelsFor(userId, shared),
      kbDrafts: this.d.kbDrafts && this.d.channels?.isAdmin(userId) ? this.d.kbDrafts() : null,
    };
  }

  /** A knowledge-base draft was stored or decided: admins watching their Home tab see it. */
  kbDraftsChanged(): void {
    this.channelsChanged();
  }

  /** A team channel's health changed: admins watching their Home tab see it. */
  channelsChanged(): void {
    const isAdmin = this.d.channels?.isAdmin;
    if (isAdmin) this.schedule([...this.viewers].filter((u) => isAdmin(u)));
  }

  private channelsFor(userId: string, shared: SharedLists): HomeModel['channels'] {
    const c = this.d.channels;
    if (!c || !c.isAdmin(userId)) return null;
    const rows = shared.channels();
    return rows ? { rows, defaultChannel: c.defaultChannel } : null;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.dirty.clear();
  }

  /** The lists every agent sees alike (built once per round of publishes). */
  private sharedLists(): SharedLists {
    const since = new Date(this.nowMs() - this.liveWindowMs).toISOString();
    let channels: ChannelRow[] | null | undefined;
    return {
      queue: this.list(this.d.dashboard.queue(HOME_LIST_LIMIT)),
      live: this.list(this.d.dashboard.live(since, HOME_LIST_LIMIT)),
      performance: this.performance(),
      channels: () => (channels === undefined ? (channels = this.channelRows()) : channels),
    };
  }

  /** The channels section never keeps the Home tab from publishing either. */
  private channelRows(): ChannelRow[] | null {
    try {
      return this.d.channels?.rows() ?? null;
    } catch (err) {
      this.d.logger.error({ err }, 'could not read the handoff channels for the Home tab');
      return null;
    }
  }

  /** The performance section never keeps the Home tab from publishing. */
  private performance(): AnalyticsReport | null {
    try {
      return this.d.performance?.() ?? null;
    } catch (err) {
      this.d.logger.error({ err }, 'could not compute the team performance for the Home tab');
      return null;
    }
  }

  private notice(outcome: HomeOutcome): HomeNotice {
    if (outcome.kind === 'text') return outcome;
    if (!('conversationId' in outcome)) return { kind: outcome.kind };
    const c = this.d.dashboard.get(outcome.conversationId);
    const customerName = c
      ? homeCustomerName({ name: c.visitor.name, generatedName: generatedVisitorName(c.visitorId), email: null })
      : 'the customer';
    if (outcome.kind === 'owned') return { kind: 'owned', ownerId: outcome.ownerId, customerName };
    return { kind: outcome.kind, customerName, thread: c?.thread ?? null };
  }

  private list(list: DashboardList): HomeList {
    return { items: list.items.map((c) => this.row(c)), total: list.total };
  }

  private row(c: DashboardConversation): HomeConversation {
    const texts = this.d.dashboard.recentCustomerTexts(c.id, FRUSTRATION_WINDOW);
    const latest = texts.at(-1);
    const soundsFrustrated = latest !== undefined && detectFrustration(latest, texts.slice(0, -1)).level !== 'none';
    return {
      conversationId: c.id,
      customer: { name: c.visitor.name, generatedName: generatedVisitorName(c.visitorId), email: c.visitor.email },
      flags: { verified: c.visitor.verified, highValue: isHighValue(c.visitor.attributes), frustrated: c.frustrationSeen || soundsFrustrated },
      state: c.state,
      page: c.page,
      lastCustomerMessage: c.lastCustomerMessage,
      awaitingReply: c.lastMessageRole === 'customer',
      reason: c.escalation,
      since: c.state === 'human' ? c.claimedAt : c.state === 'ai' ? c.updatedAt : (c.escalatedAt ?? c.updatedAt),
      thread: c.thread,
    };
  }

  private onEvent(e: DomainEvent): void {
    switch (e.type) {
      case 'conversation.escalated':
      case 'conversation.state':
      case 'conversation.routed':
        this.schedule(this.viewers);
        return;
      case 'agent.changed':
        if (this.viewers.has(e.agentId)) this.schedule([e.agentId]);
        return;
      default:
        return;
    }
  }

  private schedule(users: Iterable<string>): void {
    if (this.stopped) return;
    for (const u of users) this.dirty.add(u);
    if (this.dirty.size === 0 || this.timer) return;
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
    this.timer.unref?.();
  }

  private flush(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const users = [...this.dirty];
    this.dirty.clear();
    const later: string[] = [];
    let shared: SharedLists;
    try {
      shared = this.sharedLists();
    } catch (err) {
      this.d.logger.error({ err }, 'could not read the Home tab lists');
      return;
    }
    for (const userId of users) {
      // An earlier view still on its way (Slack slow or down): send the latest once it is out,
      // rather than piling up views nobody will see.
      if (this.pending(userId)) later.push(userId);
      else this.publish(userId, false, shared);
    }
    if (later.length) this.schedule(later);
  }

  private pending(userId: string): boolean {
    try {
      return this.d.outbox.pendingFor(laneOf(userId)) > 0;
    } catch {
      return false;
    }
  }

  private publish(userId: string, force: boolean, shared?: SharedLists): void {
    if (this.stopped) return;
    try {
      const model = this.model(userId, shared);
      const view = appHome(model);
      // A claim or takeover whose card is on its way: look again shortly for the thread's link.
      const n = model.notice;
      if (n !== null && (n.kind === 'claimed' || n.kind === 'took_over') && n.thread !== null && n.thread.ts === null) this.schedule([userId]);
      const fingerprint = JSON.stringify(view.blocks.filter((b) => b.block_id !== BLOCK.homeFooter));
      if (!force && this.lastSent.get(userId) === fingerprint) return;
      this.lastSent.set(userId, fingerprint);
      this.d.outbox.enqueue({ lane: laneOf(userId), method: 'views.publish', args: { user_id: userId, view } });
    } catch (err) {
      this.d.logger.error({ err, userId }, 'could not publish the Home tab');
    }
  }

  private nowMs(): number {
    return this.d.clock.now().getTime();
  }
}

/** One outbox lane per agent: their Home tab views go out in order. */
export function laneOf(userId: string): string {
  return `home:${userId}`;
}
