import { dialectOf } from './dialect';
import { sql } from 'kysely';
import type { ConversationRecord, CustomerMessageRecord, EventRecord } from '../core/analytics/metrics';
import type { Database } from './database';
import type { AnalyticsStore } from '../core/stores';

/** Reasons whose handoffs say what the knowledge base lacks. */
const UNANSWERED_REASONS = ['no_match', 'low_confidence'];

function parseDetail(raw: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * Read side of the analytics (src/core/analytics/metrics.ts computes): the conversations and
 * events of a period as plain records, names of agents and teams, and the record of posted daily
 * digests. Times are ISO strings (`toISOString`), so comparing them as text compares instants.
 */
export function createAnalyticsRepository(db: Database) {
  const { q } = db;

  /** Conversations with an `escalated` event in [from, to). */
  const escalatedIn = (from: string, to: string) =>
    q.selectFrom('conversation_events').select('conversation_id').where('type', '=', 'escalated').where('at', '>=', from).where('at', '<', to);

  return {
    /**
     * Conversations started in [from, to) and those with a handoff in it, with their first customer
     * message (null when the customer never wrote).
     */
    conversations(from: string, to: string): ConversationRecord[] {
      const rows = db.all(
        q
          .selectFrom('conversations')
          .select((eb) => [
            'conversations.id',
            'conversations.created_at',
            'conversations.team_id',
            eb
              .selectFrom('messages')
              .select((m) => m.fn.min('messages.created_at').as('first'))
              .whereRef('messages.conversation_id', '=', 'conversations.id')
              .where('messages.role', '=', 'customer')
              .as('first_customer_at'),
          ])
          .where((eb) =>
            eb.or([
              eb.and([eb('conversations.created_at', '>=', from), eb('conversations.created_at', '<', to)]),
              eb('conversations.id', 'in', escalatedIn(from, to)),
            ]),
          ),
      );
      return rows.map((r) => ({
        id: r.id,
        createdAt: r.created_at,
        firstCustomerMessageAt: (r.first_customer_at as string | null) ?? null,
        teamId: r.team_id,
      }));
    },

    /** Every event of the conversations with a handoff in [from, to), in the order recorded. */
    events(from: string, to: string): EventRecord[] {
      return db
        .all(
          q
            .selectFrom('conversation_events')
            .select(['conversation_id', 'type', 'detail', 'at'])
            .where('conversation_id', 'in', escalatedIn(from, to))
            .orderBy('conversation_id')
            .orderBy('id'),
        )
        .map((r) => ({ conversationId: r.conversation_id, type: r.type, at: r.at, detail: parseDetail(r.detail) }));
    },

    /**
     * Customer messages written before `to` in conversations handed off in [from, to) because the
     * AI had no good answer (no_match, low_confidence): what the knowledge base lacks.
     */
    unansweredMessages(from: string, to: string): CustomerMessageRecord[] {
      const unanswered = escalatedIn(from, to).where(dialectOf(db).jsonText('detail', 'kind'), 'in', UNANSWERED_REASONS);
      return db
        .all(
          q
            .selectFrom('messages')
            .select(['conversation_id', 'text', 'created_at'])
            .where('role', '=', 'customer')
            .where('deleted_at', 'is', null)
            .where('created_at', '<', to)
            .where('conversation_id', 'in', unanswered)
            .orderBy('conversation_id')
            .orderBy('seq'),
        )
        .map((r) => ({ conversationId: r.conversation_id, text: r.text, at: r.created_at }));
    },

    /** What people call each agent: display name, else real name. */
    agentNames(): Record<string, string> {
      const rows = db.all(q.selectFrom('agents').select(['slack_user_id', 'display_name', 'real_name']));
      return Object.fromEntries(
        rows.flatMap((r) => {
          const name = r.display_name?.trim() || r.real_name?.trim();
          return name ? [[r.slack_user_id, name]] : [];
        }),
      );
    },

    teamNames(): Record<string, string> {
      return Object.fromEntries(db.all(q.selectFrom('teams').select(['id', 'name'])).map((r) => [r.id, r.name]));
    },

    /** Whether the digest of a local date was posted. */
    digestPosted(day: string): boolean {
      return db.first(q.selectFrom('analytics_digests').select('day').where('day', '=', day)) !== undefined;
    },

    /** Records the digest of a local date; false when it was recorded before (someone else posted it). */
    recordDigest(day: string, channel: string, at: string): boolean {
      const res = db.run(
        q.insertInto('analytics_digests').values({ day, channel, posted_at: at }).onConflict((oc) => oc.column('day').doNothing()),
      );
      return res.changes === 1;
    },
  } satisfies AnalyticsStore;
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
