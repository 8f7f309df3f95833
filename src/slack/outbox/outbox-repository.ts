import { sql } from 'kysely';
import type { Database } from '../../db/database';
import type { SlackOutboxTable } from '../../db/schema';

export type OutboxStatus = 'pending' | 'sending' | 'sent' | 'failed';

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
  sentAt: string | null;
}

export interface NewOutboxItem {
  lane: string;
  method: string;
  args: Record<string, unknown>;
  key?: string | null;
  ref?: unknown;
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
          })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning('id'),
      );
      // RETURNING on both engines (SQLite 3.35+, PostgreSQL): no rowid API needed.
      return row ? Number(row.id) : null;
    },

    /** Deletes sent items sent before `before` and failed items that failed before it; returns how many. */
    prune(before: string): number {
      const sent = db.run(q.deleteFrom('slack_outbox').where('status', '=', 'sent').where('sent_at', '<', before));
      const failed = db.run(q.deleteFrom('slack_outbox').where(IS_FAILED).where('updated_at', '<', before));
      return sent.changes + failed.changes;
    },

    get(id: number): OutboxItem | undefined {
      const row = db.first(q.selectFrom('slack_outbox').selectAll().where('id', '=', id));
      return row && toItem(row);
    },

    /** The oldest unsent item of every lane, oldest first. */
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
                .groupBy('lane'),
            )
            .orderBy('id'),
        )
        .map(toItem);
    },

    /** The oldest unsent item of one lane. */
    headOf(lane: string): OutboxItem | undefined {
      const row = db.first(q.selectFrom('slack_outbox').selectAll().where('lane', '=', lane).where(IS_OPEN).orderBy('id').limit(1));
      return row && toItem(row);
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
      return db.run(update(id, lease).set((eb) => ({ status: 'sending', attempts: eb('attempts', '+', 1), updated_at: now }))).changes === 1;
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
