import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/ports';
import type { AuditStore } from '../core/stores';
import type { Conversation, Message } from '../core/types';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import { newSecret } from './signer';
import { checkUrlForm, resolveSafely, UnsafeUrlError, type Resolve } from './url-guard';
import { messageEvent, recordedEventOf, WEBHOOK_EVENTS, type WebhookEvent, type WebhookEventType } from './webhook-events';
import type { DeliveryStatus, WebhookEndpoint, WebhookRepository } from './webhook-repository';

export interface WebhookServiceDeps {
  db: Database;
  repo: WebhookRepository;
  clock: Clock;
  audit: AuditStore;
  logger: Logger;
  allowPrivate: boolean;
  /** Something was queued: the worker looks now. */
  kick(): void;
  /** A conversation as the transaction recording its event sees it. */
  conversation(id: string): Conversation | undefined;
  /** What an agent is called (display name, else real name). */
  agentName(id: string): string | null;
  resolve?: Resolve;
}

export class WebhookInputError extends Error {
  readonly code = 'webhook_invalid';
  constructor(message: string, readonly field: 'url' | 'events' = 'events') {
    super(message);
  }
}

export interface EndpointSummary {
  id: string;
  url: string;
  events: string[];
  enabled: boolean;
  disabledWhy: string | null;
  failingSince: string | null;
  backlog: number;
  createdBy: string;
}

/**
 * Outgoing webhooks: what admins manage (add, test, remove; each audited) and the enqueue of events.
 * Message events are queued inside the message's own transaction (MessageLog.onWrite), so a message
 * with no endpoint subscribed costs one Set lookup and the ack path never waits on the network;
 * conversation moves and ratings are queued when the bus announces them.
 */
export class WebhookService {
  /** Which enabled endpoints want which event: read at start, after each local change and at every worker poll. */
  private subscribers = new Map<string, string[]>();

  constructor(private readonly d: WebhookServiceDeps) {
    this.refresh();
  }

  refresh(): void {
    const next = new Map<string, string[]>();
    for (const s of this.d.repo.subscriptions()) {
      for (const type of s.events) next.set(type, [...(next.get(type) ?? []), s.id]);
    }
    this.subscribers = next;
  }

  /** Runs inside the message's transaction (MessageLog.onWrite): nothing to do unless someone subscribed. */
  onMessageWrite(message: Message): void {
    if (message.role === 'system') return;
    const endpoints = this.subscribers.get('message.created');
    if (!endpoints) return;
    this.queue(endpoints, messageEvent(message, this.d.clock.now().toISOString()), message.conversationId);
    queueMicrotask(() => this.d.kick());
  }

  /**
   * Runs inside the transaction that records a conversation event (EventRepository.onRecord): a
   * claim, a resolution, a rating… is queued exactly when it commits, so a crash right after the
   * commit loses no event. Nothing to do unless someone subscribed.
   */
  onEventRecorded(conversationId: string, type: string, detail: Record<string, unknown>, at: string): void {
    if (!this.subscribers.size) return;
    const conversation = this.d.conversation(conversationId);
    const event = conversation && recordedEventOf(conversation, type, detail, at, this.d.agentName);
    const endpoints = event && this.subscribers.get(event.type);
    if (!event || !endpoints) return;
    this.queue(endpoints, event, conversationId);
    queueMicrotask(() => this.d.kick());
  }

  private queue(endpoints: string[], event: WebhookEvent, conversationId: string | null): void {
    const body = JSON.stringify(event);
    this.d.repo.enqueue(
      endpoints.map((endpointId) => ({ endpointId, eventId: event.id, type: event.type, conversationId, body })),
      event.createdAt,
    );
  }

  /**
   * Adds an endpoint after checking its URL (form and DNS) and events; returns it with its secret,
   * which is shown this once. Bad input throws WebhookInputError / UnsafeUrlError and stores nothing.
   */
  async add(input: { url: string; events: string[]; by: string }): Promise<{ endpoint: EndpointSummary; secret: string }> {
    const events = [...new Set(input.events)];
    if (!events.length) throw new WebhookInputError('Pick at least one event.');
    const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
    if (unknown.length) throw new WebhookInputError(`Unknown events: ${unknown.join(', ')}. Events are ${WEBHOOK_EVENTS.join(', ')}.`);
    const url = checkUrlForm(input.url, this.d.allowPrivate);
    await resolveSafely(url, this.d.allowPrivate, this.d.resolve);
    if (this.d.repo.list().length >= 20) throw new WebhookInputError('There are 20 endpoints already; remove one first.', 'url');
    const id = `wh_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const secret = newSecret();
    const at = this.d.clock.now().toISOString();
    this.d.db.tx(() => {
      this.d.repo.addEndpoint({ id, url: url.toString(), events, secret, createdBy: input.by, createdAt: at });
      this.d.audit.record({ actor: input.by, action: 'webhook.add', target: id, detail: { url: url.toString(), events }, at });
    });
    this.refresh();
    return { endpoint: this.summary(this.d.repo.get(id)!, 0), secret };
  }

  /** False when there was no such endpoint. */
  remove(id: string, by: string): boolean {
    const endpoint = this.d.repo.get(id);
    if (!endpoint) return false;
    const at = this.d.clock.now().toISOString();
    const removed = this.d.db.tx(() => {
      const done = this.d.repo.remove(id, at);
      if (done) this.d.audit.record({ actor: by, action: 'webhook.remove', target: id, detail: { url: endpoint.url }, at });
      return done;
    });
    this.refresh();
    return removed;
  }

  /** Queues a `ping` to one endpoint through the same queue as the events; returns its event id (null: no such endpoint). */
  ping(id: string, by: string): string | null {
    const endpoint = this.d.repo.get(id);
    if (!endpoint) return null;
    const at = this.d.clock.now().toISOString();
    const event: WebhookEvent = { id: `evt_ping_${randomUUID()}`, type: 'ping', createdAt: at, data: { endpoint: { id }, requestedBy: by } };
    this.d.db.tx(() => {
      this.d.repo.enqueue([{ endpointId: id, eventId: event.id, type: 'ping', conversationId: null, body: JSON.stringify(event) }], at);
      this.d.audit.record({ actor: by, action: 'webhook.test', target: id, detail: { eventId: event.id }, at });
    });
    this.d.kick();
    return event.id;
  }

  /** Waits (polling the queue) until a delivery leaves `pending` or `withinMs` passes. */
  async outcome(endpointId: string, eventId: string, withinMs: number): Promise<{ status: DeliveryStatus; attempts: number; lastError: string | null } | undefined> {
    const deadline = Date.now() + withinMs;
    for (;;) {
      const s = this.d.repo.status(endpointId, eventId);
      if (!s || s.status !== 'pending' || (s.attempts > 0 && s.lastError) || Date.now() >= deadline) return s;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  list(): EndpointSummary[] {
    const backlog = new Map(this.d.repo.backlog().map((b) => [b.endpointId, b.pending]));
    return this.d.repo.list().map((e) => this.summary(e, backlog.get(e.id) ?? 0));
  }

  /** Pending deliveries per endpoint (the metrics' webhook backlog). */
  backlog(): { endpointId: string; pending: number }[] {
    return this.d.repo.backlog();
  }

  private summary(e: WebhookEndpoint, backlog: number): EndpointSummary {
    return { id: e.id, url: e.url, events: e.events, enabled: e.enabled, disabledWhy: e.disabledWhy, failingSince: e.failingSince, backlog, createdBy: e.createdBy };
  }
}

export { UnsafeUrlError, WEBHOOK_EVENTS, type WebhookEventType };
