import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SqliteDatabase } from './database';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export class MigrationError extends Error {
  constructor(
    readonly migration: string,
    cause: unknown,
  ) {
    super(`Migration ${migration} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'MigrationError';
  }
}

const NAME = /^\d{14}_[a-z0-9_]+\.sql$/;

/** The migration files of `dir` in the order they apply (name order); throws on a badly named one. */
export function migrationFiles(dir = MIGRATIONS_DIR): string[] {
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.sql'))
    .sort();
  const bad = files.filter((f) => !NAME.test(f));
  if (bad.length) throw new MigrationError(bad[0]!, new Error('name must be YYYYMMDDHHMMSS_description.sql'));
  return files;
}

/**
 * Applies the frozen SQL files of `dir` in name order, each in its own transaction and recorded in
 * schema_migrations. Returns the names applied now. A failing file rolls back and throws.
 */
export function migrate(db: SqliteDatabase, dir = MIGRATIONS_DIR): string[] {
  db.sqlite.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)',
  );
  const applied = new Set(
    (db.sqlite.prepare('SELECT name FROM schema_migrations').all() as { name: string }[]).map((r) => r.name),
  );
  const files = migrationFiles(dir);

  const done: string[] = [];
  for (const file of files) {
    if (applied.has(file)) continue;
    const sql = fs.readFileSync(path.join(dir, file), 'utf8');
    try {
      db.tx(() => {
        // exec, not prepare: a migration holds several statements.
        db.sqlite.exec(sql);
        db.sqlite
          .prepare('INSERT INTO schema_migrations (name, applied_at) VALUES (?, ?)')
          .run(file, new Date().toISOString());
      });
    } catch (err) {
      throw new MigrationError(file, err);
    }
    done.push(file);
  }
  return done;
}
