/**
 * Lets the event loop run what is waiting (I/O, timers, signals) before the caller goes on: long
 * jobs work in bounded batches and call this between them, so health checks, acks and a SIGTERM
 * are never kept waiting behind a job.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
