import { sql, type OnConflictBuilder } from 'kysely';
import type { DB } from './schema';
import type { Database } from './database';
import type { MessagesTable } from './schema';
import type { FileRef, Message, MessageRole } from '../core/types';
import type { MessageStore, UnseenAgentReply } from '../core/stores';

function toMessage(row: MessagesTable): Message {
  const message: Message = {
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
  if (row.files) message.files = JSON.parse(row.files) as FileRef[];
  return message;
}

interface MessageParams {
  id: string;
  conversationId: string;
  role: string;
  text: string;
  clientId: string | null;
  agentName: string | null;
  agentAvatarUrl: string | null;
  confidence: number | null;
  createdAt: string;
  files: string | null;
}

function paramsOf(m: Omit<Message, 'seq'>): MessageParams {
  return {
    id: m.id,
    conversationId: m.conversationId,
    role: m.role,
    text: m.text,
    clientId: m.clientId,
    agentName: m.agent?.name ?? null,
    agentAvatarUrl: m.agent?.avatarUrl ?? null,
    confidence: m.confidence,
    createdAt: m.createdAt,
    files: m.files?.length ? JSON.stringify(m.files) : null,
  };
}

export function createMessageRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const rowOf = <S>(p: MessageParams, seq: S) => ({
    id: p.id,
    conversation_id: p.conversationId,
    seq,
    role: p.role,
    text: p.text,
    client_id: p.clientId,
    agent_name: p.agentName,
    agent_avatar_url: p.agentAvatarUrl,
    confidence: p.confidence,
    created_at: p.createdAt,
    edited_at: null,
    deleted_at: null,
    files: p.files,
  });
  const insertRow = db.prepare((p: MessageParams & { seq: number }) => q.insertInto('messages').values(rowOf(p, p.seq)));
  // The unique index of idempotency keys is partial (customer messages only): the conflict target
  // names its predicate, as both engines require to use it.
  const onClientId = (oc: OnConflictBuilder<DB, 'messages'>) => oc.columns(['conversation_id', 'client_id']).where('client_id', 'is not', null).doNothing();
  // Idempotent by the unique (conversation, clientId) index: one statement where a lookup, then
  // an insert, took two; RETURNING says whether it was stored.
  const insertAt = db.prepare((p: MessageParams & { seq: number }) =>
    q
      .insertInto('messages')
      .values(rowOf(p, p.seq))
      .onConflict(onClientId)
      .returning('seq'),
  );
  // The same, as the conversation's next seq read from its row: on PostgreSQL the row is locked as
  // it is read (FOR UPDATE), so another instance storing into it waits, then reads the seq this one took.
  // On PostgreSQL the same statement moves the row's last_seq there (a data-modifying WITH): every
  // statement is a round trip the main thread waits for, and a message took two. The UPDATE runs
  // only when the insert stored a row, on the row the insert's subquery locked.
  const insertNextRow = db.prepare((p: MessageParams) => {
    const next = q.selectFrom('conversations').select(sql<number>`last_seq + 1`.as('seq')).where('id', '=', p.conversationId);
    if (db.engine !== 'postgres') return q.insertInto('messages').values(rowOf(p, next)).onConflict(onClientId).returning('seq');
    return q
      .with('stored', (w) => w.insertInto('messages').values(rowOf(p, next.forUpdate())).onConflict(onClientId).returning('seq'))
      .with('moved', (w) =>
        w
          .updateTable('conversations')
          .from('stored')
          .set((eb) => ({ last_seq: eb.ref('stored.seq'), updated_at: p.createdAt }))
          .where('conversations.id', '=', p.conversationId)
          .returning('conversations.last_seq'),
      )
      .selectFrom('stored')
      .select('seq');
  });
  // SQLite has no data-modifying WITH: there (without a planned seq) the row moves in a second statement.
  const moveSeq = db.prepare((p: { id: string; seq: number; now: string }) =>
    q.updateTable('conversations').set({ last_seq: p.seq, updated_at: p.now }).where('id', '=', p.id),
  );
  const byId = db.prepare((p: { id: string }) => q.selectFrom('messages').selectAll().where('id', '=', p.id));
  const byClient = db.prepare((p: { conversationId: string; clientId: string }) =>
    q.selectFrom('messages').selectAll().where('conversation_id', '=', p.conversationId).where('client_id', '=', p.clientId),
  );
  const afterSeqQuery = db.prepare((p: { conversationId: string; afterSeq: number; limit: number }) =>
    q
      .selectFrom('messages')
      .selectAll()
      .where('conversation_id', '=', p.conversationId)
      .where('seq', '>', p.afterSeq)
      .orderBy('seq')
      .limit(p.limit),
  );
  const latest = db.prepare((p: { conversationId: string; limit: number }) =>
    q.selectFrom('messages').selectAll().where('conversation_id', '=', p.conversationId).orderBy('seq', 'desc').limit(p.limit),
  );
  const unseen = db.prepare(() =>
    q
      .selectFrom('messages as m')
      .innerJoin('conversations as c', 'c.id', 'm.conversation_id')
      .innerJoin('visitors as v', 'v.id', 'c.visitor_id')
      .select(['m.id', 'm.conversation_id', 'm.text', 'm.agent_name', 'm.created_at', 'm.files', 'v.email', 'c.visitor_id'])
      .where('m.role', '=', 'agent')
      .where('m.emailed_at', 'is', null)
      .where('m.deleted_at', 'is', null)
      .whereRef('m.seq', '>', 'c.last_seen_seq')
      .where('v.email', 'is not', null)
      .orderBy('m.conversation_id')
      .orderBy('m.seq'),
  );
  const setText = db.prepare((p: { id: string; text: string; now: string }) =>
    q.updateTable('messages').set({ text: p.text, edited_at: p.now }).where('id', '=', p.id),
  );
  const setDeleted = db.prepare((p: { id: string; now: string }) =>
    q.updateTable('messages').set({ deleted_at: p.now }).where('id', '=', p.id),
  );
  return {
    insert(m: Message): void {
      insertRow.run({ ...paramsOf(m), seq: m.seq });
    },
    insertNext(m: Omit<Message, 'seq'>, planned?: number | null): number | null {
      if (planned != null) {
        const row = insertAt.first({ ...paramsOf(m), seq: planned });
        return row ? Number(row.seq) : null;
      }
      const row = insertNextRow.first(paramsOf(m));
      if (!row) return null;
      const seq = Number(row.seq);
      if (db.engine !== 'postgres') moveSeq.run({ id: m.conversationId, seq, now: m.createdAt });
      return seq;
    },
    get(id: string): Message | undefined {
      const row = byId.first({ id });
      return row && toMessage(row);
    },
    byClientId(conversationId: string, clientId: string): Message | undefined {
      const row = byClient.first({ conversationId, clientId });
      return row && toMessage(row);
    },
    /** Messages with seq greater than afterSeq, in seq order. */
    after(conversationId: string, afterSeq: number, limit = 10_000): Message[] {
      return afterSeqQuery.all({ conversationId, afterSeq, limit }).map(toMessage);
    },
    /** The last `limit` messages, oldest first. */
    recent(conversationId: string, limit: number): Message[] {
      return latest.all({ conversationId, limit }).map(toMessage).reverse();
    },
    /** Agent replies not emailed, not deleted and not yet seen by a customer whose email we know. */
    unseenAgentReplies(): UnseenAgentReply[] {
      return unseen.all().map((r) => {
        const reply: UnseenAgentReply = {
          id: r.id,
          conversationId: r.conversation_id,
          text: r.text,
          agentName: r.agent_name,
          createdAt: r.created_at,
          email: r.email!,
          visitorId: r.visitor_id,
        };
        if (r.files) reply.files = JSON.parse(r.files) as FileRef[];
        return reply;
      });
    },
    markEmailed(ids: string[], at: string): void {
      if (ids.length) db.run(q.updateTable('messages').set({ emailed_at: at }).where('id', 'in', ids));
    },
    updateText(id: string, text: string, now: string): void {
      setText.run({ id, text, now });
    },
    markDeleted(id: string, now: string): void {
      setDeleted.run({ id, now });
    },
  } satisfies MessageStore;
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
