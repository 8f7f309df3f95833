import type { Database } from './database';
import type { HandoffStartStore } from '../core/stores';

/** Handoffs customers started: the hourly budget per visitor and per client address is counted here. */
export function createHandoffStartRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  const insertRow = db.prepare((p: { conversationId: string; visitorId: string; address: string | null; at: string }) =>
    q.insertInto('handoff_starts').values({ conversation_id: p.conversationId, visitor_id: p.visitorId, address: p.address, at: p.at }),
  );
  const byVisitor = db.prepare((p: { visitorId: string; since: string }) =>
    q
      .selectFrom('handoff_starts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('visitor_id', '=', p.visitorId)
      .where('at', '>', p.since),
  );
  const byAddress = db.prepare((p: { address: string; since: string }) =>
    q
      .selectFrom('handoff_starts')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('address', '=', p.address)
      .where('at', '>', p.since),
  );
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    record(conversationId: string, visitorId: string, address: string | null, at: string): void {
      insertRow.run({ conversationId, visitorId, address, at });
    },
    /** Handoffs the visitor started after `since` (ISO time). */
    countByVisitor(visitorId: string, since: string): number {
      return Number(byVisitor.first({ visitorId, since })?.n ?? 0);
    },
    /** Handoffs started from the client address after `since` (ISO time). */
    countByAddress(address: string, since: string): number {
      return Number(byAddress.first({ address, since })?.n ?? 0);
    },
    /** Deletes handoff starts before `before`: the budget looks back one hour. */
    prune(before: string): number {
      return Number(db.run(q.deleteFrom('handoff_starts').where('at', '<', before)).changes);
    },
  };
  return repository satisfies HandoffStartStore;
}

export type HandoffStartRepository = ReturnType<typeof createHandoffStartRepository>;
