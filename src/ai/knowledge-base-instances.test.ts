import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../db/database';
import { migrate } from '../db/migrator';
import { openStore } from '../db/open-store';
import { openPostgresDatabase } from '../db/postgres/sync-database';
import { startPostgres, type PostgresServer } from '../../test/support/postgres-server';
import { indexKnowledgeBase, listArticles } from './knowledge-base';
import { KB_INDEX_LOCK_KEY } from './knowledge-base-postgres';

/**
 * Instances of the app that start together on one database all index the knowledge base at once:
 * here each is its own process with its own connection, as in a deployment.
 */

const KB_DIR = fileURLToPath(new URL('../../kb', import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const moduleUrl = (rel: string) => JSON.stringify(pathToFileURL(fileURLToPath(new URL(rel, import.meta.url))).href);

let tmp: string;
let small: string;
let server: PostgresServer;
let script: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-kb-instances-'));
  small = fs.mkdtempSync(path.join(tmp, 'small-'));
  for (const f of fs.readdirSync(KB_DIR).filter((f) => f.endsWith('.md')).slice(0, 2)) {
    fs.copyFileSync(path.join(KB_DIR, f), path.join(small, f));
  }
  // A file, not `node -e`: worker threads inherit execArgv, and `-e` would stop PostgreSQL's worker.
  script = path.join(tmp, 'instance.mts');
  fs.writeFileSync(
    script,
    `import { openDatabase } from ${moduleUrl('../db/database.ts')};
     import { openPostgresDatabase } from ${moduleUrl('../db/postgres/sync-database.ts')};
     import { indexKnowledgeBase } from ${moduleUrl('./knowledge-base.ts')};
     const { DATABASE, KB_DIRS } = process.env;
     const db = DATABASE.startsWith('postgres://') ? openPostgresDatabase(DATABASE) : openDatabase(DATABASE);
     try { for (const dir of KB_DIRS.split('\\n')) indexKnowledgeBase(db, dir); } finally { db.close(); }`,
  );
  server = await startPostgres();
}, 60_000);

afterAll(async () => {
  await server?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Another instance starting: indexes each of dirs in turn, then exits. */
function instance(database: string, dirs: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, ['--import', TSX, script], {
    env: { PATH: process.env.PATH ?? '', DATABASE: database, KB_DIRS: dirs.join('\n') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

/** What indexing dir alone gives: its article ids and passage count. */
function indexOf(dir: string): { articles: string[]; passages: number } {
  const scratch = openDatabase(':memory:');
  try {
    migrate(scratch);
    const { passages } = indexKnowledgeBase(scratch, dir);
    return { articles: listArticles(scratch).map((a) => a.id).sort(), passages };
  } finally {
    scratch.close();
  }
}

/** What the database's index holds now. */
function stored(db: Database): { articles: string[]; passages: number } {
  const passages = db.first(db.q.selectFrom('kb_passages').select((eb) => eb.fn.countAll().as('n')))?.n;
  return { articles: listArticles(db).map((a) => a.id).sort(), passages: Number(passages) };
}

describe('several instances indexing at once', () => {
  it('on PostgreSQL, run one after the other: the index ends as one of them wrote it, each passage once', async () => {
    const url = await server.createDatabase();
    (await openStore({ databasePath: '', databaseUrl: url })).db.close();

    // Holding the indexing lock, so that both processes are at its door before either goes in.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    let instances: Promise<{ code: number | null; stderr: string }>[];
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1::bigint)', [KB_INDEX_LOCK_KEY]);
      instances = [instance(url, [KB_DIR]), instance(url, [small])];
      const waiting = async () =>
        (
          await holder.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
              WHERE l.locktype = 'advisory' AND NOT l.granted AND d.datname = current_database()`,
          )
        ).rows[0]!.n;
      const deadline = Date.now() + 30_000;
      while ((await waiting()) < 2) {
        if (Date.now() > deadline) throw new Error('the two indexing processes never waited for the lock');
        await new Promise((r) => setTimeout(r, 50));
      }
      await holder.query('COMMIT');
    } finally {
      await holder.end();
    }
    for (const { code, stderr } of await Promise.all(instances)) expect(code, stderr).toBe(0);

    const db = openPostgresDatabase(url);
    try {
      expect([indexOf(KB_DIR), indexOf(small)]).toContainEqual(stored(db));
    } finally {
      db.close();
    }
  }, 60_000);

  // Without the write lock taken first, a process whose read snapshot another one overtook fails
  // with SQLITE_BUSY or SQLITE_BUSY_SNAPSHOT (every run here; it depends on timing, so it may not).
  it('on one SQLite file, never fail each other and leave one copy', async () => {
    const file = path.join(tmp, 'handoff.db');
    const { db } = await openStore({ databasePath: file });
    try {
      const turns = Array.from({ length: 10 }, (_, i) => (i % 2 ? small : KB_DIR));
      const results = await Promise.all([instance(file, turns), instance(file, [...turns].reverse()), instance(file, turns)]);
      for (const { code, stderr } of results) expect(code, stderr).toBe(0);
      expect([indexOf(KB_DIR), indexOf(small)]).toContainEqual(stored(db));
    } finally {
      db.close();
    }
  }, 60_000);
});
