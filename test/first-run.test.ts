import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killLeftovers, ROOT, runEntry, waitUntil } from './support/run-process';
import { freePort } from './support/free-port';

/**
 * The first run, as an operator meets it: `.env` in the working folder, and the usual mistakes
 * (a bad port, a port taken, a database path that cannot be written, a knowledge base folder that
 * is not there) each refused in one line that names the variable, with no stack trace, exit 1.
 */

const dirs: string[] = [];
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-first-run-'));
  dirs.push(d);
  return d;
};
afterEach(killLeftovers);
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

const KB = path.join(ROOT, 'kb');

/** npm start in a fresh working folder; KB_DIR is the sample knowledge base unless env says otherwise. */
const start = (env: Record<string, string>, cwd = tmp()) => runEntry('src/main.ts', { cwd, env: { KB_DIR: KB, HOST: '127.0.0.1', ...env } });

/** The process stopped with exit 1 and said exactly one thing on stderr: `line`, and no stack trace. */
async function expectRefusal(p: ReturnType<typeof start>, line: RegExp) {
  expect(await p.exited).toBe(1);
  const stderr = p.stderr().trim();
  expect(stderr.split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(line);
  expect(p.stdout() + p.stderr()).not.toMatch(/^\s+at /m);
}


describe('.env', () => {
  it('npm start reads .env from its working folder, and the environment wins over it', async () => {
    const cwd = tmp();
    const port = await freePort();
    fs.mkdirSync(path.join(cwd, 'articles'));
    fs.writeFileSync(path.join(cwd, 'articles', 'refunds.md'), '# Refunds\n\nWe refund within 30 days of purchase.\n');
    fs.writeFileSync(
      path.join(cwd, '.env'),
      [
        '# as copied from .env.example',
        `PORT=${port}`,
        'HOST=127.0.0.1',
        'KB_DIR=./articles',
        'DATABASE_PATH=./from-dotenv/handoff.db',
        'LOG_LEVEL=info',
        '',
      ].join('\n'),
    );
    // DATABASE_PATH is set in the environment too: that one is used.
    const p = runEntry('src/main.ts', { cwd, env: { DATABASE_PATH: './from-env/handoff.db' } });
    await waitUntil(() => /Handoff is listening/.test(p.stdout()) || p.stderr() !== '', 'the start');
    expect(p.stderr()).toBe('');
    expect(p.stdout()).toContain(`"address":"http://127.0.0.1:${port}"`);
    expect(p.stdout()).toMatch(/"dir":"\.\/articles","articles":1,/);
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
    expect(fs.existsSync(path.join(cwd, 'from-env', 'handoff.db'))).toBe(true);
    expect(fs.existsSync(path.join(cwd, 'from-dotenv'))).toBe(false);
  }, 40_000);

  it('npm run backup reads .env too, and leaves only the backup beside the database', async () => {
    const cwd = tmp();
    fs.mkdirSync(path.join(cwd, 'data'));
    const db = new BetterSqlite3(path.join(cwd, 'data', 'handoff.db'));
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE t (x TEXT); INSERT INTO t VALUES ('kept')");
    db.close();
    fs.writeFileSync(path.join(cwd, '.env'), 'DATABASE_PATH=./data/handoff.db\n');
    const p = runEntry('src/cli/backup.ts', { cwd });
    expect(await p.exited, p.stderr()).toBe(0);
    expect(p.stdout()).toMatch(/^Backed up \.\/data\/handoff\.db to .*integrity ok/);
    const backups = fs.readdirSync(path.join(cwd, 'data', 'backups'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^handoff-.*\.db$/);
    const copy = new BetterSqlite3(path.join(cwd, 'data', 'backups', backups[0]!), { readonly: true });
    expect(copy.prepare('SELECT x FROM t').get()).toEqual({ x: 'kept' });
    copy.close();
  });
});

describe('a start that cannot work is refused in one line naming the variable', () => {
  it('PORT=abc', async () => {
    const dir = tmp();
    await expectRefusal(start({ PORT: 'abc', DATABASE_PATH: path.join(dir, 'h.db') }, dir), /^Invalid environment variable PORT: must be a port number from 0 to 65535$/);
  });

  it('a port already in use, found before the database is touched', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as net.AddressInfo;
    try {
      const dir = tmp();
      await expectRefusal(start({ PORT: String(port), DATABASE_PATH: path.join(dir, 'data', 'h.db') }, dir), new RegExp(`^PORT: ${port} is already in use on 127\\.0\\.0\\.1`));
      expect(fs.existsSync(path.join(dir, 'data'))).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('a KB_DIR that does not exist', async () => {
    const dir = tmp();
    await expectRefusal(start({ PORT: '0', KB_DIR: './kb2', DATABASE_PATH: path.join(dir, 'h.db') }, dir), /^KB_DIR: \.\/kb2 does not exist \(looked for .*\/kb2\)/);
  });

  it('a DATABASE_PATH under a regular file', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'a-file'), 'not a folder');
    const file = path.join(dir, 'a-file', 'data', 'h.db');
    await expectRefusal(start({ PORT: '0', DATABASE_PATH: file }, dir), new RegExp(`^DATABASE_PATH: cannot create the folder ${dir}/a-file/data \\(.*ENOTDIR\\)$`));
  });

  it('a DATABASE_PATH where no folder can be created (/proc), which used to hang in mkdir', async () => {
    await expectRefusal(start({ PORT: '0', DATABASE_PATH: '/proc/handoff-test/h.db' }), /^DATABASE_PATH: cannot create the folder \/proc\/handoff-test \(/);
  });

  it('a DATABASE_PATH where no file can be created', async () => {
    await expectRefusal(start({ PORT: '0', DATABASE_PATH: '/proc/handoff-test.db' }), /^DATABASE_PATH: cannot open \/proc\/handoff-test\.db: the file cannot be created or opened there/);
  });

  it('a DATABASE_PATH that is not a database', async () => {
    const dir = tmp();
    const file = path.join(dir, 'h.db');
    fs.writeFileSync(file, 'this is not a database, just text that SQLite will refuse to open as one........');
    await expectRefusal(start({ PORT: '0', DATABASE_PATH: file }, dir), /^DATABASE_PATH: cannot open .*h\.db: it is not a SQLite database/);
  });
});

describe('an empty knowledge base', () => {
  it('starts, and says once that the AI has nothing to answer from', async () => {
    const dir = tmp();
    fs.mkdirSync(path.join(dir, 'kb'));
    const p = start({ PORT: '0', KB_DIR: './kb', DATABASE_PATH: path.join(dir, 'h.db') }, dir);
    await waitUntil(() => /Handoff is listening/.test(p.stdout()) || p.stderr() !== '', 'the start');
    expect(p.stdout().match(/The knowledge base is empty/g)).toHaveLength(1);
    p.kill('SIGTERM');
    expect(await p.exited).toBe(0);
  }, 30_000);
});
