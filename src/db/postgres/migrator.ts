import fs from 'node:fs';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { MIGRATIONS_DIR, MigrationError, migrationFiles } from '../migrator';
import { translateMigration } from './sqlite-to-postgres';

/**
 * The advisory lock every instance takes around migrating, so that instances starting together
 * migrate once: the first applies what is pending, the others wait, then find nothing to do.
 * The key is "handoff" in ASCII, as a bigint.
 */
export const MIGRATION_LOCK_KEY = '29380524337227366';

/**
 * Applies the same frozen files as the SQLite migrator (src/db/migrator.ts), translated by
 * ./sqlite-to-postgres.ts, in name order, each in its own transaction and recorded in
 * schema_migrations (name, applied_at) like SQLite's. Holds pg_advisory_lock on one connection
 * meanwhile. Returns the names applied now; a failing file rolls back and throws MigrationError.
 */
export async function migratePostgres(db: Kysely<any>, dir = MIGRATIONS_DIR): Promise<string[]> {
  const files = migrationFiles(dir);
  return db.connection().execute(async (conn) => {
    await sql`SELECT pg_advisory_lock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn);
    try {
      await sql`CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`.execute(conn);
      const rows = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(conn);
      const applied = new Set(rows.rows.map((r) => r.name));
      const pending = files.filter((f) => !applied.has(f));
      // Translate every pending file first: one that cannot be translated stops before any applies.
      const plans = pending.map((file) => {
        try {
          return { file, statements: translateMigration(fs.readFileSync(path.join(dir, file), 'utf8')) };
        } catch (err) {
          throw new MigrationError(file, err);
        }
      });
      const done: string[] = [];
      for (const { file, statements } of plans) {
        try {
          await sql`BEGIN`.execute(conn);
          for (const statement of statements) await sql.raw(statement).execute(conn);
          await sql`INSERT INTO schema_migrations (name, applied_at) VALUES (${file}, ${new Date().toISOString()})`.execute(conn);
          await sql`COMMIT`.execute(conn);
        } catch (err) {
          await sql`ROLLBACK`.execute(conn).catch(() => undefined);
          throw new MigrationError(file, err);
        }
        done.push(file);
      }
      return done;
    } finally {
      await sql`SELECT pg_advisory_unlock(${MIGRATION_LOCK_KEY}::bigint)`.execute(conn).catch(() => undefined);
    }
  });
}
