import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createScheduler, sleep, type Job } from './scheduler';

type LogLine = { level: number; msg: string; job?: string; err?: { message?: string } };

function memoryLogger() {
  const lines: LogLine[] = [];
  const logger = createLogger('debug', { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { logger, lines };
}

/** A stand-in for node-cron's createTask: ticks are fired by hand. */
function manualCron() {
  const tasks = new Map<string, { fire: () => unknown; started: number; destroyed: number }>();
  return {
    tasks,
    createTask(_expression: string, fn: () => unknown, options: { name: string }) {
      const t = { fire: fn, started: 0, destroyed: 0 };
      tasks.set(options.name, t);
      return {
        start: () => void t.started++,
        destroy: () => void t.destroyed++,
      };
    },
    tick(name: string) {
      return tasks.get(name)!.fire() as Promise<unknown>;
    },
  };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('createScheduler', () => {
  it('does not start a job again while it is still running, and says so in the log', async () => {
    const { logger, lines } = memoryLogger();
    const cron = manualCron();
    let runs = 0;
    let gate = deferred();
    const job: Job = { name: 'slow', cron: '* * * * *', run: async () => { runs++; await gate.promise; } };
    const scheduler = createScheduler({ jobs: [job], logger, createTask: cron.createTask });
    scheduler.start();

    const first = cron.tick('slow');
    expect(scheduler.isRunning('slow')).toBe(true);
    expect(await cron.tick('slow')).toEqual({ status: 'skipped', reason: 'running' });
    expect(await scheduler.run('slow')).toEqual({ status: 'skipped', reason: 'running' });
    expect(runs).toBe(1);
    expect(lines.filter((l) => l.msg.includes('still running'))).toHaveLength(2);

    gate.resolve();
    expect(await first).toMatchObject({ status: 'done' });
    expect(scheduler.isRunning('slow')).toBe(false);
    gate = deferred();
    gate.resolve();
    expect(await cron.tick('slow')).toMatchObject({ status: 'done' });
    expect(runs).toBe(2);
    await scheduler.stop();
  });

  it('logs a failing run (thrown or rejected) and keeps the schedule', async () => {
    const { logger, lines } = memoryLogger();
    const cron = manualCron();
    let n = 0;
    const job: Job = {
      name: 'flaky',
      cron: '*/15 * * * * *',
      run: () => {
        n++;
        if (n === 1) throw new Error('boom (sync)');
        if (n === 2) return Promise.reject(new Error('boom (async)'));
        return 'fine';
      },
    };
    const scheduler = createScheduler({ jobs: [job], logger, createTask: cron.createTask });
    scheduler.start();
    expect(await cron.tick('flaky')).toMatchObject({ status: 'failed' });
    expect(await cron.tick('flaky')).toMatchObject({ status: 'failed' });
    expect(await cron.tick('flaky')).toMatchObject({ status: 'done', result: 'fine' });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors.map((l) => [l.job, l.err?.message])).toEqual([
      ['flaky', 'boom (sync)'],
      ['flaky', 'boom (async)'],
    ]);
    expect(cron.tasks.get('flaky')!.destroyed).toBe(0);
    await scheduler.stop();
  });

  it('stop() ends the schedules, aborts runs in progress and waits for them; run() then refuses', async () => {
    const { logger } = memoryLogger();
    const cron = manualCron();
    let sawAbort = false;
    let finished = false;
    const job: Job = {
      name: 'long',
      cron: '* * * * *',
      run: async ({ signal }) => {
        await sleep(60_000, signal);
        sawAbort = signal.aborted;
        finished = true;
      },
    };
    const scheduler = createScheduler({ jobs: [job], logger, createTask: cron.createTask });
    scheduler.start();
    scheduler.start(); // twice: still one task
    expect(cron.tasks.get('long')!.started).toBe(1);
    const running = cron.tick('long');
    const started = Date.now();
    await scheduler.stop();
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(finished).toBe(true);
    expect(sawAbort).toBe(true);
    expect(await running).toMatchObject({ status: 'done' });
    expect(cron.tasks.get('long')!.destroyed).toBe(1);
    expect(await scheduler.run('long')).toEqual({ status: 'skipped', reason: 'stopped' });
    await scheduler.stop(); // safe twice
  });

  it('runs jobs by hand without being started (tests, admin), and rejects unknown names', async () => {
    const { logger } = memoryLogger();
    const scheduler = createScheduler({ jobs: [{ name: 'nudges', cron: '*/15 * * * * *', run: () => 42 }], logger });
    expect(scheduler.jobs).toEqual(['nudges']);
    expect(await scheduler.run('nudges')).toMatchObject({ status: 'done', result: 42 });
    await expect(scheduler.run('nope')).rejects.toThrow(/no job named nope/);
    await scheduler.stop();
  });

  it('refuses an invalid cron expression or a duplicate name at creation', () => {
    const { logger } = memoryLogger();
    expect(() => createScheduler({ jobs: [{ name: 'x', cron: 'every minute', run: () => {} }], logger })).toThrow(/job x: invalid cron/);
    expect(() =>
      createScheduler({
        jobs: [
          { name: 'x', cron: '* * * * *', run: () => {} },
          { name: 'x', cron: '* * * * *', run: () => {} },
        ],
        logger,
      }),
    ).toThrow(/two jobs are named x/);
  });

  it('on real node-cron: a per-second job runs, a slow run is not overlapped, stop() stops it', async () => {
    const { logger, lines } = memoryLogger();
    let runs = 0;
    let concurrent = 0;
    let maxConcurrent = 0;
    const job: Job = {
      name: 'tick',
      cron: '* * * * * *',
      run: async ({ signal }) => {
        runs++;
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await sleep(1_500, signal); // longer than the period: the next tick finds it running
        concurrent--;
      },
    };
    const scheduler = createScheduler({ jobs: [job], logger });
    scheduler.start();
    const deadline = Date.now() + 5_000;
    while (!lines.some((l) => l.msg.includes('still running')) && Date.now() < deadline) await sleep(50);
    expect(runs).toBeGreaterThanOrEqual(1);
    expect(maxConcurrent).toBe(1);
    expect(lines.some((l) => l.msg.includes('still running'))).toBe(true);
    await scheduler.stop();
    const after = runs;
    await sleep(1_300);
    expect(runs).toBe(after);
    expect(concurrent).toBe(0);
  });
});

describe('sleep', () => {
  it('resolves early when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const p = sleep(10_000, controller.signal);
    controller.abort();
    await p;
    expect(Date.now() - started).toBeLessThan(500);
  });
});
