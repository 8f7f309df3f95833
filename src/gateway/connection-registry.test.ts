import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ConnectionRegistry, MAX_BUFFERED_BYTES } from './connection-registry';
import { EventBus } from '../core/events';
import { createLogger } from '../logger';

/** Just what the registry touches of a ws socket. */
class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  terminated = false;
  readonly sent: unknown[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
}

const logger = createLogger('silent');
const tab = () => new FakeSocket();
const ws = (s: FakeSocket) => s as unknown as WebSocket;
const typing = { type: 'typing', role: 'agent', typing: true } as const;

describe('ConnectionRegistry', () => {
  it('sends to the one tab of a conversation, and to nobody once it left', () => {
    const r = new ConnectionRegistry(logger);
    const a = tab();
    expect(r.isOnline('c1')).toBe(false);
    expect(r.broadcast('c1', typing)).toBe(false);
    r.add('c1', ws(a));
    expect(r.isOnline('c1')).toBe(true);
    expect(r.size).toBe(1);
    expect(r.broadcast('c1', typing)).toBe(true);
    expect(a.sent).toEqual([typing]);
    r.remove('c1', ws(a));
    expect(r.isOnline('c1')).toBe(false);
    expect(r.size).toBe(0);
    expect(r.broadcast('c1', typing)).toBe(false);
  });

  it('sends every frame to every tab while several are open, and keeps the rest when one closes', () => {
    const r = new ConnectionRegistry(logger);
    const [a, b, c] = [tab(), tab(), tab()];
    r.add('c1', ws(a));
    r.add('c1', ws(b));
    r.add('c1', ws(b)); // the same socket twice is still one tab
    r.add('c2', ws(c));
    expect(r.size).toBe(3);
    r.broadcast('c1', typing);
    expect([a.sent.length, b.sent.length, c.sent.length]).toEqual([1, 1, 0]);

    r.remove('c1', ws(a));
    expect(r.isOnline('c1')).toBe(true);
    r.broadcast('c1', typing);
    expect([a.sent.length, b.sent.length]).toEqual([1, 2]);

    // A third tab after the second-to-last one left: all open ones still get frames.
    r.add('c1', ws(a));
    r.add('c1', ws(c));
    r.broadcast('c1', typing);
    expect([a.sent.length, b.sent.length, c.sent.length]).toEqual([2, 3, 1]);
    r.remove('c1', ws(b));
    r.remove('c1', ws(c));
    r.broadcast('c1', typing);
    expect([a.sent.length, b.sent.length, c.sent.length]).toEqual([3, 3, 1]);
    r.remove('c1', ws(a));
    expect(r.isOnline('c1')).toBe(false);
    expect(r.size).toBe(1); // c on c2
  });

  it('ignores removing a socket that is not registered for the conversation', () => {
    const r = new ConnectionRegistry(logger);
    const [a, b] = [tab(), tab()];
    r.remove('c1', ws(a));
    r.add('c1', ws(a));
    r.remove('c1', ws(b));
    expect(r.isOnline('c1')).toBe(true);
    r.add('c1', ws(b));
    r.remove('c1', ws(tab()));
    r.broadcast('c1', typing);
    expect([a.sent.length, b.sent.length]).toEqual([1, 1]);
  });

  it('lets go of a slow reader and still delivers to the other tab', () => {
    const r = new ConnectionRegistry(logger);
    const [slow, fine] = [tab(), tab()];
    slow.bufferedAmount = MAX_BUFFERED_BYTES + 1;
    r.add('c1', ws(slow));
    expect(r.broadcast('c1', typing)).toBe(false);
    expect(slow.terminated).toBe(true);
    r.add('c1', ws(fine));
    expect(r.broadcast('c1', typing)).toBe(true);
    expect(fine.sent).toEqual([typing]);
  });

  it("counts an agent's message as seen once, however many tabs got it", () => {
    const delivered: [string, number][] = [];
    const r = new ConnectionRegistry(logger, (id, seq) => delivered.push([id, seq]));
    const bus = new EventBus(() => {});
    r.attach(bus);
    const [a, b] = [tab(), tab()];
    r.add('c1', ws(a));
    r.add('c1', ws(b));
    const message = { id: 'm1', conversationId: 'c1', seq: 4, role: 'agent', text: 'hello', createdAt: '2026-01-01T00:00:00.000Z' };
    bus.emit({ type: 'message.created', conversation: { id: 'c1' }, message } as never);
    expect(delivered).toEqual([['c1', 4]]);
    expect(a.sent).toEqual([expect.objectContaining({ type: 'message', id: 'm1', seq: 4 })]);
    expect(b.sent).toEqual(a.sent);
  });
});
