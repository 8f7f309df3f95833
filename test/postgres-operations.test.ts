import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { startPostgres, type PostgresServer } from './support/postgres-server';
import { killLeftovers, runEntry } from './support/run-process';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack } from './support/slack-stack';
import { WidgetClient } from './support/widget-client';

/**
 * Running on PostgreSQL as an operator meets it: a wrong DATABASE_URL at start, the database going
 * away while customers write, and the backup command (pg_dump).
 */
let server: PostgresServer;
beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const apps: TestApp[] = [];
afterEach(async () => {
  killLeftovers();
  for (const t of apps.splice(0)) {
    await t.stop();
    removeDir(t.dir);
  }
});

async function startOn(url: string): Promise<TestApp> {
  const t = await startTestApp({ DATABASE_URL: url });
  apps.push(t);
  return t;
}

async function until(check: () => Promise<boolean> | boolean, what: string, deadlineMs = 20_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('DATABASE_URL at start', () => {
  const start = async (url: string) => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-pg-start-'));
    try {
      const p = runEntry('src/main.ts', { cwd, env: { PORT: '0', KB_DIR: path.resolve('kb'), DATABASE_URL: url } });
      const code = await p.exited;
      return { code, stderr: p.stderr().trim() };
    } finally {
      removeDir(cwd);
    }
  };

  it('a refused address: one line naming DATABASE_URL (password hidden), exit 1', async () => {
    const { code, stderr } = await start(`postgres://app:s3cret@127.0.0.1:1/handoff`);
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^DATABASE_URL: .*postgres:\/\/app:\*\*\*@127\.0\.0\.1:1\/handoff.*refused/);
    expect(stderr).not.toContain('s3cret');
  });

  it('a database that does not exist: one line saying so, exit 1', async () => {
    const { code, stderr } = await start(server.url.replace(/\/postgres$/, '/no_such_db'));
    expect(code).toBe(1);
    expect(stderr.split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^DATABASE_URL: .*database "no_such_db" does not exist/);
  });

  it('not a PostgreSQL URL: refused by the configuration check, exit 1', async () => {
    const { code, stderr } = await start('mysql://x@localhost/db');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^Invalid environment variable DATABASE_URL: must be postgres:\/\//);
  });
});

describe('the database goes away while running', () => {
  it('the widget is told "unavailable" (nothing acked that is not stored), and the app recovers without a restart', async () => {
    const t = await startOn(await server.createDatabase());
    const w = await WidgetClient.connect(t.url);
    const welcome = await w.hello();
    w.send({ type: 'message', clientId: 'before', text: 'hello before the outage' });
    await w.next('ack', (a) => a.clientId === 'before');

    await server.stopServer();
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(503);
    w.send({ type: 'message', clientId: 'during', text: 'sent while the database is down' });
    const refused = await w.next('error', (e) => e.clientId === 'during', 20_000);
    expect(refused.code).toBe('unavailable');

    await server.startServer();
    await until(async () => (await fetch(`${t.url}/healthz`)).status === 200, '/healthz to answer 200 again');
    // The widget sends it again (same clientId): stored once, acked.
    w.send({ type: 'message', clientId: 'during', text: 'sent while the database is down' });
    const ack = await w.next('ack', (a) => a.clientId === 'during', 20_000);
    w.send({ type: 'message', clientId: 'during', text: 'sent while the database is down' });
    const again = await w.next('ack', (a) => a.clientId === 'during', 20_000);
    expect(again.id).toBe(ack.id);
    w.close();

    // What is stored: each message once, seqs without gaps.
    const client = new pg.Client({ connectionString: t.app.config.databaseUrl });
    await client.connect();
    const rows = (
      await client.query<{ seq: number; text: string }>(
        `SELECT m.seq, m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id
          WHERE c.id = $1 AND m.role = 'customer' ORDER BY m.seq`,
        [welcome.conversationId],
      )
    ).rows;
    await client.end();
    expect(rows.map((r) => r.text)).toEqual(['hello before the outage', 'sent while the database is down']);
  }, 90_000);
});

describe('a socket folder as ?host=/dir', () => {
  it('the app, its peer channel and the backup all reach PostgreSQL through the unix socket', async () => {
    const name = new URL(await server.createDatabase()).pathname.slice(1);
    const url = `postgres://postgres@localhost:${server.port}/${name}?host=${server.socketDir}`;
    const t = await startOn(url); // start() waits for the LISTEN connection: the socket URL works for it too
    const w = await WidgetClient.connect(t.url);
    await w.hello();
    w.send({ type: 'message', clientId: 's1', text: 'over the socket' });
    await w.next('ack', (a) => a.clientId === 's1');
    w.close();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const over = (await client.query<{ tcp: string | null }>('SELECT inet_server_addr()::text AS tcp')).rows[0]!.tcp;
    const n = Number((await client.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE text = 'over the socket'")).rows[0]!.n);
    await client.end();
    expect(over).toBeNull(); // a unix-socket session has no server address
    expect(n).toBe(1);
    const file = path.join(t.dir, 'socket.dump');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', file], { env: { PATH: process.env.PATH ?? '', DATABASE_URL: url } });
    expect(fs.statSync(file).size).toBeGreaterThan(0);
  }, 60_000);
});

describe('an outage with Slack and the scheduled jobs running', () => {
  it('leaves no unhandled error behind (vitest fails the run on one), and handoffs reach Slack again after it', async () => {
    const stack = await startSlackStack({ DATABASE_URL: await server.createDatabase() }, { app: { jobs: true } });
    try {
      const w = await stack.widget();
      const welcome = await w.hello();
      w.send({ type: 'message', clientId: 'h1', text: 'I want to talk to a person' });
      const card = await stack.card(welcome.conversationId, 20_000);

      await server.stopServer();
      // Every background path meets the outage: each job, the mailer's rounds, the outbox's and the
      // inbox's timers, a Slack event (refused, so Slack sends it again), the widget.
      for (const job of ['offline-email', 'nudges', 'maintenance', 'presence']) await stack.t.app.jobs.run(job);
      const during = await stack.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'typed during the outage');
      expect(during.response.status).toBeGreaterThanOrEqual(500);
      w.send({ type: 'message', clientId: 'h2', text: 'still there?' });
      expect((await w.next('error', (e) => e.clientId === 'h2', 20_000)).code).toBe('unavailable');
      // Past the mailer's and the outbox's next rounds (1 s and 5 s).
      await new Promise((r) => setTimeout(r, 6_000));

      await server.startServer();
      await until(async () => (await fetch(`${stack.t.url}/healthz`)).status === 200, '/healthz to answer 200 again');
      const again = await stack.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'typed after the outage');
      expect(again.response.status).toBe(200);
      const w2 = await stack.widget();
      const welcome2 = await w2.hello();
      w2.send({ type: 'message', clientId: 'n1', text: 'I want to talk to a person' });
      await stack.card(welcome2.conversationId, 20_000);
    } finally {
      await stack.close();
    }
  }, 120_000);
});

describe('npm run backup on PostgreSQL', () => {
  it('dumps the live database with pg_dump; pg_restore brings it back', async () => {
    const url = await server.createDatabase();
    const t = await startOn(url);
    const w = await WidgetClient.connect(t.url);
    await w.hello();
    for (let i = 0; i < 20; i++) w.send({ type: 'message', clientId: `b${i}`, text: `kept ${i}` });
    for (let i = 0; i < 20; i++) await w.next('ack');
    w.close();

    const file = path.join(t.dir, 'backups', 'handoff.dump');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', file], {
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: url },
    });
    expect(stdout).toMatch(/with pg_dump/);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['handoff.dump']);

    const restored = await server.createDatabase();
    await promisify(execFile)('pg_restore', ['--no-owner', '--dbname', restored, file]);
    const client = new pg.Client({ connectionString: restored });
    await client.connect();
    const n = (await client.query<{ n: string }>("SELECT count(*) AS n FROM messages WHERE role = 'customer' AND text LIKE 'kept %'")).rows[0]!.n;
    await client.end();
    expect(Number(n)).toBe(20);
  }, 60_000);
});
