import fs from 'node:fs';
import os from 'node:os';
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

export interface Row {
  bench: number;
  metric: string;
  unit: string;
  ours: number | null;
  raw: number | null;
  /** ours / raw (or as stated in `ratioKind`). */
  ratio: number | null;
  target: string;
  met: boolean | null;
  note?: string;
  runs?: unknown;
  /** Every run's value behind `ours` / `raw` (their median): the table prints min / median / max. */
  oursRuns?: number[];
  rawRuns?: number[];
}

/** Every benchmark repeats its measurement this many times (fresh runs, short windows). */
export const RUNS = Math.max(1, Number(process.env.BENCH_RUNS) || 5);

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const idx = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[idx]!;
}

export function median(values: number[]): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '—';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toFixed(digits);
}

function spread(med: number | null, runs: number[] | undefined, digits = 2): string {
  if (!runs || runs.length < 2) return fmt(med, digits);
  return `${fmt(med, digits)} (${fmt(Math.min(...runs), digits)}–${fmt(Math.max(...runs), digits)})`;
}

const metLabel = (r: Row) => (r.met === null ? 'n/a' : r.met ? 'yes' : 'NO');

export function printTable(rows: Row[]): void {
  const head = ['#', 'metric', 'unit', 'ours med (min–max)', 'raw med (min–max)', 'ratio', 'target', 'met?'];
  const body = rows.map((r) => [String(r.bench), r.metric, r.unit, spread(r.ours, r.oursRuns), spread(r.raw, r.rawRuns), fmt(r.ratio), r.target, metLabel(r)]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const b of body) console.log(line(b));
  const notes = rows.filter((r) => r.note);
  if (notes.length) {
    console.log('\nNotes:');
    for (const r of notes) console.log(`  [${r.bench}] ${r.metric}: ${r.note}`);
  }
}

/** The README's table: median with (min–max) over the runs, the ratio of the medians. */
export function printMarkdown(rows: Row[], run: { commit: string; date: string; totalS: number }): void {
  console.log(`Measured at commit \`${run.commit}\` on ${run.date.slice(0, 10)}; the full run took ${Math.round(run.totalS)} s. Each cell: median (min–max) of the runs.\n`);
  console.log('| # | metric | ours | raw baseline | ratio | target | met |');
  console.log('|---|---|---|---|---|---|---|');
  const cell = (v: number | null, runs: number[] | undefined, unit: string) => (v === null ? '—' : `${spread(v, runs, v < 10 ? 2 : 1)} ${unit}`);
  for (const r of rows) {
    const met = r.met === null ? '—' : r.met ? 'yes' : '**no**';
    console.log(`| ${r.bench} | ${r.metric} | ${cell(r.ours, r.oursRuns, r.unit)} | ${cell(r.raw, r.rawRuns, r.unit)} | ${r.ratio === null ? '—' : `${fmt(r.ratio)}×`} | ${r.target} | ${met} |`);
  }
}

/** The commit measured (with `+dirty` when the checkout has uncommitted changes to tracked files). */
export function commitId(): string {
  try {
    const id = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim();
    return dirty ? `${id}+dirty` : id;
  } catch {
    return 'unknown';
  }
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model,
    cpuSpeedMHz: cpus[0]?.speed,
    totalMemMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

export function writeJson(file: string, data: unknown): void {
  fs.writeFileSync(file, JSON.stringify(data, null, 2) + '\n');
}

// ---------------------------------------------------------------------------------------------
// A server (the app or a raw `ws` echo) in a child process, so the load generator gets its own core
// and memory is measured on the server alone.

export type ServerMode = 'app' | 'app-instant-ai' | 'raw' | 'raw-durable' | 'raw-durable-worker' | 'raw-slack';

/** A server process's CPU time so far: its main thread's, its writer thread's if it has one, and the whole process's. */
export interface CpuSample {
  /** When it was taken (the server's monotonic clock, ns). */
  atNs: number;
  mainNs: number;
  /** Runnable but waiting for a core (another thread or process had it). */
  mainWaitNs: number;
  writerNs: number | null;
  writerWaitNs: number | null;
  processUs: NodeJS.CpuUsage;
  /** The durable raw servers' writer counters (bench/raw-durable.ts STAT). */
  writer?: Record<string, number>;
}

export interface ChildServer {
  url: string;
  mode: ServerMode;
  memory(): Promise<NodeJS.MemoryUsage>;
  idle(): Promise<void>;
  /** app modes: an agent claims every conversation with the AI; resolves with how many. */
  claimAll(): Promise<number>;
  cpu(): Promise<CpuSample>;
  stop(): Promise<void>;
  /** SIGKILL: skips the app's drain of queued AI turns (used between load runs). */
  kill(): Promise<void>;
  proc: ChildProcess;
}

const CHILD = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export interface ChildOptions {
  /** app modes: environment variables over the harness's defaults (DATABASE_URL, SLACK_*). */
  env?: Record<string, string>;
  /** app modes on PostgreSQL: hear the other instances on its LISTEN/NOTIFY channel. */
  peers?: boolean;
}

export function startChildServer(mode: ServerMode, extraArgs: string[] = [], options: ChildOptions = {}): Promise<ChildServer> {
  const proc = fork(CHILD, [mode, ...extraArgs], {
    execArgv: ['--expose-gc', '--import', 'tsx', ...(process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [])],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_APP_ENV: JSON.stringify(options.env ?? {}), BENCH_PEERS: options.peers ? '1' : '' },
  });
  let seq = 0;
  const waiting = new Map<number, (v: any) => void>();
  proc.on('message', (m: any) => {
    if (m && typeof m.reply === 'number') {
      waiting.get(m.reply)?.(m.value);
      waiting.delete(m.reply);
    }
  });
  const call = (cmd: string) =>
    new Promise<any>((resolve, reject) => {
      const id = ++seq;
      const t = setTimeout(() => reject(new Error(`child ${mode}: ${cmd} timed out`)), 60_000);
      waiting.set(id, (v) => {
        clearTimeout(t);
        resolve(v);
      });
      proc.send({ id, cmd });
    });
  return new Promise((resolve, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`child ${mode} exited early (${code})`)));
    proc.once('message', (m: any) => {
      if (!m?.url) return reject(new Error('child did not report url'));
      resolve({
        url: m.url,
        mode,
        proc,
        memory: () => call('mem'),
        idle: () => call('idle'),
        claimAll: () => call('claim-all'),
        cpu: () => call('cpu'),
        async kill() {
          proc.removeAllListeners('exit');
          const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
          proc.kill('SIGKILL');
          await exited;
        },
        async stop() {
          proc.removeAllListeners('exit');
          const exited = new Promise<void>((r) => (proc.exitCode !== null ? r() : proc.once('exit', () => r())));
          await call('stop').catch(() => {});
          const t = setTimeout(() => proc.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}

// ---------------------------------------------------------------------------------------------
// A lightweight widget-protocol client: the same code for the app and for the raw echo server.

export interface BenchSocket {
  ws: WebSocket;
  onFrame: ((f: any) => void) | null;
  close(): void;
}

export function connectWidget(baseUrl: string, timeoutMs = 20_000): Promise<BenchSocket> {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/widget/ws`, { perMessageDeflate: false });
  const s: BenchSocket = { ws, onFrame: null, close: () => ws.terminate() };
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      ws.terminate();
      reject(new Error('hello timed out'));
    }, timeoutMs);
    ws.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      if (f.type === 'welcome' && !s.onFrame) {
        clearTimeout(t);
        s.onFrame = () => {};
        resolve(s);
        return;
      }
      s.onFrame?.(f);
    });
    ws.once('open', () => ws.send(JSON.stringify({ type: 'hello', page: { url: 'http://127.0.0.1/bench' } })));
  });
}

/** Connects n sockets, `parallel` at a time; given several servers, socket i goes to server i mod their count. */
export async function connectMany(baseUrl: string | string[], n: number, parallel = 100): Promise<BenchSocket[]> {
  const urls = typeof baseUrl === 'string' ? [baseUrl] : baseUrl;
  const out: BenchSocket[] = [];
  for (let i = 0; i < n; i += parallel) {
    const batch = await Promise.all(Array.from({ length: Math.min(parallel, n - i) }, (_, j) => connectWidget(urls[(i + j) % urls.length]!)));
    out.push(...batch);
  }
  return out;
}

export async function closeAll(sockets: BenchSocket[]): Promise<void> {
  await Promise.all(
    sockets.map(
      (s) =>
        new Promise<void>((r) => {
          if (s.ws.readyState === WebSocket.CLOSED) return r();
          s.ws.once('close', () => r());
          s.ws.close();
          setTimeout(() => {
            s.ws.terminate();
            r();
          }, 2000).unref();
        }),
    ),
  );
}

export const INSTANT_AI_NOTE =
  "app-instant-ai = createApp's options.ai answers at once ('ok', confidence 1): every turn still runs (escalation checks, rules, the reply stored and sent), only the AI's own work is free";
