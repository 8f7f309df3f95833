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

/** Connects and says hello, keeping a weak reference to what `pick` takes from the upgrade request. */
async function connectWatching(pick: (req: IncomingMessage) => object | undefined) {
  let watched: WeakRef<object> | null = null;
  const spy = (req: IncomingMessage) => {
    const target = pick(req);
    if (target) watched = new WeakRef(target);
  };
  t.app.server.server.prependListener('upgrade', spy);
  const c = await WidgetClient.connect(t.url);
  t.app.server.server.removeListener('upgrade', spy);
  const welcome = await c.hello();
  return { c, welcome, watched: watched as WeakRef<object> | null };
}

/** Whether the object is collected (a few full collections, a turn of the loop between them). */
async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref(); i++) {
    await new Promise((r) => setTimeout(r, 10));
    gc();
  }
  return ref.deref() === undefined;
}

describe('an idle widget socket', () => {
  it('keeps nothing of the HTTP upgrade request alive', async () => {
    const { c, welcome, watched: upgrade } = await connectWatching((req) => req);
    expect(upgrade).not.toBeNull();
    // The request (headers, head buffer, Fastify's Request/Reply and child logger) is gone…
    expect(await collected(upgrade!)).toBe(true);
    // …while the socket is open, registered, and still answers.
    expect(t.app.registry.isOnline(welcome.conversationId)).toBe(true);
    c.send({ type: 'message', clientId: 'after-gc', text: 'still here?' });
    expect((await c.next('ack')).clientId).toBe('after-gc');
    c.close();
    await c.waitClosed();
  });

  it('keeps no HTTP idle timer: the one armed on the connection is cleared by the upgrade and let go', async () => {
    const { c, welcome, watched: timer } = await connectWatching((req) => {
      const socket = req.socket as unknown as Record<symbol, object | null>;
      const kTimeout = Object.getOwnPropertySymbols(socket).find((s) => s.description === 'timeout');
      return (kTimeout && socket[kTimeout]) || undefined;
    });
    // Armed at accept (the idle timeout of HTTP connections, which websockets are exempt from)…
    expect(timer).not.toBeNull();
    // …and not kept by the open websocket's TCP socket once cleared.
    expect(await collected(timer!)).toBe(true);
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
