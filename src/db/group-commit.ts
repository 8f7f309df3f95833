import type { Database } from './database';

interface Item {
  fn: () => unknown;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes queued during one tick run together in one transaction, so many of them
 * share one fsync (synchronous=FULL makes each commit wait for the disk). A write that throws is
 * rolled back alone and its promise rejects; the others commit (the batch is then run again with a
 * savepoint per write, so writes must be repeatable: they only touch the database). Every promise settles only after the commit, so "resolved" always means "on disk".
 * If the transaction itself cannot commit (disk full, I/O error, locked) nothing is stored and
 * every promise in the batch rejects with that error.
 */
export class GroupCommit {
  private queue: Item[] = [];
  private scheduled = false;

  constructor(private readonly db: Database) {}

  /** Runs `fn` in the next group transaction; resolves with its result once committed. */
  run<T>(fn: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Resolves when everything queued so far has been committed (or refused). */
  async drain(): Promise<void> {
    while (this.queue.length || this.scheduled) await new Promise((r) => setImmediate(r));
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (!batch.length) return;
    let outcomes: Outcome[];
    try {
      // The common case: nothing throws, and the batch costs no savepoints.
      outcomes = this.db.tx(() => batch.map((item): Outcome => ({ ok: true, value: item.fn() })));
    } catch (first) {
      try {
        // Something threw (and everything was rolled back): again, each write in its own
        // savepoint, so only the writes that fail are refused.
        outcomes = this.db.tx(() => batch.map((item) => this.isolated(item)));
      } catch (err) {
        for (const item of batch) item.reject(err);
        return;
      }
      void first;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.value);
    });
  }

  private isolated(item: Item): Outcome {
    try {
      return { ok: true, value: this.db.tx(item.fn) };
    } catch (err) {
      // Some errors (a full disk, an I/O error) end the whole transaction: then nothing commits.
      if (!this.db.sqlite.inTransaction) throw err;
      return { ok: false, value: err };
    }
  }
}

type Outcome = { ok: boolean; value: unknown };
