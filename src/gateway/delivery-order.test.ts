import type { WebSocket } from 'ws';
import { describe, expect, it } from 'vitest';
import { ConnectionRegistry, type MessageHistory } from './connection-registry';
import { EventBus } from '../core/events';
import type { Message } from '../core/types';
import { createLogger } from '../logger';

/**
 * The order in which one instance's sockets get a conversation's messages when several instances
 * write to it: each seq once, in order, whether it was announced here or by another instance whose
 * note arrives late.
 */

class FakeSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  readonly sent: { type: string; seq?: number }[] = [];
  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  terminate(): void {
    this.readyState = 3;
  }
  seqs(): number[] {
    return this.sent.filter((f) => f.type === 'message').map((f) => f.seq!);
  }
}

const C = 'c1';
const message = (seq: number, role: Message['role'] = 'ai'): Message => ({
  id: `m${seq}`,
  conversationId: C,
  seq,
  role,
  text: `message ${seq}`,
  clientId: null,
  agent: null,
  confidence: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  editedAt: null,
  deletedAt: null,
});

/** What the shared database holds, as this instance may read it: `pending` seqs are committed here but not announced yet. */
class Store implements MessageHistory {
  readonly messages: Message[] = [];
  readonly pending = new Set<number>();
  reads = 0;
  commit(seq: number, role: Message['role'] = 'ai'): Message {
    const m = message(seq, role);
    this.messages.push(m);
    this.messages.sort((a, b) => a.seq - b.seq);
    return m;
  }
  announcedAfter(_conversationId: string, afterSeq: number): Message[] {
    this.reads++;
    const firstPending = Math.min(Infinity, ...this.pending);
    return this.messages.filter((m) => m.seq > afterSeq && m.seq < firstPending);
  }
}

function setup() {
  const store = new Store();
  const seen: number[] = [];
  const registry = new ConnectionRegistry(createLogger('silent'), (_id, seq) => seen.push(seq), store);
  const bus = new EventBus((err) => {
    throw err;
  });
  registry.attach(bus);
  /** This instance announces a message it committed (after its fsync). */
  const announce = (m: Message) => {
    store.pending.delete(m.seq);
    bus.emit({ type: 'message.created', conversation: { id: C } as never, message: m });
  };
  const tab = (through: number, latest?: number) => {
    const s = new FakeSocket();
    registry.add(C, s as unknown as WebSocket, { through, latest });
    return s;
  };
  return { store, registry, announce, tab, seen };
}

describe('message order across instances', () => {
  it('fills the gap when a local message overtakes another instance’s note, and skips that note later', () => {
    const { store, registry, announce, tab } = setup();
    for (let seq = 1; seq <= 4; seq++) store.commit(seq);
    const socket = tab(4);
    store.commit(5); // instance A commits 5; its note is still on the way
    announce(store.commit(6)); // this instance commits 6 and announces it first
    expect(socket.seqs()).toEqual([5, 6]);
    registry.committed(C, 5); // A's note arrives
    expect(socket.seqs()).toEqual([5, 6]);
  });

  it('sends a local message once when the note for it came first', () => {
    const { store, registry, announce, tab } = setup();
    const socket = tab(0);
    store.commit(1);
    registry.committed(C, 1);
    const two = store.commit(2);
    registry.committed(C, 2); // a remote note for a seq this instance announces itself a moment later
    announce(two);
    expect(socket.seqs()).toEqual([1, 2]);
  });

  it('waits for a message committed here but not yet on disk, then sends the later remote one after it', () => {
    const { store, registry, announce, tab } = setup();
    const socket = tab(0);
    const mine = store.commit(1);
    store.pending.add(1);
    store.commit(2); // another instance's, committed after ours
    registry.committed(C, 2);
    expect(socket.seqs()).toEqual([]); // 1 may not go out before its fsync, and 2 may not go before 1
    announce(mine);
    expect(socket.seqs()).toEqual([1, 2]);
  });

  it('sends a message announced in order without reading the store', () => {
    const { store, announce, tab } = setup();
    const socket = tab(0);
    store.reads = 0;
    for (let seq = 1; seq <= 3; seq++) announce(store.commit(seq));
    expect(socket.seqs()).toEqual([1, 2, 3]);
    expect(store.reads).toBe(0);
  });

  it('brings the tabs already open level with a new tab whose replay read further', () => {
    const { store, registry, tab } = setup();
    for (let seq = 1; seq <= 3; seq++) store.commit(seq);
    const first = tab(3);
    store.commit(4); // another instance's, note on the way
    const second = tab(4); // its hello replayed 1..4 (the replay is sent by the socket itself)
    expect(first.seqs()).toEqual([4]);
    expect(second.seqs()).toEqual([]);
    registry.committed(C, 4);
    expect(first.seqs()).toEqual([4]);
    expect(second.seqs()).toEqual([]);
  });

  it('sends a new tab what the others were sent after its replay was read', () => {
    const { store, tab, announce } = setup();
    const first = tab(0);
    for (let seq = 1; seq <= 3; seq++) announce(store.commit(seq));
    const second = tab(1);
    expect(second.seqs()).toEqual([2, 3]);
    announce(store.commit(4));
    expect(first.seqs()).toEqual([1, 2, 3, 4]);
    expect(second.seqs()).toEqual([2, 3, 4]);
  });

  it('after a hello that stopped before a batch awaiting its fsync, sends that batch and the later remote message', () => {
    const { store, announce, tab } = setup();
    const mine = store.commit(1);
    store.pending.add(1);
    store.commit(2); // remote, its note handled before this socket existed
    const socket = tab(0, 2);
    expect(socket.seqs()).toEqual([]);
    announce(mine);
    expect(socket.seqs()).toEqual([1, 2]);
  });

  it('catches up from the store after notes were missed, and counts agent replies as seen', () => {
    const { store, registry, tab, seen } = setup();
    const socket = tab(0);
    store.commit(1, 'agent');
    store.commit(2, 'ai');
    registry.catchUp(C);
    expect(socket.seqs()).toEqual([1, 2]);
    expect(seen).toEqual([1]);
    registry.catchUp(C);
    expect(socket.seqs()).toEqual([1, 2]);
  });

  it('forgets the position when the last tab leaves: the next hello sets it again', () => {
    const { store, registry, announce, tab } = setup();
    const socket = tab(0);
    announce(store.commit(1));
    registry.remove(C, socket as unknown as WebSocket);
    announce(store.commit(2));
    const again = tab(2);
    announce(store.commit(3));
    expect(socket.seqs()).toEqual([1]);
    expect(again.seqs()).toEqual([3]);
  });
});
