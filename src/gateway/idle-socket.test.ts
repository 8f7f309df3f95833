import type { IncomingMessage } from 'node:http';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionOf } from './widget-socket';
import { removeDir, startTestApp, type TestApp } from '../../test/support/app-harness';
import { WidgetClient } from '../../test/support/widget-client';

// What an idle widget socket keeps alive is the gateway's memory per connection (bench 4).
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

describe('an idle widget socket', () => {
  it('keeps nothing of the HTTP upgrade request alive', async () => {
    let upgrade: WeakRef<IncomingMessage> | null = null;
    const spy = (req: IncomingMessage) => (upgrade = new WeakRef(req));
    t.app.server.server.prependListener('upgrade', spy);
    const c = await WidgetClient.connect(t.url);
    t.app.server.server.removeListener('upgrade', spy);
    const welcome = await c.hello();
    expect(upgrade).not.toBeNull();

    for (let i = 0; i < 5 && upgrade!.deref(); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    // The request (headers, head buffer, Fastify's Request/Reply and child logger) is gone…
    expect(upgrade!.deref()).toBeUndefined();
    // …while the socket is open, registered, and still answers.
    expect(t.app.registry.isOnline(welcome.conversationId)).toBe(true);
    c.send({ type: 'message', clientId: 'after-gc', text: 'still here?' });
    expect((await c.next('ack')).clientId).toBe('after-gc');
    c.close();
    await c.waitClosed();
  });

  it("keeps no HTTP idle timer: the one armed on the connection is cleared by the upgrade and let go", async () => {
    let timer: WeakRef<object> | null = null;
    const spy = (req: IncomingMessage) => {
      const socket = req.socket as unknown as Record<symbol, object | null>;
      const kTimeout = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout');
      if (kTimeout && socket[kTimeout]) timer = new WeakRef(socket[kTimeout]!);
    };
    t.app.server.server.prependListener('upgrade', spy);
    const c = await WidgetClient.connect(t.url);
    t.app.server.server.removeListener('upgrade', spy);
    const welcome = await c.hello();
    // Armed at accept (the idle timeout of HTTP connections, which websockets are exempt from)…
    expect(timer).not.toBeNull();
    for (let i = 0; i < 5 && timer!.deref(); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    // …and not kept by the open websocket's TCP socket once cleared.
    expect(timer!.deref()).toBeUndefined();
    expect(t.app.registry.isOnline(welcome.conversationId)).toBe(true);
    c.close();
    await c.waitClosed();
  });

  it('holds one listener per event, shared by every socket, and its own error handling', async () => {
    const [a, b] = [await WidgetClient.connect(t.url), await WidgetClient.connect(t.url)];
    await Promise.all([a.hello(), b.hello()]);
    const [x, y] = [...t.app.server.websocketServer.clients];
    expect(connectionOf(x!)).toBeDefined();
    for (const event of ['message', 'error', 'pong'] as const) {
      expect(x!.listeners(event)).toHaveLength(1);
      expect(x!.listeners(event)[0]).toBe(y!.listeners(event)[0]);
    }
    a.close();
    b.close();
    await Promise.all([a.waitClosed(), b.waitClosed()]);
  });
});
