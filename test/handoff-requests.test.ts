import { sql } from 'kysely';
import { rows } from './support/test-engine';
import { afterEach, describe, expect, it } from 'vitest';
import { HANDOFF_REFUSED_MESSAGE } from '../src/core/handoff-limits';
import type { Ai } from '../src/core/ports';
import type { Agent } from '../src/core/types';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { WidgetClient } from './support/widget-client';

const { ada, grace } = SLACK_IDS;
const admin: Agent = { id: 'U0ADMIN', persona: { name: 'Admin' }, isAdmin: true };
/** An AI sure of every answer: only the customer's asks start handoffs. */
const sureAi: Ai = {
  answer: async (input) => ({ reply: `Here is how: ${input.text}`, confidence: 0.95, action: { type: 'answer' }, sources: [] }),
  summarise: async () => ({ summary: 's', keyPoints: [], intent: 'i', aiTried: [], frustration: 'none', articles: [] }),
  draftReply: async () => ({ text: 'd', sources: [] }),
};

let s: SlackStack | null = null;
let t: TestApp | null = null;
const widgets: WidgetClient[] = [];
afterEach(async () => {
  for (const w of widgets.splice(0)) w.close();
  await s?.close();
  s = null;
  if (t) {
    await t.stop();
    removeDir(t.dir);
    t = null;
  }
});

async function connect(url: string, token?: string, headers?: Record<string, string>) {
  const w = await WidgetClient.connect(url, { headers });
  widgets.push(w);
  const welcome = await w.hello(token ? { token } : {});
  return { w, id: welcome.conversationId, token: welcome.token };
}

describe('asking for a person while already in line (issue 14, item 13)', () => {
  it('waiting: the customer is told their place in the queue and the estimate, not "I\'m not sure"', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    // One claim so far, so that there is a wait estimate.
    const first = await connect(s.t.url);
    first.w.send({ type: 'request_human' });
    await first.w.next('state', (f) => f.state === 'waiting');
    expect(s.t.app.handoff.claim(first.id, await s.t.app.slack!.directory.get(ada)).ok).toBe(true);

    const ahead = await connect(s.t.url);
    ahead.w.send({ type: 'request_human' });
    await ahead.w.next('state', (f) => f.state === 'waiting');
    const me = await connect(s.t.url);
    me.w.send({ type: 'request_human' });
    expect((await me.w.next('state', (f) => f.state === 'waiting')).queue?.position).toBe(2);
    await me.w.next('message', (m) => m.role === 'ai' && /connect you/.test(m.text));

    me.w.send({ type: 'message', clientId: 'again', text: 'I want to talk to a human' });
    await me.w.next('ack');
    const told = await me.w.next('message', (m) => m.role === 'ai' && m.seq > 2);
    expect(told.text).toMatch(/in line/);
    expect(told.text).toContain('number 2');
    expect(told.text).toMatch(/about (a minute|\d+ minutes)/);
    expect(told.text).not.toMatch(/not sure/i);
    expect(s.t.app.core.get(me.id).state).toBe('waiting');
    // The button while waiting says the same; the place is refreshed too.
    me.w.send({ type: 'request_human' });
    expect((await me.w.next('state', (f) => f.state === 'waiting')).queue?.position).toBe(2);
    expect((await me.w.next('message', (m) => m.role === 'ai' && m.seq > told.seq)).text).toContain('number 2');
  });

  it('queued: the customer is told the team will follow up, by email once known', async () => {
    s = await startSlackStack({}, { available: [] });
    // Someone set a status, nobody is available: handoffs are queued.
    expect((await s.driver.slashCommand(ada, 'offline')).status).toBe(200);
    const me = await connect(s.t.url);
    me.w.send({ type: 'request_human' });
    await me.w.next('state', (f) => f.state === 'queued');
    const asked = await me.w.next('message', (m) => m.role === 'ai' && /email/i.test(m.text));

    me.w.send({ type: 'message', clientId: 'q1', text: 'Can I speak to a real person please?' });
    await me.w.next('ack');
    const told = await me.w.next('message', (m) => m.role === 'ai' && m.seq > asked.seq + 1);
    expect(told.text).toMatch(/in line/);
    expect(told.text).toMatch(/follow up/);
    // The email was asked for once already (the widget keeps its form open): not again.
    expect(told.text).not.toMatch(/email/i);
    expect(told.text).not.toMatch(/not sure/i);

    me.w.send({ type: 'email', email: 'sam@example.com' });
    const thanks = await me.w.next('message', (m) => m.role === 'ai' && m.text.includes('sam@example.com'));
    me.w.send({ type: 'message', clientId: 'q2', text: 'talk to a person' });
    await me.w.next('ack');
    const again = await me.w.next('message', (m) => m.role === 'ai' && m.seq > thanks.seq + 1);
    expect(again.text).toMatch(/follow up here and by email at sam@example\.com/);
    expect(s.t.app.core.get(me.id).state).toBe('queued');
  });
});

describe('handoffs per visitor and per address (issue 14, item 1)', () => {
  it('a visitor may start 5 handoffs an hour; the 6th keeps the AI and is told kindly, also after a restart', async () => {
    t = await startTestApp({}, { ai: sureAi });
    const me = await connect(t.url);
    for (let i = 1; i <= 5; i++) {
      me.w.send({ type: 'request_human' });
      await me.w.next('state', (f) => f.state === 'queued');
      t.app.handoff.resolve(me.id, admin);
      await me.w.next('state', (f) => f.state === 'resolved');
      // Back with the AI, answered from the knowledge base.
      me.w.send({ type: 'message', clientId: `back${i}`, text: 'How do I export my data?' });
      await me.w.next('state', (f) => f.state === 'ai');
      await me.w.next('message', (m) => m.role === 'ai' && /export/i.test(m.text));
    }
    me.w.send({ type: 'message', clientId: 'sixth', text: 'I want to talk to a human' });
    const refused = await me.w.next('message', (m) => m.role === 'system' && !/resolved/.test(m.text));
    expect(refused.text).toBe(HANDOFF_REFUSED_MESSAGE);
    expect(refused.text).not.toMatch(/limit|address|ip\b|hour/i);
    expect(t.app.core.get(me.id).state).toBe('ai');
    // Pressing again does not repeat the same line.
    me.w.send({ type: 'request_human' });
    me.w.send({ type: 'message', clientId: 'still', text: 'How do I export my data?' });
    const answer = await me.w.next('message', (m) => m.role === 'ai' && /export/i.test(m.text));
    expect(me.w.frames('message').filter((m) => m.role === 'system' && m.text === HANDOFF_REFUSED_MESSAGE)).toHaveLength(1);
    expect(me.w.frames('state').filter((f) => f.state === 'queued')).toHaveLength(5);
    expect(answer.seq).toBeGreaterThan(refused.seq);

    // Counted in the database: a restart does not reset it.
    const dir = t.dir;
    me.w.close();
    await t.stop();
    t = await startTestApp({}, { dir, ai: sureAi });
    const back = await connect(t.url, me.token);
    expect(back.id).toBe(me.id);
    back.w.send({ type: 'request_human' });
    await back.w.next('message', (m) => m.role === 'system' && m.text === HANDOFF_REFUSED_MESSAGE && m.seq > answer.seq);
    expect(t.app.core.get(me.id).state).toBe('ai');
    const refusals = rows(t.app.db, sql`SELECT detail FROM conversation_events WHERE conversation_id = ${me.id} AND type = 'handoff_refused'`);
    expect(refusals.length).toBeGreaterThanOrEqual(2);
  });

  it('one client address may start 20 handoffs an hour, however many new visitors it opens', async () => {
    // The address as a trusted proxy in front reports it.
    t = await startTestApp({ TRUST_PROXY: '127.0.0.1' });
    const from = { 'x-forwarded-for': '203.0.113.9' };
    for (let i = 0; i < 20; i++) {
      const v = await connect(t.url, undefined, from);
      v.w.send({ type: 'request_human' });
      await v.w.next('state', (f) => f.state === 'queued');
      v.w.close();
    }
    const fresh = await connect(t.url, undefined, from);
    fresh.w.send({ type: 'message', clientId: 'p', text: 'Can I speak to a person?' });
    expect((await fresh.w.next('message', (m) => m.role === 'system')).text).toBe(HANDOFF_REFUSED_MESSAGE);
    expect(t.app.core.get(fresh.id).state).toBe('ai');
    expect(fresh.w.frames('state')).toEqual([]);
    // Another address has its own budget.
    const other = await connect(t.url, undefined, { 'x-forwarded-for': '198.51.100.7' });
    other.w.send({ type: 'request_human' });
    await other.w.next('state', (f) => f.state === 'queued');
  });

  it('a loopback peer (a local reverse proxy without TRUST_PROXY) is not one shared address budget', async () => {
    t = await startTestApp();
    for (let i = 0; i < 21; i++) {
      const v = await connect(t.url);
      v.w.send({ type: 'request_human' });
      await v.w.next('state', (f) => f.state === 'queued');
      v.w.close();
    }
  });

  it('the limits are options', async () => {
    t = await startTestApp({}, { handoffLimits: { perVisitorPerHour: 1 } });
    const me = await connect(t.url);
    me.w.send({ type: 'request_human' });
    await me.w.next('state', (f) => f.state === 'queued');
    t.app.handoff.resolve(me.id, admin);
    me.w.send({ type: 'request_human' });
    expect((await me.w.next('message', (m) => m.role === 'system' && m.text === HANDOFF_REFUSED_MESSAGE)).text).toBe(HANDOFF_REFUSED_MESSAGE);
    expect(t.app.core.get(me.id).state).toBe('resolved');
  });
});
