import pg from 'pg';

/**
 * Which engine this test run stores in: the `unit` project runs on SQLite files, the `postgres`
 * project runs the storage and flow tests again on a throwaway PostgreSQL (see vitest.config.ts).
 */
export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.HANDOFF_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

let counter = 0;

/** A fresh, migrated database on the run's PostgreSQL; returns its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  // Loaded here: the benchmarks use the harness outside vitest.
  const { inject } = await import('vitest');
  const adminUrl = inject('postgresUrl');
  if (!adminUrl) throw new Error('no PostgreSQL for this run: the postgres project provides one (vitest --project postgres)');
  const name = `t_${process.pid}_${Date.now().toString(36)}_${++counter}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE handoff_template`);
  } finally {
    await admin.end();
  }
  return adminUrl.replace(/\/postgres$/, `/${name}`);
}

/** The better-sqlite3 handle of a SQLite-engine database, for tests that look at SQLite itself. */
export function sqliteOf(db: { engine: string }): import('better-sqlite3').Database {
  if (db.engine !== 'sqlite') throw new Error(`this test reads SQLite directly; the database is ${db.engine}`);
  return (db as unknown as { sqlite: import('better-sqlite3').Database }).sqlite;
}
