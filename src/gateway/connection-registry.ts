import type { WebSocket } from 'ws';
import { messageFrame, messageUpdatedFrame, wireAgent, type FileLink } from './frames';
import type { ServerFrame } from './protocol';
import type { DomainEvent, EventBus } from '../core/events';
import type { AgentPersona, ConversationState, Message, MessageRole } from '../core/types';
import type { Logger } from '../logger';

/** Past this many bytes waiting to be written, a socket is a slow reader and is let go. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/** Where the registry reads messages it was not handed: another instance's, or those of a gap. */
export interface MessageHistory {
  /** The conversation's messages after `afterSeq` that may be sent now (committed and announced), in seq order. */
  announcedAfter(conversationId: string, afterSeq: number): readonly Message[];
}

/** Where a socket stands as it is registered (its hello's replay). */
export interface ReplayPosition {
  /** The socket has every message up to this seq. */
  through: number;
  /** The newest seq stored when the replay was read (later than `through` while a batch awaits its fsync). */
  latest?: number;
}

type Sockets = WebSocket | Set<WebSocket>;

/**
 * Which sockets watch which conversation, and the translation of domain events into frames for
 * them. A customer may have several tabs open: each gets every frame.
 *
 * Almost every conversation has one socket: it is stored as is, and becomes a Set only while a
 * second tab is open (no Set per idle connection).
 *
 * Messages reach the sockets once each and in seq order, whether they are announced here or by
 * another instance sharing the database (whose notes may arrive after a later local message): the
 * registry keeps the last seq sent to a conversation's sockets, sends seq N only right after N-1,
 * fills a gap from the store, and skips what it already sent.
 */
export class ConnectionRegistry {
  private readonly byConversation = new Map<string, Sockets>();
  /** The last seq every socket of the conversation has (absent: not known yet, see `add`). */
  private readonly delivered = new Map<string, number>();
  /** A seq known to be committed beyond `delivered`, not sendable yet (its batch awaits its fsync here). */
  private readonly ahead = new Map<string, number>();

  constructor(
    private readonly logger: Logger,
    /** Called when an agent's message reached at least one open widget (it counts as seen). */
    private readonly onAgentMessageDelivered: (conversationId: string, seq: number) => void = () => {},
    /** Without it, gaps cannot be filled: messages are sent as they are announced. */
    private readonly history?: MessageHistory,
    /** Signs the links of a message's files; without it frames carry no files. */
    private readonly fileLink?: FileLink,
  ) {}

  /** A message as a widget socket gets it, its files with fresh links (replays use it too). */
  messageFrame(m: Message): ServerFrame {
    return messageFrame(m, this.fileLink);
  }

  attach(bus: EventBus): () => void {
    return bus.subscribe((e) => this.onEvent(e));
  }

  /**
   * Registers a socket. With its replay position, the conversation's sockets are brought level
   * first: a socket whose replay read messages the others have not been sent yet (another
   * instance's, announced to us a moment later) makes the others catch up, and the other way round.
   */
  add(conversationId: string, socket: WebSocket, position?: ReplayPosition): void {
    const current = this.byConversation.get(conversationId);
    const others = position && current ? (current instanceof Set ? [...current] : [current]) : [];
    if (!current) this.byConversation.set(conversationId, socket);
    else if (current instanceof Set) current.add(socket);
    else if (current !== socket) this.byConversation.set(conversationId, new Set([current, socket]));
    if (!position) return;

    const last = this.delivered.get(conversationId);
    if (last === undefined || !others.length) this.delivered.set(conversationId, position.through);
    else if (position.through > last) {
      this.sendTo(others, this.between(conversationId, last, position.through));
      this.delivered.set(conversationId, position.through);
    } else if (position.through < last) {
      this.sendTo([socket], this.between(conversationId, position.through, last));
    }
    if (position.latest !== undefined) this.committed(conversationId, position.latest);
  }

  remove(conversationId: string, socket: WebSocket): void {
    const current = this.byConversation.get(conversationId);
    if (!current) return;
    if (!(current instanceof Set)) {
      if (current === socket) this.forget(conversationId);
      return;
    }
    current.delete(socket);
    if (current.size > 1) return;
    const [last] = current;
    if (last) this.byConversation.set(conversationId, last);
    else this.forget(conversationId);
  }

  /** Whether the customer has the widget open right now (for offline email decisions). */
  isOnline(conversationId: string): boolean {
    return this.byConversation.has(conversationId);
  }

  /** The conversations with a socket here. */
  conversationIds(): IterableIterator<string> {
    return this.byConversation.keys();
  }

  get size(): number {
    let n = 0;
    for (const entry of this.byConversation.values()) n += entry instanceof Set ? entry.size : 1;
    return n;
  }

  /** Sends to every socket of the conversation; true when at least one was open to receive it. */
  broadcast(conversationId: string, frame: ServerFrame): boolean {
    const entry = this.byConversation.get(conversationId);
    if (!entry) return false;
    const data = JSON.stringify(frame);
    if (!(entry instanceof Set)) return sendRaw(entry, data, this.logger);
    let delivered = false;
    for (const socket of entry) delivered = sendRaw(socket, data, this.logger) || delivered;
    return delivered;
  }

  /**
   * A message with this seq is committed (another instance said so, or a replay saw it): sent with
   * everything before it as soon as those may be sent, read from the store.
   */
  committed(conversationId: string, seq: number): void {
    const last = this.delivered.get(conversationId);
    // Without a starting point there is nothing to count from: announcements start it (see offer).
    if (last === undefined || seq <= last) return;
    if (seq > (this.ahead.get(conversationId) ?? 0)) this.ahead.set(conversationId, seq);
    this.fill(conversationId);
  }

  /** Sends whatever the store holds beyond what the conversation's sockets have (notes may have been missed). */
  catchUp(conversationId: string): void {
    const last = this.delivered.get(conversationId);
    if (last === undefined) return;
    this.fill(conversationId, Number.MAX_SAFE_INTEGER);
  }

  /** A message was edited or deleted (here or on another instance). */
  messageChanged(conversationId: string, message: Message, deleted: boolean): void {
    this.broadcast(
      conversationId,
      deleted
        ? { type: 'message_deleted', id: message.id, seq: message.seq }
        : messageUpdatedFrame(message, this.fileLink),
    );
  }

  stateChanged(conversationId: string, state: ConversationState, agent: AgentPersona | null, queue: { position: number; etaSeconds?: number } | null): void {
    const frame: Extract<ServerFrame, { type: 'state' }> = { type: 'state', state };
    const wire = wireAgent(agent);
    if (wire) frame.agent = wire;
    if (queue) frame.queue = queue;
    this.broadcast(conversationId, frame);
  }

  typing(conversationId: string, role: MessageRole, typing: boolean): void {
    if (role !== 'customer') this.broadcast(conversationId, { type: 'typing', role, typing });
  }

  private onEvent(e: DomainEvent): void {
    switch (e.type) {
      case 'message.created':
        return this.offer(e.conversation.id, e.message);
      case 'message.updated':
        return this.messageChanged(e.conversation.id, e.message, false);
      case 'message.deleted':
        return this.messageChanged(e.conversation.id, e.message, true);
      case 'conversation.state':
        return this.stateChanged(e.conversation.id, e.conversation.state, e.agent, e.queue);
      case 'conversation.queue':
        this.broadcast(e.conversationId, { type: 'state', state: 'waiting', queue: e.queue });
        return;
      case 'typing':
        return this.typing(e.conversationId, e.role, e.typing);
      default:
        return;
    }
  }

  /** An announced message: sent when it is the next one, after a gap is filled, or not at all if sent already. */
  private offer(conversationId: string, message: Message): void {
    const entry = this.byConversation.get(conversationId);
    if (!entry) return;
    const last = this.delivered.get(conversationId);
    // Not known yet (registered without a replay position): count from the first announcement.
    if (last === undefined || message.seq === last + 1) this.send(conversationId, entry, [message]);
    else if (message.seq > last + 1) this.committed(conversationId, message.seq);
    // At or below `last`: it was read from the store to fill a gap, and sent then.
    this.fill(conversationId);
  }

  /** Sends the run of messages right after `delivered` the store holds, up to the known `ahead`. */
  private fill(conversationId: string, target = this.ahead.get(conversationId)): void {
    if (target === undefined) return;
    const entry = this.byConversation.get(conversationId);
    let last = this.delivered.get(conversationId);
    if (!entry || last === undefined) return;
    if (target > last && this.history) {
      const run: Message[] = [];
      for (const m of this.history.announcedAfter(conversationId, last)) {
        if (m.seq > target) break;
        if (m.seq !== last + 1) break; // never skip one: it comes with its own announcement
        run.push(m);
        last = m.seq;
      }
      if (run.length) this.send(conversationId, entry, run);
    }
    const ahead = this.ahead.get(conversationId);
    if (ahead !== undefined && ahead <= last) this.ahead.delete(conversationId);
  }

  /** Messages (after, upTo] from the store, for sockets that were not sent them. */
  private between(conversationId: string, after: number, upTo: number): Message[] {
    if (!this.history) return [];
    const out: Message[] = [];
    for (const m of this.history.announcedAfter(conversationId, after)) {
      if (m.seq > upTo) break;
      out.push(m);
    }
    return out;
  }

  private send(conversationId: string, entry: Sockets, messages: readonly Message[]): void {
    let seenUpTo = 0;
    for (const m of messages) {
      const data = JSON.stringify(this.messageFrame(m));
      let reached = false;
      if (entry instanceof Set) for (const socket of entry) reached = sendRaw(socket, data, this.logger) || reached;
      else reached = sendRaw(entry, data, this.logger);
      if (reached && m.role === 'agent') seenUpTo = m.seq;
    }
    this.delivered.set(conversationId, messages.at(-1)!.seq);
    if (seenUpTo) this.onAgentMessageDelivered(conversationId, seenUpTo);
  }

  /** True when at least one socket was open to receive them. */
  private sendTo(sockets: Iterable<WebSocket>, messages: readonly Message[]): boolean {
    let delivered = false;
    for (const m of messages) {
      const data = JSON.stringify(this.messageFrame(m));
      for (const socket of sockets) delivered = sendRaw(socket, data, this.logger) || delivered;
    }
    return delivered;
  }

  private forget(conversationId: string): void {
    this.byConversation.delete(conversationId);
    this.delivered.delete(conversationId);
    this.ahead.delete(conversationId);
  }
}

export function send(socket: WebSocket, frame: ServerFrame, logger: Logger): void {
  sendRaw(socket, JSON.stringify(frame), logger);
}

function sendRaw(socket: WebSocket, data: string, logger: Logger): boolean {
  if (socket.readyState !== socket.OPEN) return false;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    // The history stays in the database; the widget resumes from its last seq when it reconnects.
    logger.warn({ buffered: socket.bufferedAmount }, 'widget socket is not reading; disconnecting it');
    socket.terminate();
    return false;
  }
  cork(socket);
  socket.send(data);
  return true;
}

/**
 * Past this many bytes held by a cork, they are written at once: a long replay in one tick must
 * not pile up in memory (and count as a slow reader, MAX_BUFFERED_BYTES) before its first write.
 */
export const CORK_BYTES = 64 * 1024;

/** ws keeps the TCP socket it writes to here (not part of its typed API; absent in fakes). */
type Corkable = { cork(): void; uncork(): void; writableLength: number };
const corked = new WeakSet<Corkable>();

/**
 * Holds the socket's writes until the current run of callbacks and microtasks is over: a message's
 * echo (sent as its batch is announced) and its ack (as its writer resumes) leave in one write
 * call, not one each, and so do the frames of several messages committed together.
 */
function cork(socket: WebSocket): void {
  const tcp = (socket as unknown as { _socket?: Corkable })._socket;
  if (!tcp || typeof tcp.cork !== 'function') return;
  if (corked.has(tcp)) {
    if (tcp.writableLength >= CORK_BYTES) uncork(tcp);
    return;
  }
  tcp.cork();
  corked.add(tcp);
  process.nextTick(uncork, tcp);
}

function uncork(tcp: Corkable): void {
  if (corked.delete(tcp)) tcp.uncork();
}
