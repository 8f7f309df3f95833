import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import {
  DummyDriver,
  Kysely,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Compilable,
} from 'kysely';
import type { DB } from './schema';

/**
 * Kysely builds typed queries; better-sqlite3 runs them synchronously. Running synchronously on the
 * one Node thread makes every transaction atomic with respect to the rest of the process (a claim
 * race cannot interleave) and keeps the hot path free of promise hops. Prepared statements are
 * cached by their SQL text.
 */
export interface Database {
  readonly sqlite: BetterSqlite3.Database;
  /** Query builder only: compile with it, execute with run/all/first. */
  readonly q: Kysely<DB>;
  run(query: Compilable<unknown>): BetterSqlite3.RunResult;
  all<T>(query: Compilable<T>): T[];
  first<T>(query: Compilable<T>): T | undefined;
  /** Runs fn in a transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T;
  close(): void;
}

export interface OpenOptions {
  busyTimeoutMs?: number;
}

export function openDatabase(file: string, options: OpenOptions = {}): Database {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  // FULL: an acknowledged message survives power loss too; group commit pays for the fsync.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Keep the WAL bounded: checkpoint after ~4 MB of log.
  sqlite.pragma('wal_autocheckpoint = 1000');

  const q = new Kysely<DB>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });

  const statements = new Map<string, BetterSqlite3.Statement>();
  const prepare = (query: Compilable<unknown>) => {
    const compiled = query.compile();
    let stmt = statements.get(compiled.sql);
    if (!stmt) {
      stmt = sqlite.prepare(compiled.sql);
      statements.set(compiled.sql, stmt);
    }
    return { stmt, params: compiled.parameters as unknown[] };
  };

  return {
    sqlite,
    q,
    run(query) {
      const { stmt, params } = prepare(query);
      return stmt.run(...params);
    },
    all<T>(query: Compilable<T>) {
      const { stmt, params } = prepare(query);
      return stmt.reader ? (stmt.all(...params) as T[]) : (stmt.run(...params), []);
    },
    first<T>(query: Compilable<T>) {
      const { stmt, params } = prepare(query);
      return stmt.get(...params) as T | undefined;
    },
    tx<T>(fn: () => T): T {
      return sqlite.transaction(fn)();
    },
    close() {
      statements.clear();
      if (sqlite.open) sqlite.close();
    },
  };
}
