/**
 * Callbacks tied to the transaction now open, for state kept in memory next to the database (a
 * conversation's next seq): an undo for when it rolls back, work to do once just before the
 * outermost transaction commits (writing what a batch gathered, once), and work after it commits.
 */
export interface TxHooks {
  /**
   * Runs `undo` if the innermost transaction or savepoint now open rolls back, or any enclosing one
   * does later (undos run newest first). Outside a transaction it is never called.
   */
  onRollback(undo: () => void): void;
  /**
   * Runs `cb` just before the outermost transaction commits, inside it: it may still write, and a
   * throw rolls the whole transaction back (running the undos). Registered in a savepoint that rolls
   * back, it still runs: it must write only what the undos left to write.
   */
  beforeCommit(cb: () => void): void;
  /** Runs `cb` after the outermost transaction has committed. */
  afterCommit(cb: () => void): void;
  /**
   * Whether a transaction opened by this wrapper is open, one whose end these hooks will see (not
   * one begun by hand around it).
   */
  tracked(): boolean;
}

interface Frame {
  undo: (() => void)[];
}

/**
 * TxHooks for an engine whose transactions nest (savepoints). `run(fn, body)` wraps the engine's
 * own transaction call: `body` runs the engine's transaction around the function it is given.
 * `foreign` says the engine was already in a transaction this wrapper did not open (BEGIN by hand):
 * then what happens to it later is unknown, so its frame's undos run when it ends, commit or not,
 * which only makes the memory forget.
 */
export function createTxHooks(): TxHooks & { run<T>(fn: () => T, body: (fn: () => T) => T, foreign: boolean): T } {
  const frames: Frame[] = [];
  let before: (() => void)[] = [];
  let after: (() => void)[] = [];
  const undoAll = (frame: Frame) => {
    for (let i = frame.undo.length - 1; i >= 0; i--) frame.undo[i]!();
  };
  let foreignOpen = false;
  return {
    tracked() {
      return frames.length > 0 && !foreignOpen;
    },
    onRollback(undo) {
      frames.at(-1)?.undo.push(undo);
    },
    beforeCommit(cb) {
      if (frames.length) before.push(cb);
    },
    afterCommit(cb) {
      if (frames.length) after.push(cb);
    },
    run(fn, body, foreign) {
      const frame: Frame = { undo: [] };
      const outermost = frames.length === 0;
      if (outermost) foreignOpen = foreign;
      frames.push(frame);
      let committed = false;
      let result;
      try {
        result = body(
          outermost
            ? () => {
                const value = fn();
                // Callbacks may register more (a flush that schedules another): run until none is left.
                while (before.length) {
                  const cbs = before;
                  before = [];
                  for (const cb of cbs) cb();
                }
                return value;
              }
            : fn,
        );
        committed = true;
      } finally {
        frames.pop();
        if (!committed) undoAll(frame);
        else if (!outermost) frames.at(-1)!.undo.push(...frame.undo);
        if (outermost) {
          const cbs = committed && !foreign ? after : [];
          before = [];
          after = [];
          if (committed && foreign) undoAll(frame);
          for (const cb of cbs) cb();
        }
      }
      return result;
    },
  };
}
