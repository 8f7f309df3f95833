import { defineConfig } from 'vitest/config';

/**
 * Tests that run on both engines: every test that stores through the app or the store interfaces.
 * SQLite only, by design, are those about SQLite itself or its file: the migrator
 * (src/db/migrator.test.ts), the group commit's deferred fsync and pragmas
 * (src/db/group-commit.test.ts; group-commit-engines.test.ts runs on both), backups
 * (test/backup.test.ts; test/postgres-operations.test.ts covers pg_dump and a database gone away),
 * locks, full disks and read-only files (test/storage-faults.test.ts), DATABASE_PATH and .env at
 * start (test/process.test.ts, test/first-run.test.ts). test/queue-flood.test.ts is engine-neutral
 * but left out: on PostgreSQL its 10,000-conversation nudge round holds the event loop 250-700 ms
 * per page (~0.3 ms a statement through the synchronous bridge) and the file takes over a minute.
 */
const POSTGRES_TESTS = [
  'src/core/analytics/analytics-service.test.ts',
  'src/core/lifecycle/lifecycle.test.ts',
  'src/email/mailer.test.ts',
  'src/files/file-store.test.ts',
  'src/db/conversation-repository.test.ts',
  'src/db/group-commit-engines.test.ts',
  'src/db/job-tick-repository.test.ts',
  'src/db/message-repository.test.ts',
  'src/db/rule-repository.test.ts',
  'src/jobs/maintenance-job.test.ts',
  'src/jobs/presence-job.test.ts',
  'src/jobs/scheduler-ticks.test.ts',
  'src/slack/agent-files.test.ts',
  'src/slack/channel-health.test.ts',
  'src/slack/file-upload.test.ts',
  'src/slack/inbox.test.ts',
  'src/slack/outbox/leases.test.ts',
  'src/slack/outbox/pacing.test.ts',
  'src/slack/outbox/placeholders.test.ts',
  'src/slack/outbox/recovery.test.ts',
  'src/slack/outbox/scheduler.test.ts',
  'src/slack/outbox/shared-budgets.test.ts',
  'src/slack/outbox/slack-errors.test.ts',
  'src/slack/outbox/volume.test.ts',
  'test/admin-modals.test.ts',
  'test/api-v1-keys.test.ts',
  'test/api-v1-openapi.test.ts',
  'test/api-v1.test.ts',
  'test/analytics.test.ts',
  'test/app-home.test.ts',
  'test/conversation-turns.test.ts',
  'test/customer-language.test.ts',
  'test/copilot.test.ts',
  'test/crash.test.ts',
  'test/db-prepared.test.ts',
  'test/file-messages.test.ts',
  'test/file-restart.test.ts',
  'test/file-uploads.test.ts',
  'test/files-slack.test.ts',
  'test/gateway.test.ts',
  'test/handoff-requests.test.ts',
  'test/hello-during-claim.test.ts',
  'test/history-cache.test.ts',
  'test/hostile-text.test.ts',
  'test/hostile-websocket.test.ts',
  'test/kb-gaps.test.ts',
  'test/kb-language.test.ts',
  'test/kb-learning.test.ts',
  'test/language-settings.test.ts',
  'test/logging.test.ts',
  'test/message-log-order.test.ts',
  'test/offline-email.test.ts',
  'test/peer-cluster.test.ts',
  'test/presence-and-nudges.test.ts',
  'test/reopen-links.test.ts',
  'test/routing.test.ts',
  'test/rules-flow.test.ts',
  'test/shared-rate-budgets.test.ts',
  'test/slack-loop.test.ts',
  'test/slack-reply-retry.test.ts',
  'test/slack-socket-mode.test.ts',
  'test/slack-volume.test.ts',
  'test/team-channels.test.ts',
  'test/translations-slack.test.ts',
  'test/widget-language.test.ts',
  'test/widget-rate-limits.test.ts',
  'test/privacy.test.ts',
  'test/privacy-api.test.ts',
  'test/privacy-retention.test.ts',
  'test/webhooks.test.ts',
  'test/webhooks-slack.test.ts',
  'test/metrics.test.ts',
  'test/readyz.test.ts',
];

const shared = { pool: 'forks' as const, testTimeout: 20_000, hookTimeout: 20_000 };

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // Browser tests need Chromium and run through `npm run test:e2e`.
          exclude: ['test/e2e/**', 'node_modules/**'],
        },
      },
      {
        test: {
          ...shared,
          name: 'postgres',
          // The storage and flow tests again, on a throwaway PostgreSQL (Debian's postgresql package):
          // test/support/app-harness.ts gives each test app a fresh database copied from a migrated template.
          include: POSTGRES_TESTS,
          env: { HANDOFF_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/support/postgres-global-setup.ts'],
        },
      },
      {
        test: {
          ...shared,
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One browser at a time: the machine has two cores.
          fileParallelism: false,
        },
      },
    ],
  },
});
