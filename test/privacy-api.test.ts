/**
 * Data subject requests over the REST API (issue 21): the real app, real API keys. Export needs a
 * read key, erasure a read+erase key (a read key gets 403, no key 401); every parameter is
 * checked with a 400 naming it; nobody found is a 404 that changes nothing; an erasure is audited
 * under the key and a second one is harmless; the OpenAPI document lists both routes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

let t: TestApp;
const clients: WidgetClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await t?.stop();
});

const EMAIL = 'maud.pellworth@example.com';

async function waitUntil(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function call(method: 'GET' | 'POST', path: string, key: string | null, body?: unknown): Promise<{ status: number; body: Record<string, any> }> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

function key(scope: 'read' | 'read+erase'): { key: string; id: string } {
  const made = t.app.apiKeys.create({ name: `privacy ${scope}`, scope, by: 'U0ADA' });
  if (!made.ok) throw new Error(made.error);
  return { key: made.key, id: made.info.id };
}

describe('/api/v1/visitors', () => {
  it('exports with a read key, erases with a read+erase key, refuses the rest clearly', async () => {
    // A webhook endpoint that never answers: its queued deliveries quote the customer's messages.
    t = await startTestApp({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' });
    await t.app.webhooks.add({ url: 'http://127.0.0.1:9/hook', events: ['message.created'], by: 'U0ADA' });
    const w = await WidgetClient.connect(t.url);
    clients.push(w);
    const welcome = await w.hello({ visitor: { name: 'Maud Pellworth', email: EMAIL } });
    w.send({ type: 'message', clientId: 'm1', text: 'My account number is 88123' });
    await w.next('ack');
    const deliveries = () => JSON.stringify(t.app.db.all(t.app.db.q.selectFrom('webhook_deliveries').selectAll()));
    await waitUntil(() => deliveries().includes('88123'));
    const read = key('read');
    const erase = key('read+erase');

    // Who may.
    expect((await call('GET', `/api/v1/visitors/export?email=${EMAIL}`, null)).status).toBe(401);
    expect((await call('GET', `/api/v1/visitors/export?email=${EMAIL}`, 'hk_nothing_here')).status).toBe(401);
    expect((await call('POST', '/api/v1/visitors/erase', read.key, { email: EMAIL })).status).toBe(403);

    // Bad input: a clear 400 naming the parameter, nothing changed.
    const bad = [
      await call('GET', '/api/v1/visitors/export', read.key),
      await call('GET', '/api/v1/visitors/export?email=not-an-email', read.key),
      await call('GET', `/api/v1/visitors/export?email=${EMAIL}&visitorId=v_1`, read.key),
      await call('GET', '/api/v1/visitors/export?visitorId=../../etc', read.key),
      await call('GET', `/api/v1/visitors/export?email=${EMAIL}&limit=3`, read.key),
      await call('POST', '/api/v1/visitors/erase', erase.key, {}),
      await call('POST', '/api/v1/visitors/erase', erase.key, { email: 42 }),
      await call('POST', '/api/v1/visitors/erase', erase.key, '[1,2]'),
    ];
    expect(bad.map((r) => r.status)).toEqual([400, 400, 400, 400, 400, 400, 400, 400]);
    expect(bad.map((r) => r.body.message)).toEqual([
      expect.stringMatching(/^email: /),
      expect.stringMatching(/^email: must be an email address/),
      expect.stringMatching(/^visitorId: .*not both/),
      expect.stringMatching(/^visitorId: is not a visitor id/),
      expect.stringMatching(/^limit: unknown parameter/),
      expect.stringMatching(/^email: /),
      expect.stringMatching(/^email: /),
      expect.any(String),
    ]);
    expect((await call('GET', '/api/v1/visitors/export?email=nobody@example.com', read.key)).status).toBe(404);

    // The export.
    const exported = await call('GET', `/api/v1/visitors/export?email=${EMAIL.toUpperCase()}`, read.key);
    expect(exported.status).toBe(200);
    expect(exported.body.visitors).toHaveLength(1);
    expect(exported.body.visitors[0]).toMatchObject({ name: 'Maud Pellworth', email: EMAIL });
    expect(exported.body.visitors[0].conversations[0].id).toBe(welcome.conversationId);
    expect(exported.body.visitors[0].conversations[0].messages.map((m: { text: string }) => m.text)).toContain('My account number is 88123');

    // The erasure, audited under the key; then nobody has that email, and the visitor has nothing left.
    const erased = await call('POST', '/api/v1/visitors/erase', erase.key, { email: EMAIL });
    expect(erased.status).toBe(200);
    expect(erased.body).toMatchObject({ status: 'erased', counts: { visitors: 1, conversations: 1, messages: expect.any(Number) } });
    expect(erased.body.counts.messages).toBeGreaterThan(0);
    const visitorId = erased.body.visitorIds[0] as string;
    const after = await call('GET', `/api/v1/visitors/export?visitorId=${visitorId}`, read.key);
    expect(after.body.visitors[0]).toMatchObject({ name: null, email: null });
    expect(JSON.stringify(after.body)).not.toContain('88123');
    expect(deliveries()).not.toContain('88123');
    expect((await call('POST', '/api/v1/visitors/erase', erase.key, { email: EMAIL })).status).toBe(404);
    const again = await call('POST', '/api/v1/visitors/erase', erase.key, { visitorId });
    expect(again.body).toMatchObject({ status: 'erased', counts: { messages: 0, files: 0, emails: 0 } });
    const audit = t.app.db.all(t.app.db.q.selectFrom('admin_audit').selectAll().where('action', '=', 'privacy.erase').orderBy('id'));
    expect(audit.map((a) => a.actor)).toEqual([`api_key:${erase.id}`, `api_key:${erase.id}`]);
    expect(audit[0]!.detail).not.toContain(EMAIL);

    // Documented from the same schemas.
    const doc = await call('GET', '/api/v1/openapi.json', null);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/visitors/export', '/api/v1/visitors/erase']));
  });
});
