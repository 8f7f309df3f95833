/**
 * A child process for test/process-closed-pipes.test.ts: once its parent has closed the read ends
 * of its stdout and stderr (and says so on stdin), it writes to both — console and the app's
 * logger — and exits at once, as src/main.ts does after a SIGTERM.
 */
import { createLogger, ignoreBrokenPipes } from '../../src/logger';

ignoreBrokenPipes(process.stdout, process.stderr);
const logger = createLogger('info');

process.stdin.once('data', () => {
  console.error('nobody reads this');
  // Node reports a write to a closed pipe as an 'error' event on the stream, a tick later.
  const settled = () => {
    if (!process.stderr.errored) return setImmediate(settled);
    setImmediate(() => {
      // A line still being written and one waiting behind it when the process exits.
      logger.info('shutting down');
      logger.info('stopped');
      process.exit(0);
    });
  };
  settled();
});
