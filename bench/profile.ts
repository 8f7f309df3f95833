/**
 * CPU-profiles the app server under one benchmark's load and prints its top functions by self time,
 * counting only the samples taken while the load ran (not start-up, not the drain):
 *
 *   npx tsx bench/profile.ts [mode]      (or `npm run bench:profile -- mode`)
 *
 * modes: app | app-instant-ai | agent-owned (benchmark 1's load: 200 sockets × 4 in flight),
 * latency (benchmark 2's: 1,000 messages/s, built-in AI), customer (benchmark 8's: 2,000 sockets,
 * ≤ 1 message / 150 ms each, built-in AI), postgres (benchmark 1's load, instant AI, on a throwaway
 * PostgreSQL). Writes the .cpuprofile to /tmp/handoff-prof/<mode> (open it in Chrome's DevTools).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ackRun } from './b1-throughput';
import { latencyRun } from './b2-latency';
import { customerRun, SOCKETS as CUSTOMER_SOCKETS } from './b8-customer';
import { closeAll, connectMany, startChildServer, type ChildOptions, type ServerMode } from './lib';
import { startSlackProcess } from './slack-process';
import { startPostgres } from '../test/support/postgres-server';

const MODES = ['app', 'app-instant-ai', 'agent-owned', 'latency', 'customer', 'postgres'] as const;
type Mode = (typeof MODES)[number];
const mode = (process.argv[2] ?? 'app-instant-ai') as Mode;
if (!MODES.includes(mode)) {
  console.error(`usage: tsx bench/profile.ts [${MODES.join('|')}]`);
  process.exit(2);
}
const TOP = Number(process.env.PROFILE_TOP) || 15;

const dir = path.join('/tmp/handoff-prof', mode);
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
process.env.BENCH_CPU_PROF = dir;

/** The monotonic clock V8's profiles use (CLOCK_MONOTONIC, µs), shared by every process here. */
const nowUs = () => Number(process.hrtime.bigint() / 1000n);

/** Load runs profiled, one after the other (each of benchmarks 1 and 2 is short). */
const RUNS = 3;
const pg = mode === 'postgres' ? await startPostgres({ durable: true }) : null;
// Agent-owned runs with Slack on, as in benchmark 1 (each message's outbox row is part of its cost).
const slack = mode === 'agent-owned' ? await startSlackProcess() : null;
const options: ChildOptions = pg ? { env: { DATABASE_URL: await pg.createDatabase() } } : slack ? { env: slack.env } : {};
const serverMode: ServerMode = mode === 'app-instant-ai' || mode === 'postgres' ? 'app-instant-ai' : 'app';
const srv = await startChildServer(serverMode, [], options);
let window: [number, number];
let inWindow = (at: number) => at >= window[0] && at <= window[1];
let summary: string;
try {
  if (mode === 'latency') {
    const t0 = nowUs();
    const rs = [];
    for (let r = 0; r < RUNS; r++) rs.push(await latencyRun([srv.url], `profile${r}`));
    window = [t0, nowUs()];
    summary = `send→ack p99 ${rs.map((r) => r.p99.toFixed(1)).join(' / ')} ms`;
  } else if (mode === 'customer') {
    const sockets = await connectMany(srv.url, CUSTOMER_SOCKETS, 200);
    const t0 = nowUs();
    const r = await customerRun(sockets, 'profile');
    window = [t0, nowUs()];
    summary = `acks/s ${Math.round(r.acksPerS)}, p99 ${r.p99.toFixed(1)} ms`;
    await closeAll(sockets);
  } else {
    // Samples are kept only while messages flow (from each run's connect to its end).
    let t0 = 0;
    const acks: number[] = [];
    const windows: [number, number][] = [];
    for (let r = 0; r < RUNS; r++) {
      acks.push(
        await ackRun([srv.url], `profile${r}`, async () => {
          if (mode === 'agent-owned') await srv.claimAll();
          t0 = nowUs();
        }),
      );
      windows.push([t0, nowUs()]);
    }
    window = [windows[0]![0], windows.at(-1)![1]];
    inWindow = (at) => windows.some(([a, b]) => at >= a && at <= b);
    summary = `acks/s ${acks.map((a) => Math.round(a)).join(' / ')}`;
  }
} finally {
  await srv.stop();
  await pg?.stop();
  await slack?.stop();
}

// CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: the main thread is 0 (others: module loader hooks, workers).
const file = fs.readdirSync(dir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
if (!file) throw new Error(`no profile written in ${dir}`);
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
const prof = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
};
const self = new Map<number, number>();
let at = prof.startTime;
let total = 0;
prof.samples.forEach((id, i) => {
  const dt = prof.timeDeltas[i] ?? 0;
  at += dt;
  if (!inWindow(at)) return;
  self.set(id, (self.get(id) ?? 0) + dt);
  total += dt;
});
const byFunction = new Map<string, number>();
for (const n of prof.nodes) {
  const t = self.get(n.id);
  if (!t) continue;
  const cf = n.callFrame;
  const where = cf.url ? ` ${cf.url.replace(/^.*\/(node_modules|src)\//, '$1/').replace(/^file:\/\//, '')}:${cf.lineNumber + 1}` : '';
  const k = `${cf.functionName || '(anonymous)'}${where}`;
  byFunction.set(k, (byFunction.get(k) ?? 0) + t);
}
console.log(`${mode}: ${summary}; ${(total / 1000).toFixed(0)} ms of samples in the load window`);
console.log(`profile ${path.join(dir, file)}`);
for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${((100 * t) / total).toFixed(1).padStart(5)}%  ${k}`);
