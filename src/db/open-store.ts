import { DatabaseOpenError, openDatabase, type Database } from './database';
import { migrate } from './migrator';
import { openPostgres } from './postgres/database';
import { migratePostgres } from './postgres/migrator';
import { openPostgresDatabase } from './postgres/sync-database';
import { redactUrl } from './postgres/sync-client';

export interface StoreSettings {
  /** SQLite file (the embedded default; one process). */
  databasePath: string;
  /** PostgreSQL (several instances); when set, databasePath is not used. */
  databaseUrl?: string;
}

/**
 * Opens the configured database and brings its schema up to date: the same migration files on both
 * engines. Instances starting together on one PostgreSQL database migrate once (an advisory lock).
 * A database that cannot be opened or reached throws DatabaseOpenError naming the setting; a
 * failing migration throws MigrationError. Nothing is left open when it throws.
 */
export async function openStore(settings: StoreSettings, options: { busyTimeoutMs?: number } = {}): Promise<{ db: Database; applied: string[] }> {
  if (!settings.databaseUrl) {
    const db = openDatabase(settings.databasePath, options);
    try {
      return { db, applied: migrate(db) };
    } catch (err) {
      db.close();
      throw err;
    }
  }
  const url = settings.databaseUrl;
  let db: Database;
  try {
    // Connecting first gives the one-line reason (refused, unknown database, bad password).
    db = openPostgresDatabase(url);
  } catch (err) {
    throw new DatabaseOpenError(redactUrl(url), (err as Error).message, { cause: err, variable: 'DATABASE_URL' });
  }
  const migrator = openPostgres(url, { max: 1 });
  try {
    return { db, applied: await migratePostgres(migrator.q) };
  } catch (err) {
    db.close();
    throw err;
  } finally {
    await migrator.close();
  }
}
