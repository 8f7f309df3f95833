/**
 * 5. The MessageLog insert path (group commit) vs a raw better-sqlite3 loop doing the same work the
 * way a lean hand-written store would: the app's schema (its migrations, the same database file and
 * conversations), one INSERT per message into `messages` with its idempotency key (ON CONFLICT DO
 * NOTHING on the unique key) and the conversation's next seq kept in memory, each conversation's
 * row updated once per batch, one transaction per tick committed with synchronous=NORMAL and the WAL
 * then fsync'd on the thread pool (one fsync at a time, covering every batch committed before it)
 * — durable at ack like ours, not one fsync per row. Both sides warmed up, runs alternating.
 */
import fs from 'node:fs';
import { sqliteOf } from '../test/support/test-engine';
import { MessageLog } from '../src/core/message-log';
import { EventBus } from '../src/core/events';
import { newId } from '../src/core/ids';
import { systemClock } from '../src/core/ports';
import { createConversationRepository } from '../src/db/conversation-repository';
import { createMessageRepository } from '../src/db/message-repository';
import { GroupCommit } from '../src/db/group-commit';
import { removeDir, startTestApp } from '../test/support/app-harness';
import { median, RUNS, sleep, type Row } from './lib';

const CONCURRENCY = 200;
const WINDOW_MS = 1000;
const WARMUP_MS = 500;

type Sqlite = ReturnType<typeof sqliteOf>;

/** The raw store: batches per tick, commits, fsyncs the WAL apart; `append` resolves once its batch is on disk. */
export function rawStore(sqlite: Sqlite, walPath: string) {
  // The message id as the schema has it: the app's text ids, or none if it became an integer rowid key.
  const idColumn = (sqlite.prepare('PRAGMA table_info(messages)').all() as { name: string; type: string; pk: number }[]).find((c) => c.name === 'id');
  const textId = !(idColumn?.pk && /^INTEGER$/i.test(idColumn.type));
  const insert = sqlite.prepare(
    `INSERT INTO messages (${textId ? 'id, ' : ''}conversation_id, seq, role, text, client_id, created_at) VALUES (${textId ? '?, ' : ''}?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING`,
  );
  const bump = sqlite.prepare('UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?');
  const lastSeq = sqlite.prepare('SELECT id, last_seq FROM conversations');
  const seqs = new Map<string, number>();
  let queue: { conv: string; text: string; clientId: string; done: () => void }[] = [];
  let scheduled = false;
  let unsynced: (() => void)[] = [];
  let syncing = false;
  let fd: number | null = null;
  const commit = sqlite.transaction((batch: typeof queue, now: string) => {
    const touched = new Set<string>();
    for (const m of batch) {
      const seq = (seqs.get(m.conv) ?? 0) + 1;
      const args = [m.conv, seq, 'customer', m.text, m.clientId, now];
      if (insert.run(...(textId ? [newId('m'), ...args] : args)).changes) {
        seqs.set(m.conv, seq);
        touched.add(m.conv);
      }
    }
    for (const c of touched) bump.run(seqs.get(c), now, c);
  });
  const syncLog = () => {
    if (syncing || !unsynced.length) return;
    const covered = unsynced;
    unsynced = [];
    syncing = true;
    fd ??= fs.openSync(walPath, 'r');
    fs.fsync(fd, (err) => {
      if (err) throw err;
      syncing = false;
      for (const done of covered) done();
      syncLog();
    });
  };
  const flush = () => {
    scheduled = false;
    const batch = queue;
    queue = [];
    sqlite.pragma('synchronous = NORMAL');
    try {
      commit(batch, new Date().toISOString());
    } finally {
      sqlite.pragma('synchronous = FULL');
    }
    for (const m of batch) unsynced.push(m.done);
    syncLog();
  };
  return {
    /** The conversations' seqs as stored (ours has moved them since the last raw run). */
    reload() {
      for (const r of lastSeq.all() as { id: string; last_seq: number }[]) seqs.set(r.id, r.last_seq);
    },
    append(conv: string, text: string, clientId: string): Promise<void> {
      return new Promise((done) => {
        queue.push({ conv, text, clientId, done });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
    },
  };
}

/** CONCURRENCY writers, each appending its next message as soon as the previous one is durable. */
async function timed(windowMs: number, worker: (w: number, n: number) => Promise<void>): Promise<number> {
  let stop = false;
  let count = 0;
  const t0 = performance.now();
  const timer = setTimeout(() => (stop = true), windowMs);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, w) => {
      for (let n = 0; !stop; n++) {
        await worker(w, n);
        count++;
      }
    }),
  );
  clearTimeout(timer);
  return (count / (performance.now() - t0)) * 1000;
}

export async function run(): Promise<Row[]> {
  const t = await startTestApp({}, {});
  const db = t.app.db;
  const log = new MessageLog(db, createConversationRepository(db), createMessageRepository(db), systemClock, new EventBus(() => {}), new GroupCommit(db));
  const convs = Array.from({ length: CONCURRENCY }, () => t.app.core.openSession({}).conversation.id);
  const raw = rawStore(sqliteOf(db), `${t.dbPath}-wal`);
  const oursWindow = (tag: string, ms: number) =>
    timed(ms, (w, n) => log.appendDurably(convs[w]!, { role: 'customer', text: `message ${n} from ${w}`, clientId: `b5-${tag}-${w}-${n}` }).then(() => {}));
  const rawWindow = (tag: string, ms: number) => {
    raw.reload();
    return timed(ms, (w, n) => raw.append(convs[w]!, `message ${n} from ${w}`, `b5-${tag}-${w}-${n}`));
  };
  const ours: number[] = [];
  const base: number[] = [];
  try {
    await oursWindow('ow', WARMUP_MS);
    await rawWindow('rw', WARMUP_MS);
    for (let i = 0; i < RUNS; i++) {
      ours.push(await oursWindow(`o${i}`, WINDOW_MS));
      base.push(await rawWindow(`r${i}`, WINDOW_MS));
      await sleep(50);
    }
  } finally {
    raw.close();
    await t.stop();
    removeDir(t.dir);
  }
  const o = median(ours);
  const rw = median(base);
  return [{
    bench: 5, metric: `durable inserts/s, ${CONCURRENCY} concurrent writers`, unit: 'msgs/s', ours: o, raw: rw, ratio: o / rw, target: '≥ 1.0× raw', met: o / rw >= 1,
    note: `MessageLog.appendDurably (group commit: one transaction per tick, acked after the WAL fsync) vs a raw loop on the same schema and file: the same INSERT per message (idempotency by the unique key), seq in memory, one conversation UPDATE per batch, one transaction per tick, acked after the WAL fsync; ${WINDOW_MS / 1000}s windows alternating after a ${WARMUP_MS / 1000}s warm-up of each, ${RUNS} runs`,
    oursRuns: ours, rawRuns: base,
  }];
}
