import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalPeerHub } from '../src/cluster/local-peer-hub';
import type { PeerChannel } from '../src/core/peers';
import { createPostgresPeerChannel } from '../src/db/postgres/peer-channel';
import { createLogger } from '../src/logger';
import { ACTION } from '../src/slack/ids';
import { startTestApp, type TestApp } from './support/app-harness';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from './support/slack-emulator';
import { FAST_OUTBOX, SIGNING_SECRET, startSlackStack, type SlackStack } from './support/slack-stack';
import { freshPostgresDatabase, testEngine } from './support/test-engine';
import { WidgetClient } from './support/widget-client';

/**
 * Three app instances sharing one database: A (with the Slack driver pointed at it), B and C. The
 * customer talks to B or C; the agents act through A. On SQLite (one file) they hear each other
 * through one in-memory peer hub; on PostgreSQL each has its own LISTEN/NOTIFY channel, as
 * separate processes would.
 */
let s: SlackStack;
let b: TestApp;
let c: TestApp;
let env: Record<string, string>;
const channels: PeerChannel[] = [];
const clients: WidgetClient[] = [];
let peers: () => Promise<PeerChannel>;

beforeEach(async () => {
  const databaseUrl = testEngine() === 'postgres' ? await freshPostgresDatabase() : null;
  const hub = createLocalPeerHub();
  channels.push(hub);
  peers = async () => {
    if (!databaseUrl) return hub;
    const channel = createPostgresPeerChannel(databaseUrl, createLogger('silent'));
    channels.push(channel);
    await channel.listening();
    return channel;
  };
  const database: Record<string, string> = databaseUrl ? { DATABASE_URL: databaseUrl } : {};
  s = await startSlackStack(database, { app: { peers: await peers() } });
  env = {
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: s.emulator.apiUrl,
    SLACK_HANDOFF_CHANNEL: SLACK_IDS.support,
    ...database,
  };
  b = await startTestApp(env, { dir: s.dir, peers: await peers(), slackOutbox: FAST_OUTBOX });
  c = await startTestApp(env, { dir: s.dir, peers: await peers(), slackOutbox: FAST_OUTBOX });
});

afterEach(async () => {
  for (const w of clients.splice(0)) w.close();
  await b.stop();
  await c.stop();
  await s.close();
  await Promise.all(channels.splice(0).map((channel) => channel.close()));
});

async function widget(t: TestApp): Promise<WidgetClient> {
  const w = await WidgetClient.connect(t.url);
  clients.push(w);
  return w;
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Every message frame's seq, in arrival order. */
const seqs = (w: WidgetClient) => w.frames('message').map((m) => m.seq);

/** Each seq once, in order, with none missing after the first. */
function expectInOrderOnce(w: WidgetClient, from = 1): void {
  const got = seqs(w);
  expect(got, JSON.stringify(w.all)).toEqual(Array.from({ length: got.length }, (_, i) => from + i));
}

async function claimOnA(cardTs: string) {
  const res = await s.driver.blockAction(SLACK_IDS.ada, {
    actionId: ACTION.claim,
    message: s.emulator.message(SLACK_IDS.support, cardTs)!,
    channel: SLACK_IDS.support,
  });
  expect(res.status).toBe(200);
}

describe('several instances sharing one database', () => {
  it('a customer on B hears the claim and the replies made on A, in order and once; a reconnect to C resumes from lastSeq', async () => {
    const w = await widget(b);
    const welcome = await w.hello({ visitor: { name: 'Jane' } });
    const id = welcome.conversationId;
    w.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
    await w.next('ack');
    expect((await w.next('state')).state).toBe('waiting');
    const card = await s.card(id);
    // B has read (and cached) the conversation while it was waiting.
    expect(b.app.core.get(id).state).toBe('waiting');

    await claimOnA(card.ts);
    const human = await w.next('state', (f) => f.state === 'human');
    expect(human.agent?.name).toBe('Ada');
    const intro = await w.next('message', (m) => m.role === 'agent');
    expect(intro.text).toBe("Hi! I'm Ada, happy to help!");
    // The state frame came before the introduction, as it would on A.
    const order = w.all.map((f) => (f.type === 'state' && f.state === 'human' ? 'human' : f.type === 'message' && f.id === intro.id ? 'intro' : null));
    expect(order.indexOf('human')).toBeLessThan(order.indexOf('intro'));
    // B's cached row followed the claim made on A.
    expect(b.app.core.get(id)).toMatchObject({ state: 'human', ownerId: SLACK_IDS.ada });

    await s.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'Your invoice is fixed');
    const reply = await w.next('message', (m) => m.role === 'agent' && m.text === 'Your invoice is fixed');
    expect(reply.agent?.name).toBe('Ada');
    await s.t.app.core.idle();
    await b.app.core.idle();
    expectInOrderOnce(w);

    // The customer's answer on B reaches the thread once: A never acts again on what B announced.
    w.send({ type: 'message', clientId: 'm2', text: 'Thanks, all good' });
    await s.emulator.waitForMessage(SLACK_IDS.support, (m) => m.thread_ts === card.ts && m.text.includes('Thanks, all good'));
    await until(() => w.frames('ack').length === 2, 'the ack');
    await Promise.all([s.t.app.core.idle(), b.app.core.idle(), c.app.core.idle()]);

    // The tab goes away; the customer comes back through C with what it had seen.
    const lastSeq = reply.seq;
    w.close();
    await w.waitClosed();
    const again = await widget(c);
    const back = await again.hello({ token: welcome.token, lastSeq });
    expect(back).toMatchObject({ conversationId: id, state: 'human', agent: { name: 'Ada' } });
    await until(() => again.frames('message').some((m) => m.clientId === 'm2'), 'the replay of the customer message');
    expect(seqs(again)[0]).toBe(lastSeq + 1);

    await s.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'Anything else?');
    await again.next('message', (m) => m.text === 'Anything else?');
    expectInOrderOnce(again, lastSeq + 1);
    const { db } = s.t.app;
    const open = () => db.all(db.q.selectFrom('slack_outbox').select('id').where('status', 'in', ['pending', 'sending'])).length;
    await until(() => open() === 0, 'every Slack post sent');
    expect(s.emulator.replies(SLACK_IDS.support, card.ts).filter((m) => m.text.includes('Thanks, all good'))).toHaveLength(1);
  });

  it('two tabs on two instances get the same frames: typing, the message and the answer, once each', async () => {
    const onB = await widget(b);
    const welcome = await onB.hello({});
    const onA = await widget(s.t);
    await onA.hello({ token: welcome.token });
    onB.send({ type: 'message', clientId: 'q1', text: 'How do I reset my password?' });
    await onB.next('ack');
    const answer = await onA.next('message', (m) => m.role === 'ai');
    await onB.next('message', (m) => m.id === answer.id);
    expect(onA.frames('typing').map((f) => `${f.role}:${f.typing}`)).toEqual(['ai:true', 'ai:false']);
    expectInOrderOnce(onA);
    expectInOrderOnce(onB);
    const customer = onA.frames('message').find((m) => m.role === 'customer');
    expect(customer?.clientId).toBe('q1');
  });

  it("admins' changes on A reach the caches of B and C: settings, rules, widget config", async () => {
    s.t.app.settings.update({ widgetTitle: 'Acme help desk' }, SLACK_IDS.ada);
    await until(() => b.app.settings.get().widgetTitle === 'Acme help desk' && c.app.settings.get().widgetTitle === 'Acme help desk', 'the new title');
    const config = await c.app.server.inject({ method: 'GET', url: '/api/widget/config' });
    expect(config.json()).toMatchObject({ title: 'Acme help desk' });

    const before = b.app.rules.list().length;
    s.t.app.rules.create(
      { name: 'Refunds to a person', match: 'all', conditions: [{ type: 'message_contains', words: ['refund'] }], actions: [{ type: 'escalate_to_human' }] },
      SLACK_IDS.ada,
    );
    await until(() => b.app.rules.list().length === before + 1, 'the rule on B');
    // B applies it to its own customer.
    const w = await widget(b);
    await w.hello({});
    w.send({ type: 'message', clientId: 'r1', text: 'I want a refund' });
    expect((await w.next('state', (f) => f.state === 'waiting', 10_000)).state).toBe('waiting');
  });

  it('after missing notes, a resync brings the sockets and caches up to date from the tables', async () => {
    // D shares the database but hears nobody: every note of A is lost to it.
    const deaf = createLocalPeerHub();
    channels.push(deaf);
    const d = await startTestApp(env, { dir: s.dir, peers: deaf, slackOutbox: FAST_OUTBOX });
    try {
      const w = await widget(d);
      const welcome = await w.hello({});
      const id = welcome.conversationId;
      w.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
      expect((await w.next('state')).state).toBe('waiting');
      const card = await s.card(id);
      expect(d.app.core.get(id).state).toBe('waiting');

      await claimOnA(card.ts);
      await s.driver.userReply(SLACK_IDS.ada, SLACK_IDS.support, card.ts, 'Fixed on our side');
      await until(() => s.t.app.core.replay(id, 0).some((m) => m.text === 'Fixed on our side'), 'the reply stored by A');
      expect(w.frames('state').map((f) => f.state)).toEqual(['waiting']);
      expect(d.app.core.get(id).state).toBe('waiting'); // D's cached row

      deaf.publish({ t: 'resync', from: 'transport' });
      expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Ada');
      await w.next('message', (m) => m.text === 'Fixed on our side');
      expectInOrderOnce(w);
      expect(d.app.core.get(id)).toMatchObject({ state: 'human', ownerId: SLACK_IDS.ada });
    } finally {
      await d.stop();
    }
  });
});

describe('erasure across instances', () => {
  it('an erasure on one instance makes the others drop their cached copy of the conversation', async () => {
    const w = await widget(b);
    const hello = await w.hello({ visitor: { name: 'Maud Pellworth', email: 'maud@example.com' }, page: { url: 'https://acme.example.com/orders/4471', title: 'Order 4471' } });
    // B and C hold the conversation in their caches.
    expect(b.app.core.get(hello.conversationId).pageUrl).toBe('https://acme.example.com/orders/4471');
    expect(c.app.core.get(hello.conversationId).pageUrl).toBe('https://acme.example.com/orders/4471');
    const outcome = await s.t.app.privacy.eraseVisitor({ email: 'maud@example.com' }, { kind: 'slack', userId: SLACK_IDS.ada });
    expect(outcome.status).toBe('erased');
    await until(() => b.app.core.get(hello.conversationId).pageUrl === null, 'B to drop its copy');
    await until(() => c.app.core.get(hello.conversationId).pageUrl === null, 'C to drop its copy');
    expect(b.app.core.get(hello.conversationId).pageTitle).toBeNull();
  });
});

