import type { Database } from './database';
import type { TxHooks } from './tx-hooks';

/** Conversations whose last seq is kept; the least recently added are read again when needed. */
const KEPT = 20_000;

/**
 * The conversations' last seq, in memory, on SQLite (one process owns the file): a message takes
 * its conversation's next seq from here, not from a read of the row, and the row's last_seq and
 * updated_at are written once per transaction for all of its messages (a batch of 400 messages over
 * 200 conversations writes 200 rows, not 400), just before it commits.
 *
 * The memory never runs ahead of the disk for long: a transaction or savepoint that rolls back
 * restores what it held before (TxHooks.onRollback). The write is guarded (`WHERE last_seq = the
 * value this book started from`): if anything else moved the row, the transaction rolls back and
 * the conversation is read again on its next message.
 */
export function createSeqBook(db: Database, hooks: TxHooks, onWritten: (id: string, lastSeq: number, updatedAt: string) => void) {
  const { q } = db;
  const readLast = db.prepare((p: { id: string }) => q.selectFrom('conversations').select('last_seq').where('id', '=', p.id));
  const writeLast = db.prepare((p: { id: string; seq: number; now: string; base: number }) =>
    q.updateTable('conversations').set({ last_seq: p.seq, updated_at: p.now }).where('id', '=', p.id).where('last_seq', '=', p.base),
  );
  const known = new Map<string, number>();
  /** This transaction's moves, by conversation: from `base` (on disk) to `seq`, at `now`. */
  const pending = new Map<string, { base: number; seq: number; now: string }>();
  /** Read again before the next use (something else moved the row). */
  const stale = new Set<string>();
  let flushQueued = false;

  const keep = (id: string, seq: number) => {
    known.set(id, seq);
    if (known.size <= KEPT) return;
    for (const k of known.keys()) {
      if (!pending.has(k)) {
        known.delete(k);
        return;
      }
    }
  };

  const flush = () => {
    flushQueued = false;
    // Cleared as written, so a second call (one queued in a savepoint that rolled back) writes
    // nothing twice; a rollback after this restores the moves through their undos.
    const moves = [...pending];
    pending.clear();
    for (const [id, { base, seq, now }] of moves) {
      if (writeLast.run({ id, seq, now, base }).changes !== 1) {
        stale.add(id);
        throw new Error(`conversation ${id}: its last seq moved meanwhile`);
      }
    }
    hooks.afterCommit(() => {
      for (const [id, { seq, now }] of moves) onWritten(id, seq, now);
    });
  };

  return {
    /**
     * The conversation's next seq, or null when it cannot be known here (no transaction of ours is
     * open, or no such conversation): then take it from the row.
     */
    plan(id: string): number | null {
      if (!hooks.tracked()) return null;
      if (stale.delete(id)) known.delete(id);
      let last = known.get(id);
      if (last === undefined) {
        const row = readLast.first({ id });
        if (!row) return null;
        last = Number(row.last_seq);
        keep(id, last);
      }
      return last + 1;
    },
    /** `seq` (the planned one) was stored: it is the conversation's last now, written at commit. */
    advance(id: string, seq: number, now: string): void {
      const before = known.get(id);
      const move = pending.get(id);
      keep(id, seq);
      pending.set(id, { base: move?.base ?? seq - 1, seq, now });
      hooks.onRollback(() => {
        if (before === undefined) known.delete(id);
        else known.set(id, before);
        if (move) pending.set(id, move);
        else pending.delete(id);
      });
      if (!flushQueued) {
        flushQueued = true;
        hooks.beforeCommit(flush);
        hooks.onRollback(() => (flushQueued = false));
      }
    },
    /** The stored seq was not the planned one (another writer): read the row again next time. */
    forget(id: string): void {
      stale.add(id);
    },
  };
}

export type SeqBook = ReturnType<typeof createSeqBook>;
