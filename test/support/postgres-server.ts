import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freePort } from './free-port';

/**
 * A throwaway PostgreSQL for tests: Debian's `postgresql` package (initdb, postgres, pg_ctl), a
 * cluster in a temp folder, listening on a free port of 127.0.0.1 and on a socket in that folder,
 * with fsync off (nothing here must survive a crash) unless `durable` is asked for. initdb refuses
 * to run as root and the tests run as root, so the server runs as `nobody`; as another user it runs
 * as that user.
 *
 * The superuser is `postgres`, trusted without a password (only local connections are accepted).
 */
export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres */
  url: string;
  /** The folder of the server's unix socket (`?host=<socketDir>` in a URL). */
  socketDir: string;
  port: number;
  /** A new empty database; returns its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server at once (pg_ctl stop -m immediate) and removes its folder. */
  stop(): Promise<void>;
  /** Shuts the server down (pg_ctl stop -m fast: sessions are terminated), keeping its data: startServer() brings it back. */
  stopServer(): Promise<void>;
  /** Starts the stopped server again on the same port and socket, with the same data. */
  startServer(): Promise<void>;
}

const READY_DEADLINE_MS = 60_000;
const SUPERUSER = 'postgres';

/** The folder of initdb, pg_ctl, postgres: $PG_BIN, else the newest /usr/lib/postgresql/<n>/bin. */
export function postgresBinDir(): string | undefined {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  if (!fs.existsSync(root)) return undefined;
  const versions = fs
    .readdirSync(root)
    .filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(root, versions[0]!, 'bin') : undefined;
}

/** root may not run initdb: run as nobody (65534) then. */
function serverUser(): { uid: number; gid: number } | undefined {
  return process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : undefined;
}


function chownTree(dir: string, user: { uid: number; gid: number } | undefined): void {
  if (user) fs.chownSync(dir, user.uid, user.gid);
}

let databaseCounter = 0;

export interface StartPostgresOptions {
  /**
   * fsync, synchronous_commit and full_page_writes on, as a production server runs: a commit
   * returns once it is on disk (the benchmarks, whose numbers must be honest). Default false.
   */
  durable?: boolean;
}

export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const onOff = options.durable ? 'on' : 'off';
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL is not installed: apt-get install postgresql (or set PG_BIN)');
  const user = serverUser();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pg-'));
  const dataDir = path.join(root, 'data');
  const socketDir = path.join(root, 'socket');
  fs.mkdirSync(socketDir);
  chownTree(root, user);
  chownTree(socketDir, user);
  // The server's cwd must be one it may enter; the env without PG* variables of the caller.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C', LC_ALL: 'C' };
  const asServer = { cwd: root, env, ...(user ?? {}) };

  const removeRoot = () => fs.rmSync(root, { recursive: true, force: true });
  const init = spawnSync(
    path.join(bin, 'initdb'),
    ['-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'],
    { ...asServer, encoding: 'utf8' },
  );
  if (init.status !== 0) {
    removeRoot();
    throw new Error(`initdb failed (${init.error?.message ?? init.status ?? init.signal}): ${init.stderr || init.stdout}`);
  }

  const launch = async (port: number): Promise<{ server?: Running; log: string }> => {
    const child = spawn(
      path.join(bin, 'postgres'),
      [
        '-D', dataDir,
        '-p', String(port),
        '-h', '127.0.0.1',
        '-k', socketDir,
        '-c', `fsync=${onOff}`,
        '-c', `synchronous_commit=${onOff}`,
        '-c', `full_page_writes=${onOff}`,
        '-c', 'max_connections=200',
        '-c', 'logging_collector=off',
      ],
      { ...asServer, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      // A binary that cannot be run emits only 'error'.
      child.once('error', (err) => {
        log += String(err);
        resolve();
      });
    });
    const ready = await waitReady(bin, socketDir, port, exited);
    if (ready) {
      // Keep draining the pipes so a chatty server never blocks on a full pipe.
      child.stdout!.resume();
      child.stderr!.resume();
      return { server: { child, exited }, log };
    }
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    return { log };
  };

  let running: Running | undefined;
  let port = 0;
  let lastLog = '';
  // A free port may be taken between our probe and the server's bind: try a few.
  for (let attempt = 0; attempt < 5 && !running; attempt++) {
    port = await freePort();
    const launched = await launch(port);
    lastLog = launched.log;
    running = launched.server;
    // Not a port clash: trying again would fail the same way.
    if (!running && !/could not bind|Address already in use/i.test(launched.log)) break;
  }
  if (!running) {
    removeRoot();
    throw new Error(`PostgreSQL did not start: ${lastLog.trim().split('\n').slice(-5).join('\n')}`);
  }
  // If the test process goes away without stop(), do not leave a server behind.
  const killOnExit = () => running?.child.kill('SIGKILL');
  process.once('exit', killOnExit);

  const stopRunning = async (mode: 'immediate' | 'fast') => {
    if (!running) return;
    const { child, exited } = running;
    running = undefined;
    spawnSync(path.join(bin, 'pg_ctl'), ['stop', '-D', dataDir, '-m', mode, '-w', '-t', '60'], {
      ...asServer,
      stdio: 'ignore',
    });
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };

  const url = `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`;
  let stopped = false;
  return {
    url,
    socketDir,
    port,
    async createDatabase() {
      const name = `t_${process.pid}_${++databaseCounter}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return `postgres://${SUPERUSER}@127.0.0.1:${port}/${name}`;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      await stopRunning('immediate');
      removeRoot();
    },
    // A clean shutdown (as on a restart of the service): with synchronous_commit=off an immediate
    // one would lose the last commits.
    stopServer: () => stopRunning('fast'),
    async startServer() {
      if (stopped) throw new Error('the server was removed by stop()');
      if (running) return;
      const launched = await launch(port);
      if (!launched.server) throw new Error(`PostgreSQL did not start again: ${launched.log.trim().split('\n').slice(-5).join('\n')}`);
      running = launched.server;
    },
  };
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Polls pg_isready until the server accepts connections; false if it exited or the deadline passed. */
async function waitReady(bin: string, socketDir: string, port: number, exited: Promise<void>): Promise<boolean> {
  let gone = false;
  void exited.then(() => (gone = true));
  const deadline = Date.now() + READY_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (gone) return false;
    const ok = await new Promise<boolean>((resolve) => {
      const p = spawn(path.join(bin, 'pg_isready'), ['-q', '-h', socketDir, '-p', String(port), '-U', SUPERUSER, '-t', '5'], {
        stdio: 'ignore',
      });
      p.once('error', () => resolve(false));
      p.once('exit', (code) => resolve(code === 0));
    });
    if (ok) return true;
    if (gone) return false;
    // Poll again on the next short interval or as soon as the server exits, whichever comes first.
    await Promise.race([new Promise((r) => setTimeout(r, 50)), exited]);
  }
  return false;
}
