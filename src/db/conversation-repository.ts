import { sql } from 'kysely';
import type { Database } from './database';
import type { Selectable } from 'kysely';
import type { ConversationsTable } from './schema';

type ConversationsRow = Selectable<ConversationsTable>;
import type { Conversation, ConversationState, EscalationReason } from '../core/types';

function toConversation(row: ConversationsRow): Conversation {
  return {
    id: row.id,
    visitorId: row.visitor_id,
    state: row.state as ConversationState,
    lastSeq: row.last_seq,
    pageUrl: row.page_url,
    pageTitle: row.page_title,
    escalation: row.escalation_reason
      ? ({ kind: row.escalation_reason, ...(row.escalation_detail ? JSON.parse(row.escalation_detail) : {}) } as EscalationReason)
      : null,
    escalatedAt: row.escalated_at,
    emailRequested: row.email_requested === 1,
    ownerId: row.owner_id,
    claimedAt: row.claimed_at,
    requiredSkills: JSON.parse(row.required_skills) as string[],
    teamId: row.team_id,
    priority: row.priority as Conversation['priority'],
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function createConversationRepository(db: Database) {
  const { q } = db;
  const get = (id: string): Conversation | undefined => {
    const row = db.first(q.selectFrom('conversations').selectAll().where('id', '=', id));
    return row && toConversation(row);
  };
  return {
    get,
    /** Like get, for ids known to exist (inside a transaction that just wrote them). */
    load(id: string): Conversation {
      const c = get(id);
      if (!c) throw new Error(`conversation ${id} not found`);
      return c;
    },
    byVisitor(visitorId: string): Conversation | undefined {
      const row = db.first(q.selectFrom('conversations').selectAll().where('visitor_id', '=', visitorId));
      return row && toConversation(row);
    },
    insert(c: Conversation): void {
      db.run(
        q.insertInto('conversations').values({
          id: c.id,
          visitor_id: c.visitorId,
          state: c.state,
          last_seq: c.lastSeq,
          page_url: c.pageUrl,
          page_title: c.pageTitle,
          escalation_reason: null,
          escalation_detail: null,
          escalated_at: null,
          email_requested: 0,
          owner_id: null,
          claimed_at: null,
          created_at: c.createdAt,
          updated_at: c.updatedAt,
        }),
      );
    },
    /** Reserves the next seq of a conversation (call inside the transaction that inserts the message). */
    nextSeq(id: string, now: string): number {
      const row = db.first(
        q
          .updateTable('conversations')
          .set({ last_seq: sql<number>`last_seq + 1`, updated_at: now })
          .where('id', '=', id)
          .returning('last_seq'),
      );
      if (!row) throw new Error(`conversation ${id} not found`);
      return row.last_seq;
    },
    /**
     * Moves to `to` only when the state is one of `from`. Returns false when another change got
     * there first, which is how concurrent transitions stay atomic.
     */
    transition(id: string, from: readonly ConversationState[], to: ConversationState, now: string): boolean {
      const res = db.run(
        q.updateTable('conversations').set({ state: to, updated_at: now }).where('id', '=', id).where('state', 'in', from),
      );
      return res.changes === 1;
    },
    /**
     * Makes `ownerId` the owner when nobody owns it and the state is one of `from`. Atomic: of two
     * agents claiming together exactly one gets `true`.
     */
    claim(id: string, ownerId: string, from: readonly ConversationState[], now: string): boolean {
      const res = db.run(
        q
          .updateTable('conversations')
          .set({ state: 'human', owner_id: ownerId, claimed_at: now, updated_at: now })
          .where('id', '=', id)
          .where('owner_id', 'is', null)
          .where('state', 'in', from),
      );
      return res.changes === 1;
    },
    /** Clears the owner (hand back to the AI, reopening). */
    release(id: string, now: string): void {
      db.run(q.updateTable('conversations').set({ owner_id: null, claimed_at: null, updated_at: now }).where('id', '=', id));
    },
    setEscalation(id: string, reason: EscalationReason, now: string): void {
      const { kind, ...detail } = reason;
      db.run(
        q
          .updateTable('conversations')
          .set({ escalation_reason: kind, escalation_detail: JSON.stringify(detail), escalated_at: now, updated_at: now })
          .where('id', '=', id),
      );
    },
    setPage(id: string, url: string, title: string | null, now: string): void {
      db.run(q.updateTable('conversations').set({ page_url: url, page_title: title, updated_at: now }).where('id', '=', id));
    },
    setRouting(id: string, patch: { requiredSkills?: string[]; teamId?: string | null; priority?: Conversation['priority'] }, now: string): void {
      db.run(
        q
          .updateTable('conversations')
          .set({
            ...(patch.requiredSkills ? { required_skills: JSON.stringify(patch.requiredSkills) } : {}),
            ...(patch.teamId !== undefined ? { team_id: patch.teamId } : {}),
            ...(patch.priority ? { priority: patch.priority } : {}),
            updated_at: now,
          })
          .where('id', '=', id),
      );
    },
    markSeen(id: string, seq: number): void {
      db.run(
        q.updateTable('conversations').set({ last_seen_seq: sql<number>`max(last_seen_seq, ${seq})` }).where('id', '=', id),
      );
    },
    markEmailRequested(id: string, now: string): void {
      db.run(q.updateTable('conversations').set({ email_requested: 1, updated_at: now }).where('id', '=', id));
    },
    /** 1-based position among conversations waiting for an agent, by escalation time. */
    queuePosition(id: string): number {
      const row = db.first(
        q
          .selectFrom('conversations as c')
          .select((eb) => eb.fn.countAll<number>().as('ahead'))
          .where('c.state', '=', 'waiting')
          .where((eb) =>
            eb(
              'c.escalated_at',
              '<',
              eb.selectFrom('conversations').select('escalated_at').where('id', '=', id),
            ),
          ),
      );
      return Number(row?.ahead ?? 0) + 1;
    },
  };
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;
