import { sql } from 'kysely';
import type { Database } from '../../db/database';
import type { SlackOutboxTable } from '../../db/schema';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

/** 0: urgent (a new card, card updates, channel alerts); 1: normal (thread backfill). */
export type OutboxPriority = 0 | 1;
export const URGENT: OutboxPriority = 0;
export const NORMAL: OutboxPriority = 1;

/**
 * 'append': pending posts of one stream merge into one post at send time; 'replace': a newer item of
 * the same stream and method supersedes a pending one.
 */
export type MergeMode = 'append' | 'replace';

/** One write to Slack, as stored in slack_outbox. */
export interface OutboxItem {
  id: number;
  lane: string;
  method: string;
  /** As enqueued: placeholders are still in place (they are resolved at send time). */
  args: Record<string, unknown>;
  ref: unknown;
  key: string | null;
  /** 'sending': a call may have reached Slack (a crash or an uncertain failure after it). */
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  errorCode: string | null;
  lastError: string | null;
  result: Record<string, unknown> | null;
  createdAt: string;
  updatedAt: string;
  /** null for an item coalesced into another or superseded (its `result` says by which). */
  sentAt: string | null;
  priority: OutboxPriority;
  /** What the item belongs to within its lane (e.g. `conv:c_1`); null: nothing. */
  stream: string | null;
  mergeMode: MergeMode | null;
}

export interface NewOutboxItem {
  lane: string;
  method: string;
  args: Record<string, unknown>;
  key?: string | null;
  ref?: unknown;
  priority?: OutboxPriority;
  stream?: string | null;
  mergeMode?: MergeMode | null;
}

function toItem(row: SlackOutboxTable): OutboxItem {
  return {
    id: row.id as number,
    lane: row.lane,
    method: row.method,
    args: JSON.parse(row.args) as Record<string, unknown>,
    ref: row.ref === null ? null : (JSON.parse(row.ref) as unknown),
    key: row.idempotency_key,
    status: row.status as OutboxStatus,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at,
    errorCode: row.error_code,
    lastError: row.last_error,
    result: row.result === null ? null : (JSON.parse(row.result) as Record<string, unknown>),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    sentAt: row.sent_at,
    priority: row.priority === 0 ? URGENT : NORMAL,
    stream: row.stream,
    mergeMode: row.merge_mode === 'append' || row.merge_mode === 'replace' ? row.merge_mode : null,
  };
}

/** A lane's lease as taken by one process: marks made under it need the same owner and fence. */
export interface Lease {
  lane: string;
  owner: string;
  fence: number;
}

/** A lane's rate budget as stored with its lease (ISO; null: none), see pacing.ts. */
export interface StoredLaneBudget {
  pacedUntil: string | null;
  heldUntil: string | null;
}

// Literal SQL rather than bound parameters, so that SQLite can match the partial index of the migration.
const IS_OPEN = sql<boolean>`status in ('pending', 'sending')`;
const IS_FAILED = sql<boolean>`status = 'failed'`;

/** Rolls an absorb back: one of its items was no longer pending under the lease. */
class AbsorbConflict extends Error {}

/** All SQL of the Slack outbox. Every function is synchronous and may run inside a caller's transaction. */
export function createOutboxRepository(db: Database) {
  const { q } = db;
  /** An update of slack_outbox limited to `lease`'s lane while `lease` still holds it (fencing). */
  const update = (id: number, lease: Lease | undefined) => {
    const query = q.updateTable('slack_outbox').where('id', '=', id);
    if (!lease) return query;
    return query.where('lane', 'in', (sub) =>
      sub
        .selectFrom('slack_outbox_leases')
        .select('lane')
        .where('lane', '=', lease.lane)
        .where('owner', '=', lease.owner)
        .where('fence', '=', lease.fence),
    );
  };
  return {
    /** Inserts an item; null when an item with the same idempotency key exists already. */
    insert(item: NewOutboxItem, now: string): number | null {
      const row = db.first(
        q
          .insertInto('slack_outbox')
          .values({
            lane: item.lane,
            method: item.method,
            args: JSON.stringify(item.args),
            ref: item.ref === undefined || item.ref === null ? null : JSON.stringify(item.ref),
            idempotency_key: item.key ?? null,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
            updated_at: now,
            priority: item.priority ?? NORMAL,
            stream: item.stream ?? null,
            merge_mode: item.mergeMode ?? null,
          })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning('id'),
      );
      // RETURNING on both engines (SQLite 3.35+, PostgreSQL): no rowid API needed.
      return row ? Number(row.id) : null;
    },

    /**
     * Item `id` ('replace') carries everything the pending items of its lane, stream and method
     * before it would have: they are recorded as superseded by it. Items already `sending` stay
     * (their call may be in Slack's hands; this one follows them). Returns how many.
     */
    supersedeBefore(id: number, item: { lane: string; stream: string; method: string }, now: string): number {
      return db.run(
        q
          .updateTable('slack_outbox')
          .set({ status: 'sent', result: JSON.stringify({ superseded_by: id }), updated_at: now })
          .where('stream', '=', item.stream)
          .where('id', '<', id)
          .where('lane', '=', item.lane)
          .where('method', '=', item.method)
          .where('merge_mode', '=', 'replace')
          .where('status', '=', 'pending'),
      ).changes;
    },

    /**
     * The open items of `head`'s lane and stream after it, in order (at most `limit`): the run a
     * coalescing post may absorb, or the items that move with it.
     */
    streamAfter(head: { id: number; lane: string; stream: string }, limit: number): OutboxItem[] {
      return db
        .all(
          q
            .selectFrom('slack_outbox')
            .selectAll()
            .where('stream', '=', head.stream)
            .where('id', '>', head.id)
            .where('lane', '=', head.lane)
            .where(IS_OPEN)
            .orderBy('id')
            .limit(limit),
        )
        .map(toItem);
    },

    /**
     * `headId` now carries `args` (the merged post) and the `absorbed` items, still pending, are
     * recorded as coalesced into it; all under `lease`. false (nothing changed) when any of them
     * moved on meanwhile: the caller sends the head as it was.
     */
    absorb(headId: number, args: Record<string, unknown>, absorbed: readonly number[], now: string, lease?: Lease): boolean {
      try {
        db.tx(() => {
          if (db.run(update(headId, lease).set({ args: JSON.stringify(args), updated_at: now }).where('status', '=', 'pending')).changes !== 1) {
            throw new AbsorbConflict();
          }
          for (const id of absorbed) {
            const res = db.run(
              update(id, lease)
                .set({ status: 'sent', result: JSON.stringify({ coalesced_into: headId }), updated_at: now })
                .where('status', '=', 'pending'),
            );
            if (res.changes !== 1) throw new AbsorbConflict();
          }
        });
        return true;
      } catch (err) {
        if (err instanceof AbsorbConflict) return false;
        throw err;
      }
    },

    /**
     * Moves pending or interrupted items to another lane with their args' `channel` rewritten, as
     * pending and due now (Slack refused their channel: the call did not post). Under `lease` (of
     * their old lane). Returns how many moved.
     */
    move(items: readonly OutboxItem[], lane: string, note: { errorCode: string; lastError: string }, now: string, lease?: Lease): number {
      let moved = 0;
      for (const item of items) {
        moved += db.run(
          update(item.id, lease)
            .set({
              lane,
              args: JSON.stringify({ ...item.args, channel: lane }),
              status: 'pending',
              next_attempt_at: now,
              updated_at: now,
              error_code: note.errorCode,
              last_error: note.lastError,
            })
            .where(IS_OPEN),
        ).changes;
      }
      return moved;
    },

    /**
     * Records open items as superseded (`why` is kept as their result): what they carry went out
     * another way. Under `lease`. Returns how many.
     */
    supersede(items: readonly OutboxItem[], why: Record<string, unknown>, now: string, lease?: Lease): number {
      let changed = 0;
      for (const item of items) {
        changed += db.run(
          update(item.id, lease)
            .set({ status: 'sent', result: JSON.stringify({ superseded: why }), updated_at: now })
            .where(IS_OPEN),
        ).changes;
      }
      return changed;
    },

    /** When the last card update of `stream` went out (ms), for pacing one card; 0: never. */
    lastSentOf(stream: string, method: string): number {
      const row = db.first(
        q
          .selectFrom('slack_outbox')
          .select('sent_at')
          .where('stream', '=', stream)
          .where('method', '=', method)
          .where('sent_at', 'is not', null)
          .orderBy('id', 'desc')
          .limit(1),
      );
      return row?.sent_at ? Date.parse(row.sent_at) : 0;
    },

    /**
     * Deletes items done (sent, coalesced, superseded or failed) before `before`; returns how many.
     * By updated_at, which coalesced and superseded items have instead of a sent_at.
     */
    prune(before: string): number {
      const sent = db.run(q.deleteFrom('slack_outbox').where('status', '=', 'sent').where('updated_at', '<', before));
      const failed = db.run(q.deleteFrom('slack_outbox').where(IS_FAILED).where('updated_at', '<', before));
      return sent.changes + failed.changes;
    },

    get(id: number): OutboxItem | undefined {
      const row = db.first(q.selectFrom('slack_outbox').selectAll().where('id', '=', id));
      return row && toItem(row);
    },

    /** The oldest unsent item of each queue (urgent, normal) of every lane, oldest first. */
    heads(): OutboxItem[] {
      return db
        .all(
          q
            .selectFrom('slack_outbox')
            .selectAll()
            .where('id', 'in', (sub) =>
              sub
                .selectFrom('slack_outbox')
                .select((eb) => eb.fn.min<number>('id').as('id'))
                .where(IS_OPEN)
                .groupBy(['lane', 'priority']),
            )
            .orderBy('id'),
        )
        .map(toItem);
    },

    /** The oldest unsent item of each queue of one lane, urgent first. */
    headsOf(lane: string): OutboxItem[] {
      const head = (priority: OutboxPriority) =>
        db.first(
          q
            .selectFrom('slack_outbox')
            .selectAll()
            .where('lane', '=', lane)
            .where('priority', '=', priority)
            .where(IS_OPEN)
            .orderBy('id')
            .limit(1),
        );
      return [head(URGENT), head(NORMAL)].filter((r) => r !== undefined).map(toItem);
    },

    /**
     * Takes the lane's lease until `until`, in one statement: free lanes, expired leases and our
     * own are taken, and every take increments the fence. null while someone else holds it. The
     * lane's rate budget comes with it, as the last holder left it.
     */
    takeLease(lane: string, owner: string, now: string, until: string): (Lease & { budget: StoredLaneBudget }) | null {
      const row = db.first(
        q
          .insertInto('slack_outbox_leases')
          .values({ lane, owner, fence: 1, expires_at: until })
          .onConflict((oc) =>
            oc
              .column('lane')
              .doUpdateSet({
                owner: (eb) => eb.ref('excluded.owner'),
                fence: sql<number>`slack_outbox_leases.fence + 1`,
                expires_at: (eb) => eb.ref('excluded.expires_at'),
              })
              .where((eb) => eb.or([eb('slack_outbox_leases.expires_at', '<=', now), eb('slack_outbox_leases.owner', '=', owner)])),
          )
          .returning(['fence', 'paced_until', 'held_until']),
      );
      return row ? { lane, owner, fence: Number(row.fence), budget: { pacedUntil: row.paced_until, heldUntil: row.held_until } } : null;
    },

    /** When the lane's lease expires (ISO), if there is one. */
    leaseExpiry(lane: string): string | undefined {
      return db.first(q.selectFrom('slack_outbox_leases').select('expires_at').where('lane', '=', lane))?.expires_at;
    },

    /** Owners holding a lease at `now`. */
    leaseOwners(now: string): string[] {
      return db
        .all(q.selectFrom('slack_outbox_leases').select('owner').distinct().where('expires_at', '>', now))
        .map((r) => r.owner);
    },

    /** Extends a lease we still hold; false when it was taken over. */
    renewLease(lease: Lease, until: string): boolean {
      const res = db.run(
        q
          .updateTable('slack_outbox_leases')
          .set({ expires_at: until })
          .where('lane', '=', lease.lane)
          .where('owner', '=', lease.owner)
          .where('fence', '=', lease.fence),
      );
      return res.changes === 1;
    },

    /** Frees all leases of an owner for anyone from `now` on; fences and budgets stay. */
    releaseLeases(owner: string, now: string): void {
      db.run(q.updateTable('slack_outbox_leases').set({ expires_at: now }).where('owner', '=', owner).where('expires_at', '>', now));
    },

    /**
     * Frees a lease we still hold for anyone from `now` on and stores the lane's budget as we leave
     * it; nothing when the lease was taken over (its new holder's budget stands).
     */
    releaseLease(lease: Lease, now: string, budget: StoredLaneBudget): void {
      db.run(
        q
          .updateTable('slack_outbox_leases')
          .set({ expires_at: now, paced_until: budget.pacedUntil, held_until: budget.heldUntil })
          .where('lane', '=', lease.lane)
          .where('owner', '=', lease.owner)
          .where('fence', '=', lease.fence),
      );
    },

    /**
     * Committed before the call: from now on the message may exist in Slack. With a lease: false
     * (nothing changed) when the lease was taken over, and the call must not be made.
     */
    markSending(id: number, now: string, lease?: Lease): boolean {
      return (
        db.run(
          update(id, lease)
            .set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now }))
            .where(IS_OPEN),
        ).changes === 1
      );
    },

    /** false (nothing changed) when `lease` was taken over. */
    markSent(id: number, result: Record<string, unknown>, now: string, lease?: Lease): boolean {
      return (
        db.run(
          update(id, lease).set({ status: 'sent', result: JSON.stringify(result), sent_at: now, updated_at: now, error_code: null }),
        ).changes === 1
      );
    },

    /** false (nothing changed) when `lease` was taken over. */
    markFailed(id: number, errorCode: string, message: string, now: string, lease?: Lease): boolean {
      return db.run(update(id, lease).set({ status: 'failed', error_code: errorCode, last_error: message, updated_at: now })).changes === 1;
    },

    /**
     * Tries again later. `status` stays as it is unless given: 'pending' when the call certainly did
     * not reach Slack (429, unresolved placeholder), 'sending' when it may have.
     */
    reschedule(
      id: number,
      change: { nextAttemptAt: string; status?: 'pending' | 'sending'; errorCode?: string | null; lastError?: string | null },
      now: string,
      lease?: Lease,
    ): void {
      db.run(
        update(id, lease)
          .set({
            next_attempt_at: change.nextAttemptAt,
            updated_at: now,
            ...(change.status ? { status: change.status } : {}),
            ...(change.errorCode !== undefined ? { error_code: change.errorCode } : {}),
            ...(change.lastError !== undefined ? { last_error: change.lastError } : {}),
          }),
      );
    },

    countsByStatus(): Record<OutboxStatus, number> {
      const counts: Record<OutboxStatus, number> = { pending: 0, sending: 0, sent: 0, failed: 0 };
      const rows = db.all(
        q
          .selectFrom('slack_outbox')
          .select((eb) => ['status', eb.fn.countAll<number>().as('n')])
          .groupBy('status'),
      );
      for (const r of rows) counts[r.status as OutboxStatus] = Number(r.n);
      return counts;
    },

    /** Items not yet sent nor failed, in one lane or in all. */
    openCount(lane?: string): number {
      let query = q
        .selectFrom('slack_outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where(IS_OPEN);
      if (lane !== undefined) query = query.where('lane', '=', lane);
      return Number(db.first(query)?.n ?? 0);
    },

    /** Most recently failed first. */
    failed(limit: number): OutboxItem[] {
      return db
        .all(
          q
            .selectFrom('slack_outbox')
            .selectAll()
            .where(IS_FAILED)
            .orderBy('updated_at', 'desc')
            .orderBy('id', 'desc')
            .limit(limit),
        )
        .map(toItem);
    },
  };
}

export type OutboxRepository = ReturnType<typeof createOutboxRepository>;
