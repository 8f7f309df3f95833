/**
 * 8. Customer-like load: 2,000 widget sockets, each sending at most one message per 150 ms (the
 * next one 150 ms after the previous send, or on its ack if that comes later), about 13,000
 * messages/s offered, with texts that vary; acks/s and send → ack p50/p99, the real app (built-in
 * AI) vs the raw `ws` echo under the same load, each server in its own process.
 */
import { closeAll, connectMany, median, percentile, RUNS, sleep, startChildServer, type BenchSocket, type Row, type ServerMode } from './lib';

export const SOCKETS = 2000;
export const PERIOD_MS = 150;
const WARMUP_MS = 500;
const WINDOW_MS = 2000;
const DRAIN_MS = 2000;

// Varied questions so that nothing downstream (the AI's search, its caches) sees one repeated string.
const OPENERS = ['Hi,', 'Hello!', 'Quick question:', 'Hey there.', 'Sorry to bother you,', 'Good morning.', ''];
const ASKS = [
  'how do I export my data to CSV', 'where can I see my invoices', 'can I change the plan for my team', 'why was my card declined',
  'how do I invite a colleague', 'is there an API for time tracking', 'can I connect GitHub milestones', 'how do I reset my password',
  'does the timeline sync with Slack', 'can I get a refund for last month', 'how do I turn on two-factor login', 'where is the SSO setting',
  'my board does not load', 'how many users are on the Starter plan', 'can I move a task between projects', 'what happens when the trial ends',
];
const TAILS = ['?', ' please?', ' — thanks!', '? It is urgent.', ' for project', '? Order', ' (workspace', '?!'];

export function customerText(n: number, socket: number): string {
  const h = Math.imul(n + 1, 2654435761) ^ Math.imul(socket + 7, 40503);
  const pick = <T,>(xs: T[], salt: number) => xs[((h >>> salt) & 0xffff) % xs.length]!;
  const tail = pick(TAILS, 3);
  const ref = /project|Order|workspace/.test(tail) ? ` ${1000 + ((h >>> 7) % 9000)}${tail.includes('(') ? ')' : ''}` : '';
  return `${pick(OPENERS, 11)} ${pick(ASKS, 5)}${tail}${ref}`.trim();
}

export interface CustomerRun {
  acksPerS: number;
  p50: number;
  p99: number;
  /** Messages sent in the window whose ack had not come DRAIN_MS after the last send. */
  lost: number;
}

/** One run over already-connected sockets (their hello done). */
export async function customerRun(sockets: BenchSocket[], tag: string): Promise<CustomerRun> {
  let stopped = false;
  let counting = false;
  let acks = 0;
  const lat: number[] = [];
  const waiting = new Map<string, number>(); // clientId → sent at, for messages sent in the window
  const timers: NodeJS.Timeout[] = [];
  sockets.forEach((s, si) => {
    let n = 0;
    let lastSent = 0;
    let outstanding = false;
    const send = () => {
      if (stopped) return;
      const id = `${tag}-${si}-${++n}`;
      lastSent = performance.now();
      outstanding = true;
      if (counting) waiting.set(id, lastSent);
      s.ws.send(JSON.stringify({ type: 'message', clientId: id, text: customerText(n, si) }));
    };
    s.onFrame = (f) => {
      if (f.type !== 'ack') return;
      const at = waiting.get(f.clientId);
      if (at !== undefined) {
        waiting.delete(f.clientId);
        lat.push(performance.now() - at);
      }
      if (counting) acks++;
      outstanding = false;
      const wait = lastSent + PERIOD_MS - performance.now();
      if (wait <= 0) send();
      else timers[si] = setTimeout(() => !outstanding && send(), wait);
    };
    // Spread the first sends over one period, as customers do not type in step.
    timers[si] = setTimeout(send, (si * PERIOD_MS) / sockets.length);
  });
  await sleep(WARMUP_MS);
  counting = true;
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  counting = false;
  stopped = true;
  const elapsed = performance.now() - t0;
  for (const t of timers) clearTimeout(t);
  const deadline = performance.now() + DRAIN_MS;
  while (waiting.size && performance.now() < deadline) await sleep(10);
  // Not acked by the end of the drain: counted at what they had waited so far (a lower bound).
  const end = performance.now();
  for (const t of waiting.values()) lat.push(end - t);
  for (const s of sockets) s.onFrame = () => {};
  return { acksPerS: (acks / elapsed) * 1000, p50: percentile(lat, 50), p99: percentile(lat, 99), lost: waiting.size };
}

async function measure(mode: ServerMode): Promise<CustomerRun[]> {
  const srv = await startChildServer(mode);
  const out: CustomerRun[] = [];
  try {
    const sockets = await connectMany(srv.url, SOCKETS, 200);
    try {
      for (let r = 0; r < RUNS; r++) {
        out.push(await customerRun(sockets, `${mode}${r}`));
        await Promise.race([srv.idle(), sleep(1000)]); // queued AI turns (bounded) before the next run
      }
    } finally {
      await closeAll(sockets);
    }
  } finally {
    await srv.kill();
  }
  return out;
}

export async function run(): Promise<Row[]> {
  const raw = await measure('raw');
  const app = await measure('app');
  const col = (xs: CustomerRun[], k: 'acksPerS' | 'p50' | 'p99') => xs.map((x) => x[k]);
  const lost = app.reduce((a, r) => a + r.lost, 0);
  const shape = `${SOCKETS} sockets, each at most one message per ${PERIOD_MS} ms (~${Math.round((SOCKETS * 1000) / PERIOD_MS).toLocaleString('en-US')}/s offered), varied texts; the real app with the built-in AI vs the \`ws\` echo, each in its own process; ${WINDOW_MS / 1000}s window after ${WARMUP_MS / 1000}s warm-up, ${RUNS} runs on one set of sockets`;
  const acks = { o: median(col(app, 'acksPerS')), r: median(col(raw, 'acksPerS')) };
  const p50 = { o: median(col(app, 'p50')), r: median(col(raw, 'p50')) };
  const p99 = { o: median(col(app, 'p99')), r: median(col(raw, 'p99')) };
  return [
    { bench: 8, metric: `acks/s, customer-like (${SOCKETS} sockets, ≤ 1 msg / ${PERIOD_MS} ms each)`, unit: 'acks/s', ours: acks.o, raw: acks.r, ratio: acks.o / acks.r, target: '≥ 0.9× raw', met: acks.o / acks.r >= 0.9, oursRuns: col(app, 'acksPerS'), rawRuns: col(raw, 'acksPerS'), note: shape },
    { bench: 8, metric: 'send→ack p50, customer-like', unit: 'ms', ours: p50.o, raw: p50.r, ratio: p50.o / p50.r, target: 'info', met: null, oursRuns: col(app, 'p50'), rawRuns: col(raw, 'p50') },
    {
      bench: 8, metric: 'send→ack p99, customer-like', unit: 'ms', ours: p99.o, raw: p99.r, ratio: p99.o / p99.r, target: 'p99 ≤ raw + 20 ms', met: p99.o <= p99.r + 20 && lost === 0,
      oursRuns: col(app, 'p99'), rawRuns: col(raw, 'p99'),
      ...(lost ? { note: `${lost} messages not acked ${DRAIN_MS / 1000} s after the last send (counted at their wait so far: p99 is a lower bound)` } : {}),
    },
  ];
}
