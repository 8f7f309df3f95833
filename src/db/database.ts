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
import { bindParams, compilePrepared, PreparedQueryError, type PreparedState } from './prepared';
import { createTxHooks, type TxHooks } from './tx-hooks';
import type { Transactions } from '../core/stores';

/**
 * Kysely builds typed queries; better-sqlite3 runs them synchronously. Running synchronously on the
 * one Node thread makes every transaction atomic with respect to the rest of the process (a claim
 * race cannot interleave) and keeps the hot path free of promise hops. Prepared statements are
 * cached by their SQL text.
 *
 * Building and compiling a Kysely query costs ~15 µs; hot queries use `prepare`, which builds and
 * compiles once per query shape so that later calls only bind their parameters.
 */
export interface Database extends Transactions {
  /** Which engine runs the queries: the few dialect-specific expressions are chosen by it (see dialect.ts). */
  readonly engine: 'sqlite' | 'postgres';
  /** Query builder only: compile with it, execute with run/all/first. */
  readonly q: Kysely<DB>;
  run(query: Compilable<unknown>): RunResult;
  all<T>(query: Compilable<T>): T[];
  first<T>(query: Compilable<T>): T | undefined;
  /**
   * A query whose shape is fixed, built and compiled once (lazily, on first use) and then run with
   * named parameters:
   *
   * ```ts
   * const byId = db.prepare((p: { id: string }) => q.selectFrom('messages').selectAll().where('id', '=', p.id));
   * byId.first({ id }); // binds id, nothing is built or compiled again
   * ```
   *
   * `build` is called once, with a stand-in for `p` whose every property is a placeholder; each
   * placeholder must reach the query untouched, as a whole value (`where(col, op, p.x)`, `values({ c: p.x })`,
   * `set({ c: p.x })`, `limit(p.x)`, `sql\`…${p.x}…\``; `p.x ?? null` and destructuring are fine too).
   * Literals written in `build` stay constants. At call time `undefined` is bound as NULL.
   *
   * Only for queries whose SQL does not depend on the values. Never:
   * - derive anything from a param inside `build` (`p.x?.y`, `p.flag ? 1 : 0`, `JSON.stringify(p.x)`,
   *   `'%' + p.x`, `Number(p.x)`): compute it before the call and pass it as its own param;
   * - choose the shape from a param (`if (p.limit) query = query.limit(p.limit)`, optional columns
   *   left out when undefined — here they would be written as NULL): use `db.run/all/first`;
   * - pass lists (`where(col, 'in', ids)`): the length is part of the SQL, so use `db.run/all/first`
   *   (or one prepared query per fixed constant list, captured by `build`);
   * - use a param as a column, table or raw SQL (`sql.raw`, `sql.lit`, `sql.ref`);
   * - read anything else that can change (outer variables) inside `build`: it is frozen at first use.
   *
   * Param types only allow what SQLite binds. When first compiled, the query is checked: a placeholder
   * found in the SQL text, a placeholder bound in a transformed form (concatenated, stringified…), or
   * a param read by `build` but not bound as a whole value all throw a `PreparedQueryError`. Shape
   * choices made by testing a param (`p.x ? a : b`) cannot all be caught: keep `build` to plain
   * references. After `close()` every call throws.
   */
  prepare<P extends Params<P>, R>(build: (p: P) => Compilable<R>): Prepared<P, R>;
  /** Runs fn in a transaction (nested calls become savepoints). */
  tx<T>(fn: () => T): T;
  /** True inside tx(): a write there may still roll back (so it must not be cached yet). */
  inTransaction(): boolean;
  /** Callbacks on the end of tx()'s transactions and savepoints. */
  readonly txHooks?: TxHooks;
  /** Whether the database answers a trivial query now (health checks). */
  ping(): boolean;
  /** False once closed. */
  isOpen(): boolean;
  close(): void;
}

/** What a write did: how many rows it changed. (Ids come back with RETURNING, on both engines.) */
export interface RunResult {
  changes: number;
}

/** The embedded engine: better-sqlite3 underneath, for what only SQLite has (pragmas, backup, FTS5). */
export interface SqliteDatabase extends Database {
  readonly engine: 'sqlite';
  readonly sqlite: BetterSqlite3.Database;
}

/** What SQLite can bind (better-sqlite3 refuses booleans: use 0/1). */
export type SqlValue = string | number | bigint | Uint8Array | null;

/** Named parameters of a prepared query: scalars only (undefined binds NULL). */
export type Params<P> = { [K in keyof P]: SqlValue | undefined };

/** Params may be left out when the query has none (or all are optional). */
type ParamArgs<P> = {} extends P ? [params?: P] : [params: P];

/** A query compiled once by `Database.prepare`; each call binds the params and runs the statement. */
export interface Prepared<P, R> {
  /** The first row, or undefined. */
  first(...params: ParamArgs<P>): R | undefined;
  /** Every row (none for a statement that returns no data). */
  all(...params: ParamArgs<P>): R[];
  run(...params: ParamArgs<P>): RunResult;
  /** The compiled SQL (compiles and checks the query if it was not used yet). */
  readonly sql: string;
}

export { PreparedQueryError } from './prepared';

export interface OpenOptions {
  busyTimeoutMs?: number;
}

/**
 * The database file cannot be opened: its folder cannot be created, the file cannot be created or
 * written, or it is not a SQLite database. The message says which, in one line, naming the path.
 */
export class DatabaseOpenError extends Error {
  override readonly name = 'DatabaseOpenError';
  constructor(
    /** The file, or the DATABASE_URL with its password hidden. */
    readonly file: string,
    message: string,
    options?: ErrorOptions & { variable?: 'DATABASE_PATH' | 'DATABASE_URL' },
  ) {
    super(message, options);
    this.variable = options?.variable ?? 'DATABASE_PATH';
  }
  /** The setting to fix. */
  readonly variable: 'DATABASE_PATH' | 'DATABASE_URL';
}

export function openDatabase(file: string, options: OpenOptions = {}): SqliteDatabase {
  let sqlite: BetterSqlite3.Database | undefined;
  try {
    if (file !== ':memory:') mkdirFor(file);
    sqlite = new BetterSqlite3(file);
    sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // The first statement that reads the file: a file that is not a database fails here.
    if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
    // FULL: an acknowledged message survives power loss too; group commit pays for the fsync.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('foreign_keys = ON');
    // Keep the WAL bounded: checkpoint after ~4 MB of log.
    sqlite.pragma('wal_autocheckpoint = 1000');
  } catch (err) {
    if (sqlite?.open) sqlite.close();
    if (err instanceof DatabaseOpenError) throw err;
    throw new DatabaseOpenError(file, `cannot open ${file}: ${sqliteOpenProblem(err)}`, { cause: err });
  }

  const q = new Kysely<DB>({
    dialect: {
      createAdapter: () => new SqliteAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    },
  });

  const statements = new Map<string, BetterSqlite3.Statement>();
  const statementFor = (sql: string) => {
    let stmt = statements.get(sql);
    if (!stmt) {
      stmt = sqlite.prepare(sql);
      statements.set(sql, stmt);
    }
    return stmt;
  };
  const prepare = (query: Compilable<unknown>) => {
    const compiled = query.compile();
    return { stmt: statementFor(compiled.sql), params: compiled.parameters as unknown[] };
  };
  let closed = false;
  // One transaction wrapper for every tx(fn): better-sqlite3 builds four functions per transaction().
  const inTransaction = sqlite.transaction((fn: () => unknown) => fn());
  const hooks = createTxHooks();
  const runTx = (fn: () => unknown) => inTransaction(fn);

  return {
    engine: 'sqlite',
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
    prepare<P extends Params<P>, R>(build: (p: P) => Compilable<R>): Prepared<P, R> {
      let state: PreparedState<BetterSqlite3.Statement> | undefined;
      const ready = (): PreparedState<BetterSqlite3.Statement> => {
        if (closed) {
          const sql = state?.sql;
          state = undefined;
          throw new PreparedQueryError(`The database is closed: cannot run the prepared query${sql ? ` ${sql}` : ''}`);
        }
        return (state ??= compilePrepared(build as (p: unknown) => Compilable<unknown>, statementFor));
      };
      return {
        first(params?: P) {
          const s = ready();
          return s.stmt.get(...bindParams(s, params)) as R | undefined;
        },
        all(params?: P) {
          const s = ready();
          const args = bindParams(s, params);
          return s.stmt.reader ? (s.stmt.all(...args) as R[]) : (s.stmt.run(...args), []);
        },
        run(params?: P) {
          const s = ready();
          return s.stmt.run(...bindParams(s, params));
        },
        get sql() {
          return ready().sql;
        },
      };
    },
    tx<T>(fn: () => T): T {
      return hooks.run(fn, runTx as (fn: () => T) => T, !hooks.tracked() && sqlite.inTransaction);
    },
    inTransaction() {
      return sqlite.inTransaction;
    },
    txHooks: hooks,
    afterCommit(cb) {
      // Inside a transaction begun by hand its end is unknown here: then cb is not run.
      if (hooks.tracked()) hooks.afterCommit(cb);
      else if (!sqlite.inTransaction) cb();
    },
    ping() {
      try {
        return sqlite.open && sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    isOpen() {
      return sqlite.open;
    },
    close() {
      closed = true;
      statements.clear();
      if (sqlite.open) sqlite.close();
    },
  };
}

function mkdirFor(file: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    makeFolder(dir);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const why: Record<string, string> = {
      ENOTDIR: 'a part of that path is a file, not a folder',
      EACCES: 'permission denied',
      EPERM: 'not permitted',
      EROFS: 'read-only file system',
      ENOSPC: 'no space left on the device',
      ENOENT: 'folders cannot be created there',
    };
    const reason = (e.code ? why[e.code] : undefined) ?? e.message;
    throw new DatabaseOpenError(file, `cannot create the folder ${dir} (${reason}${e.code ? `, ${e.code}` : ''})`, { cause: err });
  }
}

/**
 * mkdir -p, one level at a time: Node's `mkdirSync(…, { recursive: true })` never returns when the
 * file system answers ENOENT for a folder whose parent exists (/proc/x/y).
 */
function makeFolder(dir: string): void {
  try {
    if (fs.statSync(dir).isDirectory()) return;
    throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${dir}'`), { code: 'ENOTDIR' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const parent = path.dirname(dir);
  if (parent !== dir) makeFolder(parent);
  try {
    fs.mkdirSync(dir);
  } catch (err) {
    // Created meanwhile by someone else: fine.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(dir).isDirectory()) throw err;
  }
}

/** SQLite's reason in plain words (better-sqlite3's SqliteError carries SQLite's code). */
function sqliteOpenProblem(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? '');
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_NOTADB') return 'it is not a SQLite database (SQLITE_NOTADB)';
  if (code.startsWith('SQLITE_READONLY')) return `it is read-only (${code})`;
  if (code.startsWith('SQLITE_CANTOPEN')) return `the file cannot be created or opened there (${message}, ${code})`;
  if (code === 'SQLITE_FULL') return 'the disk is full (SQLITE_FULL)';
  if (code.startsWith('SQLITE_IOERR')) return `the file cannot be read or written (${message}, ${code})`;
  return code ? `${message} (${code})` : message;
}

