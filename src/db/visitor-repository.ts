import type { Database } from './database';
import type { VisitorsTable } from './schema';
import type { Visitor } from '../core/types';
import type { VisitorStore } from '../core/stores';

function toVisitor(row: VisitorsTable): Visitor {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    userId: row.user_id,
    verified: row.verified === 1,
    attributes: JSON.parse(row.attributes) as Record<string, string>,
    createdAt: row.created_at,
  };
}

export function createVisitorRepository(db: Database) {
  const { q } = db;
  // Built and compiled once; each call only binds its params (see Database.prepare).
  type Row = { id: string; name: string | null; email: string | null; userId: string | null; verified: number; attributes: string; now: string };
  const byId = db.prepare((p: { id: string }) => q.selectFrom('visitors').selectAll().where('id', '=', p.id));
  const verifiedByUserId = db.prepare((p: { userId: string }) =>
    q.selectFrom('visitors').selectAll().where('user_id', '=', p.userId).where('verified', '=', 1),
  );
  const insertRow = db.prepare((p: Row & { createdAt: string }) =>
    q.insertInto('visitors').values({
      id: p.id,
      name: p.name,
      email: p.email,
      user_id: p.userId,
      verified: p.verified,
      attributes: p.attributes,
      created_at: p.createdAt,
      last_seen_at: p.now,
    }),
  );
  const updateRow = db.prepare((p: Row) =>
    q
      .updateTable('visitors')
      .set({ name: p.name, email: p.email, user_id: p.userId, verified: p.verified, attributes: p.attributes, last_seen_at: p.now })
      .where('id', '=', p.id),
  );
  const useLink = db.prepare((p: { hash: string; visitorId: string; now: string; expiresAt: string }) =>
    q
      .insertInto('reopen_links_used')
      .values({ token_hash: p.hash, visitor_id: p.visitorId, used_at: p.now, expires_at: p.expiresAt })
      .onConflict((oc) => oc.column('token_hash').doNothing()),
  );
  const row = (v: Visitor, now: string): Row => ({
    id: v.id,
    name: v.name,
    email: v.email,
    userId: v.userId,
    verified: v.verified ? 1 : 0,
    attributes: JSON.stringify(v.attributes),
    now,
  });
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    get(id: string): Visitor | undefined {
      const r = byId.first({ id });
      return r && toVisitor(r);
    },
    findVerified(userId: string): Visitor | undefined {
      const r = verifiedByUserId.first({ userId });
      return r && toVisitor(r);
    },
    insert(v: Visitor, now: string): void {
      insertRow.run({ ...row(v, now), createdAt: v.createdAt });
    },
    update(v: Visitor, now: string): void {
      updateRow.run(row(v, now));
    },
    /**
     * Records a reopen link as used; false when it already was. One INSERT, so of two uses (even
     * racing in two processes) exactly one gets true.
     */
    useReopenLink(hash: string, visitorId: string, now: string, expiresAt: string): boolean {
      return useLink.run({ hash, visitorId, now, expiresAt }).changes === 1;
    },
    /** Forgets used links that expired before `now`: an expired link is refused anyway. */
    pruneUsedReopenLinks(now: string): number {
      return Number(db.run(q.deleteFrom('reopen_links_used').where('expires_at', '<', now)).changes);
    },
  };
  return repository satisfies VisitorStore;
}

export type VisitorRepository = ReturnType<typeof createVisitorRepository>;
