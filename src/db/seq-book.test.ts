import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../core/events';
import { MessageLog } from '../core/message-log';
import { systemClock } from '../core/ports';
import { newConversation } from '../core/types';
import { createConversationRepository } from './conversation-repository';
import { openDatabase, type SqliteDatabase } from './database';
import { GroupCommit } from './group-commit';
import { createMessageRepository } from './message-repository';
import { migrate } from './migrator';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-seq-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'h.db');
}

describe('TxHooks (SQLite transactions)', () => {
  function setup(): SqliteDatabase {
    const db = openDatabase(tempFile());
    cleanups.push(() => db.close());
    db.sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
    return db;
  }
  const rows = (db: SqliteDatabase) => (db.sqlite.prepare('SELECT k FROM t ORDER BY k').all() as { k: string }[]).map((r) => r.k);

  it('a savepoint that rolls back undoes only its own work; the outer commit runs before- and after-commit callbacks in order', () => {
    const db = setup();
    const hooks = db.txHooks!;
    const log: string[] = [];
    db.tx(() => {
      hooks.onRollback(() => log.push('undo outer'));
      hooks.beforeCommit(() => {
        log.push(`before commit, in it: ${db.inTransaction()}`);
        db.sqlite.prepare("INSERT INTO t VALUES ('flushed')").run();
      });
      hooks.afterCommit(() => log.push(`after commit, in it: ${db.inTransaction()}`));
      expect(() =>
        db.tx(() => {
          hooks.onRollback(() => log.push('undo inner 1'));
          hooks.onRollback(() => log.push('undo inner 2'));
          throw new Error('inner fails');
        }),
      ).toThrow('inner fails');
      db.tx(() => hooks.onRollback(() => log.push('undo committed savepoint')));
    });
    expect(log).toEqual(['undo inner 2', 'undo inner 1', 'before commit, in it: true', 'after commit, in it: false']);
    expect(rows(db)).toEqual(['flushed']);
  });

  it('a throw before commit rolls everything back and runs every undo (savepoints released into it too), newest first; no after-commit', () => {
    const db = setup();
    const hooks = db.txHooks!;
    const log: string[] = [];
    expect(() =>
      db.tx(() => {
        db.sqlite.prepare("INSERT INTO t VALUES ('a')").run();
        hooks.onRollback(() => log.push('undo a'));
        db.tx(() => hooks.onRollback(() => log.push('undo b (released savepoint)')));
        hooks.beforeCommit(() => {
          throw new Error('flush fails');
        });
        hooks.afterCommit(() => log.push('after commit'));
      }),
    ).toThrow('flush fails');
    expect(log).toEqual(['undo b (released savepoint)', 'undo a']);
    expect(rows(db)).toEqual([]);
    expect(hooks.tracked()).toBe(false);
  });

  it('Database.afterCommit: at once outside a transaction, after the outermost commit inside one, never after a rollback', () => {
    const db = setup();
    const log: string[] = [];
    db.afterCommit(() => log.push('none open'));
    db.tx(() => {
      db.tx(() => db.afterCommit(() => log.push('committed')));
      expect(log).toEqual(['none open']);
    });
    expect(() =>
      db.tx(() => {
        db.afterCommit(() => log.push('rolled back'));
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect(log).toEqual(['none open', 'committed']);
  });

  it('a transaction begun by hand is not tracked: what is kept in memory is not trusted inside it', () => {
    const db = setup();
    db.sqlite.exec('BEGIN');
    db.tx(() => expect(db.txHooks!.tracked()).toBe(false));
    db.sqlite.exec('COMMIT');
    db.tx(() => expect(db.txHooks!.tracked()).toBe(true));
  });
});

describe('SeqBook: a conversation seq kept in memory, its row written once per batch', () => {
  function setup() {
    const file = tempFile();
    const db = openDatabase(file);
    migrate(db);
    // Counts the writes to conversations.last_seq (a trigger: what the database really did).
    db.sqlite.exec(`CREATE TABLE seq_writes (id TEXT NOT NULL);
      CREATE TRIGGER count_seq_writes AFTER UPDATE OF last_seq ON conversations BEGIN INSERT INTO seq_writes VALUES (new.id); END;`);
    const now = new Date().toISOString();
    const conversations = createConversationRepository(db);
    const ids = ['c_a', 'c_b', 'c_c'];
    for (const id of ids) {
      db.sqlite.prepare('INSERT INTO visitors (id, created_at, last_seen_at) VALUES (?, ?, ?)').run(`v${id}`, now, now);
      conversations.insert(newConversation(id, `v${id}`, now));
    }
    const commit = new GroupCommit(db);
    const log = new MessageLog(db, conversations, createMessageRepository(db), systemClock, new EventBus(() => {}), commit);
    const other = new BetterSqlite3(file);
    other.pragma('busy_timeout = 5000');
    cleanups.push(() => db.close());
    cleanups.push(() => commit.close());
    cleanups.push(() => other.close());
    const seqs = (id: string) => (other.prepare('SELECT seq FROM messages WHERE conversation_id = ? ORDER BY seq').all(id) as { seq: number }[]).map((r) => r.seq);
    const lastSeq = (id: string) => (other.prepare('SELECT last_seq AS n FROM conversations WHERE id = ?').get(id) as { n: number }).n;
    const seqWrites = () => (other.prepare('SELECT count(*) AS n FROM seq_writes').get() as { n: number }).n;
    return { db, log, conversations, commit, other, ids, seqs, lastSeq, seqWrites };
  }
  const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

  it('30 messages over 3 conversations in one batch: contiguous seqs, and each row written once', async () => {
    const { log, ids, seqs, lastSeq, seqWrites, conversations } = setup();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => log.appendDurably(ids[i % 3]!, { role: 'customer', text: `m${i}`, clientId: `k${i}` })));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    for (const id of ids) {
      expect(seqs(id)).toEqual(range(10));
      expect(lastSeq(id)).toBe(10);
      // The cached row took the new seq without a read (and a read would agree).
      expect(conversations.get(id)!.lastSeq).toBe(10);
    }
    expect(seqWrites()).toBe(3);
  });

  it('a message refused in the middle of a batch (its file is gone) leaves no gap; a resend takes no seq', async () => {
    const { log, ids, seqs, lastSeq } = setup();
    const c = ids[0]!;
    const sends = [
      log.appendDurably(c, { role: 'customer', text: 'one', clientId: 'k1' }),
      log.appendDurably(c, { role: 'customer', text: 'with a file', clientId: 'k2', files: [{ id: 'f_gone12345678', name: 'a.png', mime: 'image/png', size: 1 }] }),
      log.appendDurably(c, { role: 'customer', text: 'two', clientId: 'k3' }),
      log.appendDurably(c, { role: 'customer', text: 'one again', clientId: 'k1' }),
    ];
    const settled = await Promise.allSettled(sends);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((settled[3] as PromiseFulfilledResult<{ duplicate: boolean }>).value.duplicate).toBe(true);
    expect(seqs(c)).toEqual([1, 2]);
    expect(lastSeq(c)).toBe(2);
    const next = await log.appendDurably(c, { role: 'ai', text: 'three' });
    expect(next.message.seq).toBe(3);
  });

  it('a transaction that rolls back as a whole forgets its seqs: the next message takes the same seq', async () => {
    const { db, log, ids, seqs } = setup();
    const c = ids[1]!;
    expect(() =>
      db.tx(() => {
        log.append(c, { role: 'system', text: 'rolled back' });
        throw new Error('abort');
      }),
    ).toThrow('abort');
    expect((await log.appendDurably(c, { role: 'ai', text: 'kept' })).message.seq).toBe(1);
    expect(seqs(c)).toEqual([1]);
  });

  it('another writer moving the conversation is noticed: nothing is lost and seqs stay contiguous', async () => {
    const { log, ids, other, seqs, lastSeq } = setup();
    const c = ids[2]!;
    await log.appendDurably(c, { role: 'customer', text: 'one', clientId: 'k1' });
    // Another process writes seq 2 and moves the row (as the app would have).
    const now = new Date().toISOString();
    other.prepare("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) VALUES ('m_other', ?, 2, 'system', 'from elsewhere', ?)").run(c, now);
    other.prepare('UPDATE conversations SET last_seq = 2 WHERE id = ?').run(c);
    const r = await log.appendDurably(c, { role: 'customer', text: 'three', clientId: 'k3' });
    expect(r.message.seq).toBe(3);
    // Only the row moved (say, by a repair): memory would write it back to 4. The guarded write
    // notices, the batch runs again and the message takes the seq after the row's.
    other.prepare('UPDATE conversations SET last_seq = 5 WHERE id = ?').run(c);
    const s = await log.appendDurably(c, { role: 'customer', text: 'six', clientId: 'k6' });
    expect(s.message.seq).toBe(6);
    expect(seqs(c)).toEqual([1, 2, 3, 6]);
    expect(lastSeq(c)).toBe(6);
  });

  it('two conversations moved by another writer, then one batch for both: every message is stored, none refused', async () => {
    const { log, ids, other, seqs } = setup();
    const [a, b] = [ids[0]!, ids[1]!];
    await Promise.all([log.appendDurably(a, { role: 'ai', text: 'a1' }), log.appendDurably(b, { role: 'ai', text: 'b1' })]);
    const now = new Date().toISOString();
    for (const c of [a, b]) {
      other.prepare("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) VALUES (?, ?, 2, 'system', 'elsewhere', ?)").run(`m_o${c}`, c, now);
      other.prepare('UPDATE conversations SET last_seq = 2 WHERE id = ?').run(c);
    }
    const settled = await Promise.allSettled([
      log.appendDurably(a, { role: 'customer', text: 'a3', clientId: 'ka3' }),
      log.appendDurably(b, { role: 'customer', text: 'b3', clientId: 'kb3' }),
      log.appendDurably(a, { role: 'customer', text: 'a4', clientId: 'ka4' }),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(seqs(a)).toEqual([1, 2, 3, 4]);
    expect(seqs(b)).toEqual([1, 2, 3]);
  });
});
