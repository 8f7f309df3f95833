import fs from 'node:fs';
import type { Database, SqliteDatabase } from './database';
import type { GroupedWrites } from '../core/stores';

interface Item {
  fn: () => unknown;
  /** The conversation row the write locks: the batch runs in this order (see GroupedWrites.run). */
  key: string | undefined;
  /** Called right after the transaction commits, before the fsync (see run). */
  committed: ((value: any) => void) | undefined;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

type Outcome = { ok: boolean; value: unknown };

/**
 * Group commit: writes queued during one tick run together in one transaction, so many of them
 * share one fsync. A write that throws is rolled back alone and its promise rejects; the others
 * commit (the batch is then run again with a savepoint per write, so writes must be repeatable:
 * they only touch the database). If the transaction itself cannot commit (disk full, I/O error,
 * locked) nothing is stored and every promise in the batch rejects with that error.
 *
 * Every promise settles only once its batch is on disk, as with synchronous=FULL, but the fsync
 * does not block the event loop: in WAL mode the batch commits with synchronous=NORMAL (its frames
 * are written to the log, which survives a crash of the process) and the log file is then fsync'd
 * on libuv's thread pool; the promises settle when that fsync — started after the commit — is done.
 * Meanwhile the loop keeps reading sockets and the next batch can commit. (Another connection
 * could read a row in that window that a power cut would still take back; nothing is acked or
 * announced from here before it is durable.) Without a WAL file (`:memory:`, other journal modes)
 * the batch simply commits with the connection's own synchronous setting.
 */
export class GroupCommit implements GroupedWrites {
  private queue: Item[] = [];
  private scheduled = false;
  private syncing = false;
  /** close() was called while an fsync was running: close the descriptor when it ends. */
  private closeWhenSynced = false;
  /** Committed batches waiting for an fsync that starts after their commit. */
  private unsynced: { n: number; settle: () => void; fail: (err: Error) => void }[] = [];
  /** Batches committed so far, and the last one whose fsync is done (they finish in order). */
  private committedBatches = 0;
  private syncedBatches = 0;
  private readonly afterSync: { n: number; cb: () => void }[] = [];
  private walFd: number | null = null;
  /** While the committed callbacks of a batch that settles without an fsync run: whenSynced() waits for its settling. */
  private settlingInline: (() => void)[] | null = null;
  private readonly walPath: string | null;

  /** SQLite's connection when the log can be fsync'd apart (WAL on a file); otherwise null. */
  private readonly sqlite: SqliteDatabase['sqlite'] | null;

  constructor(private readonly db: Database) {
    // PostgreSQL's COMMIT returns once the commit record is flushed (synchronous_commit): a batch
    // there settles right after its commit. SQLite in WAL mode gets the deferred fsync below.
    const sqlite = db.engine === 'sqlite' ? (db as SqliteDatabase).sqlite : null;
    const wal = sqlite !== null && String(sqlite.pragma('journal_mode', { simple: true })).toLowerCase() === 'wal';
    this.walPath = wal && sqlite.name !== ':memory:' && sqlite.name !== '' ? `${sqlite.name}-wal` : null;
    this.sqlite = this.walPath ? sqlite : null;
  }

  /**
   * Runs `fn` in the next group transaction; resolves with its result once it is durably committed.
   * `committed` is called as soon as the transaction has committed, before the fsync: from then on
   * other readers can see the write although the promise has not settled yet.
   */
  run<T>(fn: () => T, committed?: (value: T) => void, conversationId?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, key: conversationId, committed, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when everything queued so far has been committed and synced (or refused). */
  async drain(): Promise<void> {
    while (this.queue.length || this.scheduled || this.syncing || this.unsynced.length) await new Promise((r) => setImmediate(r));
  }

  /** Closes the log file handle (after drain, before the database closes). */
  close(): void {
    // An fsync still running on the thread pool holds the descriptor: close it when that ends
    // (closing it now would fail that fsync with EBADF and reject writes that are on disk).
    if (this.syncing) {
      this.closeWhenSynced = true;
      return;
    }
    if (this.walFd !== null) fs.closeSync(this.walFd);
    this.walFd = null;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    if (!this.db.isOpen()) {
      // Closed without a drain (a failed start, a test's teardown): refuse, never throw from the loop.
      const closed = new Error('the database is closed');
      for (const item of batch) item.reject(closed);
      return;
    }
    const deferSync = this.sqlite !== null && !this.db.inTransaction();
    let outcomes: Outcome[];
    try {
      if (deferSync) this.sqlite!.pragma('synchronous = NORMAL');
      outcomes = this.commit(batch);
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    } finally {
      if (deferSync) this.sqlite!.pragma('synchronous = FULL');
    }
    // Counted before the callbacks run, so a whenSynced() from one of them waits for this batch.
    const n = deferSync ? ++this.committedBatches : 0;
    // A batch that settles at once (PostgreSQL, no WAL file): a whenSynced() from a callback below
    // must still run after this batch's promises settle, as it would after an fsync.
    const inline: (() => void)[] | null = deferSync ? null : [];
    this.settlingInline = inline;
    try {
      batch.forEach((item, i) => {
        if (outcomes[i]!.ok) item.committed?.(outcomes[i]!.value);
      });
    } finally {
      this.settlingInline = null;
    }
    const settle = () =>
      batch.forEach((item, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) item.resolve(outcome.value);
        else item.reject(outcome.value);
      });
    if (!deferSync) {
      settle();
      for (const cb of inline!) queueMicrotask(cb);
      return;
    }
    this.unsynced.push({ n, settle, fail: (err) => batch.forEach((item) => item.reject(err)) });
    this.syncLog();
  }

  /**
   * Calls `cb` (as a microtask) once every batch committed so far has settled — after their
   * promises' own callbacks. For a write committed outside the group that must not be announced
   * ahead of group writes committed before it.
   */
  whenSynced(cb: () => void): void {
    if (this.settlingInline) this.settlingInline.push(cb);
    else if (this.syncedBatches >= this.committedBatches) queueMicrotask(cb);
    else this.afterSync.push({ n: this.committedBatches, cb });
  }

  /**
   * One fsync at a time: batches committed while one is running wait for the next, which starts
   * when it ends and covers all of them (concurrent fsyncs of one file only queue up in the kernel).
   */
  private syncLog(): void {
    if (this.syncing || !this.unsynced.length) return;
    const covered = this.unsynced;
    this.unsynced = [];
    this.syncing = true;
    const done = (err: Error | null) => {
      this.syncing = false;
      if (this.closeWhenSynced) {
        this.closeWhenSynced = false;
        this.close();
      }
      for (const b of covered) {
        if (err) b.fail(err);
        else b.settle();
      }
      this.syncedBatches = covered.at(-1)!.n;
      while (this.afterSync.length && this.afterSync[0]!.n <= this.syncedBatches) queueMicrotask(this.afterSync.shift()!.cb);
      this.syncLog();
    };
    try {
      this.walFd ??= fs.openSync(this.walPath!, 'r'); // fsync needs no write access on Linux
    } catch (err) {
      return done(err as Error);
    }
    fs.fsync(this.walFd, done);
  }

  private commit(batch: Item[]): Outcome[] {
    // Rows are locked in one order by every process sharing the database (PostgreSQL): writes
    // without a conversation first, then by conversation id; the outcomes keep the queue's order.
    const order = lockOrder(batch);
    const inOrder = (run: (item: Item) => Outcome): Outcome[] => {
      const outcomes = new Array<Outcome>(batch.length);
      for (const i of order) outcomes[i] = run(batch[i]!);
      return outcomes;
    };
    try {
      // The common case: nothing throws, and the batch costs no savepoints.
      return this.db.tx(() => inOrder((item) => ({ ok: true, value: item.fn() })));
    } catch {
      // Something threw (and everything was rolled back): again, each write in its own savepoint,
      // so only the writes that fail are refused.
      return this.db.tx(() => inOrder((item) => this.isolated(item)));
    }
  }

  private isolated(item: Item): Outcome {
    try {
      return { ok: true, value: this.db.tx(item.fn) };
    } catch (err) {
      // Some errors (a full disk, an I/O error) end the whole transaction: then nothing commits.
      if (!this.db.inTransaction()) throw err;
      return { ok: false, value: err };
    }
  }
}

/** The batch's indexes in lock order: unkeyed writes first, then by key; queue order within each. */
function lockOrder(batch: Item[]): number[] {
  const order = batch.map((_, i) => i);
  if (batch.every((item) => item.key === undefined)) return order;
  return order.sort((a, b) => {
    const ka = batch[a]!.key;
    const kb = batch[b]!.key;
    if (ka === kb) return a - b;
    if (ka === undefined) return -1;
    if (kb === undefined) return 1;
    return ka < kb ? -1 : 1;
  });
}
