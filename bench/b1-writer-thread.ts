/**
 * Benchmark 1's question for issue 19: on this machine, what does moving the writer (statements,
 * commit, fsync) to its own thread buy? The durable raw servers (bench/raw-durable.ts) are measured
 * with the SQLite work on the main thread and on a writer thread, and during each window the CPU
 * time of the server's threads, of the load generator and of the whole machine is sampled, so the
 * table shows both acks/s and where the time went.
 */
import fs from 'node:fs';
import os from 'node:os';
import { median, type ChildServer, type CpuSample, type Row } from './lib';

/** Called by ackRun as its counting window opens and closes (with the acks counted in it). */
export interface WindowProbe {
  start(): void;
  end(acks: number): Promise<void>;
}

/** One window's CPU, as totals. */
export interface CpuRun {
  acks: number;
  /** The server's own clock between its two samples. */
  serverNs: number;
  mainNs: number;
  /** Runnable but not running: the core was taken (by the load generator, another thread, another process). */
  mainWaitNs: number;
  writerNs: number | null;
  writerWaitNs: number | null;
  processUs: number;
  /** This process (the load generator) over its window. */
  loadGenUs: number;
  loadGenMs: number;
  /** Cores busy on the whole machine (every process, ours or not) over the window. */
  machineBusyCores: number;
  /** The durable raw servers' writer counters over the window. */
  writer?: Record<string, number>;
}

/** Busy and total jiffies of all cores (/proc/stat's first line: idle and iowait are not busy). */
function machineJiffies(): { busy: number; total: number } {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - f[3]! - f[4]!, total };
}

export function cpuProbe(srv: ChildServer, into: CpuRun[]): WindowProbe {
  let s0: Promise<CpuSample>;
  let l0: NodeJS.CpuUsage;
  let t0: number;
  let m0: { busy: number; total: number };
  return {
    start() {
      s0 = srv.cpu();
      l0 = process.cpuUsage();
      t0 = performance.now();
      m0 = machineJiffies();
    },
    async end(acks) {
      const l = process.cpuUsage(l0);
      const loadGenMs = performance.now() - t0;
      const m1 = machineJiffies();
      const s1 = await srv.cpu();
      const a = await s0;
      into.push({
        acks,
        serverNs: s1.atNs - a.atNs,
        mainNs: s1.mainNs - a.mainNs,
        mainWaitNs: s1.mainWaitNs - a.mainWaitNs,
        writerNs: s1.writerNs === null || a.writerNs === null ? null : s1.writerNs - a.writerNs,
        writerWaitNs: s1.writerWaitNs === null || a.writerWaitNs === null ? null : s1.writerWaitNs - a.writerWaitNs,
        processUs: s1.processUs.user + s1.processUs.system - a.processUs.user - a.processUs.system,
        loadGenUs: l.user + l.system,
        loadGenMs,
        machineBusyCores: ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * os.cpus().length,
        ...(s1.writer && a.writer ? { writer: Object.fromEntries(Object.entries(s1.writer).map(([k, v]) => [k, v - a.writer![k]!])) } : {}),
      });
    },
  };
}

const perAck = (runs: CpuRun[], f: (r: CpuRun) => number) => runs.map((r) => f(r) / r.acks);
/** A thread's share of one core over the server's window. */
const cores = (runs: CpuRun[], ns: (r: CpuRun) => number) => median(runs.map((r) => ns(r) / r.serverNs));
const µs = (v: number) => v.toFixed(1);

/** Where a row's time went: each thread's CPU per ack and share of a core, the load generator's, the machine's. */
export function cpuNote(runs: CpuRun[]): string {
  const main = cores(runs, (r) => r.mainNs);
  const writer = runs[0]?.writerNs === null ? null : cores(runs, (r) => r.writerNs!);
  const proc = cores(runs, (r) => r.processUs * 1000);
  const gen = median(runs.map((r) => (r.loadGenUs * 1000) / (r.loadGenMs * 1e6)));
  return (
    `per ack: main thread ${µs(median(perAck(runs, (r) => r.mainNs / 1000)))} µs` +
    (writer === null ? '' : `, writer thread ${µs(median(perAck(runs, (r) => r.writerNs! / 1000)))} µs`) +
    `, server process ${µs(median(perAck(runs, (r) => r.processUs)))} µs, load generator ${µs(median(perAck(runs, (r) => r.loadGenUs)))} µs; ` +
    `share of the window: main thread running ${main.toFixed(2)}, waiting for a core ${cores(runs, (r) => r.mainWaitNs).toFixed(2)}` +
    (writer === null ? '' : `; writer thread running ${writer.toFixed(2)}, waiting for a core ${cores(runs, (r) => r.writerWaitNs!).toFixed(2)}`) +
    `; cores busy: server process ${proc.toFixed(2)}, ` +
    `load generator ${gen.toFixed(2)}, whole machine ${median(runs.map((r) => r.machineBusyCores)).toFixed(2)} of ${os.cpus().length}` +
    (runs[0]?.writer ? `; writer: ${writerNote(runs)}` : '') +
    ' (medians of the runs)'
  );
}

/** Messages per commit, time per commit (statements and COMMIT, on the writer's thread) and per fsync (waited for on the thread pool). */
function writerNote(runs: CpuRun[]): string {
  type Counters = Record<'commits' | 'messages' | 'commitNs' | 'fsyncs' | 'fsyncNs', number>;
  const w = (f: (x: Counters) => number) => median(runs.map((r) => f(r.writer as Counters)));
  return (
    `${w((x) => x.messages / x.commits).toFixed(0)} messages per commit, ${(w((x) => x.commitNs / x.commits) / 1e6).toFixed(2)} ms per commit ` +
    `(${(w((x) => x.commitNs / x.messages) / 1e3).toFixed(1)} µs per message), ${(w((x) => x.fsyncNs / x.fsyncs) / 1e6).toFixed(2)} ms per fsync, ` +
    `${w((x) => x.commits / x.fsyncs).toFixed(1)} commits per fsync`
  );
}

export interface WriterCase {
  label: string;
  acks: number[];
  cpu: CpuRun[];
}

/** acks/s of each durable raw server against the echo, and each one's main-thread CPU per ack against the echo's. */
export function writerRows(rawM: number, rawRuns: number[], rawCpu: CpuRun[], cases: WriterCase[]): Row[] {
  const rows: Row[] = [];
  const echoMain = perAck(rawCpu, (r) => r.mainNs / 1000);
  const echoMainM = median(echoMain);
  for (const c of cases) {
    const ours = median(c.acks);
    rows.push({
      bench: 1, metric: `acks/s, 200 sockets (raw durable server, ${c.label})`, unit: 'acks/s', ours, raw: rawM, ratio: ours / rawM, target: 'info', met: null,
      note: `no app: a lean ws server that stores each message as bench 5's batched raw loop (app schema, seq in memory, one transaction per tick, acked after the WAL fsync) and echoes + acks it (bench/raw-durable.ts); ${cpuNote(c.cpu)}`,
      oursRuns: c.acks, rawRuns, runs: c.cpu,
    });
  }
  for (const c of cases) {
    const main = perAck(c.cpu, (r) => r.mainNs / 1000);
    const mainM = median(main);
    rows.push({
      bench: 1, metric: `main-thread CPU per ack (raw durable server, ${c.label})`, unit: 'µs', ours: mainM, raw: echoMainM, ratio: mainM / echoMainM, target: 'info', met: null,
      oursRuns: main, rawRuns: echoMain,
      ...(c === cases[0] ? { note: `the echo: ${cpuNote(rawCpu)}` } : {}),
    });
    if (c.cpu[0]?.writerNs != null) {
      const writer = perAck(c.cpu, (r) => r.writerNs! / 1000);
      rows.push({ bench: 1, metric: `writer-thread CPU per ack (raw durable server, ${c.label})`, unit: 'µs', ours: median(writer), raw: null, ratio: null, target: 'info', met: null, oursRuns: writer });
    }
  }
  return rows;
}
