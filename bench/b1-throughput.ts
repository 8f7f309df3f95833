/** 1. Durable customer messages acknowledged per second, 200 concurrent widget sockets, vs a raw `ws` echo. */
import { closeAll, connectMany, INSTANT_AI_NOTE, median, RUNS, sleep, startChildServer, type Row, type ServerMode } from './lib';
import { cpuNote, cpuProbe, writerRows, type CpuRun, type WindowProbe } from './b1-writer-thread';
import { startSlackProcess } from './slack-process';

export const SOCKETS = 200;
export const IN_FLIGHT = 4; // messages outstanding per socket (closed loop: a new one is sent on each ack)
export const WARMUP_MS = 500;
export const WINDOW_MS = 1000;

/**
 * One closed-loop run; returns acks/s. Several servers (instances of one deployment): the sockets
 * are spread over them round robin. `afterConnect` runs once every socket has its welcome.
 */
export async function ackRun(urls: string[], run: number | string, afterConnect?: () => Promise<unknown>, probe?: WindowProbe): Promise<number> {
  const sockets = await connectMany(urls, SOCKETS, 50);
  await afterConnect?.();
  let counting = false;
  let acks = 0;
  let stopped = false;
  sockets.forEach((s, si) => {
    let n = 0;
    const send = () => {
      if (stopped) return;
      n++;
      s.ws.send(JSON.stringify({ type: 'message', clientId: `r${run}-s${si}-${n}`, text: `How do I export my data? (${n})` }));
    };
    s.onFrame = (f) => {
      if (f.type !== 'ack') return;
      if (counting) acks++;
      send();
    };
    for (let i = 0; i < IN_FLIGHT; i++) send();
  });
  await sleep(WARMUP_MS);
  counting = true;
  probe?.start();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  counting = false;
  const elapsed = performance.now() - t0;
  await probe?.end(acks);
  stopped = true;
  await closeAll(sockets);
  return (acks / elapsed) * 1000;
}

async function measure(mode: ServerMode, agentOwned = false, env?: Record<string, string>, cpu?: CpuRun[]): Promise<number[]> {
  const srv = await startChildServer(mode, [], { env });
  const out: number[] = [];
  try {
    for (let r = 0; r < RUNS; r++) {
      out.push(await ackRun([srv.url], r, agentOwned ? () => srv.claimAll() : undefined, cpu && cpuProbe(srv, cpu)));
      await Promise.race([srv.idle(), sleep(1500)]); // let queued AI turns finish (bounded) before the next run
    }
  } finally {
    await srv.kill();
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const rawCpu: CpuRun[] = [];
  const raw = await measure('raw', false, undefined, rawCpu);
  const durableCpu: CpuRun[] = [];
  const durable = await measure('raw-durable', false, undefined, durableCpu);
  const workerCpu: CpuRun[] = [];
  const worker = await measure('raw-durable-worker', false, undefined, workerCpu);
  const appCpu: CpuRun[] = [];
  const app = await measure('app', false, undefined, appCpu);
  const instantCpu: CpuRun[] = [];
  const instant = await measure('app-instant-ai', false, undefined, instantCpu);
  // Slack on, its emulation in a process of its own: each agent-owned message also queues its outbox row (the post to the thread).
  const slack = await startSlackProcess();
  let owned: number[];
  const ownedCpu: CpuRun[] = [];
  try {
    owned = await measure('app', true, slack.env, ownedCpu);
  } finally {
    await slack.stop();
  }
  const rawM = median(raw);
  const mk = (metric: string, runs: number[], note: string, cpu: CpuRun[]): Row => {
    const ours = median(runs);
    return { bench: 1, metric, unit: 'acks/s', ours, raw: rawM, ratio: ours / rawM, target: '≥ 0.5× raw', met: ours / rawM >= 0.5, note: `${note}; ${cpuNote(cpu)}`, oursRuns: runs, rawRuns: raw, runs: cpu };
  };
  const durableRows = writerRows(rawM, raw, rawCpu, [
    { label: 'SQLite on the main thread', acks: durable, cpu: durableCpu },
    { label: 'writer thread', acks: worker, cpu: workerCpu },
  ]);
  return [
    mk('acks/s, 200 sockets (built-in AI)', app, `each message also runs a built-in AI turn after its ack; ${SOCKETS} sockets × ${IN_FLIGHT} in flight, ${WINDOW_MS / 1000}s window after ${WARMUP_MS / 1000}s warm-up, ${RUNS} runs on one server process (fresh sockets and conversations each run)`, appCpu),
    mk('acks/s, 200 sockets (instant AI)', instant, INSTANT_AI_NOTE, instantCpu),
    mk('acks/s, 200 sockets (agent-owned, Slack on, no AI turn)', owned, 'Slack on (the emulation in its own process); every conversation claimed by an agent first: the AI stays quiet, so this is the gateway + durable storage path plus each message\'s Slack outbox row (validate, group commit, ack; the outbox posts to the thread after)', ownedCpu),
    ...durableRows,
  ];
}
