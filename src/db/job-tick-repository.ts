import type { Database } from './database';
import type { JobTickStore } from '../core/stores';

/** Claims of scheduled job ticks: one INSERT that does nothing on conflict decides who runs a tick. */
export function createJobTickRepository(db: Database) {
  const { q } = db;
  const insertClaim = db.prepare((p: { job: string; tickAt: string; now: string }) =>
    q
      .insertInto('job_ticks')
      .values({ job: p.job, tick_at: p.tickAt, claimed_at: p.now })
      .onConflict((oc) => oc.columns(['job', 'tick_at']).doNothing()),
  );
  const repository = {
    claimTick(job: string, tickAt: string, now: string): boolean {
      return insertClaim.run({ job, tickAt, now }).changes === 1;
    },
    pruneTicks(before: string): number {
      return Number(db.run(q.deleteFrom('job_ticks').where('tick_at', '<', before)).changes);
    },
  };
  return repository satisfies JobTickStore;
}

export type JobTickRepository = ReturnType<typeof createJobTickRepository>;
