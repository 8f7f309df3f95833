import type { Kysely } from 'kysely';
import type { Database } from '../db/database';
import type { DB } from '../db/schema';

/** slack_inbox (migrations/20261128093700_slack_inbox.sql): Slack requests stored before their ack. */
export interface SlackInboxTable {
  id: number | null;
  event_id: string | null;
  body: string;
  retry_num: number | null;
  retry_reason: string | null;
  attempts: number;
  last_error: string | null;
  received_at: string;
  /** migrations/20261207110000_slack_inbox_leases.sql: who is processing the row, and until when. */
  owner: string | null;
  lease_until: string | null;
}

export interface InboxRow {
  id: number;
  eventId: string | null;
  body: Record<string, unknown>;
  retryNum: number | undefined;
  retryReason: string | undefined;
  attempts: number;
  owner: string | null;
  leaseUntil: string | null;
}

export interface NewInboxRow {
  eventId: string | null;
  body: Record<string, unknown>;
  retryNum?: number;
  retryReason?: string;
}

/** The lease a row is stored with: the storing process owns it until `until` (ISO). */
export interface InboxLease {
  owner: string;
  until: string;
}

/** The inbox's rows, and the applied event ids (slack_events) they turn into. */
export function createInboxRepository(db: Database) {
  const q = db.q as unknown as Kysely<DB & { slack_inbox: SlackInboxTable }>;
  return {
    /**
     * Stores a request; the id of its row, or null when the event is already stored (a retry of a
     * delivery being processed) or already applied.
     */
    add(row: NewInboxRow, now: string, lease: InboxLease | null = null): number | null {
      if (row.eventId !== null) {
        const applied = db.first(q.selectFrom('slack_events').select('event_id').where('event_id', '=', row.eventId));
        if (applied) return null;
      }
      const stored = db.first(
        q
          .insertInto('slack_inbox')
          .values({
            event_id: row.eventId,
            body: JSON.stringify(row.body),
            retry_num: row.retryNum ?? null,
            retry_reason: row.retryReason ?? null,
            attempts: 0,
            received_at: now,
            owner: lease?.owner ?? null,
            lease_until: lease?.until ?? null,
          })
          .onConflict((oc) => oc.column('event_id').doNothing())
          .returning('id'),
      );
      // RETURNING on both engines (SQLite 3.35+, PostgreSQL): no rowid API needed.
      return stored ? Number(stored.id) : null;
    },
    /** The request was processed: forget it, and remember its event id as applied. */
    finish(id: number, eventId: string | null, now: string): void {
      db.run(q.deleteFrom('slack_inbox').where('id', '=', id));
      if (eventId !== null) {
        db.run(q.insertInto('slack_events').values({ event_id: eventId, received_at: now }).onConflict((oc) => oc.column('event_id').doNothing()));
      }
    },
    /**
     * Processing failed once more; returns how many attempts have failed. With `lease`, the row stays
     * the owner's until the lease's end (its retry), if the owner still holds it.
     */
    failed(id: number, error: string, lease?: InboxLease): number {
      db.run(q.updateTable('slack_inbox').set((eb) => ({ attempts: eb('attempts', '+', 1), last_error: error.slice(0, 1000) })).where('id', '=', id));
      if (lease) db.run(q.updateTable('slack_inbox').set({ lease_until: lease.until }).where('id', '=', id).where('owner', '=', lease.owner));
      return db.first(q.selectFrom('slack_inbox').select('attempts').where('id', '=', id))?.attempts ?? 0;
    },
    /** Gives up on a request (logged by the caller). */
    drop(id: number): void {
      db.run(q.deleteFrom('slack_inbox').where('id', '=', id));
    },
    /**
     * Takes a row for `owner` until `until`, in one statement, if nobody holds it (no owner, or a
     * lease expired at `now`; with `orOwn`, also one the owner holds). False when another process
     * holds it, or it is gone.
     */
    take(id: number, owner: string, now: string, until: string, orOwn = false): boolean {
      const res = db.run(
        q
          .updateTable('slack_inbox')
          .set({ owner, lease_until: until })
          .where('id', '=', id)
          .where((eb) => eb.or([eb('owner', 'is', null), eb('lease_until', '<=', now), ...(orOwn ? [eb('owner', '=', owner)] : [])])),
      );
      return res.changes === 1;
    },
    /** Extends the owner's lease on a row; false when the row is gone or another process took it. */
    renew(id: number, owner: string, until: string): boolean {
      return db.run(q.updateTable('slack_inbox').set({ lease_until: until }).where('id', '=', id).where('owner', '=', owner)).changes === 1;
    },
    /** Frees an owner's rows for anyone (a process known to be gone). */
    release(owner: string): void {
      db.run(q.updateTable('slack_inbox').set({ owner: null, lease_until: null }).where('owner', '=', owner));
    },
    /** The owners holding a lease that has not expired at `now`. */
    leaseOwners(now: string): string[] {
      return db
        .all(q.selectFrom('slack_inbox').select('owner').distinct().where('owner', 'is not', null).where('lease_until', '>', now))
        .map((r) => r.owner as string);
    },
    /** Every stored request, oldest first. */
    pending(): InboxRow[] {
      return db.all(q.selectFrom('slack_inbox').selectAll().orderBy('id')).map((r) => ({
        id: r.id as number,
        eventId: r.event_id,
        body: JSON.parse(r.body) as Record<string, unknown>,
        retryNum: r.retry_num ?? undefined,
        retryReason: r.retry_reason ?? undefined,
        attempts: r.attempts,
        owner: r.owner,
        leaseUntil: r.lease_until,
      }));
    },
  };
}

export type InboxRepository = ReturnType<typeof createInboxRepository>;
