import type { Database } from './database';
import type { VisitorsTable } from './schema';
import type { Visitor } from '../core/types';

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
  return {
    get(id: string): Visitor | undefined {
      const row = db.first(q.selectFrom('visitors').selectAll().where('id', '=', id));
      return row && toVisitor(row);
    },
    findVerified(userId: string): Visitor | undefined {
      const row = db.first(
        q.selectFrom('visitors').selectAll().where('user_id', '=', userId).where('verified', '=', 1),
      );
      return row && toVisitor(row);
    },
    insert(v: Visitor, now: string): void {
      db.run(
        q.insertInto('visitors').values({
          id: v.id,
          name: v.name,
          email: v.email,
          user_id: v.userId,
          verified: v.verified ? 1 : 0,
          attributes: JSON.stringify(v.attributes),
          created_at: v.createdAt,
          last_seen_at: now,
        }),
      );
    },
    update(v: Visitor, now: string): void {
      db.run(
        q
          .updateTable('visitors')
          .set({
            name: v.name,
            email: v.email,
            user_id: v.userId,
            verified: v.verified ? 1 : 0,
            attributes: JSON.stringify(v.attributes),
            last_seen_at: now,
          })
          .where('id', '=', v.id),
      );
    },
  };
}

export type VisitorRepository = ReturnType<typeof createVisitorRepository>;
