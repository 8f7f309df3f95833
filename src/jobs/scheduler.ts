import { createTask as cronCreateTask, validate, type Logger as CronLogger, type ScheduledTask } from 'node-cron';
import type { JobTickStore } from '../core/stores';
import type { Logger } from '../logger';

/** What a job gets when it runs: `signal` is aborted when the scheduler stops (long jobs end early). */
export interface JobContext {
  name: string;
  signal: AbortSignal;
}

export interface Job {
  /** Unique; used in logs and by `run(name)`. */
  name: string;
  /** node-cron expression; six fields when the first is seconds (`*\/15 * * * * *`). */
  cron: string;
  run(ctx: JobContext): unknown;
}

export type JobRun =
  | { status: 'done'; result: unknown; ms: number }
  | { status: 'failed'; error: unknown; ms: number }
  /**
   * `running`: the previous run has not finished (runs never overlap); `stopped`: the scheduler was
   * stopped; `claimed`: another process sharing the database claimed this tick (it runs it).
   */
  | { status: 'skipped'; reason: 'running' | 'stopped' | 'claimed' };

export interface Scheduler {
  /** Names of the jobs, in the order given. */
  readonly jobs: readonly string[];
  /** Starts every schedule. Calling it again does nothing. */
  start(): void;
  /**
   * Stops every schedule, aborts the signal of runs in progress and waits for them (at most
   * `graceMs`). After stop(), `run` refuses until start() is called again. Safe to call twice.
   */
  stop(): Promise<void>;
  /** Runs a job now, outside its schedule, with the same no-overlap rule. Rejects only for an unknown name. */
  run(name: string): Promise<JobRun>;
  /**
   * Runs the job's scheduled tick at `scheduledAt` (what node-cron's callback does; tests call it to
   * fire ticks by hand). With tick claims, the tick (its time truncated to the cron's resolution)
   * is claimed first and runs only if this process's claim took effect. Rejects only for an unknown name.
   */
  fire(name: string, scheduledAt: Date): Promise<JobRun>;
  /** Whether a run of the job is in progress. */
  isRunning(name: string): boolean;
}

export interface SchedulerOptions {
  jobs: readonly Job[];
  logger: Logger;
  /** How long stop() waits for runs in progress. */
  graceMs?: number;
  /**
   * node-cron's createTask; tests replace it to fire ticks by hand. node-cron passes `fn` the tick's
   * context, whose `date` is the scheduled time (without it, the tick is taken to be now).
   */
  createTask?: (
    expression: string,
    fn: (context?: { date?: Date }) => unknown,
    options: { name: string; logger: CronLogger },
  ) => Pick<ScheduledTask, 'start' | 'destroy'>;
  /**
   * Claims of ticks in the database shared by every process of the deployment: each scheduled tick
   * runs in the one process whose claim took effect. Without it every tick runs here (one process).
   */
  ticks?: Pick<JobTickStore, 'claimTick'>;
}

/**
 * The tick a scheduled time belongs to: the time truncated to the cron's resolution (the second
 * for six fields, else the minute), so that every process derives the same tick from the schedule.
 */
export function tickTime(cron: string, scheduledAt: Date): Date {
  const unit = cron.trim().split(/\s+/).length === 6 ? 1_000 : 60_000;
  return new Date(Math.floor(scheduledAt.getTime() / unit) * unit);
}

/**
 * The scheduled jobs, on node-cron. A tick that finds its job still running is skipped (logged),
 * never stacked; a failing run is logged and the schedule goes on. With `ticks`, every process
 * sharing the database fires the same ticks and each tick runs in the one process that claimed it.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { logger } = options;
  const graceMs = options.graceMs ?? 10_000;
  const createTask = options.createTask ?? cronCreateTask;
  const byName = new Map<string, Job>();
  for (const job of options.jobs) {
    if (byName.has(job.name)) throw new Error(`two jobs are named ${job.name}`);
    if (!validate(job.cron)) throw new Error(`job ${job.name}: invalid cron expression "${job.cron}"`);
    byName.set(job.name, job);
  }

  // node-cron's own warnings (a missed tick when the event loop was blocked) go to our log.
  const cronLogger: CronLogger = {
    info: (m) => logger.debug({ source: 'node-cron' }, m),
    warn: (m) => logger.warn({ source: 'node-cron' }, m),
    error: (m, err) => logger.error({ source: 'node-cron', err: err ?? m }, String(m instanceof Error ? m.message : m)),
    debug: (m) => logger.debug({ source: 'node-cron' }, String(m instanceof Error ? m.message : m)),
  };

  const inFlight = new Map<string, Promise<JobRun>>();
  let tasks: Pick<ScheduledTask, 'start' | 'destroy'>[] = [];
  let controller = new AbortController();
  let state: 'idle' | 'started' | 'stopped' = 'idle';
  let stopping: Promise<void> | null = null;

  /** Why a run of `name` cannot start now, or null. */
  function refusal(name: string, reason: 'scheduled' | 'invoked'): JobRun | null {
    if (state === 'stopped') return { status: 'skipped', reason: 'stopped' };
    if (inFlight.has(name)) {
      logger.warn({ job: name, reason }, 'job is still running; this run is skipped');
      return { status: 'skipped', reason: 'running' };
    }
    return null;
  }

  function fire(name: string, scheduledAt: Date): Promise<JobRun> {
    const job = byName.get(name);
    if (!job) return Promise.reject(new Error(`no job named ${name}`));
    // Refused before claiming: a process that cannot run the tick leaves it to the others.
    const refused = refusal(name, 'scheduled');
    if (refused) return Promise.resolve(refused);
    if (options.ticks) {
      const tickAt = tickTime(job.cron, scheduledAt).toISOString();
      let claimed: boolean;
      try {
        claimed = options.ticks.claimTick(name, tickAt, new Date().toISOString());
      } catch (error) {
        logger.error({ job: name, tickAt, err: error }, 'could not claim the tick; it is skipped');
        return Promise.resolve({ status: 'failed', error, ms: 0 });
      }
      if (!claimed) {
        logger.debug({ job: name, tickAt }, 'tick claimed by another process; skipped here');
        return Promise.resolve({ status: 'skipped', reason: 'claimed' });
      }
    }
    return run(name, 'scheduled');
  }

  function run(name: string, reason: 'scheduled' | 'invoked'): Promise<JobRun> {
    const job = byName.get(name);
    if (!job) return Promise.reject(new Error(`no job named ${name}`));
    const refused = refusal(name, reason);
    if (refused) return Promise.resolve(refused);
    const started = Date.now();
    const signal = controller.signal;
    const p: Promise<JobRun> = Promise.resolve()
      .then(() => job.run({ name, signal }))
      .then(
        (result): JobRun => {
          const ms = Date.now() - started;
          logger.debug({ job: name, reason, ms }, 'job finished');
          return { status: 'done', result, ms };
        },
        (error: unknown): JobRun => {
          const ms = Date.now() - started;
          logger.error({ job: name, reason, ms, err: error }, 'job failed; it runs again at its next time');
          return { status: 'failed', error, ms };
        },
      )
      .finally(() => inFlight.delete(name));
    inFlight.set(name, p);
    return p;
  }

  return {
    jobs: [...byName.keys()],
    start() {
      if (state === 'started') return;
      if (state === 'stopped') controller = new AbortController();
      state = 'started';
      tasks = [...byName.values()].map((job) => {
        const task = createTask(job.cron, (context?: { date?: Date }) => fire(job.name, context?.date ?? new Date()), {
          name: job.name,
          logger: cronLogger,
        });
        void task.start();
        return task;
      });
      logger.info({ jobs: [...byName.values()].map((j) => `${j.name} (${j.cron})`) }, 'scheduled jobs started');
    },
    stop() {
      if (state === 'stopped') return stopping ?? Promise.resolve();
      const wasStarted = state === 'started';
      state = 'stopped';
      for (const task of tasks) void task.destroy();
      tasks = [];
      controller.abort();
      const pending = [...inFlight.values()];
      stopping = (async () => {
        if (pending.length) {
          let timer: NodeJS.Timeout | undefined;
          const timedOut = await Promise.race([
            Promise.allSettled(pending).then(() => false),
            new Promise<boolean>((resolve) => {
              timer = setTimeout(() => resolve(true), graceMs);
            }),
          ]);
          clearTimeout(timer);
          if (timedOut) logger.warn({ jobs: [...inFlight.keys()], graceMs }, 'jobs still running at stop');
        }
        if (wasStarted) logger.info('scheduled jobs stopped');
      })();
      return stopping;
    },
    run: (name) => run(name, 'invoked'),
    fire,
    isRunning: (name) => inFlight.has(name),
  };
}

/** Waits `ms`, or less when `signal` aborts (it resolves then, it does not reject). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
