import { dialectOf } from './dialect';
import { sql, type ExpressionBuilder, type SelectQueryBuilder } from 'kysely';
import type { Database } from './database';
import type { DB } from './schema';
import type { ConversationState, EscalationReasonKind } from '../core/types';

/**
 * Read-only queries behind the App Home lists: an agent's own conversations, the queue waiting for
 * an agent, and the conversations the AI is handling right now. Each list is capped (`limit`) and
 * comes with its full count, so the Home tab can say "and N more" without loading everything.
 */

/** One conversation as the Home lists show it. */
export interface DashboardConversation {
  id: string;
  visitorId: string;
  state: ConversationState;
  visitor: { name: string | null; email: string | null; verified: boolean; attributes: Record<string, string> };
  page: { url: string | null; title: string | null };
  escalation: EscalationReasonKind | null;
  escalatedAt: string | null;
  ownerId: string | null;
  claimedAt: string | null;
  updatedAt: string;
  /** The customer's latest message (not deleted), if any. */
  lastCustomerMessage: { text: string; at: string } | null;
  /** Who wrote the latest message: a customer message last means the customer waits for an answer. */
  lastMessageRole: string | null;
  /** The handoff thread, once one was created (ts null until the card went out). */
  thread: { channel: string; ts: string | null } | null;
  /** The conversation was ever escalated because the customer was frustrated. */
  frustrationSeen: boolean;
}

export interface DashboardList {
  items: DashboardConversation[];
  /** All matching conversations, items included. */
  total: number;
}

type From = SelectQueryBuilder<DB, 'conversations' | 'visitors', object>;

function parseAttributes(raw: string): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed as Record<string, unknown>).map(([k, v]) => [k, String(v)]));
  } catch {
    return {};
  }
}

export function createDashboardRepository(db: Database) {
  const { q } = db;

  const base = (): From => q.selectFrom('conversations').innerJoin('visitors', 'visitors.id', 'conversations.visitor_id');

  const lastCustomer = (eb: ExpressionBuilder<DB, 'conversations'>) =>
    eb
      .selectFrom('messages as m')
      .whereRef('m.conversation_id', '=', 'conversations.id')
      .where('m.role', '=', 'customer')
      .where('m.deleted_at', 'is', null)
      .orderBy('m.seq', 'desc')
      .limit(1);

  const rows = (query: From, limit: number) =>
    db
      .all(
        query
          .leftJoin('slack_threads', 'slack_threads.conversation_id', 'conversations.id')
          .select([
            'conversations.id',
            'conversations.visitor_id',
            'conversations.state',
            'conversations.page_url',
            'conversations.page_title',
            'conversations.escalation_reason',
            'conversations.escalated_at',
            'conversations.owner_id',
            'conversations.claimed_at',
            'conversations.updated_at',
            'visitors.name',
            'visitors.email',
            'visitors.verified',
            'visitors.attributes',
            'slack_threads.channel as thread_channel',
            'slack_threads.ts as thread_ts',
            (eb) => lastCustomer(eb).select('m.text').as('last_customer_text'),
            (eb) => lastCustomer(eb).select('m.created_at').as('last_customer_at'),
            (eb) =>
              eb
                .selectFrom('messages as lm')
                .select('lm.role')
                .whereRef('lm.conversation_id', '=', 'conversations.id')
                .where('lm.deleted_at', 'is', null)
                .orderBy('lm.seq', 'desc')
                .limit(1)
                .as('last_role'),
            (eb) =>
              eb
                .exists(
                  eb
                    .selectFrom('conversation_events as ev')
                    .select('ev.id')
                    .whereRef('ev.conversation_id', '=', 'conversations.id')
                    .where('ev.type', '=', 'escalated')
                    .where(dialectOf(db).jsonText('ev.detail', 'kind'), '=', 'frustration'),
                )
                .as('frustration_event'),
          ])
          .limit(limit),
      )
      .map(
        (r): DashboardConversation => ({
          id: r.id,
          visitorId: r.visitor_id,
          state: r.state as ConversationState,
          visitor: { name: r.name, email: r.email, verified: r.verified === 1, attributes: parseAttributes(r.attributes) },
          page: { url: r.page_url, title: r.page_title },
          escalation: (r.escalation_reason as EscalationReasonKind | null) ?? null,
          escalatedAt: r.escalated_at,
          ownerId: r.owner_id,
          claimedAt: r.claimed_at,
          updatedAt: r.updated_at,
          lastCustomerMessage:
            r.last_customer_text !== null && r.last_customer_at !== null ? { text: r.last_customer_text, at: r.last_customer_at } : null,
          lastMessageRole: r.last_role ?? null,
          thread: r.thread_channel ? { channel: r.thread_channel, ts: r.thread_ts ?? null } : null,
          frustrationSeen: r.escalation_reason === 'frustration' || Boolean(r.frustration_event),
        }),
      );

  const count = (query: SelectQueryBuilder<DB, 'conversations', object>): number =>
    Number(db.first(query.select((eb) => eb.fn.countAll<number>().as('n')))?.n ?? 0);

  return {
    /** One conversation as the lists show it (whatever its state). */
    get(conversationId: string): DashboardConversation | undefined {
      return rows(base().where('conversations.id', '=', conversationId), 1)[0];
    },

    /** Conversations an agent owns and is talking in (state human), the oldest claim first. */
    mine(agentId: string, limit: number): DashboardList {
      const where = <T extends SelectQueryBuilder<DB, 'conversations', object>>(query: T): T =>
        query.where('conversations.owner_id', '=', agentId).where('conversations.state', '=', 'human') as T;
      return {
        items: rows(where(base()).orderBy('conversations.claimed_at').orderBy('conversations.id'), limit),
        total: count(where(q.selectFrom('conversations'))),
      };
    },

    /** Conversations waiting for an agent (waiting, or queued for follow-up), the longest waiting first. */
    queue(limit: number): DashboardList {
      const where = <T extends SelectQueryBuilder<DB, 'conversations', object>>(query: T): T =>
        query.where('conversations.state', 'in', ['waiting', 'queued']) as T;
      return {
        items: rows(
          where(base())
            .orderBy(sql`coalesce(conversations.escalated_at, conversations.updated_at)`)
            .orderBy('conversations.id'),
          limit,
        ),
        total: count(where(q.selectFrom('conversations'))),
      };
    },

    /** Conversations the AI is handling that moved since `since` (ISO), the most recent first. */
    live(since: string, limit: number): DashboardList {
      const where = <T extends SelectQueryBuilder<DB, 'conversations', object>>(query: T): T =>
        query.where('conversations.state', '=', 'ai').where('conversations.updated_at', '>=', since) as T;
      return {
        items: rows(where(base()).orderBy('conversations.updated_at', 'desc').orderBy('conversations.id'), limit),
        total: count(where(q.selectFrom('conversations'))),
      };
    },

    /** The customer's last `limit` messages, oldest first (for the frustration signal). */
    recentCustomerTexts(conversationId: string, limit: number): string[] {
      return db
        .all(
          q
            .selectFrom('messages')
            .select('text')
            .where('conversation_id', '=', conversationId)
            .where('role', '=', 'customer')
            .where('deleted_at', 'is', null)
            .orderBy('seq', 'desc')
            .limit(limit),
        )
        .map((r) => r.text)
        .reverse();
    },
  };
}

export type DashboardRepository = ReturnType<typeof createDashboardRepository>;
