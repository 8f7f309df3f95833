import { createApp } from './app';
import { loadConfigOrExit } from './config';
import { MigrationError } from './db/migrator';
import { createLogger, ignoreBrokenPipes } from './logger';
import { checkBeforeStart, listenProblem, startupProblems } from './startup-checks';

/**
 * Entry point: `npm start`. Exits 1 on bad configuration, a failed migration, or what stops the
 * start (KB_DIR missing, PORT taken, DATABASE_PATH unusable), each said in one line naming the variable.
 */
async function main(): Promise<void> {
  ignoreBrokenPipes(process.stdout, process.stderr);
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const refuse = (problems: string[]): never => {
    for (const problem of problems) console.error(problem);
    process.exit(1);
  };

  let app;
  try {
    // Before the slow work (migrating, indexing, building the widget).
    await checkBeforeStart(config);
    app = await createApp({ config, logger });
  } catch (err) {
    const problems = startupProblems(err);
    if (problems) refuse(problems);
    if (err instanceof MigrationError) {
      logger.fatal({ migration: err.migration, err: err.cause }, err.message);
      process.exit(1);
    }
    throw err;
  }
  try {
    await app.start();
  } catch (err) {
    // The port was free at the check but taken since.
    const problem = listenProblem(err, config.host, config.port);
    if (problem) refuse([problem]);
    throw err;
  }

  // Logging must never stand between a signal and the exit (a write to a broken pipe may throw).
  const say = (write: () => void) => {
    try {
      write();
    } catch {
      // the line is lost; the shutdown goes on
    }
  };
  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    // Armed first, before anything else can throw, and not unref'd: a stop() that hangs ends in
    // exit 1 after 15 s even once every socket and timer is closed (an unref'd timer would then let
    // the process end with code 0, its stop unfinished).
    setTimeout(() => {
      say(() => logger.error('shutdown took too long; exiting'));
      process.exit(1);
    }, 15_000);
    say(() => logger.info({ signal }, 'shutting down'));
    Promise.resolve()
      .then(() => app.stop())
      .then(() => {
        say(() => logger.info('stopped'));
        process.exit(0);
      })
      .catch((err: unknown) => {
        say(() => logger.error({ err }, 'shutdown failed'));
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
