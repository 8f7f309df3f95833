import type { Database } from './database';
import type { EventStore } from '../core/stores';

export type RecordHook = (conversationId: string, type: string, detail: Record<string, unknown>, at: string) => void;

/** The conversation_events log: what happened to a conversation and when. */
export function createEventRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const insertRow = db.prepare((p: { conversationId: string; type: string; detail: string; at: string }) =>
    q.insertInto('conversation_events').values({ conversation_id: p.conversationId, type: p.type, detail: p.detail, at: p.at }),
  );
  const byConversation = db.prepare((p: { conversationId: string }) =>
    q.selectFrom('conversation_events').select(['type', 'detail', 'at']).where('conversation_id', '=', p.conversationId).orderBy('id'),
  );
  const recorded = new Set<RecordHook>();
  return {
    record(conversationId: string, type: string, detail: Record<string, unknown>, at: string): void {
      insertRow.run({ conversationId, type, detail: JSON.stringify(detail), at });
      for (const hook of recorded) hook(conversationId, type, detail, at);
    },
    /**
     * Calls `hook` right after each event is written, inside the caller's transaction: what it writes
     * (an outbox row) commits or rolls back with the event (outgoing webhooks use it).
     */
    onRecord(hook: RecordHook): () => void {
      recorded.add(hook);
      return () => recorded.delete(hook);
    },
    list(conversationId: string): { type: string; detail: Record<string, unknown>; at: string }[] {
      return byConversation
        .all({ conversationId })
        .map((r) => ({ type: r.type, detail: JSON.parse(r.detail) as Record<string, unknown>, at: r.at }));
    },
  } satisfies EventStore & { onRecord(hook: RecordHook): () => void };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
