import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';
import type { Delivery, WebhookEndpoint, WebhookRepository } from './webhook-repository';
import { sendWebhook, type SendResult } from './webhook-sender';
import type { Resolve } from './url-guard';

export interface WebhookWorkerOptions {
  /** How often the queue is looked at when nothing kicks it (default 2 s; another instance's rows wait at most this). */
  pollMs?: number;
  /** The first retry's delay, doubled per attempt (default 10 s), capped at maxBackoffMs (default 1 h), jittered ±20 %. */
  backoffBaseMs?: number;
  maxBackoffMs?: number;
  /** A delivery is given up, and an endpoint failing without a success disabled, after this (default 24 h). */
  giveUpMs?: number;
  /** One POST's limit (default 10 s). */
  timeoutMs?: number;
  /** Sends at once (default 4). */
  concurrency?: number;
  /** Tests resolve names their own way. */
  resolve?: Resolve;
}

export interface WebhookWorkerDeps {
  repo: WebhookRepository;
  clock: Clock;
  logger: Logger;
  allowPrivate: boolean;
  /** Told once, by the instance that disabled it (the app DMs its creator). */
  onDisabled(endpoint: WebhookEndpoint, why: string): void;
  /** Called each round: the enqueue's cache of subscriptions follows other instances' changes. */
  onPoll?(): void;
  options?: WebhookWorkerOptions;
}

const HOUR = 3_600_000;

/**
 * Sends queued deliveries. Each send holds a lease on its row (a token and an expiry longer than
 * the request's timeout), so instances sharing the database never send one delivery at once; a
 * crash mid-send leaves the lease to expire and the delivery goes again (at least once: receivers
 * dedupe on the event id). Only the oldest pending delivery of an endpoint's conversation is ever
 * due, so a conversation's events arrive in order.
 */
export class WebhookWorker {
  private readonly o: Required<Omit<WebhookWorkerOptions, 'resolve'>> & Pick<WebhookWorkerOptions, 'resolve'>;
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private ticking = false;
  private again = false;
  private readonly inFlight = new Map<string, Promise<void>>();
  private lastPrune = 0;

  constructor(private readonly d: WebhookWorkerDeps) {
    const o = d.options ?? {};
    this.o = {
      pollMs: o.pollMs ?? 2_000,
      backoffBaseMs: o.backoffBaseMs ?? 10_000,
      maxBackoffMs: o.maxBackoffMs ?? HOUR,
      giveUpMs: o.giveUpMs ?? 24 * HOUR,
      timeoutMs: o.timeoutMs ?? 10_000,
      concurrency: Math.max(1, o.concurrency ?? 4),
      resolve: o.resolve,
    };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /** Something was queued: look now rather than at the next poll. */
  kick(): void {
    if (!this.running) return;
    if (this.ticking) this.again = true;
    else this.schedule(0);
  }

  /** Takes no new sends and waits up to `graceMs` for those in flight; the rest stay queued, their leases freed. */
  async stop(graceMs = 3_000): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.inFlight.size) {
      let t: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.inFlight.values()]), new Promise((r) => (t = setTimeout(r, graceMs)))]);
      clearTimeout(t);
    }
    try {
      this.d.repo.release([...this.inFlight.keys()]);
    } catch {
      // the database closed already: the leases expire by themselves
    }
  }

  private schedule(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.tick(), ms);
    this.timer.unref();
  }

  private tick(): void {
    this.timer = null;
    if (!this.running) return;
    this.ticking = true;
    try {
      this.d.onPoll?.();
      this.round();
    } catch (err) {
      this.d.logger.error({ err }, 'webhook worker round failed');
    } finally {
      this.ticking = false;
    }
    if (!this.running) return;
    this.schedule(this.again ? 0 : this.o.pollMs);
    this.again = false;
  }

  private round(): void {
    const now = this.d.clock.now().getTime();
    if (now - this.lastPrune > HOUR) {
      this.lastPrune = now;
      this.d.repo.prune(new Date(now - 7 * 24 * HOUR).toISOString());
    }
    const room = this.o.concurrency - this.inFlight.size;
    if (room <= 0) return;
    const endpoints = new Map(this.d.repo.list().map((e) => [e.id, e]));
    const nowIso = new Date(now).toISOString();
    const leaseUntil = new Date(now + this.o.timeoutMs * 3).toISOString();
    // Two due rows of one stream cannot both be heads, but an endpoint may have several streams due.
    for (const delivery of this.d.repo.due(nowIso, room)) {
      const endpoint = endpoints.get(delivery.endpointId);
      if (!endpoint?.enabled) continue;
      const token = randomUUID();
      if (!this.d.repo.claim(delivery.id, token, nowIso, leaseUntil)) continue;
      const send = this.send(endpoint, delivery, token)
        .catch((err: unknown) => this.d.logger.error({ err, delivery: delivery.id }, 'webhook send failed unexpectedly'))
        .finally(() => {
          this.inFlight.delete(token);
          // A conversation's next event is due as soon as this one is done.
          this.kick();
        });
      this.inFlight.set(token, send);
    }
  }

  private async send(endpoint: WebhookEndpoint, delivery: Delivery, token: string): Promise<void> {
    const result: SendResult = await sendWebhook(
      {
        url: endpoint.url, secret: endpoint.secret, eventId: delivery.eventId, type: delivery.type, body: delivery.body,
        timestamp: Math.floor(this.d.clock.now().getTime() / 1000),
      },
      { allowPrivate: this.d.allowPrivate, timeoutMs: this.o.timeoutMs, resolve: this.o.resolve },
    );
    const { repo, logger } = this.d;
    const now = this.d.clock.now();
    const nowIso = now.toISOString();
    if (result.ok) {
      if (!repo.finish(delivery.id, token, { status: 'delivered', now: nowIso })) logger.warn({ delivery: delivery.id }, 'webhook delivered after its lease was lost');
      repo.noteSuccess(endpoint.id);
      return;
    }
    const failingSince = repo.noteFailure(endpoint.id, nowIso);
    logger.info({ endpoint: endpoint.id, delivery: delivery.id, attempts: delivery.attempts + 1, error: result.error }, 'webhook delivery failed');
    if (now.getTime() - Date.parse(failingSince) >= this.o.giveUpMs) {
      const why = `every delivery failed for 24 hours (last: ${result.error})`;
      repo.finish(delivery.id, token, { status: 'failed', now: nowIso, error: result.error });
      if (repo.disable(endpoint.id, nowIso, why)) {
        logger.warn({ endpoint: endpoint.id, url: endpoint.url, why }, 'webhook endpoint disabled');
        this.d.onDisabled(endpoint, why);
      }
      return;
    }
    if (now.getTime() - Date.parse(delivery.createdAt) >= this.o.giveUpMs) {
      repo.finish(delivery.id, token, { status: 'failed', now: nowIso, error: result.error });
      return;
    }
    const attempt = delivery.attempts + 1;
    const delay = Math.min(this.o.backoffBaseMs * 2 ** Math.min(attempt - 1, 30), this.o.maxBackoffMs) * (0.8 + Math.random() * 0.4);
    repo.finish(delivery.id, token, { status: 'pending', next: new Date(now.getTime() + delay).toISOString(), error: result.error });
  }
}
