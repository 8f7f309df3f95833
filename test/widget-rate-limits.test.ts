import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../src/gateway/protocol';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { rows } from './support/test-engine';
import { WidgetClient } from './support/widget-client';

type Answer = Extract<ServerFrame, { type: 'ack' | 'error' }>;

let t: TestApp;
const clients: WidgetClient[] = [];
async function connect(): Promise<WidgetClient> {
  const c = await WidgetClient.connect(t.url);
  clients.push(c);
  return c;
}

// The defaults: 10 frames a second and a burst of 30, per socket and per conversation.
const RATE = { perSecond: 10, burst: 30 };

beforeAll(async () => {
  t = await startTestApp({}, { socketsPerIp: 100 });
});
afterAll(async () => {
  for (const c of clients) c.close();
  await t.stop();
  removeDir(t.dir);
});

/** Waits until every clientId has its ack or error (by clientId) on `c`; returns them in that order. */
async function answers(c: WidgetClient, clientIds: string[], timeoutMs = 15_000): Promise<Answer[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const byId = new Map<string, Answer>();
    for (const f of c.all) if ((f.type === 'ack' || f.type === 'error') && f.clientId) byId.set(f.clientId, f);
    const missing = clientIds.filter((id) => !byId.has(id));
    if (!missing.length) return clientIds.map((id) => byId.get(id)!);
    if (Date.now() > deadline) throw new Error(`no answer for ${missing.length} messages, e.g. ${missing[0]}; got ${JSON.stringify(c.all.slice(-3))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stored = (conversationId: string) =>
  rows<{ n: number }>(t.app.db, sql`SELECT count(*) AS n FROM messages WHERE conversation_id = ${conversationId} AND role = 'customer'`)[0]!.n;

describe('widget rate limits', () => {
  it('ten sockets sharing one token together get one conversation’s rate, not ten sockets’ worth', async () => {
    const first = await connect();
    const welcome = await first.hello();
    const sockets = [first];
    for (let i = 1; i < 10; i++) sockets.push(await connect());
    const started = Date.now();
    // Each socket says hello and sends its messages at once, without waiting for the welcome: the
    // messages arrive before the socket knows its conversation, and must still count against it.
    const ids = sockets.map((s, i) => {
      if (i > 0) s.send({ type: 'hello', token: welcome.token });
      const mine = Array.from({ length: 29 }, (_, n) => `s${i}-${n}`);
      for (const id of mine) s.send({ type: 'message', clientId: id, text: `flood ${id}` });
      return mine;
    });
    const got = await Promise.all(sockets.map((s, i) => answers(s, ids[i]!)));
    const elapsedS = (Date.now() - started) / 1000;
    const all = got.flat();
    const acked = all.filter((a) => a.type === 'ack');
    const refused = all.filter((a) => a.type === 'error');
    // Before: 290 messages went through in about a second.
    expect(acked.length).toBeLessThanOrEqual(RATE.burst + Math.ceil(RATE.perSecond * elapsedS) + 1);
    expect(acked.length).toBeGreaterThanOrEqual(RATE.burst);
    expect(refused.length).toBe(290 - acked.length);
    for (const r of refused) expect(r).toMatchObject({ type: 'error', code: 'rate_limited', clientId: expect.any(String) });
    expect(stored(welcome.conversationId)).toBe(acked.length);
  });

  it('a flooded conversation does not slow another visitor on the same address', async () => {
    const flooded = await connect();
    await flooded.hello();
    for (let i = 0; i < 40; i++) flooded.send({ type: 'typing', typing: i % 2 === 0 });
    await flooded.next('error', (e) => e.code === 'rate_limited');
    const other = await connect();
    await other.hello();
    other.send({ type: 'message', clientId: 'other-1', text: 'hello' });
    expect((await other.next('ack')).clientId).toBe('other-1');
  });

  it('refuses each message over the rate with rate_limited and that message’s clientId', async () => {
    const c = await connect();
    const welcome = await c.hello();
    const ids = Array.from({ length: 60 }, (_, n) => `m${n}`);
    for (const id of ids) c.send({ type: 'message', clientId: id, text: `line ${id}` });
    const got = await answers(c, ids);
    const refused = got.filter((a) => a.type === 'error');
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) expect(r).toMatchObject({ code: 'rate_limited' });
    // Every message got exactly one answer, and only the acked ones were stored.
    expect(c.all.filter((f) => f.type === 'ack' || f.type === 'error').length).toBe(60);
    expect(stored(welcome.conversationId)).toBe(60 - refused.length);
  });

  it('every other refusal of a message frame carries its clientId too', async () => {
    const c = await connect();
    c.send({ type: 'message', clientId: 'too-early', text: 'hi' });
    expect(await c.next('error')).toMatchObject({ code: 'hello_required', clientId: 'too-early' });
    await c.hello();
    c.send({ type: 'message', clientId: 'too-long', text: 'x'.repeat(4001) });
    expect(await c.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'too-long' });
    c.send({ type: 'message', clientId: 'empty', text: '' });
    expect(await c.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'empty' });
  });
});
