import type { WebClient } from '@slack/web-api';
import type { Clock } from '../core/ports';
import type { Agent } from '../core/types';
import type { AgentRepository } from '../db/agent-repository';
import type { Logger } from '../logger';

/** A profile fetched from users.info is trusted for this long before it is fetched again. */
const PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

interface SlackUser {
  id?: string;
  name?: string;
  real_name?: string;
  deleted?: boolean;
  is_admin?: boolean;
  is_owner?: boolean;
  profile?: { display_name?: string; real_name?: string; image_72?: string; image_192?: string; email?: string };
}

/**
 * Agents are Slack users: created on first contact with their profile from users.info, cached in
 * the agents table and refreshed once a day. Slack being unreachable never blocks an agent: the
 * cached profile (or the bare id) is used and the fetch is retried next time.
 */
export class AgentDirectory {
  private readonly inflight = new Map<string, Promise<Agent>>();

  constructor(
    private readonly client: WebClient,
    private readonly agents: AgentRepository,
    private readonly adminIds: readonly string[],
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** The agent for a Slack user, with a fresh enough profile. */
  get(userId: string): Promise<Agent> {
    const row = this.agents.row(userId);
    const fresh = row?.profile_fetched_at && this.clock.now().getTime() - Date.parse(row.profile_fetched_at) < PROFILE_TTL_MS;
    if (row && fresh) return Promise.resolve(this.withAdmin(this.agents.get(userId)!));
    let pending = this.inflight.get(userId);
    if (!pending) {
      pending = this.fetch(userId).finally(() => this.inflight.delete(userId));
      this.inflight.set(userId, pending);
    }
    return pending;
  }

  /** A cached name for mentions (no network); undefined when unknown. */
  cachedName(userId: string): string | undefined {
    return this.agents.get(userId)?.persona.name;
  }

  isAdmin(agent: Agent): boolean {
    return agent.isAdmin || this.adminIds.includes(agent.id);
  }

  private async fetch(userId: string): Promise<Agent> {
    const now = this.clock.now().toISOString();
    try {
      const res = (await this.client.users.info({ user: userId })) as { user?: SlackUser };
      const u = res.user ?? {};
      this.agents.upsertProfile(
        userId,
        {
          displayName: u.profile?.display_name || null,
          realName: u.profile?.real_name || u.real_name || u.name || null,
          avatarUrl: safeImageUrl(u.profile?.image_192) ?? safeImageUrl(u.profile?.image_72),
          email: u.profile?.email || null,
          isAdmin: Boolean(u.is_admin || u.is_owner),
        },
        now,
      );
    } catch (err) {
      this.logger.warn({ err, userId }, 'could not fetch the Slack profile; using what we have');
      this.agents.ensure(userId, now);
    }
    return this.withAdmin(this.agents.get(userId)!);
  }

  private withAdmin(agent: Agent): Agent {
    return this.adminIds.includes(agent.id) ? { ...agent, isAdmin: true } : agent;
  }
}

/** Only https images reach the widget: a profile can hold anything, including javascript: URLs. */
function safeImageUrl(raw: string | undefined): string | null {
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && !url.username && !url.password ? url.toString() : null;
  } catch {
    return null;
  }
}
