import type { Database } from './database';

interface Item {
  fn: () => unknown;
  resolve: (value: any) => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit: writes queued during one tick run together in one transaction, so many of them
 * share one fsync (synchronous=FULL makes each commit wait for the disk). Each write runs in its
 * own savepoint, so one that throws is rolled back alone and its promise rejects; the others
 * commit. Every promise settles only after the commit, so "resolved" always means "on disk".
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
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.tx(() => {
        for (const item of batch) {
          try {
            outcomes.push({ ok: true, value: this.db.tx(item.fn) });
          } catch (err) {
            // Some errors (a full disk, an I/O error) end the whole transaction: then nothing commits.
            if (!this.db.sqlite.inTransaction) throw err;
            outcomes.push({ ok: false, value: err });
          }
        }
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    batch.forEach((item, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.value);
    });
  }
}
