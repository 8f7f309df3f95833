import net from 'node:net';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { WidgetClient } from './support/widget-client';

/** Short limits so a test sees them fire; the defaults are 10 s / 30 s / 120 s. */
const LIMITS = { headersTimeoutMs: 1000, requestTimeoutMs: 1500, idleTimeoutMs: 1000 };
/** However slow the machine, a limit that works closes the connection well before this. */
const DEADLINE_MS = 15_000;

/** Opens a widget socket with these request headers; rejects with `HTTP <status>` when refused. */
function openSocket(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/widget/ws`, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

function closeAll(sockets: WebSocket[]): Promise<unknown> {
  return Promise.all(
    sockets.map((s) => (s.readyState === s.CLOSED ? null : new Promise((r) => (s.once('close', r), s.close())))),
  );
}

/** The log lines written while the app runs, parsed. */
function logSink() {
  const lines: Record<string, unknown>[] = [];
  return { lines, write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) };
}

interface RawConnection {
  socket: net.Socket;
  /** Resolves with how long after connecting the server closed it; rejects after DEADLINE_MS. */
  closed: Promise<number>;
  /** What the server wrote before closing. */
  received: () => string;
}

/** A raw TCP connection that writes `first`, then `drip` every `everyMs` until the server closes it. */
function rawConnection(url: string, first: string, drip?: string, everyMs = 200): RawConnection {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), '127.0.0.1');
  const started = Date.now();
  let received = '';
  socket.on('data', (d) => (received += d.toString()));
  socket.on('error', () => {}); // a reset is a close here
  let timer: NodeJS.Timeout | undefined;
  socket.once('connect', () => {
    if (first) socket.write(first);
    if (drip) timer = setInterval(() => socket.writable && socket.write(drip), everyMs);
  });
  const closed = new Promise<number>((resolve, reject) => {
    const deadline = setTimeout(() => {
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    socket.once('close', () => {
      clearTimeout(deadline);
      clearInterval(timer);
      resolve(Date.now() - started);
    });
  });
  return { socket, closed, received: () => received };
}

describe('X-Forwarded-For and the per-address socket limit', () => {
  let t: TestApp | undefined;
  afterAll(async () => {
    if (t) {
      await t.stop();
      removeDir(t.dir);
    }
  });

  it('by default ignores X-Forwarded-For: spoofed addresses still count as one, and WIDGET_MAX_SOCKETS_PER_IP=N refuses the N+1th with 429', async () => {
    const log = logSink();
    t = await startTestApp({ WIDGET_MAX_SOCKETS_PER_IP: '3', LOG_LEVEL: 'warn' }, { logDestination: log });
    const open: WebSocket[] = [];
    for (let i = 1; i <= 3; i++) open.push(await openSocket(t.url, { 'x-forwarded-for': `203.0.113.${i}` }));
    await expect(openSocket(t.url, { 'x-forwarded-for': '203.0.113.99' })).rejects.toThrow(/HTTP 429/);
    await expect(openSocket(t.url)).rejects.toThrow(/HTTP 429/);
    // The refusal is logged under the real address, not the one the client claimed.
    const refused = log.lines.filter((l) => String(l.msg).includes('too many connections'));
    expect(refused.map((l) => l.ip)).toEqual(['127.0.0.1', '127.0.0.1']);
    await closeAll(open);
    await t.stop();
    removeDir(t.dir);
    t = undefined;
  });

  it('honours X-Forwarded-For from a proxy TRUST_PROXY names', async () => {
    const log = logSink();
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1', WIDGET_MAX_SOCKETS_PER_IP: '2', LOG_LEVEL: 'warn' }, { logDestination: log });
    const open: WebSocket[] = [];
    for (let i = 0; i < 2; i++) open.push(await openSocket(t.url, { 'x-forwarded-for': '198.51.100.7' }));
    await expect(openSocket(t.url, { 'x-forwarded-for': '198.51.100.7' })).rejects.toThrow(/HTTP 429/);
    // Other clients behind the same proxy are other addresses.
    for (let i = 0; i < 2; i++) open.push(await openSocket(t.url, { 'x-forwarded-for': '198.51.100.8' }));
    open.push(await openSocket(t.url));
    expect(log.lines.filter((l) => String(l.msg).includes('too many connections')).map((l) => l.ip)).toEqual(['198.51.100.7']);
    await closeAll(open);
    await t.stop();
    removeDir(t.dir);
    t = undefined;
  });

  it('honours X-Forwarded-For with a hop count (Fastify alone would trust nobody)', async () => {
    t = await startTestApp({ TRUST_PROXY: '1', WIDGET_MAX_SOCKETS_PER_IP: '1' });
    const open = [await openSocket(t.url, { 'x-forwarded-for': '198.51.100.7' })];
    await expect(openSocket(t.url, { 'x-forwarded-for': '198.51.100.7' })).rejects.toThrow(/HTTP 429/);
    open.push(await openSocket(t.url, { 'x-forwarded-for': '198.51.100.8' }));
    await closeAll(open);
    await t.stop();
    removeDir(t.dir);
    t = undefined;
  });
});

describe('slow and idle HTTP clients', () => {
  let s: SlackStack;
  beforeAll(async () => {
    s = await startSlackStack({}, { app: { httpLimits: LIMITS } });
  });
  afterAll(async () => {
    await s.close();
  });

  it('cuts off a POST to /slack/events whose body trickles in, and headers that never end', async () => {
    // Both keep writing more often than the idle timeout: only the request deadlines can end them.
    const body = rawConnection(
      s.t.url,
      'POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n{',
      ' ',
    );
    const headers = rawConnection(s.t.url, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n', 'X-Slow: 1\r\n');
    const silent = rawConnection(s.t.url, '');
    const [bodyMs, headersMs, silentMs] = await Promise.all([body.closed, headers.closed, silent.closed]);
    expect(bodyMs).toBeGreaterThanOrEqual(LIMITS.requestTimeoutMs - 100);
    expect(headersMs).toBeGreaterThanOrEqual(LIMITS.headersTimeoutMs - 100);
    expect(silentMs).toBeGreaterThanOrEqual(LIMITS.idleTimeoutMs - 100);
    expect(body.received()).toMatch(/^HTTP\/1\.1 408/);
    // The server still answers.
    expect((await fetch(`${s.t.url}/healthz`)).status).toBe(200);
  });

  it('keeps a quiet widget socket open past the request and idle timeouts', async () => {
    const c = await WidgetClient.connect(s.t.url);
    await c.hello();
    // Opened after the websocket, these are closed by the timeouts: by then the websocket is older
    // than the request timeout and has been quiet for longer than the idle timeout.
    const slow = rawConnection(s.t.url, 'POST /slack/events HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n', 'x', 200);
    const silent = rawConnection(s.t.url, '');
    await Promise.all([slow.closed, silent.closed]);
    expect(c.closeCode).toBeNull();
    c.send({ type: 'message', clientId: 'still-here', text: 'still here' });
    expect((await c.next('ack')).clientId).toBe('still-here');
    c.close();
  });
});

const connections = (t: TestApp) =>
  new Promise<number>((resolve, reject) => t.app.server.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + DEADLINE_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the connection cap', () => {
  it('refuses connections beyond maxConnections at accept, and takes new ones once others close', async () => {
    const t = await startTestApp({}, { httpLimits: { maxConnections: 3 } });
    try {
      const held = [rawConnection(t.url, ''), rawConnection(t.url, ''), rawConnection(t.url, '')];
      await Promise.all(held.map((h) => new Promise((r) => h.socket.once('connect', r))));
      await waitFor(async () => (await connections(t)) === 3);
      // Sent over a fresh connection after the three above were accepted: the fourth is closed.
      const extra = rawConnection(t.url, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
      await extra.closed;
      expect(extra.received()).toBe('');
      for (const h of held) h.socket.destroy();
      await Promise.all(held.map((h) => h.closed));
      // Once the server has counted the closed ones out, a new connection is served.
      await waitFor(async () => (await connections(t)) === 0);
      expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    } finally {
      await t.stop();
      removeDir(t.dir);
    }
  });
});
