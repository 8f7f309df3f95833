import type { Database } from './database';
import type { MessagesTable } from './schema';
import type { Message, MessageRole } from '../core/types';

function toMessage(row: MessagesTable): Message {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    seq: row.seq,
    role: row.role as MessageRole,
    text: row.text,
    clientId: row.client_id,
    agent: row.agent_name ? { name: row.agent_name, ...(row.agent_avatar_url ? { avatarUrl: row.agent_avatar_url } : {}) } : null,
    confidence: row.confidence,
    createdAt: row.created_at,
    editedAt: row.edited_at,
    deletedAt: row.deleted_at,
  };
}

export function createMessageRepository(db: Database) {
  const { q } = db;
  return {
    insert(m: Message): void {
      db.run(
        q.insertInto('messages').values({
          id: m.id,
          conversation_id: m.conversationId,
          seq: m.seq,
          role: m.role,
          text: m.text,
          client_id: m.clientId,
          agent_name: m.agent?.name ?? null,
          agent_avatar_url: m.agent?.avatarUrl ?? null,
          confidence: m.confidence,
          created_at: m.createdAt,
          edited_at: null,
          deleted_at: null,
        }),
      );
    },
    get(id: string): Message | undefined {
      const row = db.first(q.selectFrom('messages').selectAll().where('id', '=', id));
      return row && toMessage(row);
    },
    byClientId(conversationId: string, clientId: string): Message | undefined {
      const row = db.first(
        q.selectFrom('messages').selectAll().where('conversation_id', '=', conversationId).where('client_id', '=', clientId),
      );
      return row && toMessage(row);
    },
    /** Messages with seq greater than afterSeq, in seq order. */
    after(conversationId: string, afterSeq: number, limit = 10_000): Message[] {
      return db
        .all(
          q
            .selectFrom('messages')
            .selectAll()
            .where('conversation_id', '=', conversationId)
            .where('seq', '>', afterSeq)
            .orderBy('seq')
            .limit(limit),
        )
        .map(toMessage);
    },
    /** The last `limit` messages, oldest first. */
    recent(conversationId: string, limit: number): Message[] {
      return db
        .all(
          q
            .selectFrom('messages')
            .selectAll()
            .where('conversation_id', '=', conversationId)
            .orderBy('seq', 'desc')
            .limit(limit),
        )
        .map(toMessage)
        .reverse();
    },
    /** Agent replies not emailed, not deleted and not yet seen by a customer whose email we know. */
    unseenAgentReplies(): { id: string; conversationId: string; text: string; agentName: string | null; createdAt: string; email: string; visitorId: string }[] {
      return db
        .all(
          q
            .selectFrom('messages as m')
            .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
            .innerJoin('visitors as v', 'v.id', 'c.visitor_id')
            .select(['m.id', 'm.conversation_id', 'm.text', 'm.agent_name', 'm.created_at', 'v.email', 'c.visitor_id'])
            .where('m.role', '=', 'agent')
            .where('m.emailed_at', 'is', null)
            .where('m.deleted_at', 'is', null)
            .whereRef('m.seq', '>', 'c.last_seen_seq')
            .where('v.email', 'is not', null)
            .orderBy('m.conversation_id')
            .orderBy('m.seq'),
        )
        .map((r) => ({
          id: r.id,
          conversationId: r.conversation_id,
          text: r.text,
          agentName: r.agent_name,
          createdAt: r.created_at,
          email: r.email!,
          visitorId: r.visitor_id,
        }));
    },
    markEmailed(ids: string[], at: string): void {
      if (ids.length) db.run(q.updateTable('messages').set({ emailed_at: at }).where('id', 'in', ids));
    },
    updateText(id: string, text: string, now: string): void {
      db.run(q.updateTable('messages').set({ text, edited_at: now }).where('id', '=', id));
    },
    markDeleted(id: string, now: string): void {
      db.run(q.updateTable('messages').set({ deleted_at: now }).where('id', '=', id));
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
