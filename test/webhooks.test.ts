import { createHmac, timingSafeEqual } from 'node:crypto';
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, removeDir, type TestApp } from './support/app-harness';
import { movableClock } from './support/movable-clock';
import { startWebhookReceiver } from './support/webhook-receiver';

/**
 * Outgoing webhooks through the real app (issue 21): real local receivers (node:http), the real
 * queue on SQLite or PostgreSQL, the worker as it runs in production with short backoffs.
 */

/** The README's verification snippet, as a receiver would write it. */
function verifyHandoff(headers: http.IncomingHttpHeaders, rawBody: string, secret: string): boolean {
  const ts = String(headers['x-handoff-request-timestamp'] ?? '');
  const sig = String(headers['x-handoff-signature'] ?? '');
  if (!/^\d+$/.test(ts) || Math.abs(Date.now() / 1000 - Number(ts)) > 300) return false;
  const expected = 'v1=' + createHmac('sha256', secret).update(`v1:${ts}:${rawBody}`).digest('hex');
  return sig.length === expected.length && timingSafeEqual(Buffer.from(sig), Buffer.from(expected));
}

const FAST = { pollMs: 50, backoffBaseMs: 50, maxBackoffMs: 200 };
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function app(env: Record<string, string> = {}, options: Parameters<typeof startTestApp>[1] = {}): Promise<TestApp> {
  const t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true', ...env }, { webhooks: FAST, ...options });
  cleanups.push(async () => {
    await t.stop();
    if (!options.dir) removeDir(t.dir);
  });
  return t;
}

async function receiver(answer?: Parameters<typeof startWebhookReceiver>[0]) {
  const r = await startWebhookReceiver(answer);
  cleanups.push(() => r.close());
  return r;
}

describe('outgoing webhooks', () => {
  it('signs each delivery so that the README snippet verifies it, and a wrong secret does not', async () => {
    const r = await receiver();
    const t = await app();
    const { secret } = await t.app.webhooks.add({ url: r.url, events: ['message.created'], by: 'U0ADMIN01' });
    const s = t.app.core.openSession({});
    await t.app.core.customerMessage(s.conversation.id, 'c1', 'Hello there');
    await r.waitFor(() => r.delivered().some((h) => h.json.data.message.role === 'customer'), 'the customer message');
    const hook = r.delivered().find((h) => h.json.data.message.role === 'customer')!;
    expect(hook.headers['content-type']).toBe('application/json');
    expect(hook.headers['x-handoff-event']).toBe('message.created');
    expect(hook.headers['x-handoff-delivery']).toBe(hook.json.id);
    expect(hook.json).toMatchObject({ type: 'message.created', data: { conversation: { id: s.conversation.id }, message: { role: 'customer', text: 'Hello there' } } });
    expect(Date.parse(hook.json.createdAt)).not.toBeNaN();
    expect(verifyHandoff(hook.headers, hook.body, secret)).toBe(true);
    expect(verifyHandoff(hook.headers, hook.body, 'whsec_wrong')).toBe(false);
    expect(verifyHandoff(hook.headers, hook.body.replace('Hello', 'Hullo'), secret)).toBe(false);
    // The AI's answer is a message too (role ai).
    await r.waitFor(() => r.delivered().some((h) => h.json.data.message.role === 'ai'), "the AI's answer");
  });

  it('queues a conversation event in the transaction that records it: with the change, or not at all', async () => {
    const r = await receiver();
    const t = await app();
    await t.app.webhooks.add({ url: r.url, events: ['conversation.escalated', 'conversation.claimed', 'conversation.resolved', 'rating.submitted'], by: 'U0ADMIN01' });
    const s = t.app.core.openSession({});
    const id = s.conversation.id;
    const grace = { id: 'U0GRACE', persona: { name: 'Grace' }, isAdmin: false };
    t.app.db.run(t.app.db.q.insertInto('agents').values({ slack_user_id: 'U0GRACE', display_name: 'Grace', real_name: null, avatar_url: null, email: null, is_admin: 0, profile_fetched_at: null, created_at: new Date().toISOString(), status_changed_at: null, presence: null, presence_checked_at: null, capacity: null, last_routed_at: null }));
    t.app.core.requestHuman(id);
    // Without Slack nobody is available: the handoff is queued for follow-up.
    await r.waitFor(() => t.app.core.get(id).state === 'queued', 'the handoff');
    expect(t.app.handoff.claim(id, grace)).toMatchObject({ ok: true });
    t.app.handoff.resolve(id, grace);
    t.app.core.rate(id, 4, 'Quick and kind');
    await r.waitFor(() => r.delivered().length === 4, 'the four events', 10_000);
    expect(r.delivered().map((h) => [h.json.type, h.json.data.conversation.state])).toEqual([
      ['conversation.escalated', 'queued'],
      ['conversation.claimed', 'human'],
      ['conversation.resolved', 'resolved'],
      ['rating.submitted', 'resolved'],
    ]);
    expect(r.delivered()[1]!.json.data).toMatchObject({ conversation: { agent: { id: 'U0GRACE' } }, agent: { id: 'U0GRACE' } });
    expect(r.delivered()[3]!.json.data.rating).toEqual({ score: 4, comment: 'Quick and kind' });

    // An event rolled back with its transaction queues nothing; one recorded without any announcement still goes out.
    const { db } = t.app;
    const pending = () => Number(db.first(db.q.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll().as('n')))!.n);
    const before = pending();
    expect(() =>
      db.tx(() => {
        t.app.core.rate(id, 1, 'rolled back');
        db.run(db.q.insertInto('conversation_events').values({ conversation_id: 'nope', type: 'x', detail: '{}', at: 'x' }));
      }),
    ).toThrow();
    expect(pending()).toBe(before);
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending()).toBe(before);
  });

  it('retries a failed delivery with the same event id and records it delivered once', async () => {
    const r = await receiver((_h, n) => (n === 0 ? 500 : 200));
    const t = await app();
    const { endpoint } = await t.app.webhooks.add({ url: r.url, events: ['conversation.escalated'], by: 'U0ADMIN01' });
    const s = t.app.core.openSession({});
    t.app.core.requestHuman(s.conversation.id);
    await r.waitFor(() => r.delivered().length === 1, 'the retry');
    expect(r.received.map((h) => h.status)).toEqual([500, 200]);
    expect(r.received[0]!.json.id).toBe(r.received[1]!.json.id);
    expect(r.received[1]!.json).toMatchObject({ type: 'conversation.escalated', data: { conversation: { id: s.conversation.id, reason: { kind: 'customer_asked' } } } });
    await r.waitFor(() => t.app.webhooks.backlog().length === 0, 'the delivery recorded');
    expect(t.app.webhooks.list()[0]).toMatchObject({ id: endpoint.id, enabled: true, failingSince: null, backlog: 0 });
  });

  it('keeps a pending delivery across a restart and delivers it after', async () => {
    const r = await receiver(() => 503);
    const first = await app();
    const dir = first.dir;
    cleanups.pop(); // this app is stopped here; the folder goes with the second one
    await first.app.webhooks.add({ url: r.url, events: ['message.created'], by: 'U0ADMIN01' });
    const s = first.app.core.openSession({});
    await first.app.core.customerMessage(s.conversation.id, 'c1', 'Before the restart');
    await r.waitFor(() => r.received.length >= 1, 'a failed attempt');
    await first.stop();
    expect(r.delivered()).toHaveLength(0);

    r.answer(() => 200);
    const second = await app({}, { dir });
    cleanups.push(() => removeDir(dir));
    await r.waitFor(() => r.delivered().some((h) => h.json.data.message.text === 'Before the restart'), 'the delivery after the restart');
    await r.waitFor(() => second.app.webhooks.backlog().length === 0, 'an empty queue');
    expect(r.delivered().filter((h) => h.json.data.message.text === 'Before the restart')).toHaveLength(1);
  });

  it("delivers a conversation's events in order while deliveries fail and are retried", async () => {
    let n = 0;
    // Every other request fails: each event waits for its own retry before the next is sent.
    const r = await receiver(() => (n++ % 2 === 0 ? 500 : 200));
    const t = await app();
    await t.app.webhooks.add({ url: r.url, events: ['message.created'], by: 'U0ADMIN01' });
    const a = t.app.core.openSession({}).conversation.id;
    const b = t.app.core.openSession({}).conversation.id;
    for (let i = 0; i < 5; i++) {
      await t.app.core.customerMessage(a, `a${i}`, `a-${i}`);
      await t.app.core.customerMessage(b, `b${i}`, `b-${i}`);
    }
    const customerTexts = (conversationId: string) =>
      r.delivered().filter((h) => h.json.data.conversation.id === conversationId && h.json.data.message.role === 'customer').map((h) => h.json.data.message.text);
    await r.waitFor(() => customerTexts(a).length === 5 && customerTexts(b).length === 5, 'all ten messages');
    await r.waitFor(() => t.app.webhooks.backlog().length === 0, 'an empty queue');
    expect(customerTexts(a)).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    expect(customerTexts(b)).toEqual(['b-0', 'b-1', 'b-2', 'b-3', 'b-4']);
    // Every message of a conversation (the AI's answers too) arrives in the order of its seq.
    for (const id of [a, b]) {
      const seen = new Set<string>();
      const order = r.delivered().filter((h) => h.json.data.conversation.id === id && !seen.has(h.json.id) && seen.add(h.json.id)).map((h) => h.json.data.message.createdAt as string);
      expect(order).toEqual([...order].sort());
    }
  });

  it('disables an endpoint failing for 24 hours, drops its queue and keeps it listed with why', async () => {
    const clock = movableClock('2026-12-01T10:00:00.000Z');
    const r = await receiver(() => 500);
    const t = await app({}, { clock });
    const { endpoint } = await t.app.webhooks.add({ url: r.url, events: ['message.created'], by: 'U0ADMIN01' });
    const s = t.app.core.openSession({});
    await t.app.core.customerMessage(s.conversation.id, 'c1', 'Anyone?');
    await r.waitFor(() => r.received.length >= 2, 'two failed attempts');
    expect(t.app.webhooks.list()[0]).toMatchObject({ enabled: true, failingSince: expect.any(String) });
    clock.advance(24 * 3_600_000 + 1_000);
    await r.waitFor(() => !t.app.webhooks.list()[0]!.enabled, 'the endpoint disabled');
    expect(t.app.webhooks.list()[0]).toMatchObject({ id: endpoint.id, enabled: false, disabledWhy: expect.stringContaining('24 hours') });
    expect(t.app.webhooks.backlog()).toEqual([]);
    const before = r.received.length;
    await t.app.core.customerMessage(s.conversation.id, 'c2', 'Still there?');
    await new Promise((done) => setTimeout(done, 300));
    expect(r.received.length).toBe(before);
  });

  it('sends each event once when two instances share the database and its queue', async () => {
    const r = await receiver();
    const one = await app();
    const two = await app({}, { dir: one.dir });
    await one.app.webhooks.add({ url: r.url, events: ['message.created'], by: 'U0ADMIN01' });
    // The other instance learns of the endpoint at its next poll; here at once.
    two.app.webhooks.refresh();
    const texts: string[] = [];
    for (let i = 0; i < 6; i++) {
      const [t, tag] = i % 2 ? [two, 'two'] : [one, 'one'];
      const id = t.app.core.openSession({}).conversation.id;
      await t.app.core.customerMessage(id, `m${i}`, `${tag}-${i}`);
      texts.push(`${tag}-${i}`);
    }
    const customer = () => r.delivered().filter((h) => h.json.data.message.role === 'customer');
    await r.waitFor(() => customer().length >= 6, 'six customer messages');
    await r.waitFor(() => one.app.webhooks.backlog().length === 0, 'an empty queue');
    expect(customer().map((h) => h.json.data.message.text).sort()).toEqual(texts.sort());
    const ids = r.delivered().map((h) => h.json.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('refuses URLs that reach loopback, private, link-local or metadata addresses, and plain http, storing nothing', async () => {
    const t = await app({ WEBHOOK_ALLOW_PRIVATE_URLS: 'false' });
    const refused = [
      ['https://127.0.0.1/hooks', /loopback, private/],
      ['https://10.1.2.3/hooks', /10\.1\.2\.3/],
      ['https://169.254.169.254/latest/meta-data', /169\.254\.169\.254/],
      ['https://[::1]/hooks', /::1/],
      ['https://localhost/hooks', /localhost/],
      ['https://[::ffff:192.168.1.1]/hooks', /loopback, private/],
      ['https://100.64.0.1/hooks', /loopback, private/],
      ['http://hooks.example.com/handoff', /https:\/\//],
      ['ftp://hooks.example.com/', /https:\/\//],
      ['not a url', /not a URL/],
    ] as const;
    for (const [url, message] of refused) {
      await expect(t.app.webhooks.add({ url, events: ['message.created'], by: 'U0ADMIN01' }), url).rejects.toThrow(message);
    }
    await expect(t.app.webhooks.add({ url: 'https://hooks.example.com/x', events: [], by: 'U0ADMIN01' })).rejects.toThrow(/at least one event/);
    await expect(t.app.webhooks.add({ url: 'https://hooks.example.com/x', events: ['nope'], by: 'U0ADMIN01' })).rejects.toThrow(/Unknown events: nope/);
    expect(t.app.webhooks.list()).toEqual([]);
  });
});
