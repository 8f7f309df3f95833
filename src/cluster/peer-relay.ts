import type { DomainEvent, EventBus } from '../core/events';
import type { PeerChannel, PeerNote } from '../core/peers';
import type { AgentPersona, Conversation, Message } from '../core/types';
import type { ConnectionRegistry } from '../gateway/connection-registry';
import type { Logger } from '../logger';

/** What an instance keeps in memory of shared data, and what tells when it changes here. */
export interface SharedCaches {
  conversations: { forget(id: string): void; forgetAll(): void; onChange(listener: (id: string) => void): () => void };
  history: { forget(conversationId: string): void; forgetAll(): void };
  settings: { reload(): void; onChange(listener: () => void): () => void };
  rules: { forget(): void; onChange(listener: () => void): () => void };
}

export interface PeerRelayDeps {
  instanceId: string;
  peers: PeerChannel;
  bus: EventBus;
  registry: ConnectionRegistry;
  caches: SharedCaches;
  /** Reads for the frames of another instance's changes (after the caches dropped them). */
  read: {
    conversation(id: string): Conversation | undefined;
    message(id: string): Message | undefined;
    agentFor(conversation: Conversation): AgentPersona | null;
    queueInfo(conversationId: string): { position: number; etaSeconds?: number };
  };
  /** Someone left the queue on another instance: the customers waiting here move up. */
  queueMoved(): void;
  logger: Logger;
}

export interface PeerRelay {
  /** Stops listening and publishing; a resync in progress ends at its next page. */
  stop(): void;
}

/** Conversations brought up to date per event-loop turn after notes may have been missed. */
const RESYNC_PAGE = 200;

/**
 * Makes this instance one of several sharing the database. Local domain events become notes for
 * the others; their notes drop what this instance cached of the change and, for conversations
 * with a socket here, send the frames the ConnectionRegistry sends for a local event, read from
 * the tables. A remote change is never emitted on the local bus: the Slack outbox and the mailer
 * act once, on the instance where it happened.
 */
export function startPeerRelay(d: PeerRelayDeps): PeerRelay {
  const { caches, registry, read, logger } = d;
  let stopped = false;

  const publish = (note: PeerNote) => {
    if (stopped) return;
    try {
      d.peers.publish(note);
    } catch (err) {
      logger.error({ err, note: note.t }, 'could not tell the other instances');
    }
  };

  // Rows written inside a transaction are announced once it has ended: transactions are
  // synchronous, so a microtask runs after the commit (or the rollback, when the note is harmless).
  const rowsChanged = new Set<string>();
  const flushRows = () => {
    for (const c of rowsChanged) publish({ t: 'conv', from: d.instanceId, c });
    rowsChanged.clear();
  };
  /** A message or state note makes the others read the row again: no separate row note for it. */
  const covered = (c: string) => rowsChanged.delete(c);

  const onEvent = (e: DomainEvent) => {
    const from = d.instanceId;
    switch (e.type) {
      case 'message.created':
        covered(e.conversation.id);
        return publish({ t: 'msg', from, c: e.conversation.id, seq: e.message.seq });
      case 'message.updated':
      case 'message.deleted':
        return publish({ t: 'msg_edit', from, c: e.conversation.id, m: e.message.id, deleted: e.type === 'message.deleted' });
      case 'conversation.state':
        covered(e.conversation.id);
        return publish({ t: 'state', from, c: e.conversation.id, prev: e.previous });
      case 'typing':
        // The customer's typing is shown to nobody through the widget sockets: it stays here.
        if (e.role !== 'customer') publish({ t: 'typing', from, c: e.conversationId, role: e.role, on: e.typing });
        return;
      default:
        return;
    }
  };

  const stateFrame = (conversation: Conversation) =>
    registry.stateChanged(
      conversation.id,
      conversation.state,
      conversation.state === 'human' ? read.agentFor(conversation) : null,
      conversation.state === 'waiting' ? read.queueInfo(conversation.id) : null,
    );

  const onNote = (note: PeerNote) => {
    if (note.from === d.instanceId) return;
    switch (note.t) {
      case 'msg':
        caches.conversations.forget(note.c);
        caches.history.forget(note.c);
        return registry.committed(note.c, note.seq);
      case 'msg_edit': {
        caches.history.forget(note.c);
        if (!registry.isOnline(note.c)) return;
        const message = read.message(note.m);
        if (message?.conversationId === note.c) registry.messageChanged(note.c, message, note.deleted);
        return;
      }
      case 'state': {
        caches.conversations.forget(note.c);
        const leftQueue = note.prev === 'waiting';
        if (!registry.isOnline(note.c) && !leftQueue) return;
        const conversation = read.conversation(note.c);
        if (!conversation) return;
        if (registry.isOnline(note.c)) stateFrame(conversation);
        if (leftQueue && conversation.state !== 'waiting') d.queueMoved();
        return;
      }
      case 'typing':
        return registry.typing(note.c, note.role, note.on);
      case 'conv':
        return caches.conversations.forget(note.c);
      case 'settings':
        return caches.settings.reload();
      case 'rules':
        return caches.rules.forget();
      case 'resync':
        return resync();
    }
  };

  let resyncing: { again: boolean } | null = null;
  /** Notes may have been missed: drop every cache, then bring each local socket up to date, a page at a time. */
  const resync = () => {
    caches.conversations.forgetAll();
    caches.history.forgetAll();
    caches.settings.reload();
    caches.rules.forget();
    if (resyncing) {
      resyncing.again = true;
      return;
    }
    const run = (resyncing = { again: false });
    let ids = [...registry.conversationIds()];
    let i = 0;
    const page = () => {
      if (stopped) return;
      try {
        for (const end = Math.min(i + RESYNC_PAGE, ids.length); i < end; i++) {
          const id = ids[i]!;
          if (!registry.isOnline(id)) continue;
          const conversation = read.conversation(id);
          if (conversation) stateFrame(conversation);
          registry.catchUp(id);
        }
      } catch (err) {
        logger.error({ err }, 'could not bring the widget sockets up to date after missed notes');
        resyncing = null;
        return;
      }
      if (i < ids.length) return void setImmediate(page);
      if (run.again) {
        run.again = false;
        ids = [...registry.conversationIds()];
        i = 0;
        return void setImmediate(page);
      }
      resyncing = null;
      d.queueMoved();
    };
    page();
  };

  const unsubscribe = [
    d.bus.subscribe(onEvent),
    d.peers.subscribe((note) => {
      if (stopped) return;
      try {
        onNote(note);
      } catch (err) {
        logger.error({ err, note: note.t }, 'could not apply another instance’s note');
      }
    }),
    caches.conversations.onChange((c) => {
      if (rowsChanged.size === 0) queueMicrotask(flushRows);
      rowsChanged.add(c);
    }),
    caches.settings.onChange(() => publish({ t: 'settings', from: d.instanceId })),
    caches.rules.onChange(() => publish({ t: 'rules', from: d.instanceId })),
  ];

  return {
    stop() {
      stopped = true;
      for (const off of unsubscribe) off();
    },
  };
}
