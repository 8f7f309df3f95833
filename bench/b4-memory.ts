/** 4. Memory per idle widget connection (after hello): the app vs a raw `ws` server, each in its own process. */
import { closeAll, connectMany, median, RUNS, startChildServer, sleep, type Row, type ServerMode } from './lib';

// 3,000 sockets: enough for the per-socket cost to dwarf RSS's page-sized noise (~13 MB of sockets),
// few enough that 2 × RUNS fresh processes fit in the bench's time budget. BENCH_IDLE_SOCKETS=10000
// for more (each side then holds 10,000 fds: raise `ulimit -n` if it is lower than 20,000).
const N = Number(process.env.BENCH_IDLE_SOCKETS ?? 3000);

async function measure(mode: ServerMode) {
  const srv = await startChildServer(mode, mode === 'raw' ? ['--preload-app'] : []);
  try {
    // A few sockets first so lazily created state (statement cache, JIT) is in the baseline.
    const warm = await connectMany(srv.url, 20, 20);
    await closeAll(warm);
    await sleep(200);
    const before = await srv.memory();
    const t0 = performance.now();
    const sockets = await connectMany(srv.url, N, 250);
    const connectS = (performance.now() - t0) / 1000;
    await sleep(500);
    const after = await srv.memory();
    await closeAll(sockets);
    return {
      rssPerConn: (after.rss - before.rss) / N,
      heapPerConn: (after.heapUsed - before.heapUsed) / N,
      connectS,
      before,
      after,
    };
  } finally {
    await srv.stop();
  }
}

type Measured = Awaited<ReturnType<typeof measure>>;

export async function run(): Promise<Row[]> {
  const raws: Measured[] = [];
  const apps: Measured[] = [];
  // Alternating, each in a fresh process: RSS moves by several hundred bytes per connection between runs.
  for (let i = 0; i < RUNS; i++) {
    raws.push(await measure('raw'));
    apps.push(await measure('app'));
  }
  const m = (xs: typeof apps, k: 'rssPerConn' | 'heapPerConn' | 'connectS') => median(xs.map((x) => x[k]));
  const note = `${N} sockets after hello, median of ${RUNS} fresh server processes each; measured in the server process after gc; connecting took ${m(apps, 'connectS').toFixed(1)} s (app: each hello stores a visitor and a conversation) / ${m(raws, 'connectS').toFixed(1)} s (raw)`;
  const row = (metric: string, k: 'rssPerConn' | 'heapPerConn', withNote: boolean): Row => {
    const ours = m(apps, k);
    const raw = m(raws, k);
    return {
      bench: 4, metric, unit: 'bytes', ours, raw, ratio: ours / raw, target: '≤ 1.5× raw', met: ours / raw <= 1.5,
      ...(withNote ? { note } : {}),
      oursRuns: apps.map((a) => a[k]), rawRuns: raws.map((r) => r[k]),
    };
  };
  return [row(`RSS per idle connection (${N})`, 'rssPerConn', true), row(`heapUsed per idle connection (${N})`, 'heapPerConn', false)];
}
