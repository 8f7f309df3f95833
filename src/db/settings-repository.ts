import { randomBytes } from 'node:crypto';
import type { Database } from './database';

/** Key-value settings (JSON values) and generated secrets. */
export function createSettingsRepository(db: Database) {
  const { q } = db;
  return {
    all(): Record<string, unknown> {
      const rows = db.all(q.selectFrom('settings').select(['key', 'value']));
      return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value) as unknown]));
    },
    set(key: string, value: unknown, by: string | null, now: string): void {
      const json = JSON.stringify(value);
      db.run(
        q
          .insertInto('settings')
          .values({ key, value: json, updated_at: now, updated_by: by })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: json, updated_at: now, updated_by: by })),
      );
    },
    /** The named secret, generated (32 random bytes) and stored the first time it is asked for. */
    secret(name: string, now: string): string {
      return db.tx(() => {
        const row = db.first(q.selectFrom('secrets').select('value').where('name', '=', name));
        if (row) return row.value;
        const value = randomBytes(32).toString('base64url');
        db.run(q.insertInto('secrets').values({ name, value, created_at: now }));
        return value;
      });
    },
  };
}

export type SettingsRepository = ReturnType<typeof createSettingsRepository>;
