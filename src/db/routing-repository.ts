import type { Database } from './database';

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
  const waitingRows = db.prepare(() =>
    q.selectFrom('conversations').select(['id', 'escalated_at']).where('state', '=', 'waiting').orderBy('escalated_at'),
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
  return {
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
    setTeamMembers(teamId: string, agentIds: string[]): void {
      db.tx(() => {
        db.run(q.deleteFrom('team_members').where('team_id', '=', teamId));
        for (const agentId of agentIds) db.run(q.insertInto('team_members').values({ team_id: teamId, agent_id: agentId }));
      });
    },
  };
}

export type RoutingRepository = ReturnType<typeof createRoutingRepository>;
