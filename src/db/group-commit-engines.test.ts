import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from './database';
import { GroupCommit } from './group-commit';
import { anotherConnection, openTestDatabase, raw, rows } from '../../test/support/test-engine';

// What the group commit promises on either engine (group-commit.test.ts covers SQLite's deferred fsync).
const commits: GroupCommit[] = [];
afterEach(async () => {
  for (const c of commits.splice(0)) {
    await c.drain();
    c.close();
  }
});

function setup(): { db: Database; other: Database; commit: GroupCommit } {
  const db = openTestDatabase();
  db.run(raw(db, sql`CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT NOT NULL)`));
  const commit = new GroupCommit(db);
  commits.push(commit);
  // A second connection sees only what was committed.
  return { db, other: anotherConnection(db), commit };
}

const insert = (db: Database, k: string) => () => db.run(raw(db, sql`INSERT INTO t (k, v) VALUES (${k}, 'x')`)).changes;
const keys = (db: Database) => rows<{ k: string }>(db, sql`SELECT k FROM t ORDER BY k`).map((r) => r.k);

describe('GroupCommit on either engine', () => {
  it('commits the writes of one tick together, and resolves each after the commit', async () => {
    const { db, other, commit } = setup();
    const seenAtCommit: number[] = [];
    const seenAtResolve: number[] = [];
    const all = Array.from({ length: 20 }, (_, i) =>
      commit.run(insert(db, `k${String(i).padStart(2, '0')}`), () => seenAtCommit.push(keys(other).length)).then((changes) => {
        seenAtResolve.push(keys(other).length);
        return changes;
      }),
    );
    expect(keys(other)).toEqual([]); // nothing runs before the tick ends
    expect(await Promise.all(all)).toEqual(Array(20).fill(1));
    // One transaction: the first write's commit callback already sees all twenty.
    expect(seenAtCommit).toEqual(Array(20).fill(20));
    expect(seenAtResolve).toEqual(Array(20).fill(20));
  });

  it('rolls back a write that throws on its own; the rest of the batch commits', async () => {
    const { db, other, commit } = setup();
    const a = commit.run(insert(db, 'a'));
    const dup = commit.run(() => {
      insert(db, 'b')();
      insert(db, 'a')(); // primary key violation: b must go too
    });
    const c = commit.run(insert(db, 'c'));
    await expect(a).resolves.toBe(1);
    await expect(dup).rejects.toThrow(/UNIQUE|duplicate key/);
    await expect(c).resolves.toBe(1);
    expect(keys(other)).toEqual(['a', 'c']);
    // The connection is usable afterwards (no transaction left open or aborted).
    expect(db.inTransaction()).toBe(false);
    await expect(commit.run(insert(db, 'd'))).resolves.toBe(1);
  });

  it('announces a write committed outside the group during a batch only after that batch has settled', async () => {
    const { db, commit } = setup();
    const order: string[] = [];
    const grouped = commit.run(insert(db, 'grouped'), () => {
      // While the batch's commit callbacks run, something else commits on its own and waits for the group.
      db.tx(insert(db, 'alone'));
      commit.whenSynced(() => order.push('alone announced'));
    });
    void grouped.then(() => order.push('grouped resolved'));
    await commit.drain();
    await grouped;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['grouped resolved', 'alone announced']);
  });

  it('drain waits for everything queued; a later tick is a new batch', async () => {
    const { db, other, commit } = setup();
    void commit.run(insert(db, 'a'));
    void commit.run(insert(db, 'b'));
    await commit.drain();
    expect(keys(other)).toEqual(['a', 'b']);
    const seen: number[] = [];
    await commit.run(insert(db, 'c'), () => seen.push(keys(other).length));
    expect(seen).toEqual([3]);
  });
});
