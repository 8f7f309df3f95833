import parsePrometheusTextFormat, { type PromFamily, type PromSample } from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { ACK_BUCKETS, AI_TURN_BUCKETS } from '../src/ops/metrics';
import { startTestApp, removeDir, type TestApp } from './support/app-harness';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

/** GET /metrics read as Prometheus reads it: by a Prometheus text-format parser, every family once. */
async function scrape(url: string, headers: Record<string, string> = {}): Promise<Map<string, PromFamily>> {
  return parse(await exposition(url, headers));
}

async function exposition(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return res.text();
}

function parse(text: string): Map<string, PromFamily> {
  const families = parsePrometheusTextFormat(text);
  const byName = new Map<string, PromFamily>();
  for (const f of families) {
    expect(byName.has(f.name), `${f.name} appears once`).toBe(false);
    byName.set(f.name, f);
  }
  return byName;
}

function family(metrics: Map<string, PromFamily>, name: string, type: PromFamily['type']): PromFamily {
  const f = metrics.get(name);
  expect(f, `${name} is exposed`).toBeDefined();
  expect(f!.type).toBe(type);
  expect(f!.help.length, `${name} has a HELP`).toBeGreaterThan(10);
  return f!;
}

/** The value of the sample whose labels are exactly `labels` (undefined when there is none). */
function value(f: PromFamily, labels: Record<string, string> = {}): number | undefined {
  const sample = f.metrics.find((m) => JSON.stringify(sortKeys(m.labels ?? {})) === JSON.stringify(sortKeys(labels)));
  return sample ? Number(sample.value) : undefined;
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/**
 * The series of a labelled histogram, each parsed on its own: the parser merges a histogram's series
 * into one and drops their labels (its flattenMetrics), so each label set gets a document of its own,
 * with its labels taken off the sample lines.
 */
function histogramSeries(text: string, name: string): { labels: string; sample: PromSample }[] {
  const bySeries = new Map<string, string[]>();
  const line = new RegExp(`^(${name}_(?:bucket|sum|count))\\{([^}]*)\\} (\\S+)$`);
  for (const l of text.split('\n')) {
    const match = line.exec(l);
    if (!match) continue;
    const labels = match[2]!.split(',').filter((p) => !p.startsWith('le='));
    const le = match[2]!.split(',').find((p) => p.startsWith('le='));
    const key = labels.join(',');
    bySeries.set(key, [...(bySeries.get(key) ?? []), `${match[1]}${le ? `{${le}}` : ''} ${match[3]}`]);
  }
  return [...bySeries].map(([labels, lines]) => {
    const [f] = parsePrometheusTextFormat([`# HELP ${name} series`, `# TYPE ${name} histogram`, ...lines, ''].join('\n'));
    expect(f!.metrics).toHaveLength(1);
    return { labels, sample: f!.metrics[0]! };
  });
}

/** A histogram series as Prometheus requires it: bounds increasing, counts cumulative, +Inf = count. */
function checkHistogram(name: string, sample: PromSample, expectedBounds?: readonly number[]): { count: number; sum: number } {
  const buckets = Object.entries(sample.buckets ?? {}).map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), Number(n)] as const);
  buckets.sort((a, b) => a[0] - b[0]);
  expect(buckets.at(-1)?.[0], `${name} ends with +Inf`).toBe(Infinity);
  if (expectedBounds) expect(buckets.slice(0, -1).map(([le]) => le)).toEqual([...expectedBounds]);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]![1], `${name} buckets are cumulative`).toBeGreaterThanOrEqual(buckets[i - 1]![1]);
  const count = Number(sample.count);
  expect(buckets.at(-1)![1], `${name}: +Inf = count`).toBe(count);
  const sum = Number(sample.sum);
  expect(Number.isFinite(sum) && sum >= 0).toBe(true);
  return { count, sum };
}

describe('GET /metrics', () => {
  let s: SlackStack | null = null;
  let t: TestApp | null = null;
  afterEach(async () => {
    await s?.close();
    s = null;
    if (t) {
      await t.stop();
      removeDir(t.dir);
      t = null;
    }
  });

  it('exposes sockets, messages, ack latency, escalations, backlogs, Slack errors and AI turns, parsed by a Prometheus parser', async () => {
    s = await startSlackStack();
    const w = await s.widget();
    const { conversationId } = await w.hello();
    const texts = ['hello there', 'how do I reset my password?', 'thanks'];
    for (const [i, text] of texts.entries()) {
      w.send({ type: 'message', clientId: `m${i}`, text });
      await w.next('ack', (a) => a.clientId === `m${i}`);
    }
    await w.next('message', (m) => m.role === 'ai');

    // The card's post is held: the escalation waits in line and its post in the outbox.
    const held = s.emulator.holdNext('chat.postMessage');
    w.send({ type: 'request_human' });
    await held.arrived;
    let m = await scrape(s.t.url);
    expect(value(family(m, 'handoff_widget_sockets_open', 'GAUGE'))).toBe(1);
    expect(value(family(m, 'handoff_queue_length', 'GAUGE'), { state: 'waiting' })).toBe(1);
    expect(value(family(m, 'handoff_queue_length', 'GAUGE'), { state: 'queued' })).toBe(0);
    expect(value(family(m, 'handoff_slack_outbox_backlog', 'GAUGE'), { lane: SLACK_IDS.support })).toBeGreaterThanOrEqual(1);
    expect(value(family(m, 'handoff_escalations_total', 'COUNTER'), { reason: 'customer_asked' })).toBe(1);
    held.release();
    await s.card(conversationId);

    // Slack refuses the thread post of the next customer message once; the outbox retries it.
    s.emulator.failNext('chat.postMessage', { error: 'internal_error' });
    w.send({ type: 'message', clientId: 'm3', text: 'are you there?' });
    await w.next('ack', (a) => a.clientId === 'm3');
    await s.emulator.waitFor((e) => e.callsTo('chat.postMessage').some((c) => JSON.stringify(c.args).includes('are you there?') && c.response?.ok === true), 5000, 'the retried post');

    const text = await exposition(s.t.url);
    m = parse(text);
    expect(value(family(m, 'handoff_slack_api_errors_total', 'COUNTER'), { method: 'chat.postMessage', code: 'internal_error' })).toBe(1);
    expect(value(family(m, 'handoff_slack_outbox_backlog', 'GAUGE'), { lane: SLACK_IDS.support }) ?? 0).toBe(0);

    const messages = family(m, 'handoff_messages_total', 'COUNTER');
    expect(value(messages, { role: 'customer' })).toBe(4);
    expect(value(messages, { role: 'ai' })).toBeGreaterThanOrEqual(1);
    expect(value(messages, { role: 'agent' })).toBe(0);

    const ack = family(m, 'handoff_ack_latency_seconds', 'HISTOGRAM');
    expect(ack.metrics).toHaveLength(1);
    const acks = checkHistogram('handoff_ack_latency_seconds', ack.metrics[0]!, ACK_BUCKETS);
    expect(acks.count).toBe(4);
    expect(acks.sum).toBeGreaterThan(0);

    family(m, 'handoff_ai_turn_seconds', 'HISTOGRAM');
    let turns = 0;
    const series = histogramSeries(text, 'handoff_ai_turn_seconds');
    expect(series.length).toBeGreaterThanOrEqual(1);
    for (const { labels, sample } of series) {
      expect(labels).toMatch(/^provider="built-in",outcome="(answer|handoff|low_confidence|error)"$/);
      turns += checkHistogram(`handoff_ai_turn_seconds{${labels}}`, sample, AI_TURN_BUCKETS).count;
    }
    // One per AI answer: the first three messages were answered (the fourth went to the agent's queue).
    expect(turns).toBe(3);

    family(m, 'handoff_webhook_backlog', 'GAUGE');
    // prom-client's process metrics.
    expect(value(family(m, 'process_cpu_user_seconds_total', 'COUNTER'))).toBeGreaterThan(0);
    family(m, 'nodejs_eventloop_lag_seconds', 'GAUGE');

    w.close();
    const stack = s;
    await stack.emulator.waitFor(() => stack.t.app.registry.size === 0 || null, 5000, 'the socket to close');
    expect(value(family(await scrape(stack.t.url), 'handoff_widget_sockets_open', 'GAUGE'))).toBe(0);
  });

  it('asks for METRICS_TOKEN as a bearer token when it is set', async () => {
    t = await startTestApp({ METRICS_TOKEN: 'a-long-metrics-token' });
    for (const authorization of [undefined, 'Bearer wrong-token', 'Bearer a-long-metrics-token-and-more', 'Basic a-long-metrics-token', 'a-long-metrics-token']) {
      const res = await fetch(`${t.url}/metrics`, { headers: authorization ? { authorization } : {} });
      expect(res.status, String(authorization)).toBe(401);
      expect(await res.json()).toEqual({ ok: false, error: 'unauthorized' });
    }
    const m = await scrape(t.url, { authorization: 'Bearer a-long-metrics-token' });
    expect(value(family(m, 'handoff_widget_sockets_open', 'GAUGE'))).toBe(0);
  });

  it('is open without METRICS_TOKEN, and counts the webhook deliveries still to make per endpoint', async () => {
    t = await startTestApp();
    const { db } = t.app;
    const now = new Date().toISOString();
    // Due in the far future: no worker takes them while the test looks.
    const later = '2100-01-01T00:00:00.000Z';
    for (const id of ['wh_a', 'wh_b']) {
      db.run(db.q.insertInto('webhook_endpoints').values({ id, url: 'https://hooks.example.com/handoff', events: '[]', secret: 's', created_by: 'U1', created_at: now, enabled: 1, disabled_at: null, disabled_why: null, failing_since: null, removed_at: null }));
    }
    const delivery = (endpoint_id: string, event_id: string, status: string) =>
      db.run(db.q.insertInto('webhook_deliveries').values({ endpoint_id, event_id, type: 'message.created', stream: 'c_1', body: '{}', status, next_attempt_at: later, created_at: now, conversation_id: null, attempts: 0, last_error: null, finished_at: null, lease_token: null, lease_until: null }));
    delivery('wh_a', 'e1', 'pending');
    delivery('wh_a', 'e2', 'pending');
    delivery('wh_a', 'e3', 'delivered');
    delivery('wh_b', 'e1', 'failed');
    const m = await scrape(t.url);
    const backlog = family(m, 'handoff_webhook_backlog', 'GAUGE');
    expect(backlog.metrics).toEqual([{ value: '2', labels: { endpoint: 'wh_a' } }]);
    family(m, 'handoff_messages_total', 'COUNTER');
  });
});
