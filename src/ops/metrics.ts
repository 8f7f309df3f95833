import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { EventBus } from '../core/events';
import type { AiTurnOutcome, Metrics } from '../core/metrics';
import { MESSAGE_ROLES, type MessageRole } from '../core/types';
import type { OpsRepository } from '../db/ops-repository';
import type { Logger } from '../logger';
import { LeanCounter, LeanHistogram, registerLean } from './lean-metrics';

/** Send→ack latency buckets, 0.5 ms to 5 s: an ack is a group commit's fsync away. */
export const ACK_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
/** The AI's answer: the built-in one in milliseconds, OpenAI in seconds (15 s per attempt, one retry). */
export const AI_TURN_BUCKETS = [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40] as const;

export interface OpsMetricsDeps {
  bus: EventBus;
  /** The deployment's backlogs, counted in the shared database at scrape time. */
  repo: OpsRepository;
  /** Widget sockets open on this instance (said hello). */
  openSockets: () => number;
  /** Which AI answers customers ('openai', 'built-in', or a test's): a label of the AI turn latency. */
  aiProvider: string;
  logger: Logger;
}

/**
 * The Prometheus registry behind GET /metrics: the Metrics port the core and gateway call, counters
 * fed from domain events, gauges read from the database when scraped, and the process's own
 * (prom-client's default metrics). Counters are per instance: Prometheus sums the instances.
 */
export class OpsMetrics implements Metrics {
  readonly registry = new Registry();
  private readonly ack = new LeanHistogram('handoff_ack_latency_seconds', 'Time from a customer message frame reaching the gateway to its ack being sent (stored durably), in seconds.', ACK_BUCKETS);
  private readonly messages = new LeanCounter<MessageRole>(
    'handoff_messages_total',
    'Messages stored by this instance, by author role (customer, ai, agent, system); rate() gives messages per second.',
    'role',
    MESSAGE_ROLES,
  );
  private readonly aiTurns: Histogram<'provider' | 'outcome'>;
  private readonly escalations: Counter<'reason'>;
  private readonly slackErrors: Counter<'method' | 'code'>;
  private readonly unsubscribe: () => void;
  private processMetrics = false;

  constructor(private readonly d: OpsMetricsDeps) {
    const registers = [this.registry];
    registerLean(this.registry, this.ack);
    registerLean(this.registry, this.messages);
    this.aiTurns = new Histogram({
      name: 'handoff_ai_turn_seconds',
      help: "Time the AI took to answer a customer's turn, in seconds, by provider and by how the answer would end the turn (answer, handoff, low_confidence, error).",
      labelNames: ['provider', 'outcome'],
      buckets: [...AI_TURN_BUCKETS],
      registers,
    });
    this.escalations = new Counter({
      name: 'handoff_escalations_total',
      help: 'Conversations escalated to a person by this instance, by reason (customer_asked, low_confidence, no_match, rule, …).',
      labelNames: ['reason'],
      registers,
    });
    this.slackErrors = new Counter({
      name: 'handoff_slack_api_errors_total',
      help: "Slack Web API calls of the outbox that failed, by method and Slack's error code (ratelimited, http_<status>, request_error for the network).",
      labelNames: ['method', 'code'],
      registers,
    });
    const sockets = d.openSockets;
    new Gauge({
      name: 'handoff_widget_sockets_open',
      help: 'Widget websockets open on this instance (after their hello).',
      registers,
      collect() {
        this.set(sockets());
      },
    });
    const { repo, logger } = d;
    // A scrape must answer even when the database does not: the gauge is then left out (and logged).
    const read = <T>(what: string, fn: () => T): T | null => {
      try {
        return fn();
      } catch (err) {
        logger.warn({ err, metric: what }, 'metrics: a gauge could not be read from the database');
        return null;
      }
    };
    new Gauge({
      name: 'handoff_slack_outbox_backlog',
      help: 'Slack posts waiting to be sent (pending or in flight), per lane (a Slack channel), across the deployment.',
      labelNames: ['lane'],
      registers,
      collect() {
        this.reset();
        for (const { lane, count } of read('outbox backlog', () => repo.outboxBacklog()) ?? []) this.set({ lane }, count);
      },
    });
    new Gauge({
      name: 'handoff_queue_length',
      help: 'Conversations in line across the deployment: waiting for an agent, or queued for follow-up (no agent was available).',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        const counts = read('queue length', () => repo.queueLength());
        if (!counts) return;
        this.set({ state: 'waiting' }, counts.waiting);
        this.set({ state: 'queued' }, counts.queued);
      },
    });
    new Gauge({
      name: 'handoff_webhook_backlog',
      help: 'Webhook deliveries not yet delivered, per endpoint id, across the deployment.',
      labelNames: ['endpoint'],
      registers,
      collect() {
        this.reset();
        for (const { endpointId, count } of read('webhook backlog', () => repo.webhookBacklog()) ?? []) this.set({ endpoint: endpointId }, count);
      },
    });
    // Local events only (the others' are never re-emitted here): each instance counts its own.
    this.unsubscribe = d.bus.subscribe((e) => {
      if (e.type === 'message.created') this.messages.inc(e.message.role);
      else if (e.type === 'conversation.escalated') this.escalations.inc({ reason: e.reason.kind });
    });
  }

  ackLatency(seconds: number): void {
    this.ack.observe(seconds);
  }

  aiTurn(seconds: number, outcome: AiTurnOutcome): void {
    this.aiTurns.observe({ provider: this.d.aiProvider, outcome }, seconds);
  }

  /** A Slack call the outbox made failed (SlackOutboxOptions.onApiError). */
  slackApiError(method: string, code: string): void {
    this.slackErrors.inc({ method, code });
  }

  /** The exposition (Prometheus text format 0.0.4) and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    // Started by the first scrape, not with the app: they watch the event loop with a timer and
    // observe every GC, which an app that is never scraped (most tests) should not pay for.
    if (!this.processMetrics) {
      this.processMetrics = true;
      collectDefaultMetrics({ register: this.registry });
    }
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  stop(): void {
    this.unsubscribe();
  }
}
