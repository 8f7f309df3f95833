import type { AnalyticsService, GapWindow, PeriodReport } from '../core/analytics/analytics-service';
import type { LearnedArticle } from '../core/analytics/gaps';
import type { Logger } from '../logger';
import type { Job } from './scheduler';

export interface DigestDeps {
  analytics: Pick<AnalyticsService, 'digestDue' | 'report' | 'recordDigest' | 'gaps' | 'learnedArticles' | 'lastDigestAt'>;
  /** The digest time setting (HH:MM, business-hours zone), for the message's footer. */
  digestTime: () => string;
  /** Where it is posted (the handoff channel). */
  channel: string;
  /** Enqueues the digest message; runs inside the transaction that records the day as posted. */
  post: (report: PeriodReport, o: { day: string; digestTime: string; gaps?: GapWindow; learned?: readonly LearnedArticle[] }) => void;
  logger: Logger;
}

/** Every minute: cheap (one settings read and one lookup) until the digest is due. */
export const DIGEST_CRON = '0 * * * * *';

/**
 * The daily digest: once the local time reaches the `digestTime` setting and today's digest was
 * not posted, the last 7 days' report goes to the handoff channel, and the local date is recorded
 * in the same transaction, so a restart, a second tick or a second process never posts it twice.
 * With it: the week's knowledge gaps and the articles learned since the previous digest (read
 * before this one is recorded), or over the week for the first. Returns the local date posted, or null.
 */
export function runDigest(deps: DigestDeps): string | null {
  const due = deps.analytics.digestDue();
  if (!due) return null;
  const report = deps.analytics.report('7d');
  const gaps = deps.analytics.gaps().find((w) => w.name === '7d');
  const learned = deps.analytics.learnedArticles(deps.analytics.lastDigestAt() ?? report.period.from);
  const digestTime = deps.digestTime();
  const posted = deps.analytics.recordDigest(due.day, deps.channel, () => deps.post(report, { day: due.day, digestTime, ...(gaps ? { gaps } : {}), learned }));
  if (!posted) return null;
  deps.logger.info(
    { day: due.day, channel: deps.channel, missed: Object.values(report.targets).filter((t) => t.status === 'missed').map((t) => t.key) },
    'daily handoff digest posted',
  );
  return due.day;
}

export function digestJob(deps: DigestDeps): Job {
  return { name: 'digest', cron: DIGEST_CRON, run: () => runDigest(deps) };
}
