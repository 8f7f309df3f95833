/**
 * 3. Agent reply path: a signed Slack message event (a thread reply on a claimed handoff) in → the
 * widget's agent message frame out, at 200 events/s open loop; vs a raw HTTP server that checks the
 * signature, answers 200 and forwards the text to a `ws` socket. `B3_CALLS=1` prints the Slack Web
 * API calls the app made during each run (there should be none per event).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { ACTION } from '../src/slack/ids';
import type { SlackDriver } from '../test/support/slack-driver';
import { SLACK_IDS, type SlackEmulator } from '../test/support/slack-emulator';
import { slackSignatureHeaders } from '../test/support/slack-signing';
import { SIGNING_SECRET } from '../test/support/slack-stack';
import { WidgetClient } from '../test/support/widget-client';
import { median, percentile, RUNS, sleep, startChildServer, type ChildServer, type Row } from './lib';
import { prepareReplies } from './slack-events';
import { startSlackProcess, type SlackProcess } from './slack-process';

export const C = SLACK_IDS.support;
export const RATE = 200;
export const DURATION_MS = 2000;
const WARMUP_MS = 1000;
export const AGENTS = [SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus];

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
function postSigned(url: string, body: string): Promise<number> {
  const headers = slackSignatureHeaders(SIGNING_SECRET, body);
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end(body);
  });
}

export interface Target {
  agent: string;
  threadTs: string;
  ws: WebSocket;
  /** Where this thread's events go, if not to runLoad's url (another instance than the socket's). */
  eventUrl?: string;
}

/** One open-loop run of thread replies, round robin over the targets (by default RATE for DURATION_MS). */
export type Prepare = (targets: { agent: string; threadTs: string }[], tag: string, total: number) => Promise<{ key: string; target: number; body: string }[]>;

/** Prepares replies with an emulator in this process (benchmark 7). */
export const inProcess = (emulator: SlackEmulator): Prepare => async (targets, tag, total) => prepareReplies(emulator, targets, tag, total);

export async function runLoad(
  url: string,
  prepare: Prepare,
  targets: Target[],
  tag: string,
  { rate = RATE, durationMs = DURATION_MS }: { rate?: number; durationMs?: number } = {},
) {
  const sentAt = new Map<string, number>();
  const lat: number[] = [];
  const statuses: { ok: boolean; ms: number }[] = [];
  const listeners = targets.map((t) => {
    const fn = (data: WebSocket.RawData) => {
      const f = JSON.parse(String(data));
      if (f.type !== 'message' || f.role !== 'agent') return;
      const m = /bench(\w+?)x(\d+)/.exec(f.text);
      if (!m) return;
      const key = `${m[1]}x${m[2]}`;
      const at = sentAt.get(key);
      if (at !== undefined) {
        lat.push(performance.now() - at);
        sentAt.delete(key);
      }
    };
    t.ws.on('message', fn);
    return () => t.ws.off('message', fn);
  });
  const total = Math.round((rate * durationMs) / 1000);
  // Prepared before the clock starts: the emulator's thread replies and their event envelopes.
  const prepared = (await prepare(targets.map((t) => ({ agent: t.agent, threadTs: t.threadTs })), tag, total)).map((p) => ({ ...p, url: targets[p.target]!.eventUrl ?? url }));
  const inflight: Promise<void>[] = [];
  let sent = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - t0) * rate) / 1000));
    while (sent < due) {
      const { key, url: to, body } = prepared[sent]!;
      const at = performance.now();
      sentAt.set(key, at);
      inflight.push(
        postSigned(to, body).then(
          (status) => void statuses.push({ ok: status === 200, ms: performance.now() - at }),
          () => void statuses.push({ ok: false, ms: Infinity }),
        ),
      );
      sent++;
    }
    await sleep(2);
  }
  await Promise.all(inflight);
  const deadline = performance.now() + 5000;
  while (sentAt.size && performance.now() < deadline) await sleep(10);
  for (const off of listeners) off();
  const within3s = statuses.filter((x) => x.ok && x.ms <= 3000).length / total;
  return { p50: percentile(lat, 50), p99: percentile(lat, 99), within3s, lost: sentAt.size };
}

/** Claims a conversation's handoff card as `agent`, through side `side`; resolves with the card's ts (its thread). */
export type Claim = (side: number, conversationId: string, agent: string) => Promise<string>;

/** Claim with an emulator in this process (benchmark 7), each side through its own driver. */
export const claimInProcess = (emulator: SlackEmulator, drivers: SlackDriver[]): Claim => async (side, conversationId, agent) => {
  // The handoff card (a parent message: thread_ts is its own ts once it has replies, as in Slack).
  const card = await emulator.waitForMessage(C, (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(conversationId), 10_000);
  const res = await drivers[side]!.blockAction(agent, { actionId: ACTION.claim, message: emulator.message(C, card.ts)!, channel: C });
  if (res.status !== 200) throw new Error(`claim failed: ${res.status}`);
  return card.ts;
};

/**
 * One claimed handoff per agent (the targets of runLoad). Agent i's customer talks to
 * sides[i mod n].widgetUrl and the agent acts (claims, and its thread's events go) through side
 * i mod n's eventUrl: the same instance, or another one to cross between instances.
 */
export async function claimTargets(sides: { widgetUrl: string; eventUrl: string }[], claim: Claim): Promise<{ targets: Target[]; clients: WidgetClient[] }> {
  const targets: Target[] = [];
  const clients: WidgetClient[] = [];
  try {
    for (const [i, agent] of AGENTS.entries()) {
      const side = sides[i % sides.length]!;
      const w = await WidgetClient.connect(side.widgetUrl);
      clients.push(w);
      const welcome = await w.hello();
      w.send({ type: 'message', clientId: 'c1', text: 'I need to talk to a person about my invoice' });
      await w.next('ack');
      w.send({ type: 'request_human' });
      const threadTs = await claim(i % sides.length, welcome.conversationId, agent);
      await w.next('message', (f) => f.role === 'agent', 10_000);
      targets.push({ agent, threadTs, ws: w.ws, eventUrl: side.eventUrl });
    }
  } catch (err) {
    for (const w of clients) w.close();
    throw err;
  }
  return { targets, clients };
}

export function startRaw(): Promise<{ url: string; sockets: Map<string, WebSocket>; close(): Promise<void> }> {
  const sockets = new Map<string, WebSocket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const ts = String(req.headers['x-slack-request-timestamp'] ?? '');
      const sig = Buffer.from(String(req.headers['x-slack-signature'] ?? ''));
      const want = Buffer.from(`v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`);
      if (sig.length !== want.length || !timingSafeEqual(sig, want)) {
        res.statusCode = 401;
        return res.end();
      }
      res.end();
      const ev = JSON.parse(body).event;
      sockets.get(ev?.thread_ts)?.send(JSON.stringify({ type: 'message', role: 'agent', text: ev.text, seq: 0, id: ev.ts, at: new Date().toISOString() }));
    });
  });
  const wss = new WebSocketServer({ server, path: '/widget/ws' });
  wss.on('connection', (ws, req) => sockets.set(new URL(req.url!, 'http://x').searchParams.get('thread')!, ws));
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
        sockets,
        async close() {
          for (const c of wss.clients) c.terminate();
          await new Promise<void>((r) => wss.close(() => r()));
          server.closeAllConnections();
          await new Promise<void>((r) => server.close(() => r()));
        },
      }),
    ),
  );
}

/** Opens one socket per thread on the raw forwarder (it forwards a thread's replies to its socket). */
async function rawTargets(rawUrl: string, slack: SlackProcess): Promise<Target[]> {
  const out: Target[] = [];
  for (const agent of AGENTS) {
    const threadTs = await slack.thread(agent);
    const ws = new WebSocket(`${rawUrl.replace('http', 'ws')}/widget/ws?thread=${threadTs}`);
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    out.push({ agent, threadTs, ws });
  }
  return out;
}

type Run = Awaited<ReturnType<typeof runLoad>>;

export async function run(): Promise<Row[]> {
  // Four processes: the Slack emulation, the app, the raw forwarder, and this one (the load and the widget sockets).
  const slack = await startSlackProcess();
  const servers: ChildServer[] = [];
  const widgets: WidgetClient[] = [];
  const rawSockets: Target[] = [];
  try {
    const app = await startChildServer('app', [], { env: slack.env });
    servers.push(app);
    const raw = await startChildServer('raw-slack');
    servers.push(raw);
    const appEvents = `${app.url}/slack/events`;
    const rawEvents = `${raw.url}/slack/events`;
    await slack.available(appEvents, AGENTS);
    const { targets, clients } = await claimTargets([{ widgetUrl: app.url, eventUrl: appEvents }], (_side, id, agent) => slack.claim(appEvents, id, agent));
    widgets.push(...clients);
    rawSockets.push(...(await rawTargets(raw.url, slack)));
    const prepare: Prepare = (t, tag, total) => slack.prepare(t, tag, total);
    const settle = () => Promise.race([app.idle(), sleep(2000)]);
    // Warm-up, both sides: JIT, Bolt's first requests, keep-alive connections.
    await runLoad(rawEvents, prepare, rawSockets, 'rw', { durationMs: WARMUP_MS });
    await runLoad(appEvents, prepare, targets, 'w', { durationMs: WARMUP_MS });
    await settle();
    const before = await slack.calls();
    const ours: Run[] = [];
    const base: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      base.push(await runLoad(rawEvents, prepare, rawSockets, `r${i}`));
      ours.push(await runLoad(appEvents, prepare, targets, `o${i}`));
      await settle();
    }
    if (process.env.B3_CALLS) {
      const after = await slack.calls();
      console.error('[bench 3] Web API calls during the runs:', Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v)));
    }
    const col = (xs: Run[], k: 'p50' | 'p99' | 'within3s') => xs.map((x) => (k === 'within3s' ? 100 * x[k] : x[k]));
    const lost = ours.reduce((a, r) => a + r.lost, 0);
    const note = `${RATE} events/s open loop for ${DURATION_MS / 1000}s × ${RUNS} runs, alternating with the raw forwarder, after a ${WARMUP_MS / 1000}s warm-up of each; thread replies on ${targets.length} claimed handoffs (one per agent); the app (built-in AI, Slack on), the Slack emulation, the raw forwarder and the load generator each in its own process${lost ? `; ${lost} replies never reached the widget within 5 s` : ''}`;
    const row = (metric: string, k: 'p50' | 'p99', withNote: boolean): Row => {
      const o = median(col(ours, k));
      const r = median(col(base, k));
      return { bench: 3, metric, unit: 'ms', ours: o, raw: r, ratio: o / r, target: 'info', met: null, oursRuns: col(ours, k), rawRuns: col(base, k), ...(withNote ? { note } : {}) };
    };
    return [
      row(`Slack event → widget frame p50 @${RATE}/s`, 'p50', false),
      row(`Slack event → widget frame p99 @${RATE}/s`, 'p99', true),
      {
        bench: 3, metric: 'events acked HTTP 200 within 3 s (worst run)', unit: '%', ours: Math.min(...col(ours, 'within3s')), raw: Math.min(...col(base, 'within3s')), ratio: null,
        target: '100%', met: ours.every((r) => r.within3s === 1), oursRuns: col(ours, 'within3s'), rawRuns: col(base, 'within3s'),
      },
    ];
  } finally {
    for (const w of widgets) w.close();
    for (const t of rawSockets) t.ws.terminate();
    await Promise.all(servers.map((s) => s.kill()));
    await slack.stop();
  }
}
