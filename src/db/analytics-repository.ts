import { dialectOf } from './dialect';
import { sql } from 'kysely';
import type { KbDraftRecord, KbGapsStore, TopicConversationRecord } from '../core/analytics/gaps';
import type { ConversationRecord, CustomerMessageRecord, EventRecord } from '../core/analytics/metrics';
import type { Database } from './database';
import type { KbDraftsTable } from './schema';
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

/** Ids per `in (…)` list: far below either engine's limit on bound parameters. */
const ID_CHUNK = 500;

function toDraftRecord(r: Pick<KbDraftsTable, 'id' | 'conversation_id' | 'status' | 'title' | 'topic' | 'article_id' | 'decided_at' | 'decided_by'>): KbDraftRecord {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    status: r.status,
    title: r.title,
    topic: r.topic,
    articleId: r.article_id,
    decidedAt: r.decided_at,
    decidedBy: r.decided_by,
  };
}

const DRAFT_COLUMNS = ['id', 'conversation_id', 'status', 'title', 'topic', 'article_id', 'decided_at', 'decided_by'] as const;

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

    lastDigestAt(): string | null {
      const row = db.first(q.selectFrom('analytics_digests').select((eb) => eb.fn.max('posted_at').as('last')));
      return (row?.last as string | null | undefined) ?? null;
    },

    kbDrafts(since: string): KbDraftRecord[] {
      return db
        .all(
          q
            .selectFrom('kb_drafts')
            .select(DRAFT_COLUMNS)
            .where((eb) => eb.or([eb('created_at', '>=', since), eb('decided_at', '>=', since)]))
            .orderBy('created_at'),
        )
        .map(toDraftRecord);
    },

    approvedArticles(from: string, to: string, limit: number): KbDraftRecord[] {
      return db
        .all(
          q
            .selectFrom('kb_drafts')
            .select(DRAFT_COLUMNS)
            .where('status', '=', 'approved')
            .where('decided_at', '>=', from)
            .where('decided_at', '<', to)
            .orderBy('decided_at', 'desc')
            .orderBy('id', 'desc')
            .limit(limit),
        )
        .map(toDraftRecord);
    },

    topicConversations(fragments: readonly string[], from: string, to: string): TopicConversationRecord[] {
      if (fragments.length === 0) return [];
      // A rough filter in SQL (lower() folds ASCII only in SQLite); the core checks the words exactly.
      const rows = db.all(
        q
          .selectFrom('conversations as c')
          .select((eb) => [
            'c.id',
            'c.created_at',
            // Not correlated: the window's handoffs are read once (a correlated lookup would take
            // the (type, at) index and scan every earlier handoff for each conversation).
            eb('c.id', 'in', escalatedIn(from, to)).as('handed_off'),
          ])
          .where('c.created_at', '>=', from)
          .where('c.created_at', '<', to)
          .where((eb) =>
            eb.and(
              fragments.map((f) =>
                eb.exists(
                  eb
                    .selectFrom('messages as m')
                    .select('m.id')
                    .whereRef('m.conversation_id', '=', 'c.id')
                    .where('m.role', '=', 'customer')
                    .where('m.deleted_at', 'is', null)
                    .where((m) => m(m.fn<string>('lower', ['m.text']), 'like', `%${f}%`)),
                ),
              ),
            ),
          )
          .orderBy('c.created_at'),
      );
      const texts = new Map<string, string[]>(rows.map((r) => [r.id, []]));
      const ids = [...texts.keys()];
      for (let i = 0; i < ids.length; i += ID_CHUNK) {
        const chunk = ids.slice(i, i + ID_CHUNK);
        const messages = db.all(
          q
            .selectFrom('messages')
            .select(['conversation_id', 'text'])
            .where('conversation_id', 'in', chunk)
            .where('role', '=', 'customer')
            .where('deleted_at', 'is', null)
            .orderBy('conversation_id')
            .orderBy('seq'),
        );
        for (const m of messages) texts.get(m.conversation_id)!.push(m.text);
      }
      // SQLite answers 0/1, PostgreSQL a boolean.
      return rows.map((r) => ({ id: r.id, createdAt: r.created_at, handedOff: r.handed_off === true || Number(r.handed_off) === 1, texts: texts.get(r.id)! }));
    },
  } satisfies AnalyticsStore & KbGapsStore;
}

export type AnalyticsRepository = ReturnType<typeof createAnalyticsRepository>;
