import { defineConfig } from 'vitest/config';

/** Tests that run on both engines: every test that stores through the app or the store interfaces. */
const POSTGRES_TESTS = [
  'test/gateway.test.ts',
  'test/logging.test.ts',
  'src/jobs/presence-job.test.ts',
  'test/shared-rate-budgets.test.ts',
  'src/db/group-commit-engines.test.ts',
  'test/crash.test.ts',
  'test/widget-rate-limits.test.ts',
  'test/slack-socket-mode.test.ts',
  'test/slack-reply-retry.test.ts',
  'test/admin-modals.test.ts',
  'test/reopen-links.test.ts',
  'test/presence-and-nudges.test.ts',
  'test/rules-flow.test.ts',
  'test/routing.test.ts',
  'test/handoff-requests.test.ts',
  'test/analytics.test.ts',
  'test/db-prepared.test.ts',
  'src/core/analytics/analytics-service.test.ts',
  'src/core/lifecycle/lifecycle.test.ts',
  'src/jobs/maintenance-job.test.ts',
  'src/jobs/scheduler-ticks.test.ts',
  'src/slack/outbox/leases.test.ts',
  'src/slack/outbox/pacing.test.ts',
  'src/slack/outbox/placeholders.test.ts',
  'src/slack/outbox/recovery.test.ts',
  'src/slack/outbox/scheduler.test.ts',
  'src/slack/outbox/shared-budgets.test.ts',
  'src/slack/outbox/slack-errors.test.ts',
  'src/slack/inbox.test.ts',
  'src/db/conversation-repository.test.ts',
  'src/db/job-tick-repository.test.ts',
  'src/db/rule-repository.test.ts',
  'test/app-home.test.ts',
  'test/conversation-turns.test.ts',
  'test/copilot.test.ts',
  'test/hello-during-claim.test.ts',
  'test/history-cache.test.ts',
  'test/hostile-text.test.ts',
  'test/hostile-websocket.test.ts',
  'test/message-log-order.test.ts',
  'test/offline-email.test.ts',
  'test/peer-cluster.test.ts',
  'test/slack-loop.test.ts',
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
