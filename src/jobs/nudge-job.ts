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
 * with nobody available the conversation goes to the offline queue (RoutingService.nudge decides,
 * in slices that yield to the event loop; `signal` stops it early when the scheduler stops).
 */
export async function runNudges(deps: NudgeDeps, signal?: AbortSignal): Promise<NudgeOutcome> {
  const outcome = await deps.routing.nudge({ signal });
  const { nudged, broadcast, queued } = outcome;
  if (nudged.length || broadcast.length || queued.length) {
    // Counts, and the ids only while they are few: a flood must not write megabytes of log.
    const few = (ids: string[]) => (ids.length <= 20 ? ids : `${ids.length} conversations`);
    deps.logger.info(
      { nudged: few(nudged), broadcast: few(broadcast), queued: few(queued), stoppedEarly: signal?.aborted || undefined },
      'unclaimed handoffs nudged',
    );
  }
  return outcome;
}

/** The nudge job: every 15 seconds. */
export function nudgeJob(deps: NudgeDeps): Job {
  return { name: 'nudges', cron: NUDGE_CRON, run: ({ signal }) => runNudges(deps, signal) };
}
