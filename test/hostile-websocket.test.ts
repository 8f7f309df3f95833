import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { socketsPerIp: 5, heartbeatMs: 150 });
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

const wsUrl = () => `${t.url.replace(/^http/, 'ws')}/widget/ws`;

describe('hostile input on the widget socket', () => {
  it('answers deeply nested JSON with bad_frame and stays usable', async () => {
    const c = await WidgetClient.connect(t.url);
    await c.hello();
    c.sendRaw('['.repeat(7000) + ']'.repeat(7000));
    expect((await c.next('error')).code).toBe('bad_frame');
    c.sendRaw(JSON.stringify({ type: 'message', clientId: 'n', text: 'x', extra: JSON.parse('{"a":'.repeat(500) + '1' + '}'.repeat(500)) }));
    expect((await c.next('ack')).clientId).toBe('n');
    c.close();
  });

  it('closes a socket that sends invalid UTF-8 (1007) and keeps serving others', async () => {
    const raw = new WebSocket(wsUrl());
    await new Promise((r) => raw.once('open', r));
    const closed = new Promise<number>((r) => raw.once('close', (code) => r(code)));
    // A text frame whose payload is not UTF-8: fin + opcode 1, masked, 2 bytes.
    const sock = (raw as unknown as { _socket: import('node:net').Socket })._socket;
    const mask = Buffer.from([1, 2, 3, 4]);
    const payload = Buffer.from([0xc3, 0x28]).map((b, i) => b ^ mask[i % 4]!);
    sock.write(Buffer.concat([Buffer.from([0x81, 0x80 | 2]), mask, payload]));
    expect(await closed).toBe(1007);
    const ok = await WidgetClient.connect(t.url);
    expect((await ok.hello()).state).toBe('ai');
    ok.close();
  });

  it('limits sockets per address with 429', async () => {
    const open: WidgetClient[] = [];
    for (let i = 0; i < 5; i++) open.push(await WidgetClient.connect(t.url));
    await expect(WidgetClient.connect(t.url)).rejects.toThrow(/429/);
    open[0]!.close();
    await open[0]!.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    const again = await WidgetClient.connect(t.url);
    again.close();
    for (const c of open.slice(1)) c.close();
    await new Promise((r) => setTimeout(r, 50));
  });

  it('drops half-open sockets that stop answering pings', async () => {
    const silent = new WebSocket(wsUrl(), { autoPong: false });
    await new Promise((r) => silent.once('open', r));
    const closed = new Promise<number>((r) => silent.once('close', (code) => r(code)));
    const code = await closed;
    expect(code).toBe(1006); // terminated, no close frame
    const live = await WidgetClient.connect(t.url);
    await new Promise((r) => setTimeout(r, 500)); // several heartbeats: an answering socket stays
    expect(live.closeCode).toBeNull();
    live.close();
  });

  it('lets go of a slow reader once its buffer is full, without losing its messages', async () => {
    const c = await WidgetClient.connect(t.url);
    const welcome = await c.hello();
    const sock = (c.ws as unknown as { _socket: import('node:net').Socket })._socket;
    sock.pause(); // stop reading: the server's send buffer fills
    const big = 'y'.repeat(3900);
    // About 12 MB: more than the kernel's socket buffers and our 1 MB limit together.
    const log = (t.app.core as unknown as { d: { log: { append(id: string, m: { role: 'system'; text: string }): unknown } } }).d.log;
    for (let i = 0; i < 3000 && t.app.registry.isOnline(welcome.conversationId); i++) {
      log.append(welcome.conversationId, { role: 'system', text: `${i} ${big}` });
      if (i % 100 === 99) await new Promise((r) => setImmediate(r));
    }
    const deadline = Date.now() + 5000;
    while (t.app.registry.isOnline(welcome.conversationId) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(t.app.registry.isOnline(welcome.conversationId)).toBe(false);
    sock.resume();
    expect(await c.waitClosed(5000)).toBe(1006);
    // Everything is still there for the next connection.
    const n = t.app.core.replay(welcome.conversationId, 0).length;
    expect(n).toBeGreaterThan(100);
    const again = await WidgetClient.connect(t.url);
    await again.hello({ token: welcome.token, lastSeq: n - 1 });
    expect((await again.next('message')).seq).toBe(n);
    again.close();
  });
});
