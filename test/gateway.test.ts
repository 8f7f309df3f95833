import { createHmac } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { rows } from './support/test-engine';
import { WidgetClient } from './support/widget-client';

let t: TestApp;
const clients: WidgetClient[] = [];
async function connect(options: { origin?: string } = {}): Promise<WidgetClient> {
  const c = await WidgetClient.connect(t.url, options);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  // Several sockets below send 80 messages at once on one conversation to test seq under
  // concurrency; the per-conversation rate limit (a burst of 30) has its own test (widget-rate-limits).
  t = await startTestApp({ IDENTITY_SECRET: 'identity-secret' }, { conversationRate: { perSecond: 10, burst: 100 } });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t.stop();
  removeDir(t.dir);
});

describe('HTTP routes', () => {
  it('answers /healthz while the database answers', async () => {
    const res = await fetch(`${t.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
  });

  it('serves the widget config, the demo page with a CSP, and the widget script', async () => {
    const config = await (await fetch(`${t.url}/api/widget/config`)).json();
    expect(config).toMatchObject({ title: expect.any(String), greeting: expect.any(String), handoffMessage: 'Let me connect you with a team member...' });
    // The theme's colours come computed (WCAG AA), so the widget does not ship the contrast code.
    expect(config.theme).toEqual({ primary: '#4f46e5', onPrimary: '#ffffff', primaryText: '#4f46e5' });
    // MAX_UPLOAD_MB (default 10): the widget refuses a larger file before uploading it.
    expect(config.maxUploadMb).toBe(10);

    const page = await fetch(`${t.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toMatch(/<script[^>]+src="\/widget\.js"[^>]*async/);

    const js = await fetch(`${t.url}/widget.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect((await js.text()).length).toBeGreaterThan(500);
  });
});

describe('widget websocket protocol', () => {
  it('requires hello first, then welcomes a new visitor with an opaque token', async () => {
    const c = await connect();
    c.send({ type: 'message', clientId: 'early', text: 'hi' });
    const err = await c.next('error');
    expect(err).toMatchObject({ code: 'hello_required', clientId: 'early' });

    const welcome = await c.hello({ page: { url: 'https://shop.example.com/pricing', title: 'Pricing' } });
    expect(welcome.state).toBe('ai');
    expect(welcome.conversationId).toMatch(/^c_/);
    expect(welcome.token.length).toBeGreaterThan(40);
    expect(welcome.token).not.toContain(welcome.conversationId);

    c.send({ type: 'hello' });
    expect((await c.next('error')).code).toBe('already_started');
  });

  it('answers bad frames with bad_frame and stays usable', async () => {
    const c = await connect();
    await c.hello();
    c.sendRaw('not json');
    expect((await c.next('error')).code).toBe('bad_frame');
    c.send({ type: 'dance' });
    expect((await c.next('error')).code).toBe('bad_frame');
    c.send({ type: 'message', clientId: 'x1', text: '' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'x1' });
    c.send({ type: 'message', clientId: 'x2', text: 'a'.repeat(4001) });
    expect(await c.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'x2' });
    c.send({ type: 'message', clientId: 'y'.repeat(65), text: 'hello' });
    expect((await c.next('error')).code).toBe('bad_frame');
    c.sendRaw(Buffer.from([1, 2, 3]), true);
    expect((await c.next('error')).code).toBe('bad_frame');
    c.sendRaw('null');
    expect((await c.next('error')).code).toBe('bad_frame');
    c.sendRaw('{"type":"typing","typing":true,"__proto__":{"polluted":true}}');
    c.send({ type: 'message', clientId: 'ok-1', text: 'hello there' });
    expect(await c.next('ack')).toMatchObject({ clientId: 'ok-1', seq: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('closes the socket with 1009 on a frame over 16 KiB', async () => {
    const c = await connect();
    await c.hello();
    c.sendRaw(JSON.stringify({ type: 'message', clientId: 'big', text: 'x'.repeat(17 * 1024) }));
    expect(await c.waitClosed()).toBe(1009);
  });

  it('acks after commit, is idempotent by clientId, and echoes the message with its clientId', async () => {
    const c = await connect();
    const welcome = await c.hello();
    c.send({ type: 'message', clientId: 'same', text: 'hello' });
    const ack = await c.next('ack');
    const row = rows(t.app.db, sql`SELECT seq, text FROM messages WHERE id = ${ack.id}`);
    expect(row).toEqual([{ seq: ack.seq, text: 'hello' }]);
    const echoed = c.frames('message').find((m) => m.id === ack.id);
    expect(echoed).toMatchObject({ role: 'customer', clientId: 'same', seq: ack.seq, text: 'hello' });

    c.send({ type: 'message', clientId: 'same', text: 'hello again, different text' });
    const again = await c.next('ack');
    expect(again).toEqual(ack);
    const count = rows(t.app.db, sql`SELECT count(*) AS n FROM messages WHERE conversation_id = ${welcome.conversationId} AND client_id = 'same'`);
    expect(count).toEqual([{ n: 1 }]);
  });

  it('resumes with the token and replays only what came after lastSeq, in order', async () => {
    const a = await connect();
    const welcome = await a.hello();
    a.send({ type: 'message', clientId: 'r1', text: 'hi' });
    await a.next('ack');
    await a.next('message', (m) => m.role === 'ai');
    a.send({ type: 'message', clientId: 'r2', text: 'How do I reset my password?' });
    await a.next('ack');
    await a.next('message', (m) => m.role === 'ai');
    await t.app.core.idle();
    a.close();

    const all = t.app.core.replay(welcome.conversationId, 0);
    expect(all.map((m) => m.seq)).toEqual(all.map((_, i) => i + 1));

    const b = await connect();
    const resumed = await b.hello({ token: welcome.token, lastSeq: 2 });
    expect(resumed.conversationId).toBe(welcome.conversationId);
    await t.app.core.idle();
    await new Promise((r) => setTimeout(r, 50));
    const replayed = b.frames('message');
    expect(replayed.map((m) => m.seq)).toEqual(all.filter((m) => m.seq > 2).map((m) => m.seq));

    const c = await connect();
    await c.hello({ token: welcome.token });
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames('message').map((m) => m.seq)).toEqual(all.map((m) => m.seq));
  });

  it('starts a new visitor for a forged or garbage token', async () => {
    const a = await connect();
    const first = await a.hello();
    const forged = first.token.slice(0, -4) + (first.token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const b = await connect();
    const second = await b.hello({ token: forged });
    expect(second.conversationId).not.toBe(first.conversationId);
    const c = await connect();
    expect((await c.hello({ token: 'garbage' })).conversationId).not.toBe(first.conversationId);
  });

  it('keeps seq without gaps or duplicates under concurrent sends from several sockets', async () => {
    const first = await connect();
    const welcome = await first.hello();
    const others = await Promise.all([connect(), connect(), connect()]);
    for (const o of others) await o.hello({ token: welcome.token });
    const sockets = [first, ...others];
    const perSocket = 20;
    sockets.forEach((s, i) => {
      for (let n = 0; n < perSocket; n++) s.send({ type: 'message', clientId: `s${i}-${n}`, text: `message ${i}/${n}` });
    });
    const acks = (await Promise.all(sockets.map(async (s) => {
      const got = [];
      for (let n = 0; n < perSocket; n++) got.push(await s.next('ack'));
      return got;
    }))).flat();
    expect(new Set(acks.map((a) => a.id)).size).toBe(sockets.length * perSocket);
    await t.app.core.idle();
    const seqs = t.app.core.replay(welcome.conversationId, 0).map((m) => m.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('validates the email and rating frames', async () => {
    const c = await connect();
    await c.hello();
    c.send({ type: 'email', email: 'not-an-email' });
    expect((await c.next('error')).code).toBe('invalid_email');
    c.send({ type: 'email', email: 'ada@example.com' });
    expect((await c.next('message', (m) => m.role === 'ai')).text).toContain('ada@example.com');
    c.send({ type: 'rate', score: 5 });
    expect((await c.next('error')).code).toBe('not_resolved');
    c.send({ type: 'rate', score: 9 });
    expect((await c.next('error')).code).toBe('bad_frame');
    c.send({ type: 'page', url: 'https://shop.example.com/enterprise', title: 'Enterprise' });
    c.send({ type: 'typing', typing: true });
    c.send({ type: 'message', clientId: 'after', text: 'still here' });
    expect((await c.next('ack')).clientId).toBe('after');
  });

  it('refuses sockets from origins that are not allowed', async () => {
    const strict = await startTestApp({ WIDGET_ALLOWED_ORIGINS: 'https://allowed.example.com' });
    try {
      await expect(WidgetClient.connect(strict.url, { origin: 'https://evil.example.com' })).rejects.toThrow(/403/);
      await expect(WidgetClient.connect(strict.url)).rejects.toThrow(/403/);
      const ok = await WidgetClient.connect(strict.url, { origin: 'https://allowed.example.com' });
      expect((await ok.hello()).state).toBe('ai');
      ok.close();
      const cors = await fetch(`${strict.url}/api/widget/config`, { headers: { origin: 'https://evil.example.com' } });
      expect(cors.headers.get('access-control-allow-origin')).toBeNull();
      const allowed = await fetch(`${strict.url}/api/widget/config`, { headers: { origin: 'https://allowed.example.com' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://allowed.example.com');
    } finally {
      await strict.stop();
      removeDir(strict.dir);
    }
  });

  it('limits a flooding socket with rate_limited and keeps it open', async () => {
    const c = await connect();
    await c.hello();
    for (let i = 0; i < 60; i++) c.send({ type: 'typing', typing: i % 2 === 0 });
    expect((await c.next('error', (e) => e.code === 'rate_limited')).code).toBe('rate_limited');
    await new Promise((r) => setTimeout(r, 400));
    c.send({ type: 'message', clientId: 'after-flood', text: 'ok' });
    expect((await c.next('ack')).clientId).toBe('after-flood');
  });
});

describe('identity', () => {
  const hash = (id: string) => createHmac('sha256', 'identity-secret').update(id).digest('hex');

  it('a verified user finds their conversation from another browser; a wrong hash or a typed email does not', async () => {
    const a = await connect();
    const first = await a.hello({ visitor: { userId: 'user-7', userHash: hash('user-7'), email: 'seven@example.com' } });
    a.send({ type: 'message', clientId: 'id1', text: 'hello' });
    await a.next('ack');

    const b = await connect();
    const same = await b.hello({ visitor: { userId: 'user-7', userHash: hash('user-7') } });
    expect(same.conversationId).toBe(first.conversationId);

    const c = await connect();
    const wrong = await c.hello({ visitor: { userId: 'user-7', userHash: hash('user-8') } });
    expect(wrong.conversationId).not.toBe(first.conversationId);

    const d = await connect();
    const byEmail = await d.hello({ visitor: { email: 'seven@example.com' } });
    expect(byEmail.conversationId).not.toBe(first.conversationId);

    // A token of user 7 presented with user 8's identity does not open user 7's conversation.
    const e = await connect();
    const other = await e.hello({ token: first.token, visitor: { userId: 'user-8', userHash: hash('user-8') } });
    expect(other.conversationId).not.toBe(first.conversationId);
  });
});

describe('the built-in AI and handoff triggers (Slack not configured)', () => {
  it('answers a knowledge-base question with an AI message', async () => {
    const c = await connect();
    await c.hello();
    c.send({ type: 'message', clientId: 'q', text: 'How can I reset my password?' });
    const typing = await c.next('typing');
    expect(typing).toEqual({ type: 'typing', role: 'ai', typing: true });
    const answer = await c.next('message', (m) => m.role === 'ai');
    expect(answer.text.toLowerCase()).toContain('password');
    expect(c.frames('state')).toEqual([]);
  });

  it.each([
    ['I want to talk to a person', 'customer_asked'],
    ['Can I speak with a human?', 'customer_asked'],
    ['I need a refund for last month', 'rule'],
    ['How do I cancel my subscription?', 'rule'],
    ['What is the airspeed velocity of an unladen swallow?', 'no_match|low_confidence'],
  ])('hands off on "%s" (%s): queued, the email asked for once', async (text, reason) => {
    const c = await connect();
    const welcome = await c.hello();
    c.send({ type: 'message', clientId: 'h', text });
    const state = await c.next('state');
    expect(state.state).toBe('queued');
    const ask = await c.next('message', (m) => m.role === 'ai');
    expect(ask.text.toLowerCase()).toContain('email');
    const conv = t.app.core.get(welcome.conversationId);
    expect(conv.escalation?.kind).toMatch(new RegExp(`^(${reason})$`));

    // Asking again does not re-announce the handoff or ask for the email again.
    c.send({ type: 'request_human' });
    c.send({ type: 'message', clientId: 'h2', text: 'talk to a human please' });
    await c.next('ack');
    await t.app.core.idle();
    await new Promise((r) => setTimeout(r, 50));
    expect(c.frames('message').filter((m) => m.role === 'ai' && /email/i.test(m.text)).length).toBe(1);
    expect(c.frames('state').length).toBe(1);
  });

  it('the "Talk to a person" button escalates at once', async () => {
    const c = await connect();
    await c.hello();
    c.send({ type: 'request_human' });
    expect((await c.next('state')).state).toBe('queued');
  });
});
