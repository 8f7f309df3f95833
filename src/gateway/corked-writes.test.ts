import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { ConnectionRegistry, CORK_BYTES, send } from './connection-registry';
import { createLogger } from '../logger';

const logger = createLogger('silent');

/** A real ws server and client on loopback; counts the write calls the server's TCP socket makes. */
async function pair() {
  const wss = new WebSocketServer({ port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}`);
  const received: unknown[] = [];
  client.on('message', (data) => received.push(JSON.parse(String(data))));
  await new Promise<void>((resolve, reject) => client.once('open', () => resolve()).once('error', reject));
  const server = await accepted;
  const tcp = (server as unknown as { _socket: Socket })._socket;
  const calls = { write: 0, writev: 0 };
  const own = tcp as unknown as { _write: (...a: unknown[]) => void; _writev: (...a: unknown[]) => void };
  const write = own._write.bind(tcp);
  const writev = own._writev.bind(tcp);
  own._write = (...a) => {
    calls.write++;
    write(...a);
  };
  own._writev = (...a) => {
    calls.writev++;
    writev(...a);
  };
  const close = async () => {
    client.terminate();
    await new Promise<void>((resolve) => wss.close(() => resolve()));
  };
  return { server, client, tcp, calls, received, close };
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('corked socket writes', () => {
  it("sends a message's echo and its ack, a few microtasks apart, in one write call", async () => {
    const p = await pair();
    cleanup = p.close;
    const registry = new ConnectionRegistry(logger);
    registry.add('c1', p.server);
    // As the app does it: the echo as the batch is announced, the ack once the writer resumes.
    await Promise.resolve().then(() => {
      registry.broadcast('c1', { type: 'typing', role: 'agent', typing: false });
      return Promise.resolve().then(() => send(p.server, { type: 'ack', clientId: 'a', id: 'm1', seq: 1 }, logger));
    });
    await until(() => p.received.length === 2);
    expect(p.received.map((f) => (f as { type: string }).type)).toEqual(['typing', 'ack']);
    expect(p.calls).toEqual({ write: 0, writev: 1 });
  });

  it('writes a long burst as it goes, never holding much more than CORK_BYTES', async () => {
    const p = await pair();
    cleanup = p.close;
    const text = 'x'.repeat(20_000);
    let most = 0;
    for (let i = 0; i < 40; i++) {
      send(p.server, { type: 'typing', role: 'agent', typing: true, text } as never, logger);
      if (p.tcp.writableCorked) most = Math.max(most, p.tcp.writableLength);
    }
    expect(p.server.readyState).toBe(WebSocket.OPEN);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThan(CORK_BYTES + 25_000);
    await until(() => p.received.length === 40);
  });
});
