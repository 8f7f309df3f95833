/** 4. Memory per idle widget connection (after hello): the app vs a raw `ws` server, each in its own process. */
import { closeAll, connectMany, startChildServer, sleep, type Row, type ServerMode } from './lib';

// 10,000 sockets: the server child holds 10,000 fds and this process 10,000 (ulimit -n here is 20,000;
// raise it with `ulimit -n 65536` if yours is lower, or set BENCH_IDLE_SOCKETS=5000).
const N = Number(process.env.BENCH_IDLE_SOCKETS ?? 10_000);

async function measure(mode: ServerMode) {
  const srv = await startChildServer(mode);
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

export async function run(): Promise<Row[]> {
  const raw = await measure('raw');
  const app = await measure('app');
  const note = `${N} sockets after hello, one run each (median not taken: ~${Math.round(app.connectS)} s to connect ${N}); measured in the server process after gc; connect took ${app.connectS.toFixed(1)} s (app) / ${raw.connectS.toFixed(1)} s (raw)`;
  return [
    { bench: 4, metric: `RSS per idle connection (${N})`, unit: 'bytes', ours: app.rssPerConn, raw: raw.rssPerConn, ratio: app.rssPerConn / raw.rssPerConn, target: '≤ 1.5× raw', met: app.rssPerConn / raw.rssPerConn <= 1.5, note, runs: { app, raw } },
    { bench: 4, metric: `heapUsed per idle connection (${N})`, unit: 'bytes', ours: app.heapPerConn, raw: raw.heapPerConn, ratio: app.heapPerConn / raw.heapPerConn, target: '≤ 1.5× raw', met: app.heapPerConn / raw.heapPerConn <= 1.5 },
  ];
}
