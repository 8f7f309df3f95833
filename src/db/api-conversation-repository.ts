import type { Database } from './database';

/**
 * What the REST API reads (issue 21): conversations with their visitor, newest first, filtered and
 * paged by key (created_at, id) so a page never skips or repeats a row when others are added; their
 * messages and files. Read-only: the API changes nothing here.
 */

export interface ApiFilters {
  state?: string;
  agent?: string;
  /** ISO, inclusive. */
  from?: string;
  /** ISO, exclusive. */
  to?: string;
}

/** Where the previous page ended. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

export interface ConversationRecord {
  id: string;
  state: string;
  visitorId: string;
  visitorName: string | null;
  visitorEmail: string | null;
  ownerId: string | null;
  teamId: string | null;
  escalationReason: string | null;
  escalatedAt: string | null;
  claimedAt: string | null;
  pageUrl: string | null;
  lastSeq: number;
  createdAt: string;
  updatedAt: string;
}

export interface MessageRecord {
  id: string;
  conversationId: string;
  seq: number;
  role: string;
  text: string;
  agentName: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** The ids of its files (the `files` JSON of the row). */
  fileIds: string[];
}

export interface FileRecord {
  id: string;
  conversationId: string;
  name: string;
  mime: string;
  size: number;
}

export function createApiConversationRepository(db: Database) {
  const { q } = db;
  const base = () =>
    q
      .selectFrom('conversations as c')
      .innerJoin('visitors as v', 'v.id', 'c.visitor_id')
      .select([
        'c.id', 'c.state', 'c.visitor_id', 'v.name as visitor_name', 'v.email as visitor_email', 'c.owner_id', 'c.team_id',
        'c.escalation_reason', 'c.escalated_at', 'c.claimed_at', 'c.page_url', 'c.last_seq', 'c.created_at', 'c.updated_at',
      ]);
  type Row = { id: string; state: string; visitor_id: string; visitor_name: string | null; visitor_email: string | null; owner_id: string | null; team_id: string | null; escalation_reason: string | null; escalated_at: string | null; claimed_at: string | null; page_url: string | null; last_seq: number; created_at: string; updated_at: string };
  const toRecord = (r: Row): ConversationRecord => ({
    id: r.id,
    state: r.state,
    visitorId: r.visitor_id,
    visitorName: r.visitor_name,
    visitorEmail: r.visitor_email,
    ownerId: r.owner_id,
    teamId: r.team_id,
    escalationReason: r.escalation_reason,
    escalatedAt: r.escalated_at,
    claimedAt: r.claimed_at,
    pageUrl: r.page_url,
    lastSeq: Number(r.last_seq),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  });

  return {
    /** Up to `limit` conversations matching `filters`, newest first, after `after`. */
    page(filters: ApiFilters, after: PagePosition | null, limit: number): ConversationRecord[] {
      let query = base();
      if (filters.state) query = query.where('c.state', '=', filters.state);
      if (filters.agent) query = query.where('c.owner_id', '=', filters.agent);
      if (filters.from) query = query.where('c.created_at', '>=', filters.from);
      if (filters.to) query = query.where('c.created_at', '<', filters.to);
      if (after) {
        query = query.where((eb) => eb.or([eb('c.created_at', '<', after.createdAt), eb.and([eb('c.created_at', '=', after.createdAt), eb('c.id', '<', after.id)])]));
      }
      return db.all(query.orderBy('c.created_at', 'desc').orderBy('c.id', 'desc').limit(limit)).map(toRecord);
    },
    get(id: string): ConversationRecord | undefined {
      const r = db.first(base().where('c.id', '=', id));
      return r ? toRecord(r) : undefined;
    },
    /** The messages of these conversations, each conversation's in seq order. */
    messages(conversationIds: readonly string[]): MessageRecord[] {
      if (conversationIds.length === 0) return [];
      const rows = db.all(
        q
          .selectFrom('messages')
          .select(['id', 'conversation_id', 'seq', 'role', 'text', 'agent_name', 'created_at', 'edited_at', 'deleted_at', 'files'])
          .where('conversation_id', 'in', conversationIds)
          .orderBy('conversation_id')
          .orderBy('seq'),
      );
      return rows.map((r) => ({
        id: r.id,
        conversationId: r.conversation_id,
        seq: Number(r.seq),
        role: r.role,
        text: r.text,
        agentName: r.agent_name,
        createdAt: r.created_at,
        editedAt: r.edited_at,
        deletedAt: r.deleted_at,
        fileIds: r.files ? (JSON.parse(r.files) as { id: string }[]).map((f) => f.id) : [],
      }));
    },
    /** The files still stored and attached to a message of the conversation. */
    files(conversationId: string): FileRecord[] {
      return db
        .all(
          q
            .selectFrom('files')
            .select(['id', 'conversation_id', 'name', 'mime', 'size'])
            .where('conversation_id', '=', conversationId)
            .where('message_id', 'is not', null)
            .where('deleted_at', 'is', null)
            .orderBy('created_at')
            .orderBy('id'),
        )
        .map((r) => ({ id: r.id, conversationId: r.conversation_id, name: r.name, mime: r.mime, size: Number(r.size) }));
    },
  };
}

export type ApiConversationRepository = ReturnType<typeof createApiConversationRepository>;
