import { dialectOf } from './dialect';
import { sql, type Selectable } from 'kysely';
import type { Database } from './database';
import type { AgentsTable } from './schema';
import type { AgentAvailability, AgentStatus } from '../core/availability';
import type { Agent } from '../core/types';
import type { AgentStore } from '../core/stores';

type AgentsRow = Selectable<AgentsTable>;

export interface AgentProfile {
  displayName: string | null;
  realName: string | null;
  avatarUrl: string | null;
  email: string | null;
  isAdmin: boolean;
}

/** How the customer sees an agent: display name, else real name. */
export function toAgent(row: AgentsRow): Agent {
  const name = row.display_name?.trim() || row.real_name?.trim() || 'A team member';
  return {
    id: row.slack_user_id,
    persona: row.avatar_url ? { name, avatarUrl: row.avatar_url } : { name },
    isAdmin: row.is_admin === 1,
  };
}

export function createAgentRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const byId = db.prepare((p: { id: string }) => q.selectFrom('agents').selectAll().where('slack_user_id', '=', p.id));
  const availabilityQuery = (all: boolean) => {
    const query = q
      .selectFrom('agents as a')
      .select([
        'a.slack_user_id as id',
        'a.status',
        'a.presence',
        'a.capacity',
        'a.skills',
        'a.notify_email',
        'a.email',
        'a.last_routed_at',
        'a.status_changed_at',
        (eb) =>
          eb
            .selectFrom('conversations as c')
            .select((e) => e.fn.countAll<number>().as('n'))
            .whereRef('c.owner_id', '=', 'a.slack_user_id')
            .where('c.state', '=', 'human')
            .as('active'),
        (eb) =>
          eb
            .selectFrom('team_members as tm')
            .select(dialectOf(db).jsonArrayAgg('tm.team_id').as('t'))
            .whereRef('tm.agent_id', '=', 'a.slack_user_id')
            .as('teams'),
      ])
      .orderBy('a.slack_user_id');
    return all ? query : query.where('a.status', '!=', 'offline');
  };
  // The shape differs with `all`: one prepared query for each.
  const availabilityAll = db.prepare(() => availabilityQuery(true));
  const availabilityOnline = db.prepare(() => availabilityQuery(false));
  const anyStatus = db.prepare(() => q.selectFrom('agents').select('slack_user_id').where('status_changed_at', 'is not', null).limit(1));
  const setStatusRow = db.prepare((p: { id: string; status: string; now: string }) =>
    q.updateTable('agents').set({ status: p.status, status_changed_at: p.now, presence: null }).where('slack_user_id', '=', p.id),
  );
  const setPresenceRow = db.prepare((p: { id: string; presence: string; now: string }) =>
    q.updateTable('agents').set({ presence: p.presence, presence_checked_at: p.now }).where('slack_user_id', '=', p.id),
  );
  const insertStatusChange = db.prepare((p: { id: string; status: string; effective: string; source: string; now: string }) =>
    q.insertInto('agent_status_changes').values({ agent_id: p.id, status: p.status, effective: p.effective, source: p.source, at: p.now }),
  );
  const lastEffective = db.prepare((p: { id: string }) =>
    q.selectFrom('agent_status_changes').select('effective').where('agent_id', '=', p.id).orderBy('id', 'desc').limit(1),
  );
  const ensureRow = db.prepare((p: { id: string; now: string }) =>
    q.insertInto('agents').values({ slack_user_id: p.id, created_at: p.now, is_admin: 0 }).onConflict((oc) => oc.column('slack_user_id').doNothing()),
  );
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    get(id: string): Agent | undefined {
      const row = byId.first({ id });
      return row && toAgent(row);
    },
    row(id: string): AgentsRow | undefined {
      return byId.first({ id });
    },
    /** Creates the agent or refreshes their profile. */
    upsertProfile(id: string, p: AgentProfile, now: string): void {
      const values = {
        display_name: p.displayName,
        real_name: p.realName,
        avatar_url: p.avatarUrl,
        email: p.email,
        is_admin: p.isAdmin ? 1 : 0,
        profile_fetched_at: now,
      };
      db.run(
        q
          .insertInto('agents')
          .values({ slack_user_id: id, created_at: now, ...values })
          .onConflict((oc) => oc.column('slack_user_id').doUpdateSet(values)),
      );
    },
    /** Every agent who is not offline, or everyone with `all`, with what routing needs to know. */
    availability(options: { all?: boolean } = {}): AgentAvailability[] {
      return (options.all ? availabilityAll : availabilityOnline).all().map((r) => ({
        id: r.id,
        status: r.status as AgentStatus,
        presence: (r.presence as 'active' | 'away' | null) ?? null,
        capacity: r.capacity,
        skills: JSON.parse(r.skills) as string[],
        teams: JSON.parse(r.teams ?? '[]') as string[],
        activeConversations: Number(r.active ?? 0),
        lastRoutedAt: r.last_routed_at,
        notifyEmail: r.notify_email === 1,
        email: r.email,
      }));
    },
    /** A manual change also forgets the last presence: it is polled again before it counts. */
    /** Whether any agent has ever set a status (before that, availability is not in use). */
    anyStatusSet(): boolean {
      return anyStatus.first() !== undefined;
    },
    setStatus(id: string, status: AgentStatus, now: string): void {
      setStatusRow.run({ id, status, now });
    },
    setPresence(id: string, presence: 'active' | 'away', now: string): void {
      setPresenceRow.run({ id, presence, now });
    },
    setSkills(id: string, skills: string[]): void {
      db.run(q.updateTable('agents').set({ skills: JSON.stringify(skills) }).where('slack_user_id', '=', id));
    },
    setCapacity(id: string, capacity: number | null): void {
      db.run(q.updateTable('agents').set({ capacity }).where('slack_user_id', '=', id));
    },
    setNotifyEmail(id: string, on: boolean): void {
      db.run(q.updateTable('agents').set({ notify_email: on ? 1 : 0 }).where('slack_user_id', '=', id));
    },
    markRouted(ids: string[], now: string): void {
      if (ids.length) db.run(q.updateTable('agents').set({ last_routed_at: now }).where('slack_user_id', 'in', ids));
    },
    recordStatusChange(id: string, status: AgentStatus, effective: AgentStatus, source: string, now: string): void {
      insertStatusChange.run({ id, status, effective, source, now });
    },
    lastEffectiveStatus(id: string): AgentStatus | undefined {
      return lastEffective.first({ id })?.effective as AgentStatus | undefined;
    },
    /** Makes sure a row exists (profile unknown yet), e.g. before it is referenced as an owner. */
    ensure(id: string, now: string): void {
      ensureRow.run({ id, now });
    },
  };
  return repository satisfies AgentStore;
}

export type AgentRepository = ReturnType<typeof createAgentRepository>;
