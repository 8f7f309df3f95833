import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../test/support/free-port';
import { startPostgres, type PostgresServer } from '../../../test/support/postgres-server';
import { DatabaseUnavailableError, redactUrl, SyncPgClient } from './sync-client';

let server: PostgresServer;
let dbUrl: string;
let admin: SyncPgClient;
const opened: SyncPgClient[] = [];

function open(url = dbUrl, options?: Parameters<typeof SyncPgClient.connect>[1]): SyncPgClient {
  const client = SyncPgClient.connect(url, options);
  opened.push(client);
  return client;
}

/** The error `fn` throws (failing the test if it returns). */
function thrown(fn: () => unknown): Error & Record<string, unknown> {
  try {
    fn();
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected an error');
}

function backendPid(client: SyncPgClient): number {
  return client.query('SELECT pg_backend_pid() AS pid').rows[0]!.pid as number;
}

/** Terminates the backend and waits (server side) until its process is gone. */
function terminate(pid: number): void {
  const { rows } = admin.query('SELECT pg_terminate_backend($1::int, 10000) AS done', [pid]);
  expect(rows[0]!.done).toBe(1);
}

beforeAll(async () => {
  server = await startPostgres();
  dbUrl = await server.createDatabase();
  admin = SyncPgClient.connect(server.url);
}, 60_000);

afterEach(() => {
  while (opened.length) opened.pop()!.close();
});

afterAll(async () => {
  admin?.close();
  await server?.stop();
});

describe('SyncPgClient: results', () => {
  it('returns rows shaped like better-sqlite3: int8 and numeric as numbers, booleans as 1/0, text, null', () => {
    const client = open();
    client.query('CREATE TABLE shapes (id BIGSERIAL PRIMARY KEY, name TEXT, done BOOLEAN, score NUMERIC)');
    const inserted = client.query(
      "INSERT INTO shapes (name, done, score) VALUES ('a', true, 1.5), ('b', false, 2), (NULL, NULL, NULL)",
    );
    expect(inserted.rowCount).toBe(3);
    const { rows, rowCount } = client.query('SELECT id, name, done, score FROM shapes ORDER BY id');
    expect(rowCount).toBe(3);
    expect(rows).toEqual([
      { id: 1, name: 'a', done: 1, score: 1.5 },
      { id: 2, name: 'b', done: 0, score: 2 },
      { id: 3, name: null, done: null, score: null },
    ]);
    const counted = client.query('SELECT count(*) AS n, sum(id) AS total, avg(id) AS mean FROM shapes').rows[0]!;
    expect(counted).toEqual({ n: 3, total: 6, mean: 2 });
    expect(client.query('BEGIN').rowCount).toBe(0);
    client.query('ROLLBACK');
  });

  it('binds parameters as $1..$n and reuses a named prepared statement', () => {
    const client = open();
    const echo = client.query('SELECT $1::int AS i, $2::text AS t, $3::text AS n, $4::bigint AS b', [7, "it's", null, 2 ** 40]);
    expect(echo.rows).toEqual([{ i: 7, t: "it's", n: null, b: 2 ** 40 }]);
    for (const value of [1, 2, 3]) {
      expect(client.query('SELECT $1::int * 2 AS doubled', [value], 'double').rows[0]!.doubled).toBe(value * 2);
    }
    const prepared = client.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE name = 'double'");
    expect(prepared.rows[0]!.n).toBe(1);
  });

  it('keeps an SQL error as pg reports it (SQLSTATE, detail, constraint) and keeps working after', () => {
    const client = open();
    client.query('CREATE TABLE uniques (email TEXT CONSTRAINT uniques_email UNIQUE)');
    client.query('INSERT INTO uniques VALUES ($1)', ['a@example.com']);
    const err = thrown(() => client.query('INSERT INTO uniques VALUES ($1)', ['a@example.com']));
    expect(err).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(err.code).toBe('23505');
    expect(err.constraint).toBe('uniques_email');
    expect(err.detail).toContain('a@example.com');
    expect(err.message).toContain('duplicate key');
    expect(client.connected).toBe(true);
    expect(client.query('SELECT count(*) AS n FROM uniques').rows[0]!.n).toBe(1);
  });

  it('runs a transaction over several calls on one connection: ROLLBACK leaves nothing', () => {
    const client = open();
    const other = open();
    client.query('CREATE TABLE tx_rows (n INT)');
    client.query('BEGIN');
    client.query('INSERT INTO tx_rows VALUES (1)');
    client.query('INSERT INTO tx_rows VALUES (2)');
    expect(client.query('SELECT count(*) AS n FROM tx_rows').rows[0]!.n).toBe(2);
    // Not committed: another connection does not see it.
    expect(other.query('SELECT count(*) AS n FROM tx_rows').rows[0]!.n).toBe(0);
    client.query('ROLLBACK');
    expect(client.query('SELECT count(*) AS n FROM tx_rows').rows[0]!.n).toBe(0);
  });

  it('reaches the server through its unix socket with ?host=<dir>', () => {
    const client = open(`postgres://postgres:secret@localhost:${server.port}/postgres?host=${server.socketDir}`);
    // No server address: the connection is a unix socket, not TCP.
    expect(client.query('SELECT inet_server_addr() AS addr').rows).toEqual([{ addr: null }]);
  });

  it('lets the server cancel a statement at its statement_timeout (57014); the connection stays usable', () => {
    const client = open(dbUrl, { queryTimeoutMs: 2_000 });
    const pid = backendPid(client);
    const err = thrown(() => client.query('SELECT pg_sleep(5)'));
    expect(err).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(err.code).toBe('57014');
    expect(backendPid(client)).toBe(pid);
  });

  it('measures the round trip of SELECT 1', () => {
    const client = open();
    for (let i = 0; i < 1000; i++) client.query('SELECT 1');
    const calls = 2000;
    const started = performance.now();
    for (let i = 0; i < calls; i++) client.query('SELECT 1');
    const simple = ((performance.now() - started) * 1000) / calls;
    const startedNamed = performance.now();
    for (let i = 0; i < calls; i++) client.query('SELECT $1::int AS n', [i], 'select-n');
    const named = ((performance.now() - startedNamed) * 1000) / calls;
    console.log(`SyncPgClient round trip over ${calls} calls: SELECT 1 ${simple.toFixed(0)} µs, named with a parameter ${named.toFixed(0)} µs`);
    expect(client.query('SELECT 1 AS one').rows).toEqual([{ one: 1 }]);
  });
});

describe('SyncPgClient: connecting', () => {
  it('redacts the password of a URL', () => {
    expect(redactUrl('postgres://app:s3cret@db:5432/handoff')).toBe('postgres://app:***@db:5432/handoff');
    expect(redactUrl('postgres://app:p@ss:w/rd@db/handoff')).toBe('postgres://app:***@db/handoff');
    expect(redactUrl('postgres://app@db/handoff?password=s3cret&sslmode=require')).toBe(
      'postgres://app@db/handoff?password=***&sslmode=require',
    );
    expect(redactUrl('postgres://db/handoff?host=/var/run/postgresql')).toBe('postgres://db/handoff?host=/var/run/postgresql');
  });

  it('refuses a URL that is not postgres:// in one line, password redacted', () => {
    for (const url of ['mysql://app:s3cret@db/handoff', 'postgres://app:s3cret@db:port/handoff', 'not a url', '']) {
      const err = thrown(() => SyncPgClient.connect(url));
      expect(err).not.toBeInstanceOf(DatabaseUnavailableError);
      expect(err.message).toMatch(/^invalid PostgreSQL URL .*: expected postgres:\/\/user:password@host:port\/database$/);
      expect(err.message).not.toContain('s3cret');
      expect(err.message).not.toContain('\n');
    }
    expect(thrown(() => SyncPgClient.connect('mysql://app:s3cret@db/handoff')).message).toContain('mysql://app:***@db/handoff');
    expect(thrown(() => SyncPgClient.connect('postgres://app:s3cret@db:port/handoff')).message).toContain('postgres://app:***@db:port/handoff');
  });

  it('names the URL (password redacted) when the port refuses: DatabaseUnavailableError', async () => {
    const port = await freePort();
    const url = `postgres://app:s3cret@127.0.0.1:${port}/handoff`;
    const err = thrown(() => SyncPgClient.connect(url));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.code).toBe('DB_UNAVAILABLE');
    expect(err.message).toBe(`cannot connect to PostgreSQL at postgres://app:***@127.0.0.1:${port}/handoff: connection refused (ECONNREFUSED)`);
  });

  it('names the URL when there is no server socket in the ?host= folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'no-pg-'));
    try {
      const err = thrown(() => SyncPgClient.connect(`postgres://app:s3cret@localhost/handoff?host=${dir}`));
      expect(err).toBeInstanceOf(DatabaseUnavailableError);
      expect(err.message).toBe(`cannot connect to PostgreSQL at postgres://app:***@localhost/handoff?host=${dir}: no server socket at that path (ENOENT)`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names the URL and the server reason for a database or role that does not exist: a plain Error with its SQLSTATE', () => {
    const noDatabase = thrown(() => SyncPgClient.connect(`postgres://postgres:s3cret@127.0.0.1:${server.port}/nope`));
    expect(noDatabase).not.toBeInstanceOf(DatabaseUnavailableError);
    expect(noDatabase.message).toBe(`cannot connect to PostgreSQL at postgres://postgres:***@127.0.0.1:${server.port}/nope: database "nope" does not exist`);
    expect(noDatabase.code).toBe('3D000');
    const noRole = thrown(() => SyncPgClient.connect(`postgres://ghost:s3cret@127.0.0.1:${server.port}/postgres`));
    expect(noRole.message).toBe(`cannot connect to PostgreSQL at postgres://ghost:***@127.0.0.1:${server.port}/postgres: role "ghost" does not exist`);
  });

  it('close() ends the connection on the server; later queries throw', async () => {
    const client = SyncPgClient.connect(dbUrl);
    const pid = backendPid(client);
    client.close();
    expect(() => client.query('SELECT 1')).toThrow('SyncPgClient is closed');
    await waitFor(() => admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid]).rowCount === 0, 'the backend to end');
  });

  it('does not keep the process alive: a script that connects and queries exits without close()', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sync-pg-exit-'));
    const script = path.join(dir, 'script.mts');
    const clientModule = pathToFileURL(fileURLToPath(new URL('./sync-client.ts', import.meta.url))).href;
    fs.writeFileSync(
      script,
      `import { SyncPgClient } from ${JSON.stringify(clientModule)};\n` +
        `const client = SyncPgClient.connect(${JSON.stringify(dbUrl)});\n` +
        `console.log('answer', client.query('SELECT 41 + 1 AS n').rows[0].n);\n`,
    );
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      const deadline = new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 15_000).unref());
      const outcome = await Promise.race([exited, deadline]);
      if (outcome === 'still running') child.kill('SIGKILL');
      expect(outcome, output).toBe(0);
      expect(output).toContain('answer 42');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
  it('works from a script given with node -e (the worker does not inherit the parent\'s -e)', async () => {
    const clientModule = pathToFileURL(fileURLToPath(new URL('./sync-client.ts', import.meta.url))).href;
    const code =
      `const { SyncPgClient } = await import(${JSON.stringify(clientModule)});\n` +
      `const client = SyncPgClient.connect(${JSON.stringify(dbUrl)}, { queryTimeoutMs: 10000 });\n` +
      `console.log('answer', client.query('SELECT 41 + 1 AS n').rows[0].n);\n`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exitCode = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(exitCode, output).toBe(0);
    expect(output).toContain('answer 42');
  });
});

describe('SyncPgClient: losing the connection', () => {
  it('reconnects transparently on the next query after the server terminated an idle backend', () => {
    const client = open();
    const pid = backendPid(client);
    terminate(pid);
    const after = backendPid(client);
    expect(after).not.toBe(pid);
    expect(client.connected).toBe(true);
  });

  it('reports DatabaseUnavailableError for the next query when the backend died inside a transaction, then reconnects', () => {
    const client = open();
    client.query('CREATE TABLE lost_tx (n INT)');
    client.query('BEGIN');
    client.query('INSERT INTO lost_tx VALUES (1)');
    const pid = backendPid(client);
    terminate(pid);
    const err = thrown(() => client.query('INSERT INTO lost_tx VALUES (2)'));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toContain('inside a transaction');
    expect(client.connected).toBe(false);
    // The caller's ROLLBACK then runs on a new session (a warning there, not an error).
    client.query('ROLLBACK');
    expect(client.query('SELECT count(*) AS n FROM lost_tx').rows[0]!.n).toBe(0);
    expect(backendPid(client)).not.toBe(pid);
    expect(client.connected).toBe(true);
  });

  it('reports DatabaseUnavailableError for a query in flight when its backend is terminated', () => {
    const client = open();
    const pid = backendPid(client);
    // The backend terminates itself mid-statement: the answer never comes.
    const err = thrown(() => client.query('SELECT pg_terminate_backend(pg_backend_pid())'));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(client.connected).toBe(false);
    expect(backendPid(client)).not.toBe(pid);
  });

  it('discards the stale answer of a call that timed out, and the next call gets its own', () => {
    const client = open(dbUrl, { queryTimeoutMs: 500 });
    // As if the server hung: nothing cancels the statement before the caller gives up.
    client.query('SET statement_timeout = 0');
    const started = performance.now();
    const err = thrown(() => client.query('SELECT pg_sleep(3)'));
    expect(err).toBeInstanceOf(DatabaseUnavailableError);
    expect(err.message).toContain('did not answer within 500 ms');
    expect(performance.now() - started).toBeLessThan(2_500);
    expect(client.connected).toBe(false);
    // The worker abandons the stuck connection; its late answer to the sleep comes first and is skipped.
    expect(client.query('SELECT 2 AS n').rows).toEqual([{ n: 2 }]);
    expect(client.query('SELECT 3 AS n').rows).toEqual([{ n: 3 }]);
  });

  it('fails fast with DatabaseUnavailableError while the server is stopped, and works again once it is back', async () => {
    const connectTimeoutMs = 3_000;
    const client = open(dbUrl, { connectTimeoutMs });
    const socketClient = open(`postgres://postgres@localhost:${server.port}/postgres?host=${server.socketDir}`, { connectTimeoutMs });
    client.query('CREATE TABLE survives (n INT)');
    client.query('INSERT INTO survives VALUES (42)');
    await server.stopServer();
    try {
      for (const c of [client, socketClient]) {
        for (let attempt = 0; attempt < 3; attempt++) {
          const started = performance.now();
          const err = thrown(() => c.query('SELECT 1'));
          expect(err).toBeInstanceOf(DatabaseUnavailableError);
          expect(performance.now() - started).toBeLessThan(connectTimeoutMs);
          expect(c.connected).toBe(false);
        }
      }
      const refused = thrown(() => client.query('SELECT 1'));
      expect(refused.message).toMatch(/^cannot reconnect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_\w+: connection refused \(ECONNREFUSED\)$/);
    } finally {
      await server.startServer();
    }
    expect(client.query('SELECT n FROM survives').rows).toEqual([{ n: 42 }]);
    expect(client.connected).toBe(true);
    expect(socketClient.query('SELECT 1 AS one').rows).toEqual([{ one: 1 }]);
    expect(admin.query('SELECT 1 AS one').rows).toEqual([{ one: 1 }]);
  });
});

async function waitFor(condition: () => boolean, what: string, deadlineMs = 10_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
