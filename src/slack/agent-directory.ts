import type { WebClient } from '@slack/web-api';
import type { Clock } from '../core/ports';
import type { Agent } from '../core/types';
import type { AgentRepository } from '../db/agent-repository';
import type { Logger } from '../logger';

/** A profile fetched from users.info is trusted for this long before it is fetched again. */
const PROFILE_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * Admin status from users.info (is_admin, is_owner) is trusted for at most this long: every admin
 * action asks `isAdminNow`, which asks Slack again once it is older, so a demoted admin loses their
 * rights within this time. Kept in the agents table (profile_fetched_at), so every process sharing
 * the database sees the same answer.
 */
export const ADMIN_TTL_MS = 5 * 60 * 1000;

/** Slack did not answer users.info and the admin status we have is too old to trust. */
export class AdminStatusUnknown extends Error {
  constructor(readonly userId: string) {
    super(`could not confirm whether ${userId} is an admin`);
  }
}

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
  private readonly inflight = new Map<string, Promise<{ agent: Agent; fetched: boolean }>>();

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
    if (row && this.fetchedWithin(row.profile_fetched_at, PROFILE_TTL_MS)) return Promise.resolve(this.withAdmin(this.agents.get(userId)!));
    return this.refresh(userId).then((r) => r.agent);
  }

  /**
   * Whether the user is an admin now: listed in SLACK_ADMIN_USER_IDS, or a workspace admin or owner
   * per users.info no older than ADMIN_TTL_MS (else Slack is asked again). Throws
   * AdminStatusUnknown when Slack does not answer and what we know is older: never fails open.
   */
  async isAdminNow(userId: string): Promise<boolean> {
    if (this.adminIds.includes(userId)) return true;
    const row = this.agents.row(userId);
    if (row && this.fetchedWithin(row.profile_fetched_at, ADMIN_TTL_MS)) return row.is_admin === 1;
    const { agent, fetched } = await this.refresh(userId);
    if (!fetched) throw new AdminStatusUnknown(userId);
    return agent.isAdmin;
  }

  private fetchedWithin(at: string | null | undefined, ttlMs: number): boolean {
    if (!at) return false;
    const age = this.clock.now().getTime() - Date.parse(at);
    return age >= 0 && age < ttlMs;
  }

  /** One users.info call per user at a time; `fetched` says whether Slack answered. */
  private refresh(userId: string): Promise<{ agent: Agent; fetched: boolean }> {
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

  /** From the cached profile (up to a day old): for display only; admin actions use `isAdminNow`. */
  isAdmin(agent: Agent): boolean {
    return agent.isAdmin || this.adminIds.includes(agent.id);
  }

  /**
   * The agent with `isAdmin` as `isAdminNow` says, for actions where an admin may do more (resolve
   * or hand back someone else's conversation); Slack not answering counts as not an admin.
   */
  async getWithAdminCheck(userId: string): Promise<Agent> {
    const agent = await this.get(userId);
    const isAdmin = await this.isAdminNow(userId).catch((err: unknown) => {
      this.logger.warn({ err, userId }, 'could not confirm admin status; acting as a non-admin');
      return false;
    });
    return { ...agent, isAdmin };
  }

  private async fetch(userId: string): Promise<{ agent: Agent; fetched: boolean }> {
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
          // A deactivated account keeps its flags in Slack's answer; it is nobody's admin.
          isAdmin: Boolean((u.is_admin || u.is_owner) && !u.deleted),
        },
        now,
      );
      return { agent: this.withAdmin(this.agents.get(userId)!), fetched: true };
    } catch (err) {
      this.logger.warn({ err, userId }, 'could not fetch the Slack profile; using what we have');
      this.agents.ensure(userId, now);
      return { agent: this.withAdmin(this.agents.get(userId)!), fetched: false };
    }
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
