import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { DB } from '../schema';

/**
 * A PostgreSQL database (issue 16, in progress): kysely's PostgresDialect over a pg.Pool. Not used
 * by the app yet — the stores are synchronous over better-sqlite3 — only by the PostgreSQL
 * migrator and its tests. `url` is a DATABASE_URL: postgres://user:pass@host:port/db, or a socket
 * folder as `?host=/dir`.
 */
export interface PostgresDatabase {
  readonly q: Kysely<DB>;
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export function openPostgres(url: string, options: { max?: number } = {}): PostgresDatabase {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 10 });
  const q = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    q,
    pool,
    // Kysely's destroy ends the pool.
    close: () => q.destroy(),
  };
}
