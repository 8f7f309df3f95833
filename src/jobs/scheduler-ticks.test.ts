import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../db/database';
import { createJobTickRepository } from '../db/job-tick-repository';
import { createLogger } from '../logger';
import { createScheduler, tickTime, type Job, type Scheduler } from './scheduler';
import { anotherConnection, openTestDatabase, raw } from '../../test/support/test-engine';

type LogLine = { level: number; msg: string; job?: string; tickAt?: string };

const open: { db: Database; scheduler: Scheduler }[] = [];

afterEach(async () => {
  for (const p of open.splice(0)) await stopProcess(p);
});

async function stopProcess(p: { db: Database; scheduler: Scheduler }) {
  await p.scheduler.stop();
  if (p.db.isOpen()) p.db.close();
}

/** One "process": its own connection to the database and its own scheduler over the same job list. */
function startProcess(database: Database, jobs: readonly Job[], createTask?: Parameters<typeof createScheduler>[0]['createTask']) {
  const db = anotherConnection(database);
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  const scheduler = createScheduler({ jobs, logger, createTask, ticks: createJobTickRepository(db) });
  const p = { db, scheduler, lines };
  open.push(p);
  return p;
}

/** The jobs every process is built with; `ran` counts runs across all processes. */
function jobList() {
  const ran: Record<string, number> = { nudges: 0, maintenance: 0 };
  const jobs: Job[] = [
    { name: 'nudges', cron: '*/15 * * * * *', run: () => ++ran.nudges! },
    { name: 'maintenance', cron: '30 3 * * *', run: () => ++ran.maintenance! },
  ];
  return { jobs, ran };
}

describe('scheduled ticks shared by processes on one database', () => {
  it('two processes fire the same ticks: each tick runs once in total, and a later tick runs again', async () => {
    const database = openTestDatabase();
    const { jobs, ran } = jobList();
    const a = startProcess(database, jobs);
    const b = startProcess(database, jobs);
    const tick = new Date('2026-03-02T10:00:15.000Z');

    const [ra, rb] = await Promise.all([a.scheduler.fire('nudges', tick), b.scheduler.fire('nudges', tick)]);
    expect(ran.nudges).toBe(1);
    expect([ra.status, rb.status].sort()).toEqual(['done', 'skipped']);
    expect(rb).toEqual({ status: 'skipped', reason: 'claimed' });
    expect(b.lines.some((l) => l.level === 20 && l.job === 'nudges' && l.tickAt === '2026-03-02T10:00:15.000Z' && l.msg.includes('claimed by another process'))).toBe(true);

    // The next tick: whichever fires first runs it (here b), the other skips.
    const next = new Date('2026-03-02T10:00:30.000Z');
    expect(await b.scheduler.fire('nudges', next)).toMatchObject({ status: 'done' });
    expect(await a.scheduler.fire('nudges', next)).toEqual({ status: 'skipped', reason: 'claimed' });
    expect(ran.nudges).toBe(2);

    // Another job's tick at the same time is its own claim.
    const daily = new Date('2026-03-02T03:30:00.000Z');
    await Promise.all([a.scheduler.fire('maintenance', daily), b.scheduler.fire('maintenance', daily)]);
    expect(ran.maintenance).toBe(1);
  });

  it('the tick comes from the scheduled time truncated to the cron resolution, not from when the callback ran', async () => {
    expect(tickTime('*/15 * * * * *', new Date('2026-03-02T10:00:15.420Z')).toISOString()).toBe('2026-03-02T10:00:15.000Z');
    expect(tickTime('30 3 * * *', new Date('2026-03-02T03:30:07.900Z')).toISOString()).toBe('2026-03-02T03:30:00.000Z');

    // node-cron's callback gets the scheduled time as context.date; each process's timer fires a little apart.
    const database = openTestDatabase();
    const { jobs, ran } = jobList();
    type CronFn = (context?: { date?: Date }) => unknown;
    const cronOf = () => {
      const fns = new Map<string, CronFn>();
      const createTask = (_expression: string, fn: CronFn, o: { name: string }) => {
        fns.set(o.name, fn);
        return { start: () => {}, destroy: () => {} };
      };
      return { fns, createTask };
    };
    const cronA = cronOf();
    const cronB = cronOf();
    const a = startProcess(database, jobs, cronA.createTask);
    const b = startProcess(database, jobs, cronB.createTask);
    a.scheduler.start();
    b.scheduler.start();
    await cronA.fns.get('nudges')!({ date: new Date('2026-03-02T10:00:45.000Z') });
    await cronB.fns.get('nudges')!({ date: new Date('2026-03-02T10:00:45.600Z') });
    await cronB.fns.get('maintenance')!({ date: new Date('2026-03-02T03:30:00.000Z') });
    await cronA.fns.get('maintenance')!({ date: new Date('2026-03-02T03:30:02.000Z') });
    expect(ran).toEqual({ nudges: 1, maintenance: 1 });
  });

  it('a single process still runs every tick, and manual runs are not claimed', async () => {
    const database = openTestDatabase();
    const { jobs, ran } = jobList();
    const a = startProcess(database, jobs);
    for (const s of ['10:00:00', '10:00:15', '10:00:30', '10:00:45', '10:01:00']) {
      expect(await a.scheduler.fire('nudges', new Date(`2026-03-02T${s}.000Z`))).toMatchObject({ status: 'done' });
    }
    expect(ran.nudges).toBe(5);
    expect(await a.scheduler.run('nudges')).toMatchObject({ status: 'done' });
    expect(await a.scheduler.run('nudges')).toMatchObject({ status: 'done' });
    expect(ran.nudges).toBe(7);
    expect(a.db.first(raw(a.db, sql`SELECT COUNT(*) AS n FROM job_ticks`))).toEqual({ n: 5 });
  });

  it('a claimed tick stays claimed across a restart; the next tick runs', async () => {
    const database = openTestDatabase();
    const { jobs, ran } = jobList();
    const tick = new Date('2026-03-02T10:00:15.000Z');
    const first = startProcess(database, jobs);
    expect(await first.scheduler.fire('nudges', tick)).toMatchObject({ status: 'done' });
    await stopProcess(open.pop()!);

    const restarted = startProcess(database, jobs);
    expect(await restarted.scheduler.fire('nudges', tick)).toEqual({ status: 'skipped', reason: 'claimed' });
    expect(await restarted.scheduler.fire('nudges', new Date('2026-03-02T10:00:30.000Z'))).toMatchObject({ status: 'done' });
    expect(ran.nudges).toBe(2);
  });

  it('a tick whose job is still running here is not claimed, so another process may run it', async () => {
    const database = openTestDatabase();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let runsA = 0;
    let runsB = 0;
    const a = startProcess(database, [{ name: 'slow', cron: '* * * * *', run: async () => { runsA++; await gate; } }]);
    const b = startProcess(database, [{ name: 'slow', cron: '* * * * *', run: () => void runsB++ }]);
    const first = a.scheduler.fire('slow', new Date('2026-03-02T10:00:00.000Z'));
    expect(await a.scheduler.fire('slow', new Date('2026-03-02T10:01:00.000Z'))).toEqual({ status: 'skipped', reason: 'running' });
    expect(await b.scheduler.fire('slow', new Date('2026-03-02T10:01:00.000Z'))).toMatchObject({ status: 'done' });
    expect([runsA, runsB]).toEqual([1, 1]);
    release();
    await first;
  });

  it('a failing claim skips the tick (logged) and the schedule goes on', async () => {
    let fail = true;
    const lines: LogLine[] = [];
    const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
    let runs = 0;
    const scheduler = createScheduler({
      jobs: [{ name: 'nudges', cron: '*/15 * * * * *', run: () => ++runs }],
      logger,
      ticks: {
        claimTick: () => {
          if (fail) throw new Error('SQLITE_BUSY');
          return true;
        },
      },
    });
    expect(await scheduler.fire('nudges', new Date('2026-03-02T10:00:00.000Z'))).toMatchObject({ status: 'failed' });
    expect(lines.some((l) => l.level === 50 && l.msg.includes('could not claim'))).toBe(true);
    fail = false;
    expect(await scheduler.fire('nudges', new Date('2026-03-02T10:00:15.000Z'))).toMatchObject({ status: 'done', result: 1 });
    await expect(scheduler.fire('nope', new Date())).rejects.toThrow(/no job named nope/);
    await scheduler.stop();
  });
});
