import { dialectOf } from './dialect';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { Database } from './database';
import type { DB } from './schema';
import type { NudgeCandidate, RoutingStore, TeamChannel } from '../core/stores';

export type { NudgeCandidate, TeamChannel };

/** Assignments (who was asked to take a conversation), teams and the persisted routing cursor. */
export function createRoutingRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const insertAssignment = db.prepare((p: { conversationId: string; agentId: string | null; kind: string; now: string }) =>
    q.insertInto('conversation_assignments').values({ conversation_id: p.conversationId, agent_id: p.agentId, kind: p.kind, at: p.now }),
  );
  const assignmentsOf = db.prepare((p: { conversationId: string }) =>
    q.selectFrom('conversation_assignments').select(['agent_id', 'kind', 'at']).where('conversation_id', '=', p.conversationId).orderBy('id'),
  );
  const cursorOf = db.prepare((p: { key: string }) => q.selectFrom('routing_state').select('value').where('key', '=', p.key));
  const upsertCursor = db.prepare((p: { key: string; value: string }) =>
    q.insertInto('routing_state').values({ key: p.key, value: p.value }).onConflict((oc) => oc.column('key').doUpdateSet({ value: p.value })),
  );
  // Both walk the index conversations_escalated (state, escalated_at, id): the queue's order.
  const waitingRows = db.prepare(() =>
    q.selectFrom('conversations').select(['id', 'escalated_at']).where('state', '=', 'waiting').orderBy('escalated_at').orderBy('id'),
  );
  const waitingIdRows = db.prepare(() =>
    q.selectFrom('conversations').select('id').where('state', '=', 'waiting').orderBy('escalated_at').orderBy('id'),
  );
  // One page of the nudge round: waiting conversations escalated at or before `cutoff`, after the
  // (escalated_at, id) key of the previous page, that have something due. Past `broadcastCutoff`:
  // no @here yet for this escalation, or (with `nobody` = 1) the move to the offline queue. Before
  // it: not nudged yet, while some agent in `available` (a JSON list of ids) was not asked yet.
  // The round's steady state (every row already handled) is then one index walk, no rows.
  const askedSince = (kind: 'nudged' | 'broadcast') =>
    sql<number>`EXISTS (SELECT 1 FROM conversation_assignments a WHERE a.conversation_id = c.id AND a.kind = ${sql.lit(kind)} AND a.at >= c.escalated_at)`;
  const askedAgents = sql<string | null>`(SELECT ${dialectOf(db).commaList('a.agent_id', 'a.at')} FROM conversation_assignments a
    WHERE a.conversation_id = c.id AND a.agent_id IS NOT NULL AND a.kind <> 'broadcast' AND a.at >= c.escalated_at)`;
  const nudgeRows = db.prepare(
    (p: { cutoff: string; broadcastCutoff: string; nobody: number; available: string; afterAt: string; afterId: string; limit: number }) =>
      q
        .selectFrom('conversations as c')
        .select(['c.id', 'c.escalated_at', 'c.team_id'])
        .select(askedAgents.as('asked'))
        .select(askedSince('nudged').as('nudged'))
        .select(askedSince('broadcast').as('broadcast'))
        .where('c.state', '=', 'waiting')
        .where('c.escalated_at', '<=', p.cutoff)
        .where(sql<boolean>`(c.escalated_at, c.id) > (${p.afterAt}, ${p.afterId})`)
        .where(
          sql<boolean>`CASE WHEN c.escalated_at <= ${p.broadcastCutoff}
            THEN ${p.nobody} = 1 OR NOT ${askedSince('broadcast')}
            ELSE NOT ${askedSince('nudged')} AND EXISTS (
              SELECT 1 FROM ${dialectOf(db).jsonStrings(p.available)} j WHERE j.value NOT IN (
                SELECT a.agent_id FROM conversation_assignments a
                WHERE a.conversation_id = c.id AND a.agent_id IS NOT NULL AND a.kind <> 'broadcast' AND a.at >= c.escalated_at))
            END`,
        )
        .orderBy('c.escalated_at')
        .orderBy('c.id')
        .limit(p.limit),
  );
  const queued = db.prepare(() =>
    q.selectFrom('conversations').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['waiting', 'queued']),
  );
  const claimWaits = db.prepare((p: { limit: number }) =>
    q
      .selectFrom('conversations')
      .select(['escalated_at', 'claimed_at'])
      .where('claimed_at', 'is not', null)
      .where('escalated_at', 'is not', null)
      .orderBy('claimed_at', 'desc')
      .limit(p.limit),
  );
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    recordAssignments(conversationId: string, agentIds: (string | null)[], kind: 'routed' | 'nudged' | 'broadcast', now: string): void {
      for (const agentId of agentIds) {
        insertAssignment.run({ conversationId, agentId, kind, now });
      }
    },
    assignments(conversationId: string): { agentId: string | null; kind: string; at: string }[] {
      return assignmentsOf
        .all({ conversationId })
        .map((r) => ({ agentId: r.agent_id, kind: r.kind, at: r.at }));
    },
    cursor(key: string): string | null {
      return cursorOf.first({ key })?.value ?? null;
    },
    setCursor(key: string, value: string): void {
      upsertCursor.run({ key, value });
    },
    /** Waiting conversations, oldest escalation first. */
    waiting(): { id: string; escalatedAt: string }[] {
      return waitingRows
        .all()
        .map((r) => ({ id: r.id, escalatedAt: r.escalated_at ?? '' }));
    },
    /** Ids of the waiting conversations in queue order (oldest escalation first): one read of an index. */
    waitingIds(): string[] {
      return waitingIdRows.all().map((r) => r.id);
    },
    /**
     * Up to `limit` waiting conversations with something due in the nudge round, in queue order,
     * after `after` (the last of the previous page): escalated at or before `cutoff` (ISO); past
     * `broadcastCutoff` without their @here (or all of them when `nobodyAvailable`); before it, not
     * nudged yet while one of `availableIds` has not been asked.
     */
    nudgePage(
      p: { cutoff: string; broadcastCutoff: string; availableIds: string[]; nobodyAvailable: boolean },
      after: { escalatedAt: string; id: string } | null,
      limit: number,
    ): NudgeCandidate[] {
      return nudgeRows
        .all({
          cutoff: p.cutoff,
          broadcastCutoff: p.broadcastCutoff,
          nobody: p.nobodyAvailable ? 1 : 0,
          available: JSON.stringify(p.availableIds),
          afterAt: after?.escalatedAt ?? '',
          afterId: after?.id ?? '',
          limit,
        })
        .map((r) => ({
          id: r.id,
          escalatedAt: r.escalated_at ?? '',
          teamId: r.team_id,
          asked: r.asked ? [...new Set(r.asked.split(','))] : [],
          nudged: r.nudged === 1,
          broadcast: r.broadcast === 1,
        }));
    },
    /** Conversations waiting for a person: unclaimed (waiting) or queued for follow-up. */
    queueLength(): number {
      const row = queued.first();
      return Number(row?.n ?? 0);
    },
    /** Seconds from escalation to claim of the most recent claims. */
    recentClaimWaits(limit: number): number[] {
      return claimWaits
        .all({ limit })
        .map((r) => (Date.parse(r.claimed_at!) - Date.parse(r.escalated_at!)) / 1000)
        .filter((s) => Number.isFinite(s) && s >= 0);
    },
    team(id: string): { id: string; name: string; channel: string | null } | undefined {
      return db.first(q.selectFrom('teams').select(['id', 'name', 'channel']).where('id', '=', id));
    },
    teams(): { id: string; name: string; channel: string | null }[] {
      return db.all(q.selectFrom('teams').select(['id', 'name', 'channel']).orderBy('id'));
    },
    upsertTeam(id: string, name: string, channel: string | null, now: string): void {
      db.run(
        q
          .insertInto('teams')
          .values({ id, name, channel, created_at: now })
          .onConflict((oc) => oc.column('id').doUpdateSet({ name, channel })),
      );
    },
    /** Sets a team's channel (creating the team), as set by `by`: a problem recorded with it is cleared. */
    setTeamChannel(id: string, name: string, channel: string | null, by: string, now: string): void {
      const set = { name, channel, channel_set_by: by, channel_problem: null, channel_problem_at: null };
      db.run(
        q
          .insertInto('teams')
          .values({ id, created_at: now, ...set })
          .onConflict((oc) => oc.column('id').doUpdateSet(set)),
      );
    },
    /** Why Slack refused the team's channel, while that stands; null: usable (or no team). */
    teamChannelProblem(id: string): string | null {
      return db.first(q.selectFrom('teams').select('channel_problem').where('id', '=', id))?.channel_problem ?? null;
    },
    /** The team's channel while it is usable; null when it has none or Slack refused it. */
    usableTeamChannel(id: string): string | null {
      return db.first(q.selectFrom('teams').select('channel').where('id', '=', id).where('channel_problem', 'is', null))?.channel ?? null;
    },
    /** Teams with a channel, with who set it and the problem Slack reported with it. */
    teamChannels(): TeamChannel[] {
      return db.all(teamChannelColumns(q.selectFrom('teams')).where('channel', 'is not', null).orderBy('id')).map(toTeamChannel);
    },
    /**
     * Records `problem` on every team using `channel` that has none recorded yet; returns those teams
     * (one statement: of processes meeting the problem together, one gets them, so it is told once).
     */
    markChannelProblem(channel: string, problem: string, now: string): TeamChannel[] {
      return db
        .all(
          q
            .updateTable('teams')
            .set({ channel_problem: problem, channel_problem_at: now })
            .where('channel', '=', channel)
            .where('channel_problem', 'is', null)
            .returning(['id', 'name', 'channel', 'channel_set_by', 'channel_problem', 'channel_problem_at']),
        )
        .map(toTeamChannel);
    },
    /** Records `problem` on one team while its channel is still `channel` (a check on saving); false when it changed meanwhile. */
    markTeamChannelProblem(id: string, channel: string, problem: string, now: string): boolean {
      const res = db.run(
        q
          .updateTable('teams')
          .set({ channel_problem: problem, channel_problem_at: now })
          .where('id', '=', id)
          .where('channel', '=', channel),
      );
      return res.changes === 1;
    },
    setTeamMembers(teamId: string, agentIds: string[]): void {
      db.tx(() => {
        db.run(q.deleteFrom('team_members').where('team_id', '=', teamId));
        for (const agentId of agentIds) db.run(q.insertInto('team_members').values({ team_id: teamId, agent_id: agentId }));
      });
    },
  };
  return repository satisfies RoutingStore;
}

export type RoutingRepository = ReturnType<typeof createRoutingRepository>;

const teamChannelColumns = <T extends SelectQueryBuilder<DB, 'teams', object>>(query: T) =>
  query.select(['id', 'name', 'channel', 'channel_set_by', 'channel_problem', 'channel_problem_at']);

function toTeamChannel(r: { id: string; name: string; channel: string | null; channel_set_by: string | null; channel_problem: string | null; channel_problem_at: string | null }): TeamChannel {
  return { teamId: r.id, name: r.name, channel: r.channel ?? '', setBy: r.channel_set_by, problem: r.channel_problem, problemAt: r.channel_problem_at };
}
