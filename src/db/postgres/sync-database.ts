import { createTxHooks } from '../tx-hooks';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Compilable } from 'kysely';
import type { DB } from '../schema';
import type { Database, Params, Prepared, RunResult } from '../database';
import { bindParams, compilePrepared, PreparedQueryError, type PreparedState } from '../prepared';
import { DatabaseUnavailableError, SyncPgClient, type SyncPgOptions } from './sync-client';

/**
 * The `Database` of the stores on PostgreSQL. The stores are synchronous (the core runs a unit of
 * work within one turn of the event loop, so nothing of this process interleaves with it), and so is
 * this: each statement goes to a worker thread holding one `pg` connection, and the caller waits for
 * its answer (SyncPgClient). Within a process, one connection serves everything, in order; across
 * processes, PostgreSQL's row locks and the stores' conditional updates keep every effect single.
 *
 * Queries are the same kysely builders as on SQLite, compiled for PostgreSQL. `prepare`d queries
 * become named server-side statements (parsed once per connection); others are sent unnamed,
 * since their SQL may vary (lists) and named statements live as long as the connection.
 *
 * A transaction whose connection is lost is gone: every later statement of it throws
 * DatabaseUnavailableError until the outermost tx() unwinds (never run in autocommit on a
 * fresh connection), and inTransaction() is false from then on.
 */
export interface PostgresDatabase extends Database {
  readonly engine: 'postgres';
  readonly client: SyncPgClient;
}

export function openPostgresDatabase(url: string, options: SyncPgOptions = {}): PostgresDatabase {
  const client = SyncPgClient.connect(url, options);
  const q = new Kysely<DB>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });

  let closed = false;
  /** Open transaction levels (1 = BEGIN, more = savepoints). */
  let depth = 0;
  /** The connection under the open transaction was lost: the transaction is gone. */
  let lost = false;
  let statementNames = 0;

  const exec = (sql: string, params: readonly unknown[], name?: string) => {
    if (closed) throw new PreparedQueryError(`The database is closed: cannot run ${sql}`);
    if (lost) throw new DatabaseUnavailableError('the connection to PostgreSQL was lost during this transaction');
    try {
      return client.query(sql, params.map(toPg), name);
    } catch (err) {
      if (depth > 0 && err instanceof DatabaseUnavailableError) lost = true;
      throw err;
    }
  };
  const compiled = (query: Compilable<unknown>) => {
    const c = query.compile();
    return exec(c.sql, c.parameters);
  };
  const run = (result: { rowCount: number }): RunResult => ({ changes: result.rowCount });

  // The engine's transaction (BEGIN / SAVEPOINT), run by tx() inside its hooks' frame.
  const engineTx = <T,>(fn: () => T): T => {
    const level = depth;
    exec(level === 0 ? 'BEGIN' : `SAVEPOINT handoff_${level}`, []);
    depth = level + 1;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      depth = level;
      rollback(level);
      throw err;
    }
    try {
      exec(level === 0 ? 'COMMIT' : `RELEASE SAVEPOINT handoff_${level}`, []);
    } catch (err) {
      depth = level;
      rollback(level);
      throw err;
    }
    depth = level;
    if (level === 0) lost = false;
    return result;
  };
  const hooks = createTxHooks();

  return {
    engine: 'postgres',
    client,
    q,
    run(query) {
      return run(compiled(query));
    },
    all<T>(query: Compilable<T>) {
      return compiled(query).rows as T[];
    },
    first<T>(query: Compilable<T>) {
      return compiled(query).rows[0] as T | undefined;
    },
    prepare<P extends Params<P>, R>(build: (p: P) => Compilable<R>): Prepared<P, R> {
      let state: PreparedState<string> | undefined;
      const ready = (): PreparedState<string> => {
        if (closed) throw new PreparedQueryError('The database is closed: cannot run a prepared query');
        return (state ??= compilePrepared(build as (p: unknown) => Compilable<unknown>, () => `handoff_${++statementNames}`));
      };
      const execute = (params: P | undefined) => {
        const s = ready();
        return exec(s.sql, bindParams(s, params), s.stmt);
      };
      return {
        first: (params?: P) => execute(params).rows[0] as R | undefined,
        all: (params?: P) => execute(params).rows as R[],
        run: (params?: P) => run(execute(params)),
        get sql() {
          return ready().sql;
        },
      };
    },
    tx<T>(fn: () => T): T {
      return hooks.run(fn, engineTx as (fn: () => T) => T, false);
    },
    txHooks: hooks,
    afterCommit(cb: () => void) {
      if (hooks.tracked()) hooks.afterCommit(cb);
      else if (depth === 0) cb();
    },
    inTransaction() {
      return depth > 0 && !lost;
    },
    ping() {
      if (closed) return false;
      try {
        return client.query('SELECT 1 AS ok').rows.length === 1;
      } catch {
        return false;
      }
    },
    isOpen() {
      return !closed;
    },
    close() {
      if (closed) return;
      closed = true;
      client.close();
    },
  };

  /** Undoes level `level` (0: the whole transaction); quietly, the caller rethrows the cause. */
  function rollback(level: number): void {
    if (lost) {
      // Nothing to undo on the server (the transaction died with its connection); the outermost
      // level clears the mark so the next transaction starts on the new connection.
      if (level === 0) lost = false;
      return;
    }
    try {
      if (level === 0) client.query('ROLLBACK');
      else client.query(`ROLLBACK TO SAVEPOINT handoff_${level}`);
    } catch (err) {
      if (err instanceof DatabaseUnavailableError && level > 0) lost = true;
    }
  }
}

/** What SQLite binds, as pg wants it: bytes as a Buffer, 64-bit integers as text. */
function toPg(value: unknown): unknown {
  if (value instanceof Uint8Array && !Buffer.isBuffer(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (typeof value === 'bigint') return value.toString();
  return value;
}
