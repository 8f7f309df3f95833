import type { Database } from './database';

/** The conversation_events log: what happened to a conversation and when. */
export function createEventRepository(db: Database) {
  const { q } = db;
  return {
    record(conversationId: string, type: string, detail: Record<string, unknown>, at: string): void {
      db.run(q.insertInto('conversation_events').values({ conversation_id: conversationId, type, detail: JSON.stringify(detail), at }));
    },
    list(conversationId: string): { type: string; detail: Record<string, unknown>; at: string }[] {
      return db
        .all(
          q
            .selectFrom('conversation_events')
            .select(['type', 'detail', 'at'])
            .where('conversation_id', '=', conversationId)
            .orderBy('id'),
        )
        .map((r) => ({ type: r.type, detail: JSON.parse(r.detail) as Record<string, unknown>, at: r.at }));
    },
  };
}

export type EventRepository = ReturnType<typeof createEventRepository>;
