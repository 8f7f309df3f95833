import { dialectOf } from './dialect';
import { sql } from 'kysely';
import type { Database } from './database';
import type { Selectable } from 'kysely';
import type { ConversationsTable } from './schema';
import { createSeqBook } from './seq-book';
import { isLanguage, type Language } from '../i18n/languages';

type ConversationsRow = Selectable<ConversationsTable>;
import type { Conversation, ConversationState, EscalationReason } from '../core/types';
import type { ConversationStore } from '../core/stores';

/** Every state, for the bounded set of `from` lists (see transition and claim). */
const STATES: readonly ConversationState[] = ['ai', 'waiting', 'human', 'queued', 'resolved'];

/**
 * Every cached conversation is kept while its customer is connected, and each row read brings its
 * own copy of every string: the few values of state and priority are shared instead, as are an
 * empty skill list and a creation time equal to the last update's (a new conversation's).
 */
const PRIORITIES: readonly Conversation['priority'][] = ['low', 'normal', 'high', 'urgent'];
const SHARED_VALUES = new Map<string, string>([...STATES, ...PRIORITIES].map((v) => [v, v]));
const NO_SKILLS: string[] = Object.freeze([]) as unknown as string[];
const shared = <T extends string>(value: string) => (SHARED_VALUES.get(value) ?? value) as T;

function toConversation(row: ConversationsRow): Conversation {
  return {
    id: row.id,
    visitorId: row.visitor_id,
    state: shared<ConversationState>(row.state),
    lastSeq: row.last_seq,
    pageUrl: row.page_url,
    pageTitle: row.page_title,
    language: isLanguage(row.language) ? row.language : null,
    escalation: row.escalation_reason
      ? ({ kind: row.escalation_reason, ...(row.escalation_detail ? JSON.parse(row.escalation_detail) : {}) } as EscalationReason)
      : null,
    escalatedAt: row.escalated_at,
    emailRequested: row.email_requested === 1,
    ownerId: row.owner_id,
    claimedAt: row.claimed_at,
    requiredSkills: row.required_skills === '[]' ? NO_SKILLS : (JSON.parse(row.required_skills) as string[]),
    teamId: row.team_id,
    priority: shared<Conversation['priority']>(row.priority),
    createdAt: row.created_at,
    updatedAt: row.updated_at === row.created_at ? row.created_at : row.updated_at,
  };
}

export function createConversationRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const byId = db.prepare((p: { id: string }) => q.selectFrom('conversations').selectAll().where('id', '=', p.id));
  const byVisitorId = db.prepare((p: { visitorId: string }) =>
    q.selectFrom('conversations').selectAll().where('visitor_id', '=', p.visitorId),
  );
  const insertRow = db.prepare(
    (p: { id: string; visitorId: string; state: string; lastSeq: number; pageUrl: string | null; pageTitle: string | null; createdAt: string; updatedAt: string }) =>
      q.insertInto('conversations').values({
        id: p.id,
        visitor_id: p.visitorId,
        state: p.state,
        last_seq: p.lastSeq,
        page_url: p.pageUrl,
        page_title: p.pageTitle,
        escalation_reason: null,
        escalation_detail: null,
        escalated_at: null,
        email_requested: 0,
        owner_id: null,
        claimed_at: null,
        created_at: p.createdAt,
        updated_at: p.updatedAt,
      }),
  );
  const bumpSeq = db.prepare((p: { id: string; now: string }) =>
    q
      .updateTable('conversations')
      .set({ last_seq: sql<number>`last_seq + 1`, updated_at: p.now })
      .where('id', '=', p.id)
      .returning('last_seq'),
  );
  const clearOwner = db.prepare((p: { id: string; now: string }) =>
    q.updateTable('conversations').set({ owner_id: null, claimed_at: null, updated_at: p.now }).where('id', '=', p.id),
  );
  const setEscalationRow = db.prepare((p: { id: string; reason: string; detail: string; now: string }) =>
    q
      .updateTable('conversations')
      .set({ escalation_reason: p.reason, escalation_detail: p.detail, escalated_at: p.now, updated_at: p.now })
      .where('id', '=', p.id),
  );
  const setPageRow = db.prepare((p: { id: string; url: string; title: string | null; now: string }) =>
    q.updateTable('conversations').set({ page_url: p.url, page_title: p.title, updated_at: p.now }).where('id', '=', p.id),
  );
  const setLanguageRow = db.prepare((p: { id: string; language: string; now: string }) =>
    q.updateTable('conversations').set({ language: p.language, updated_at: p.now }).where('id', '=', p.id),
  );
  const seen = db.prepare((p: { id: string; seq: number }) =>
    q.updateTable('conversations').set({ last_seen_seq: dialectOf(db).greatest<number>('last_seen_seq', p.seq) }).where('id', '=', p.id),
  );
  const emailRequested = db.prepare((p: { id: string; now: string }) =>
    q.updateTable('conversations').set({ email_requested: 1, updated_at: p.now }).where('id', '=', p.id),
  );
  // A range count on the index conversations_escalated (state, escalated_at, id): the queue's order.
  const position = db.prepare((p: { at: string; id: string }) =>
    q
      .selectFrom('conversations')
      .select((eb) => eb.fn.countAll<number>().as('ahead'))
      .where('state', '=', 'waiting')
      .where(sql<boolean>`(escalated_at, id) < (${p.at}, ${p.id})`),
  );

  /**
   * `in` lists are part of the SQL, so transition and claim keep one prepared query per set of
   * `from` states, captured as constants. Sets are keyed in a fixed order, so there are at most 31;
   * a value that is not a known state (never, when typed) gets a query of its own, not cached.
   */
  const perFromSet = <T>(make: (from: readonly ConversationState[]) => T) => {
    const cache = new Map<string, T>();
    return (from: readonly ConversationState[]): T => {
      if (!from.every((s) => STATES.includes(s))) return make([...from]);
      const states = STATES.filter((s) => from.includes(s));
      const key = states.join(',');
      let entry = cache.get(key);
      if (!entry) cache.set(key, (entry = make(states)));
      return entry;
    };
  };
  const transitionFrom = perFromSet((from) =>
    db.prepare((p: { id: string; to: string; now: string }) =>
      q.updateTable('conversations').set({ state: p.to, updated_at: p.now }).where('id', '=', p.id).where('state', 'in', from),
    ),
  );
  const claimFrom = perFromSet((from) =>
    db.prepare((p: { id: string; ownerId: string; now: string }) =>
      q
        .updateTable('conversations')
        .set({ state: 'human', owner_id: p.ownerId, claimed_at: p.now, updated_at: p.now })
        .where('id', '=', p.id)
        .where('owner_id', 'is', null)
        .where('state', 'in', from),
    ),
  );

  // Recently read conversations, so a message's path does not read the same row three times. This
  // repository is the only writer of the table: every write drops the entry, and an entry is only
  // filled outside a transaction, so it never holds a change that might still roll back.
  const cache = new Map<string, Readonly<Conversation>>();
  const CACHED = 5000;
  const get = (id: string): Conversation | undefined => {
    const hit = cache.get(id);
    if (hit) return hit;
    const row = byId.first({ id });
    if (!row) return undefined;
    const c = Object.freeze(toConversation(row));
    if (!db.inTransaction()) {
      if (cache.size >= CACHED) cache.delete(cache.keys().next().value!);
      cache.set(id, c);
    }
    return c;
  };
  /**
   * PostgreSQL: rows whose only change in the open transaction is a new seq, as they will be once
   * it commits; then they are cached without a read. Any other change of the row drops its patch.
   */
  const patches = new Map<string, Readonly<Conversation>>();
  const applyPatches = () => {
    for (const [id, c] of patches) if (!cache.has(id)) cache.set(id, c);
    patches.clear();
  };
  const changed = <T>(id: string, result: T): T => {
    cache.delete(id);
    patches.delete(id);
    return result;
  };
  // On SQLite a conversation's seq is kept in memory and its row written once per transaction
  // (see SeqBook); the cached row then takes the new seq and time without being read again.
  const seqBook = db.engine === 'sqlite' && db.txHooks
    ? createSeqBook(db, db.txHooks, (id, lastSeq, updatedAt) => {
        const c = cache.get(id);
        if (c) cache.set(id, Object.freeze({ ...c, lastSeq, updatedAt }));
      })
    : null;
  // Other instances cache rows too: writes they must hear of are reported (see onChange). A new seq
  // travels with its message's own note and last_seen_seq is not part of a Conversation.
  const listeners = new Set<(id: string) => void>();
  const changedForAll = <T>(id: string, result: T): T => {
    cache.delete(id);
    patches.delete(id);
    for (const listener of listeners) listener(id);
    return result;
  };
  /**
   * The row's seq moved in a transaction that may roll back: not served from the cache until it
   * commits; then the cached copy takes the new seq, unless something else changed the row.
   */
  const seqChanged = (id: string, lastSeq: number, now: string) => {
    const hooks = db.txHooks;
    const previous = patches.get(id);
    const before = cache.get(id) ?? previous;
    changed(id, null);
    if (!before || !hooks?.tracked()) return;
    patches.set(id, Object.freeze({ ...before, lastSeq, updatedAt: now }));
    hooks.onRollback(() => (previous ? patches.set(id, previous) : patches.delete(id)));
    if (patches.size === 1 && !previous) hooks.afterCommit(applyPatches);
  };
  const store = {
    get,
    /** Like get, for ids known to exist (inside a transaction that just wrote them). */
    load(id: string): Conversation {
      const c = get(id);
      if (!c) throw new Error(`conversation ${id} not found`);
      return c;
    },
    byVisitor(visitorId: string): Conversation | undefined {
      const row = byVisitorId.first({ visitorId });
      return row && toConversation(row);
    },
    insert(c: Conversation): void {
      insertRow.run({
        id: c.id,
        visitorId: c.visitorId,
        state: c.state,
        lastSeq: c.lastSeq,
        pageUrl: c.pageUrl,
        pageTitle: c.pageTitle,
        createdAt: c.createdAt,
        updatedAt: c.updatedAt,
      });
    },
    planSeq(id: string): number | null {
      return seqBook?.plan(id) ?? null;
    },
    forgetSeq(id: string): void {
      seqBook?.forget(id);
    },
    /** Reserves the next seq of a conversation (call inside the transaction that inserts the message). */
    nextSeq(id: string, now: string, planned?: number | null): number {
      if (planned != null && seqBook) {
        seqBook.advance(id, planned, now);
        return planned;
      }
      const row = bumpSeq.first({ id, now });
      if (!row) throw new Error(`conversation ${id} not found`);
      seqChanged(id, row.last_seq, now);
      return row.last_seq;
    },
    seqMoved(id: string, seq: number, now: string): void {
      seqChanged(id, seq, now);
    },
    /**
     * Moves to `to` only when the state is one of `from`. Returns false when another change got
     * there first, which is how concurrent transitions stay atomic.
     */
    transition(id: string, from: readonly ConversationState[], to: ConversationState, now: string): boolean {
      return changedForAll(id, transitionFrom(from).run({ id, to, now })).changes === 1;
    },
    /**
     * Makes `ownerId` the owner when nobody owns it and the state is one of `from`. Atomic: of two
     * agents claiming together exactly one gets `true`.
     */
    claim(id: string, ownerId: string, from: readonly ConversationState[], now: string): boolean {
      return changedForAll(id, claimFrom(from).run({ id, ownerId, now })).changes === 1;
    },
    /** Clears the owner (hand back to the AI, reopening). */
    release(id: string, now: string): void {
      changedForAll(id, clearOwner.run({ id, now }));
    },
    setEscalation(id: string, reason: EscalationReason, now: string): void {
      const { kind, ...detail } = reason;
      changedForAll(id, setEscalationRow.run({ id, reason: kind, detail: JSON.stringify(detail), now }));
    },
    setPage(id: string, url: string, title: string | null, now: string): void {
      changedForAll(id, setPageRow.run({ id, url, title, now }));
    },
    setLanguage(id: string, language: Language, now: string): void {
      changedForAll(id, setLanguageRow.run({ id, language, now }));
    },
    setRouting(id: string, patch: { requiredSkills?: string[]; teamId?: string | null; priority?: Conversation['priority'] }, now: string): void {
      changedForAll(id, db.run(
        q
          .updateTable('conversations')
          .set({
            ...(patch.requiredSkills ? { required_skills: JSON.stringify(patch.requiredSkills) } : {}),
            ...(patch.teamId !== undefined ? { team_id: patch.teamId } : {}),
            ...(patch.priority ? { priority: patch.priority } : {}),
            updated_at: now,
          })
          .where('id', '=', id),
      ));
    },
    markSeen(id: string, seq: number): void {
      changed(id, seen.run({ id, seq }));
    },
    markEmailRequested(id: string, now: string): void {
      changedForAll(id, emailRequested.run({ id, now }));
    },
    /** 1-based position among conversations waiting for an agent, by escalation time (then id). */
    queuePosition(id: string): number {
      const at = get(id)?.escalatedAt;
      if (!at) return 1;
      const row = position.first({ at, id });
      return Number(row?.ahead ?? 0) + 1;
    },
  } satisfies ConversationStore;
  return Object.assign(store, {
    /** Drops the cached row (another instance changed it). */
    forget(id: string): void {
      cache.delete(id);
      patches.delete(id);
    },
    /**
     * A row another repository changed (an erasure blanks its page): dropped here, and the other
     * instances are told to drop their copies (onChange), so nobody serves the old values.
     */
    changedElsewhere(id: string): void {
      changedForAll(id, undefined);
    },
    /** Drops every cached row (another instance's changes may have been missed). */
    forgetAll(): void {
      cache.clear();
      patches.clear();
    },
    /**
     * Calls `listener` with the id of every row written here that other instances may hold, as the
     * write runs: inside its transaction, which may still roll back, so a listener tells others
     * only after it (on a later microtask: transactions are synchronous).
     */
    onChange(listener: (id: string) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  });
}

export type ConversationRepository = ReturnType<typeof createConversationRepository>;
