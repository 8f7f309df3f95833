/** 2. Send → ack latency at 1,000 messages/s offered (open loop over 50 sockets), vs a raw `ws` echo. */
import { closeAll, connectMany, INSTANT_AI_NOTE, median, percentile, RUNS, sleep, startChildServer, type Row, type ServerMode } from './lib';

export const SOCKETS = 50;
export const RATE = 1000;
export const DURATION_MS = 1500;
export const DRAIN_MS = 1000;
const SETTLE_MS = 3000;

/** One open-loop run. Several servers (instances of one deployment): the sockets are spread over them round robin. */
export async function latencyRun(urls: string[], run: number | string): Promise<{ p50: number; p99: number; lost: number }> {
  const sockets = await connectMany(urls, SOCKETS, 50);
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  for (const s of sockets) {
    s.onFrame = (f) => {
      if (f.type !== 'ack') return;
      const t = sentAt.get(f.clientId);
      if (t !== undefined) {
        lat.push(performance.now() - t);
        sentAt.delete(f.clientId);
      }
    };
  }
  const total = Math.round((RATE * DURATION_MS) / 1000);
  let sent = 0;
  const t0 = performance.now();
  // Open loop: every tick sends whatever the schedule says is due, whether or not acks came back.
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * RATE) / 1000));
    while (sent < due) {
      const id = `L${run}-${sent}`;
      const s = sockets[sent % SOCKETS]!;
      sentAt.set(id, performance.now());
      s.ws.send(JSON.stringify({ type: 'message', clientId: id, text: `Where can I see my invoices? ${sent}` }));
      sent++;
    }
    await sleep(1);
  }
  const deadline = performance.now() + DRAIN_MS;
  while (sentAt.size && performance.now() < deadline) await sleep(10);
  const lost = sentAt.size;
  // Not acked by the end of the drain: counted at what they had waited so far (a lower bound).
  const end = performance.now();
  for (const t of sentAt.values()) lat.push(end - t);
  await closeAll(sockets);
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), lost };
}

async function measure(mode: ServerMode) {
  const out: { p50: number; p99: number; lost: number }[] = [];
  const srv = await startChildServer(mode);
  try {
    const warm = await connectMany(srv.url, 10, 10); // JIT and statement cache
    await closeAll(warm);
    for (let r = 0; r < RUNS; r++) {
      out.push(await latencyRun([srv.url], r));
      // An overloaded run leaves a backlog of AI turns: let it drain (bounded) so it does not spill into the next.
      await Promise.race([srv.idle(), sleep(SETTLE_MS)]);
    }
  } finally {
    await srv.kill();
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const raw = await measure('raw');
  const app = await measure('app');
  const inst = await measure('app-instant-ai');
  // Issue 19: the durable raw servers of benchmark 1 (bench/raw-durable.ts): what a writer thread does to latency.
  const durable = await measure('raw-durable');
  const worker = await measure('raw-durable-worker');
  const rows: Row[] = [];
  const rp50 = median(raw.map((r) => r.p50));
  const rp99 = median(raw.map((r) => r.p99));
  for (const [label, runs, note] of [
    ['built-in AI', app, `each message also runs a built-in AI turn; ${RATE}/s over ${SOCKETS} sockets for ${DURATION_MS / 1000}s, ${RUNS} runs on one server process warmed up by 10 connections, its queued AI turns drained (≤ ${SETTLE_MS / 1000} s) between runs`],
    ['instant AI', inst, INSTANT_AI_NOTE],
  ] as const) {
    const p50 = median(runs.map((r) => r.p50));
    const p99 = median(runs.map((r) => r.p99));
    const lost = runs.reduce((a, r) => a + r.lost, 0);
    const col = (xs: typeof raw, k: 'p50' | 'p99') => xs.map((x) => x[k]);
    rows.push({ bench: 2, metric: `send→ack p50 @1k/s (${label})`, unit: 'ms', ours: p50, raw: rp50, ratio: p50 / rp50, target: 'info', met: null, oursRuns: col(runs, 'p50'), rawRuns: col(raw, 'p50') });
    rows.push({
      bench: 2, metric: `send→ack p99 @1k/s (${label})`, unit: 'ms', ours: p99, raw: rp99, ratio: p99 / rp99, target: 'p99 ≤ raw + 5 ms', met: p99 <= rp99 + 5 && lost === 0,
      oursRuns: col(runs, 'p99'), rawRuns: col(raw, 'p99'),
      note: `${note}${lost ? `; ${lost} of ${RUNS * RATE * DURATION_MS / 1000} messages not acked ${DRAIN_MS / 1000} s after the last send (counted at their wait so far, so p99 is a lower bound)` : ''}`,
    });
  }
  for (const [label, runs] of [['SQLite on the main thread', durable], ['writer thread', worker]] as const) {
    const p99 = median(runs.map((r) => r.p99));
    const lost = runs.reduce((a, r) => a + r.lost, 0);
    rows.push({
      bench: 2, metric: `send→ack p99 @1k/s (raw durable server, ${label})`, unit: 'ms', ours: p99, raw: rp99, ratio: p99 / rp99, target: 'info', met: null,
      oursRuns: runs.map((r) => r.p99), rawRuns: raw.map((r) => r.p99),
      note: `no app: benchmark 1's durable raw server (stored as bench 5's batched raw loop, acked after the WAL fsync); p50 ${median(runs.map((r) => r.p50)).toFixed(2)} ms${lost ? `; ${lost} not acked within the drain` : ''}`,
    });
  }
  return rows;
}
