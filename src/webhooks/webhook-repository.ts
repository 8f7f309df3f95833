import { sql } from 'kysely';
import type { Database } from '../db/database';

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  secret: string;
  createdBy: string;
  createdAt: string;
  enabled: boolean;
  disabledAt: string | null;
  disabledWhy: string | null;
  failingSince: string | null;
}

export interface NewDelivery {
  endpointId: string;
  eventId: string;
  type: string;
  conversationId: string | null;
  body: string;
}

export interface Delivery {
  id: number;
  endpointId: string;
  eventId: string;
  type: string;
  conversationId: string | null;
  body: string;
  attempts: number;
  createdAt: string;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'dropped';

/** The webhook endpoints and their delivery queue (migration 20261208100000). */
export function createWebhookRepository(db: Database) {
  const { q } = db;
  const toEndpoint = (r: {
    id: string; url: string; events: string; secret: string; created_by: string; created_at: string;
    enabled: number; disabled_at: string | null; disabled_why: string | null; failing_since: string | null;
  }): WebhookEndpoint => ({
    id: r.id,
    url: r.url,
    events: JSON.parse(r.events) as string[],
    secret: r.secret,
    createdBy: r.created_by,
    createdAt: r.created_at,
    enabled: Number(r.enabled) === 1,
    disabledAt: r.disabled_at,
    disabledWhy: r.disabled_why,
    failingSince: r.failing_since,
  });
  const dropPending = (endpointId: string, now: string, why: string) =>
    db.run(
      q.updateTable('webhook_deliveries')
        .set({ status: 'dropped', finished_at: now, last_error: why, lease_token: null, lease_until: null })
        .where('endpoint_id', '=', endpointId)
        .where('status', '=', 'pending'),
    );

  return {
    addEndpoint(e: Omit<WebhookEndpoint, 'enabled' | 'disabledAt' | 'disabledWhy' | 'failingSince'>): void {
      db.run(
        q.insertInto('webhook_endpoints').values({
          id: e.id, url: e.url, events: JSON.stringify(e.events), secret: e.secret, created_by: e.createdBy, created_at: e.createdAt, enabled: 1,
        }),
      );
    },

    /** Endpoints not removed, oldest first. */
    list(): WebhookEndpoint[] {
      return db.all(q.selectFrom('webhook_endpoints').selectAll().where('removed_at', 'is', null).orderBy('created_at').orderBy('id')).map(toEndpoint);
    },

    get(id: string): WebhookEndpoint | undefined {
      const r = db.first(q.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('removed_at', 'is', null));
      return r ? toEndpoint(r) : undefined;
    },

    /** The enabled endpoints and what they subscribe to (read into the enqueue's cache). */
    subscriptions(): { id: string; events: string[] }[] {
      return db
        .all(q.selectFrom('webhook_endpoints').select(['id', 'events']).where('enabled', '=', 1).where('removed_at', 'is', null))
        .map((r) => ({ id: r.id, events: JSON.parse(r.events) as string[] }));
    },

    /** Removes an endpoint (its row stays for the audit's sake) and drops what it had pending. False when it was gone. */
    remove(id: string, now: string): boolean {
      return db.tx(() => {
        const changed = db.run(q.updateTable('webhook_endpoints').set({ removed_at: now, enabled: 0 }).where('id', '=', id).where('removed_at', 'is', null)).changes;
        if (changed) dropPending(id, now, 'endpoint removed');
        return changed === 1;
      });
    },

    /** Disables an endpoint and drops its pending deliveries; true only for the caller that disabled it (one DM). */
    disable(id: string, now: string, why: string): boolean {
      return db.tx(() => {
        const changed = db.run(
          q.updateTable('webhook_endpoints').set({ enabled: 0, disabled_at: now, disabled_why: why }).where('id', '=', id).where('enabled', '=', 1),
        ).changes;
        if (changed) dropPending(id, now, `endpoint disabled: ${why}`);
        return changed === 1;
      });
    },

    /** Records a failed attempt; returns since when the endpoint has been failing. */
    noteFailure(id: string, now: string): string {
      db.run(q.updateTable('webhook_endpoints').set({ failing_since: now }).where('id', '=', id).where('failing_since', 'is', null));
      return db.first(q.selectFrom('webhook_endpoints').select('failing_since').where('id', '=', id))?.failing_since ?? now;
    },

    noteSuccess(id: string): void {
      db.run(q.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', id).where('failing_since', 'is not', null));
    },

    /** Queues deliveries; an event already queued for an endpoint is left alone (its id is unique per endpoint). */
    enqueue(rows: NewDelivery[], now: string): void {
      for (const r of rows) {
        db.run(
          q.insertInto('webhook_deliveries')
            .values({
              endpoint_id: r.endpointId, event_id: r.eventId, type: r.type, conversation_id: r.conversationId,
              stream: r.conversationId ?? r.eventId, body: r.body, status: 'pending', attempts: 0, next_attempt_at: now, created_at: now,
            })
            .onConflict((oc) => oc.columns(['endpoint_id', 'event_id']).doNothing()),
        );
      }
    },

    /**
     * Deliveries that may be sent now: due, not leased, and the oldest pending one of their
     * endpoint's stream (a conversation's later events wait for its earlier ones).
     */
    due(now: string, limit: number): Delivery[] {
      return db
        .all(
          q.selectFrom('webhook_deliveries as d')
            .select(['d.id', 'd.endpoint_id', 'd.event_id', 'd.type', 'd.conversation_id', 'd.body', 'd.attempts', 'd.created_at'])
            .where('d.status', '=', 'pending')
            .where('d.next_attempt_at', '<=', now)
            .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', now)]))
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('webhook_deliveries as e')
                    .select(sql`1`.as('one'))
                    .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                    .whereRef('e.stream', '=', 'd.stream')
                    .where('e.status', '=', 'pending')
                    .whereRef('e.id', '<', 'd.id'),
                ),
              ),
            )
            .orderBy('d.id')
            .limit(limit),
        )
        .map((r) => ({
          id: Number(r.id), endpointId: r.endpoint_id, eventId: r.event_id, type: r.type, conversationId: r.conversation_id,
          body: r.body, attempts: Number(r.attempts), createdAt: r.created_at,
        }));
    },

    /** Takes a delivery for one send; false when another instance holds it (or it is no longer pending). */
    claim(id: number, token: string, now: string, until: string): boolean {
      return (
        db.run(
          q.updateTable('webhook_deliveries')
            .set((eb) => ({ lease_token: token, lease_until: until, attempts: eb('attempts', '+', 1) }))
            .where('id', '=', id)
            .where('status', '=', 'pending')
            .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)])),
        ).changes === 1
      );
    },

    /** Ends a send made under `token`: delivered, failed (given up) or pending again at `next`. False when the lease was lost. */
    finish(id: number, token: string, outcome: { status: 'delivered' | 'failed'; now: string; error?: string } | { status: 'pending'; next: string; error: string }): boolean {
      const set =
        outcome.status === 'pending'
          ? { next_attempt_at: outcome.next, last_error: outcome.error, lease_token: null, lease_until: null }
          : { status: outcome.status, finished_at: outcome.now, last_error: outcome.error ?? null, lease_token: null, lease_until: null };
      return db.run(q.updateTable('webhook_deliveries').set(set).where('id', '=', id).where('lease_token', '=', token).where('status', '=', 'pending')).changes === 1;
    },

    /** Frees the leases of sends that will not finish (stop): they go again at once. */
    release(tokens: string[]): void {
      if (tokens.length) db.run(q.updateTable('webhook_deliveries').set({ lease_token: null, lease_until: null }).where('lease_token', 'in', tokens).where('status', '=', 'pending'));
    },

    /** One delivery's state (the Test button waits on it). */
    status(endpointId: string, eventId: string): { status: DeliveryStatus; attempts: number; lastError: string | null } | undefined {
      const r = db.first(
        q.selectFrom('webhook_deliveries').select(['status', 'attempts', 'last_error']).where('endpoint_id', '=', endpointId).where('event_id', '=', eventId),
      );
      return r ? { status: r.status as DeliveryStatus, attempts: Number(r.attempts), lastError: r.last_error } : undefined;
    },

    /** Pending deliveries per endpoint (endpoints with none are left out). */
    backlog(): { endpointId: string; pending: number }[] {
      return db
        .all(
          q.selectFrom('webhook_deliveries')
            .select(['endpoint_id', (eb) => eb.fn.countAll<number>().as('n')])
            .where('status', '=', 'pending')
            .groupBy('endpoint_id'),
        )
        .map((r) => ({ endpointId: r.endpoint_id, pending: Number(r.n) }));
    },

    /** Deletes finished deliveries older than `before`; how many. */
    prune(before: string): number {
      return db.run(q.deleteFrom('webhook_deliveries').where('status', '!=', 'pending').where('finished_at', '<', before)).changes;
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
