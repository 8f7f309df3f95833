import type { NudgeOutcome, RoutingService } from '../core/routing-service';
import type { Logger } from '../logger';
import type { Job } from './scheduler';

export interface NudgeDeps {
  routing: Pick<RoutingService, 'nudge'>;
  logger: Logger;
}

export const NUDGE_CRON = '*/15 * * * * *';

/**
 * The unclaimed-handoff step: the next agent is asked after a while, then the whole channel, and
 * with nobody available the conversation goes to the offline queue (RoutingService.nudge decides).
 */
export function runNudges(deps: NudgeDeps): NudgeOutcome {
  const outcome = deps.routing.nudge();
  const { nudged, broadcast, queued } = outcome;
  if (nudged.length || broadcast.length || queued.length) {
    deps.logger.info({ nudged, broadcast, queued }, 'unclaimed handoffs nudged');
  }
  return outcome;
}

/** The nudge job: every 15 seconds. */
export function nudgeJob(deps: NudgeDeps): Job {
  return { name: 'nudges', cron: NUDGE_CRON, run: () => runNudges(deps) };
}
