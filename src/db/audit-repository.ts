import type { Database } from './database';
import type { AuditEntry, AuditStore } from '../core/stores';

export type { AuditEntry };

/** The admin audit log: who changed which rule or setting, when, and what. */
export function createAuditRepository(db: Database) {
  const { q } = db;
  // Implements the core's port; the rest is for the adapters (admin, maintenance).
  const repository = {
    record(e: AuditEntry): void {
      db.run(q.insertInto('admin_audit').values({ actor: e.actor, action: e.action, target: e.target, detail: JSON.stringify(e.detail), at: e.at }));
    },
    recent(limit = 50): AuditEntry[] {
      return db
        .all(q.selectFrom('admin_audit').selectAll().orderBy('id', 'desc').limit(limit))
        .map((r) => ({ actor: r.actor, action: r.action, target: r.target, detail: JSON.parse(r.detail) as Record<string, unknown>, at: r.at }));
    },
  };
  return repository satisfies AuditStore;
}

export type AuditRepository = ReturnType<typeof createAuditRepository>;
