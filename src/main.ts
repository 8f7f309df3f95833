import { createApp } from './app';
import { loadConfigOrExit } from './config';
import { MigrationError } from './db/migrator';
import { createLogger } from './logger';

/** Entry point: `npm start`. Exits 1 on bad configuration or a failed migration. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel);

  let app;
  try {
    app = await createApp({ config, logger });
  } catch (err) {
    if (err instanceof MigrationError) {
      logger.fatal({ migration: err.migration, err: err.cause }, err.message);
      process.exit(1);
    }
    throw err;
  }
  await app.start();

  let shuttingDown = false;
  const shutdown = (signal: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, 15_000);
    force.unref();
    app
      .stop()
      .then(() => {
        logger.info('stopped');
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
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
