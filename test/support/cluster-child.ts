/**
 * One instance of a multi-instance deployment for test/cluster.test.ts: what `npm start` runs
 * (src/main.ts), configured only by the environment, with one difference: the Slack outbox paces
 * chat.postMessage fast. At Slack's real pace (about one post a second per channel) the few hundred
 * posts of the test would take minutes; the leases, fences and takeovers under test do not depend
 * on the pace. Scheduled jobs run (each tick claimed in the database), as in production.
 */
import { createApp } from '../../src/app';
import { loadConfigOrExit } from '../../src/config';
import { createLogger, ignoreBrokenPipes } from '../../src/logger';

const FAST_OUTBOX = {
  pacing: { 'chat.postMessage': { perSecond: 200, burst: 50 } },
  backoff: { baseMs: 20, maxMs: 200 },
  uncertainSettleMs: 50,
};

async function main(): Promise<void> {
  ignoreBrokenPipes(process.stdout, process.stderr);
  const config = loadConfigOrExit(process.env);
  const logger = createLogger(config.logLevel);
  const app = await createApp({ config, logger, slackOutbox: FAST_OUTBOX });
  await app.start();
  // The test ends instances with SIGKILL (the point) or SIGTERM (cleanup): a clean stop for the latter.
  process.once('SIGTERM', () => {
    void app.stop().finally(() => process.exit(0));
  });
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
