import type { WebClient } from '@slack/web-api';
import type { Clock } from '../core/ports';
import type { Database } from '../db/database';
import type { RoutingRepository, TeamChannel } from '../db/routing-repository';
import type { Logger } from '../logger';
import { channelProblemMessage, channelProblemOf, isChannelId, problemReason, type ChannelCheck, type ChannelProblem, type ChannelRow, type TeamRef } from './blocks/channel-health';
import type { OutboxItem, SlackOutbox } from './outbox';
import type { SlackRepository } from './slack-repository';

export interface ChannelHealthDeps {
  db: Database;
  teams: Pick<RoutingRepository, 'markChannelProblem' | 'markTeamChannelProblem' | 'teamChannels'>;
  slack: Pick<SlackRepository, 'thread' | 'moveUnpostedThread' | 'waitingByChannel' | 'threadsByChannelSince'>;
  /**
   * Posts a conversation whose card is out in a refused channel again in the default channel (a new
   * card, why, the conversation so far: SlackBridge.rehome); in the caller's transaction.
   */
  rehome: (conversationId: string, from: string, why: string, key: string) => boolean;
  outbox: Pick<SlackOutbox, 'enqueue'>;
  /** conversations.info, for the check when an admin saves a channel (a read: not through the outbox). */
  client: Pick<WebClient, 'conversations'>;
  /** SLACK_HANDOFF_CHANNEL: where a team's handoffs go while its channel is unusable. */
  defaultChannel: string;
  /** SLACK_ADMIN_USER_IDS: told instead when nobody is known to have set the channel. */
  adminUserIds: readonly string[];
  clock: Clock;
  logger: Logger;
  /** A channel's health changed (admins' Home tabs show it). */
  changed: () => void;
}

/** How long the check of a saved channel may take before the modal says it could not tell. */
const CHECK_MS = 8_000;

/**
 * The health of the team channels. Slack refusing a post in a team's channel (the app is not in
 * it, it was archived or deleted) is recorded on every team using it, so their handoffs, heads-ups
 * and @here calls go to the default channel from then on (`teamChannel` in app.ts reads it), and
 * the admin who set it is told once, by direct message, with the fix; the refused post itself is
 * moved to the default channel by the outbox (`redirect`), a card with its conversation's thread.
 * Setting the channel again in `/handoff settings` clears the problem (TeamsService); the save
 * checks the channel at once with conversations.info (`check`, `recordCheck`).
 */
export class ChannelHealth {
  constructor(private readonly d: ChannelHealthDeps) {}

  /** Where handoffs go while their team's channel is unusable. */
  get defaultChannel(): string {
    return this.d.defaultChannel;
  }

  /**
   * The outbox's redirect hook, run inside the transaction that would fail `item`: the channel to
   * move it to, or null to let it fail (the default channel itself, a DM, a lane that is not a
   * channel: there is nowhere to fall back to).
   */
  redirect(item: OutboxItem, errorCode: string): string | 'superseded' | null {
    const { d } = this;
    const problem = channelProblemOf(errorCode);
    const channel = item.lane;
    if (!problem || !d.defaultChannel || channel === d.defaultChannel || !isChannelId(channel)) return null;
    const now = d.clock.now().toISOString();
    const marked = d.teams.markChannelProblem(channel, problem, now);
    if (marked.length) this.tell(marked, channel, problem, now);
    if (marked.length) queueMicrotask(() => this.changed());
    const ref = item.ref as { conversationId?: unknown; kind?: unknown } | null;
    const conversationId = typeof ref?.conversationId === 'string' ? ref.conversationId : conversationOfStream(item.stream);
    const thread = conversationId ? d.slack.thread(conversationId) : undefined;
    if (conversationId && thread?.ts) {
      // Its card is out: re-posted, whole, in the default channel; what waited here is in that transcript.
      if (thread.channel === channel) d.rehome(conversationId, channel, problemReason(problem, channel), String(item.id));
      return 'superseded';
    }
    // Not posted yet: later posts follow the thread row; those queued already move with the card.
    if (conversationId && ref?.kind === 'card') d.slack.moveUnpostedThread(conversationId, d.defaultChannel);
    return d.defaultChannel;
  }

  /** Asks Slack whether the app can post in `channel` (bounded: an answer that takes too long is "unknown"). */
  async check(channel: string): Promise<ChannelCheck> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ChannelCheck>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'unknown', reason: 'Slack did not answer in time' }), CHECK_MS);
    });
    try {
      return await Promise.race([this.ask(channel), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Records what the check of a just-saved channel found: a refused channel falls back at once.
   * The admin sees why in the modal, so nobody is told, unless `tell` names who to tell (the answer
   * came after the modal was shown). False when the team's channel changed meanwhile.
   */
  recordCheck(team: TeamRef, channel: string, check: ChannelCheck, o: { tell?: string } = {}): boolean {
    const { d } = this;
    if (check.status !== 'problem') return false;
    const recorded = d.db.tx(() => {
      const now = d.clock.now().toISOString();
      if (!d.teams.markTeamChannelProblem(team.id, channel, check.problem, now)) return false;
      if (o.tell) this.dm(o.tell, [team], channel, check.problem, now);
      return true;
    });
    if (recorded) this.changed();
    return recorded;
  }

  /** Admins' Home tabs show the channels' health: never let refreshing them fail the caller. */
  changed(): void {
    try {
      this.d.changed();
    } catch (err) {
      this.d.logger.error({ err }, 'could not refresh the Home tabs after a channel health change');
    }
  }

  /**
   * Every channel handoffs go to: the default one, each team's (with its health) and any other
   * still holding waiting conversations, with how many wait there; with `since`, also the handoff
   * threads started there since then (the digest's period).
   */
  overview(since?: string): ChannelRow[] {
    const { d } = this;
    const waiting = d.slack.waitingByChannel();
    const started = since ? d.slack.threadsByChannelSince(since) : null;
    const rows = new Map<string, ChannelRow>();
    const row = (channel: string): ChannelRow => {
      let r = rows.get(channel);
      if (!r) {
        r = { channel, isDefault: channel === d.defaultChannel, teams: [], problem: null, waiting: waiting.get(channel) ?? 0 };
        if (started) r.handoffs = started.get(channel) ?? 0;
        rows.set(channel, r);
      }
      return r;
    };
    if (d.defaultChannel) row(d.defaultChannel);
    for (const t of d.teams.teamChannels()) {
      const r = row(t.channel);
      r.teams.push({ id: t.teamId, name: t.name });
      r.problem ??= t.problem ? channelProblemOf(t.problem) : null;
    }
    // A channel no team uses any more can still hold open threads (or the period's handoffs).
    for (const channel of [...waiting.keys(), ...(started?.keys() ?? [])]) row(channel);
    return [...rows.values()];
  }

  private async ask(channel: string): Promise<ChannelCheck> {
    try {
      const res = await this.d.client.conversations.info({ channel });
      const info = res.channel;
      if (info?.is_archived) return { status: 'problem', problem: 'is_archived' };
      if (info && info.is_member === false) return { status: 'problem', problem: 'not_in_channel' };
      return { status: 'ok' };
    } catch (err) {
      const code = (err as { data?: { error?: string } }).data?.error;
      const problem = code ? channelProblemOf(code) : null;
      if (problem) return { status: 'problem', problem };
      this.d.logger.warn({ err, channel }, 'could not check a team channel with conversations.info');
      if (code === 'missing_scope') return { status: 'unknown', reason: 'the app lacks the channels:read and groups:read scopes; reinstall it from manifest.yml' };
      return { status: 'unknown', reason: code ? `Slack answered ${code}` : 'Slack did not answer' };
    }
  }

  /** One message per person who set the channel for these teams (the admins when nobody is known). */
  private tell(teams: TeamChannel[], channel: string, problem: ChannelProblem, now: string): void {
    const { d } = this;
    const byPerson = new Map<string, TeamChannel[]>();
    for (const t of teams) {
      for (const person of t.setBy ? [t.setBy] : d.adminUserIds) {
        const list = byPerson.get(person);
        if (list) list.push(t);
        else byPerson.set(person, [t]);
      }
    }
    d.logger.warn(
      { channel, problem, teams: teams.map((t) => t.teamId), told: [...byPerson.keys()] },
      'a team channel refused a post; its handoffs go to the default channel until an admin sets it again',
    );
    for (const [person, list] of byPerson) this.dm(person, list.map((t) => ({ id: t.teamId, name: t.name })), channel, problem, now);
  }

  private dm(person: string, teams: TeamRef[], channel: string, problem: ChannelProblem, now: string): void {
    const message = channelProblemMessage({ teams, channel, problem, defaultChannel: this.d.defaultChannel });
    this.d.outbox.enqueue({
      lane: `dm:${person}`,
      method: 'chat.postMessage',
      args: { channel: person, ...message, unfurl_links: false },
      key: `channel-problem:${channel}:${now}:${person}`,
      priority: 'urgent',
    });
  }
}

/** The conversation a bridge stream (`conv:<id>`) belongs to. */
function conversationOfStream(stream: string | null): string | null {
  return stream?.startsWith('conv:') ? stream.slice('conv:'.length) : null;
}
