import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase as Database } from './database';
import { GroupCommit } from './group-commit';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function setup(): { db: Database; other: BetterSqlite3.Database; commit: GroupCommit; file: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-gc-'));
  const file = path.join(dir, 'gc.db');
  const db = openDatabase(file);
  db.sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
  // A second connection sees only what was committed; its data_version counts others' commits.
  const other = new BetterSqlite3(file);
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  cleanups.push(() => db.close());
  cleanups.push(() => other.close());
  const commit = new GroupCommit(db);
  cleanups.push(() => commit.close());
  return { db, other, commit, file };
}

const insert = (db: Database, k: string, v = 'x') => () => db.sqlite.prepare('INSERT INTO t VALUES (?, ?)').run(k, v).changes;
const count = (c: BetterSqlite3.Database) => (c.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n;
const walSize = (file: string) => (fs.existsSync(`${file}-wal`) ? fs.statSync(`${file}-wal`).size : 0);
const version = (c: BetterSqlite3.Database) => c.pragma('data_version', { simple: true }) as number;

describe('GroupCommit', () => {
  it('a batch queued when the database closes is refused, not thrown from the event loop', async () => {
    const { db, commit } = setup();
    const written = commit.run(insert(db, 'late'));
    db.close();
    await expect(written).rejects.toThrow('the database is closed');
  });

  it('close() while an fsync is running waits for it: the write still resolves, no EBADF', async () => {
    const { db, commit, other } = setup();
    // Keep libuv's four pool threads busy so the fsync is still waiting for one when close() runs.
    const busy = Array.from({ length: 4 }, () => new Promise((r) => crypto.pbkdf2('p', 's', 300_000, 32, 'sha256', r)));
    const written = commit.run(insert(db, 'closing'));
    // One turn later the batch is committed and its fsync is queued on the thread pool.
    await new Promise((r) => setImmediate(r));
    commit.close();
    await Promise.all(busy);
    await expect(written).resolves.toBe(1);
    expect(count(other)).toBe(1);
  });

  it('runs a batch in lock order (unkeyed writes first, then by conversation id, queue order within one), settling in queue order', async () => {
    const { commit } = setup();
    const ran: string[] = [];
    const settled: string[] = [];
    const write = (name: string, key?: string) =>
      commit.run(() => (ran.push(name), name), undefined, key).then((v) => void settled.push(v));
    await Promise.all([write('c1', 'conv_c'), write('a1', 'conv_a'), write('free1'), write('c2', 'conv_c'), write('b1', 'conv_b'), write('free2'), write('a2', 'conv_a')]);
    // Two instances whose batches touch conv_a and conv_c lock them in the same order: no deadlock.
    expect(ran).toEqual(['free1', 'free2', 'a1', 'a2', 'b1', 'c1', 'c2']);
    expect(settled).toEqual(['c1', 'a1', 'free1', 'c2', 'b1', 'free2', 'a2']);
  });

  it('commits everything queued in one tick in one transaction, and resolves each with its result after the commit', async () => {
    const { db, other, commit, file } = setup();
    const walBefore = walSize(file);
    const seenAtResolve: number[] = [];
    const all = Array.from({ length: 100 }, (_, i) =>
      commit.run(insert(db, `k${i}`)).then((changes) => {
        seenAtResolve.push(count(other));
        return changes;
      }),
    );
    expect(count(other)).toBe(0); // nothing runs before the tick ends
    expect(await Promise.all(all)).toEqual(Array(100).fill(1));
    // One commit appends the two changed pages (table, primary key index) to the WAL once; a
    // commit per insert would append them 100 times (≥ 200 pages).
    const pageSize = db.sqlite.pragma('page_size', { simple: true }) as number;
    expect(walSize(file) - walBefore).toBeLessThanOrEqual(4 * (pageSize + 24));
    expect(seenAtResolve.every((n) => n === 100)).toBe(true); // resolved = already visible to others
  });

  // A write that throws rolls back alone: group-commit-engines.test.ts (both engines).

  it('when the disk is full, every resolved write is stored and no rejected one is', async () => {
    const { db, other, commit } = setup();
    const pages = db.sqlite.pragma('page_count', { simple: true }) as number;
    db.sqlite.pragma(`max_page_count = ${pages + 2}`);
    const big = 'x'.repeat(3000);
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => commit.run(insert(db, `k${i}`, big))));
    const stored = new Set((other.prepare('SELECT k FROM t').all() as { k: string }[]).map((r) => r.k));
    results.forEach((r, i) => expect(stored.has(`k${i}`)).toBe(r.status === 'fulfilled'));
    expect(results.some((r) => r.status === 'rejected')).toBe(true);
    for (const r of results) if (r.status === 'rejected') expect(String(r.reason)).toMatch(/full/i);
    // The database is usable again once there is room.
    db.sqlite.pragma('max_page_count = 1073741823');
    await expect(commit.run(insert(db, 'after'))).resolves.toBe(1);
  });

  it('drain waits for everything queued', async () => {
    const { db, other, commit } = setup();
    void commit.run(insert(db, 'a'));
    void commit.run(insert(db, 'b'));
    await commit.drain();
    expect(count(other)).toBe(2);
  });

  it('a later tick starts a new batch', async () => {
    const { db, other, commit } = setup();
    const v0 = version(other);
    await commit.run(insert(db, 'a'));
    const v1 = version(other);
    await commit.run(insert(db, 'b'));
    expect(v1).not.toBe(v0);
    expect(version(other)).not.toBe(v1);
  });

  it('leaves the connection at synchronous=FULL outside its batches, so other transactions stay durable at commit', async () => {
    const { db, commit } = setup();
    const syncs: number[] = [];
    await commit.run(() => {
      syncs.push(db.sqlite.pragma('synchronous', { simple: true }) as number);
      return insert(db, 'a')();
    });
    expect(syncs).toEqual([1]); // NORMAL while the batch runs (its fsync follows off the loop)…
    expect(db.sqlite.pragma('synchronous', { simple: true })).toBe(2); // …FULL again afterwards
  });

  it('works without a log file to sync (an in-memory database)', async () => {
    const db = openDatabase(':memory:');
    cleanups.push(() => db.close());
    db.sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)');
    const commit = new GroupCommit(db);
    await expect(Promise.all([commit.run(insert(db, 'a')), commit.run(insert(db, 'b'))])).resolves.toEqual([1, 1]);
    await commit.drain();
    expect((db.sqlite.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(2);
  });
});
