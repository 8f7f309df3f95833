import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Compilable, RawBuilder } from 'kysely';
import { openDatabase, type Database, type SqliteDatabase } from '../../src/db/database';
import { migrate } from '../../src/db/migrator';
import { SyncPgClient } from '../../src/db/postgres/sync-client';
import { openPostgresDatabase } from '../../src/db/postgres/sync-database';

// Loaded only under vitest: the benchmarks import this module (sqliteOf, through the harness) outside it.
const vitest = process.env.VITEST ? await import('vitest') : undefined;

/**
 * Which engine this test run stores in: the `unit` project runs on SQLite files, the `postgres`
 * project runs the storage and flow tests again on a throwaway PostgreSQL (see vitest.config.ts).
 */
export function testEngine(): 'sqlite' | 'postgres' {
  return process.env.HANDOFF_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
}

let counter = 0;
const TEMPLATE = 'handoff_template';

function adminUrl(): string {
  const url = vitest?.inject('postgresUrl');
  if (!url) throw new Error('no PostgreSQL for this run: the postgres project provides one (vitest --project postgres)');
  return url;
}

function newDatabaseName(): string {
  return `t_${process.pid}_${Date.now().toString(36)}_${++counter}`;
}

/** A fresh, migrated database on the run's PostgreSQL; returns its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const url = adminUrl();
  const name = newDatabaseName();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  } finally {
    await admin.end();
  }
  return url.replace(/\/postgres$/, `/${name}`);
}

/** One synchronous admin connection per test process, for creating and dropping databases. */
let admin: SyncPgClient | undefined;

/**
 * A fresh, migrated database of this run's engine, for storage tests: a SQLite file in a new temp
 * folder, or a PostgreSQL database copied from the migrated template. Closed and removed when the
 * current test finishes (call it in a test or a beforeEach).
 */
export function openTestDatabase(): Database {
  if (!vitest) throw new Error('openTestDatabase is for tests run by vitest');
  if (testEngine() === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-db-'));
    vitest.onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'handoff.db');
    const db = connect(() => openDatabase(file));
    migrate(db as SqliteDatabase);
    return db;
  }
  const url = adminUrl();
  const name = newDatabaseName();
  admin ??= SyncPgClient.connect(url);
  admin.query(`CREATE DATABASE ${name} TEMPLATE ${TEMPLATE}`);
  // FORCE: runs after the connections are closed (registered first, so it runs last), but a closing one may linger.
  vitest.onTestFinished(() => void admin?.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  const dbUrl = url.replace(/\/postgres$/, `/${name}`);
  return connect(() => openPostgresDatabase(dbUrl));
}

/** How to open another connection to each test database (a second instance, or the app after a restart). */
const openers = new WeakMap<Database, () => Database>();

function connect(open: () => Database): Database {
  const db = open();
  openers.set(db, open);
  vitest!.onTestFinished(() => {
    if (db.isOpen()) db.close();
  });
  return db;
}

/** Another connection to the database of `db` (which may be closed by now), closed when the test finishes. */
export function anotherConnection(db: Database): Database {
  const open = openers.get(db);
  if (!open) throw new Error('anotherConnection needs a database from openTestDatabase');
  return connect(open);
}

/** A raw `sql` query as the Database runs it (a RawBuilder compiles only with a Kysely instance). */
export function raw<R>(db: Database, query: RawBuilder<R>): Compilable<R> {
  return { compile: () => query.compile(db.q) };
}

/** The rows of a raw `sql` query, on either engine (values bound: ? on SQLite, $n on PostgreSQL). */
export function rows<R>(db: Database, query: RawBuilder<R>): R[] {
  return db.all(raw(db, query));
}

/** The better-sqlite3 handle of a SQLite-engine database, for tests that look at SQLite itself. */
export function sqliteOf(db: { engine: string }): import('better-sqlite3').Database {
  if (db.engine !== 'sqlite') throw new Error(`this test reads SQLite directly; the database is ${db.engine}`);
  return (db as unknown as { sqlite: import('better-sqlite3').Database }).sqlite;
}
