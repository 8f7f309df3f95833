import type { Clock } from '../core/ports';
import type { JobTickStore } from '../core/stores';
import type { Logger } from '../logger';
import type { Job } from './scheduler';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface MaintenanceDeps {
  /** The Slack side; null when Slack is not configured (nothing to prune). */
  slack: {
    /** Forgets Slack event ids received before `before` (ISO time). */
    pruneDeliveries(before: string): number;
    /** Deletes outbox items sent or failed more than `olderThanMs` ago. */
    outbox: { prune(olderThanMs: number): number };
  } | null;
  /** Customer-side bookkeeping that only grows: handoff starts (the hourly budget) and used reopen links. */
  customers?: {
    /** Deletes handoff starts before `before` (ISO time). */
    pruneHandoffStarts(before: string): number;
    /** Deletes used reopen links that expired before `now` (ISO time). */
    pruneUsedReopenLinks(now: string): number;
  };
  /** Uploads never attached to a message (the customer uploaded and never sent them), and stray bytes. */
  files?: { pruneOrphans(before: string): Promise<number> };
  /** Claims of scheduled ticks (each tick runs once across processes); only the last days matter. */
  ticks?: Pick<JobTickStore, 'pruneTicks'>;
  clock: Clock;
  logger: Logger;
  /** Slack retries an event for minutes, not days: a week of event ids is plenty. */
  slackEventsDays?: number;
  /** Sent and failed outbox items are kept a month for admins to look into. */
  outboxDays?: number;
  /** A tick is claimed at its scheduled time; two days of claims cover any clock skew or late timer. */
  jobTicksDays?: number;
}

export interface MaintenanceReport {
  slackEvents: number;
  outboxItems: number;
  handoffStarts: number;
  reopenLinks: number;
  jobTicks: number;
  /** Present when the job prunes files: uploads never sent and stray bytes removed. */
  files?: number;
}

export const MAINTENANCE_CRON = '30 3 * * *';

/** Daily clean-up of bookkeeping tables that only grow. */
export function runMaintenance(deps: MaintenanceDeps): MaintenanceReport {
  const report: MaintenanceReport = { slackEvents: 0, outboxItems: 0, handoffStarts: 0, reopenLinks: 0, jobTicks: 0 };
  const now = deps.clock.now().getTime();
  if (deps.customers) {
    // The handoff budget looks back one hour; a day is kept for anyone looking into a flood.
    report.handoffStarts = deps.customers.pruneHandoffStarts(new Date(now - DAY_MS).toISOString());
    report.reopenLinks = deps.customers.pruneUsedReopenLinks(new Date(now).toISOString());
  }
  if (deps.ticks) report.jobTicks = deps.ticks.pruneTicks(new Date(now - (deps.jobTicksDays ?? 2) * DAY_MS).toISOString());
  if (deps.slack) {
    report.slackEvents = deps.slack.pruneDeliveries(new Date(now - (deps.slackEventsDays ?? 7) * DAY_MS).toISOString());
    report.outboxItems = deps.slack.outbox.prune((deps.outboxDays ?? 30) * DAY_MS);
  }
  deps.logger.info(report, 'maintenance: old bookkeeping pruned');
  return report;
}

/**
 * Uploads a customer never sent with a message are removed a day after they were made (the widget
 * sends its files at once; a day covers a tab left open overnight), with temp files and bytes that
 * lost their row (a crash mid-upload).
 */
export async function pruneFiles(deps: Pick<MaintenanceDeps, 'files' | 'clock' | 'logger'>): Promise<number> {
  if (!deps.files) return 0;
  const removed = await deps.files.pruneOrphans(new Date(deps.clock.now().getTime() - DAY_MS).toISOString());
  deps.logger.info({ files: removed }, 'maintenance: uploads never sent removed');
  return removed;
}

/** The maintenance job: daily at 03:30. */
export function maintenanceJob(deps: MaintenanceDeps): Job {
  return {
    name: 'maintenance',
    cron: MAINTENANCE_CRON,
    run: () => {
      const report = runMaintenance(deps);
      return deps.files ? pruneFiles(deps).then((files): MaintenanceReport => ({ ...report, files })) : report;
    },
  };
}
