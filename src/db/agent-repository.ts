import type { Database } from './database';
import type { AgentsTable } from './schema';
import type { Agent } from '../core/types';

export interface AgentProfile {
  displayName: string | null;
  realName: string | null;
  avatarUrl: string | null;
  email: string | null;
  isAdmin: boolean;
}

/** How the customer sees an agent: display name, else real name. */
export function toAgent(row: AgentsTable): Agent {
  const name = row.display_name?.trim() || row.real_name?.trim() || 'A team member';
  return {
    id: row.slack_user_id,
    persona: row.avatar_url ? { name, avatarUrl: row.avatar_url } : { name },
    isAdmin: row.is_admin === 1,
  };
}

export function createAgentRepository(db: Database) {
  const { q } = db;
  return {
    get(id: string): Agent | undefined {
      const row = db.first(q.selectFrom('agents').selectAll().where('slack_user_id', '=', id));
      return row && toAgent(row);
    },
    row(id: string): AgentsTable | undefined {
      return db.first(q.selectFrom('agents').selectAll().where('slack_user_id', '=', id));
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
    /** Makes sure a row exists (profile unknown yet), e.g. before it is referenced as an owner. */
    ensure(id: string, now: string): void {
      db.run(q.insertInto('agents').values({ slack_user_id: id, created_at: now, is_admin: 0 }).onConflict((oc) => oc.column('slack_user_id').doNothing()));
    },
  };
}

export type AgentRepository = ReturnType<typeof createAgentRepository>;
