import type { WebSocket } from 'ws';
import { messageFrame, wireAgent } from './frames';
import type { ServerFrame } from './protocol';
import type { DomainEvent, EventBus } from '../core/events';
import type { Logger } from '../logger';

/** Past this many bytes waiting to be written, a socket is a slow reader and is let go. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;

/**
 * Which sockets watch which conversation, and the translation of domain events into frames for
 * them. A customer may have several tabs open: each gets every frame.
 *
 * Almost every conversation has one socket: it is stored as is, and becomes a Set only while a
 * second tab is open (no Set per idle connection).
 */
export class ConnectionRegistry {
  private readonly byConversation = new Map<string, WebSocket | Set<WebSocket>>();

  constructor(
    private readonly logger: Logger,
    /** Called when an agent's message reached at least one open widget (it counts as seen). */
    private readonly onAgentMessageDelivered: (conversationId: string, seq: number) => void = () => {},
  ) {}

  attach(bus: EventBus): () => void {
    return bus.subscribe((e) => this.onEvent(e));
  }

  add(conversationId: string, socket: WebSocket): void {
    const current = this.byConversation.get(conversationId);
    if (!current) this.byConversation.set(conversationId, socket);
    else if (current instanceof Set) current.add(socket);
    else if (current !== socket) this.byConversation.set(conversationId, new Set([current, socket]));
  }

  remove(conversationId: string, socket: WebSocket): void {
    const current = this.byConversation.get(conversationId);
    if (!current) return;
    if (!(current instanceof Set)) {
      if (current === socket) this.byConversation.delete(conversationId);
      return;
    }
    current.delete(socket);
    if (current.size > 1) return;
    const [last] = current;
    if (last) this.byConversation.set(conversationId, last);
    else this.byConversation.delete(conversationId);
  }

  /** Whether the customer has the widget open right now (for offline email decisions). */
  isOnline(conversationId: string): boolean {
    return this.byConversation.has(conversationId);
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

  private onEvent(e: DomainEvent): void {
    switch (e.type) {
      case 'message.created':
        if (this.broadcast(e.conversation.id, messageFrame(e.message)) && e.message.role === 'agent') {
          this.onAgentMessageDelivered(e.conversation.id, e.message.seq);
        }
        return;
      case 'message.updated':
        this.broadcast(e.conversation.id, { type: 'message_updated', id: e.message.id, seq: e.message.seq, text: e.message.text });
        return;
      case 'message.deleted':
        this.broadcast(e.conversation.id, { type: 'message_deleted', id: e.message.id, seq: e.message.seq });
        return;
      case 'conversation.state': {
        const frame: Extract<ServerFrame, { type: 'state' }> = { type: 'state', state: e.conversation.state };
        const agent = wireAgent(e.agent);
        if (agent) frame.agent = agent;
        if (e.queue) frame.queue = e.queue;
        this.broadcast(e.conversation.id, frame);
        return;
      }
      case 'conversation.queue':
        this.broadcast(e.conversationId, { type: 'state', state: 'waiting', queue: e.queue });
        return;
      case 'typing':
        if (e.role !== 'customer') this.broadcast(e.conversationId, { type: 'typing', role: e.role, typing: e.typing });
        return;
      default:
        return;
    }
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
  socket.send(data);
  return true;
}
