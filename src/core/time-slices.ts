/**
 * Lets the event loop run what is waiting (I/O, timers, signals) before the caller goes on: long
 * jobs work in bounded batches and call this between them, so health checks, acks and a SIGTERM
 * are never kept waiting behind a job.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * A function that runs `work` on the next turn of the event loop, once however often it is called
 * in this turn (after the caller's transaction; a burst of callers costs one run). A throw goes to
 * `onError`, never to the event loop.
 */
export function onceNextTurn(work: () => void, onError: (err: unknown) => void): () => void {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      try {
        work();
      } catch (err) {
        onError(err);
      }
    });
  };
}
