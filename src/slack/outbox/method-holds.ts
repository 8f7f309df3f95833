import type { Database } from '../../db/database';
import type { MethodHolds } from './pacing';

/**
 * Holds of Slack methods limited workspace-wide, in `slack_method_holds`: a 429's Retry-After seen by
 * one process holds the method in every process sharing the database (the outbox's chat.update or
 * views.publish, the presence job's users.getPresence). A row keeps the later of two holds.
 */
export function createMethodHolds(db: Database): MethodHolds {
  const { q } = db;
  const read = db.prepare((p: { method: string }) => q.selectFrom('slack_method_holds').select('held_until').where('method', '=', p.method));
  const write = db.prepare((p: { method: string; until: string }) =>
    q
      .insertInto('slack_method_holds')
      .values({ method: p.method, held_until: p.until })
      .onConflict((oc) =>
        oc
          .column('method')
          .doUpdateSet({ held_until: (eb) => eb.ref('excluded.held_until') })
          .where('slack_method_holds.held_until', '<', p.until),
      ),
  );
  return {
    until(method) {
      const row = read.first({ method });
      return row ? Date.parse(row.held_until) : 0;
    },
    hold(method, until) {
      write.run({ method, until: new Date(until).toISOString() });
    },
  };
}
