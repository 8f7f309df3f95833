import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, encodeValue } from '../src/slack/ids';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import type { WidgetClient } from './support/widget-client';
import { threadLines } from './support/thread-lines';

let s: SlackStack;
beforeEach(async () => {
  s = await startSlackStack();
});
afterEach(async () => {
  await s.close();
});

const C = SLACK_IDS.support;
/** Ephemerals the app posted to someone (not answers to their own slash commands). */
const posted = (user: string) => s.emulator.ephemerals(user).filter((e) => e.via === 'chat.postEphemeral');

/** A customer who asked for a person: returns their socket, conversation id and the card. */
async function escalated(text = 'Hi, I need help with invoices') {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Jane <Doe>', email: 'jane@example.com' }, page: { url: 'https://acme.example.com/billing', title: 'Billing' } });
  w.send({ type: 'message', clientId: 'm1', text });
  await w.next('ack');
  w.send({ type: 'message', clientId: 'm2', text: 'I want to talk to a person' });
  const state = await w.next('state');
  expect(state.state).toBe('waiting');
  const card = await s.card(welcome.conversationId);
  return { w, conversationId: welcome.conversationId, card };
}

async function claim(user: string, cardTs: string) {
  return s.driver.blockAction(user, { actionId: ACTION.claim, message: s.emulator.message(C, cardTs)!, channel: C });
}

describe('escalation', () => {
  it('posts a card with Claim, Summary and Suggest reply, and the transcript in its thread', async () => {
    const { w, card } = await escalated();
    const blocks = JSON.stringify(card.blocks);
    for (const label of ['Claim', 'Summary', 'Suggest reply']) expect(blocks).toContain(`"${label}"`);
    expect(blocks).not.toContain('"Resolve"');
    expect(blocks).toContain('Jane &lt;Doe&gt;');
    expect(blocks).toContain('jane@example.com');
    expect(blocks).toContain('acme.example.com/billing');
    expect((await w.next('message', (m) => m.role === 'ai')).text).toBe('Let me connect you with a team member...');
    const thread = await s.emulator.waitFor(() => {
      const replies = s.emulator.replies(C, card.ts);
      const all = replies.map((r) => r.text + JSON.stringify(r.blocks ?? [])).join('\n');
      expect(all).toContain('Hi, I need help with invoices');
      expect(all).toContain('I want to talk to a person');
      return replies;
    });
    expect(thread.length).toBeGreaterThan(0);
  });

  it('posts later customer messages in the thread under the customer name, escaped', async () => {
    const { w, card } = await escalated();
    w.send({ type: 'message', clientId: 'm3', text: 'Ping <!channel> and <@U0ADA> <https://evil.example|click me> & co' });
    await w.next('ack');
    const posted = await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.username === 'Jane <Doe> (customer)');
    const raw = posted.text + JSON.stringify(posted.blocks ?? []);
    expect(raw).toContain('&lt;!channel&gt;');
    expect(raw).toContain('&lt;@U0ADA&gt;');
    expect(raw).toContain('&lt;https://evil.example|click me&gt; &amp; co');
    expect(raw).not.toContain('<!channel>');
  });

  it("a visitor named like an agent posts as a customer: the name marked, the customer icon, never an agent's name", async () => {
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Ada Lovelace' } });
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(welcome.conversationId);
    w.send({ type: 'message', clientId: 'imp', text: 'Hi team, this is Ada: please refund this customer' });
    await w.next('ack');
    const posted = await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.includes('please refund'));
    expect(posted.username).toBe('Ada Lovelace (customer)');
    expect(posted.icons).toEqual({ emoji: ':bust_in_silhouette:' });
    const agentNames = [SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus].flatMap((id) => {
      const u = s.emulator.user(id)!;
      return [u.name, u.real_name, u.display_name].filter((n) => n !== '');
    });
    expect(agentNames).toContain('Ada Lovelace');
    for (const m of s.emulator.replies(C, card.ts).filter((r) => r.username !== undefined)) {
      expect(agentNames).not.toContain(m.username);
      expect(m.username).toMatch(/ \(customer\)$/);
    }
  });
});

describe('claim', () => {
  it('makes the clicker the owner; the customer meets the agent; the card shows the owner and Resolve', async () => {
    const { w, card } = await escalated();
    const res = await claim(SLACK_IDS.ada, card.ts);
    expect(res.status).toBe(200);
    const human = await w.next('state', (f) => f.state === 'human');
    expect(human.agent?.name).toBe('Ada');
    const intro = await w.next('message', (m) => m.role === 'agent');
    expect(intro.text).toBe("Hi! I'm Ada, happy to help!");
    expect(intro.agent).toMatchObject({ name: 'Ada', avatarUrl: expect.stringMatching(/^https:/) });
    await s.emulator.waitFor(() => {
      const updated = JSON.stringify(s.emulator.message(C, card.ts)!.blocks);
      expect(updated).toContain('<@U0ADA>');
      expect(updated).toContain('"Resolve"');
      expect(updated).not.toContain('"Claim"');
      return true;
    });
  });

  it('is atomic: two agents clicking together give exactly one owner; the other is told who, only them', async () => {
    const { w, card } = await escalated();
    await Promise.all([claim(SLACK_IDS.ada, card.ts), claim(SLACK_IDS.grace, card.ts)]);
    const human = await w.next('state', (f) => f.state === 'human');
    const winner = human.agent!.name === 'Ada' ? SLACK_IDS.ada : SLACK_IDS.grace;
    const loser = winner === SLACK_IDS.ada ? SLACK_IDS.grace : SLACK_IDS.ada;
    const told = await s.emulator.waitForEphemeral(loser, (e) => e.via === 'chat.postEphemeral');
    expect(told.text).toContain(`<@${winner}>`);
    expect(posted(winner)).toEqual([]);
    await new Promise((r) => setTimeout(r, 100));
    expect(w.frames('message').filter((m) => m.role === 'agent').length).toBe(1);
  });

  it('uses the real name when the agent has no display name', async () => {
    const { w, card } = await escalated();
    await claim(SLACK_IDS.linus, card.ts);
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Linus Torvalds');
  });
});

describe('relay', () => {
  async function claimed() {
    const e = await escalated();
    await claim(SLACK_IDS.ada, e.card.ts);
    await e.w.next('message', (m) => m.role === 'agent');
    return e;
  }

  it("relays the owner's replies as plain text, and the customer's answers back into the thread", async () => {
    const { w, card } = await claimed();
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Sure &amp; here: <https://help.example.com/x|the guide> :wave: thanks <@U0GRACE>');
    const reply = await w.next('message', (m) => m.role === 'agent');
    expect(reply.text).toBe('Sure & here: the guide (https://help.example.com/x) 👋 thanks @Grace');
    expect(reply.agent?.name).toBe('Ada');
    w.send({ type: 'message', clientId: 'back', text: 'Thank you!' });
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.includes('Thank you!'));
    // The AI stays quiet once a human owns the conversation.
    await s.t.app.core.idle();
    expect(w.frames('message').filter((m) => m.role === 'ai' && m.seq > reply.seq)).toEqual([]);
  });

  it('asks Slack who the app is once, not on every event (auth.test)', async () => {
    const { w, card } = await claimed();
    const before = s.emulator.count('auth.test');
    for (let i = 0; i < 5; i++) {
      await s.driver.userReply(SLACK_IDS.ada, C, card.ts, `reply ${i}`);
      await w.next('message', (m) => m.role === 'agent' && m.text === `reply ${i}`);
    }
    expect(s.emulator.count('auth.test') - before).toBe(0);
    expect(s.emulator.count('auth.test')).toBeLessThanOrEqual(1);
  });

  it('a reply in an unowned conversation claims it for its author first', async () => {
    const { w, card } = await escalated();
    await s.driver.userReply(SLACK_IDS.grace, C, card.ts, 'Hello, Grace here.');
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Grace');
    const msgs = [await w.next('message', (m) => m.role === 'agent'), await w.next('message', (m) => m.role === 'agent')];
    expect(msgs.map((m) => m.text)).toEqual(["Hi! I'm Grace, happy to help!", 'Hello, Grace here.']);
  });

  it('keeps notes (;; and note:) and non-owners internal, telling each author once, only them', async () => {
    const { w, card } = await claimed();
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, ';; checking the invoice first');
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Note: customer on the old plan');
    await s.driver.userReply(SLACK_IDS.grace, C, card.ts, 'I can take over if you want');
    await s.driver.userReply(SLACK_IDS.grace, C, card.ts, 'ping me');
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Found it!');
    const last = await w.next('message', (m) => m.role === 'agent');
    expect(last.text).toBe('Found it!');
    expect(w.frames('message').filter((m) => m.role === 'agent').map((m) => m.text)).toEqual(["Hi! I'm Ada, happy to help!", 'Found it!']);
    await s.emulator.waitForEphemeral(SLACK_IDS.grace, (e) => e.text.includes('<@U0ADA>'));
    await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => /internal/i.test(e.text));
    await new Promise((r) => setTimeout(r, 100));
    expect(posted(SLACK_IDS.grace).length).toBe(1);
    expect(posted(SLACK_IDS.ada).length).toBe(1);
  });

  it('follows edits and deletions of relayed replies to the widget', async () => {
    const { w, card } = await claimed();
    const { ts } = await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Your invoice is #41');
    const sent = await w.next('message', (m) => m.text === 'Your invoice is #41');
    await s.driver.messageChanged(C, ts, 'Your invoice is #42');
    expect(await w.next('message_updated')).toEqual({ type: 'message_updated', id: sent.id, seq: sent.seq, text: 'Your invoice is #42' });
    await s.driver.messageDeleted(C, ts);
    expect(await w.next('message_deleted')).toEqual({ type: 'message_deleted', id: sent.id, seq: sent.seq });
  });

  it("never relays the app's own or other bots' messages", async () => {
    const { w, card } = await claimed();
    const stop = s.driver.echoBotMessages();
    await s.driver.event({ type: 'message', subtype: 'bot_message', bot_id: 'B0OTHER', channel: C, text: 'beep', ts: s.emulator.nextTs(), thread_ts: card.ts });
    w.send({ type: 'message', clientId: 'x', text: 'anyone?' });
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.includes('anyone?'));
    await s.driver.idle();
    stop();
    await new Promise((r) => setTimeout(r, 100));
    expect(w.frames('message').filter((m) => m.role === 'agent').length).toBe(1);
  });

  it('applies a Slack event delivered twice (same event_id, retries) once', async () => {
    const { w, card } = await claimed();
    const first = await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Only once please');
    await s.driver.deliverMessage(first.message, { eventId: first.eventId, retryNum: 1, retryReason: 'http_timeout' });
    await s.driver.deliverMessage(first.message, { retryNum: 2 }); // a new event_id, same ts: still once
    await w.next('message', (m) => m.text === 'Only once please');
    await new Promise((r) => setTimeout(r, 150));
    expect(w.frames('message').filter((m) => m.text === 'Only once please').length).toBe(1);
  });
});

describe('resolve and reopen', () => {
  it('resolves (owner), asks for a rating, takes it; a new customer message reopens to the AI with a line in the thread', async () => {
    const { w, card, conversationId } = await escalated();
    await claim(SLACK_IDS.grace, card.ts);
    await w.next('state', (f) => f.state === 'human');
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.resolve));
    // Not the owner and not an admin: refused, told only them.
    await s.driver.blockAction(SLACK_IDS.linus, { actionId: ACTION.resolve, message: s.emulator.message(C, card.ts)!, channel: C });
    await s.emulator.waitForEphemeral(SLACK_IDS.linus, (e) => /only/i.test(e.text));
    await s.driver.blockAction(SLACK_IDS.grace, { actionId: ACTION.resolve, message: s.emulator.message(C, card.ts)!, channel: C });
    expect((await w.next('state', (f) => f.state === 'resolved')).state).toBe('resolved');
    await s.emulator.waitFor(() => /Resolved/.test(JSON.stringify(s.emulator.message(C, card.ts)!.blocks)));
    w.send({ type: 'rate', score: 5, comment: 'Great help' });
    await w.next('message', (m) => /feedback/i.test(m.text));
    w.send({ type: 'message', clientId: 'again', text: 'One more question about invoices' });
    expect((await w.next('state', (f) => f.state === 'ai')).state).toBe('ai');
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && /came back/i.test(m.text + JSON.stringify(m.blocks ?? [])));
    expect(s.t.app.core.get(conversationId).ownerId).toBeNull();
  });

  it('Resolve is only for the owner or an admin in every state: a stale card does not let anyone close a waiting conversation', async () => {
    const { w, card, conversationId } = await escalated();
    const stale = (user: string, id = conversationId) =>
      s.driver.blockAction(user, { actionId: ACTION.resolve, message: card, channel: C, value: encodeValue({ conversationId: id }) });
    // Waiting, nobody owns it: Linus (no admin) clicks Resolve on a card that still shows it.
    await stale(SLACK_IDS.linus);
    await s.emulator.waitForEphemeral(SLACK_IDS.linus, (e) => /only .*admin/i.test(e.text));
    expect(s.t.app.core.get(conversationId).state).toBe('waiting');

    // With the AI, and queued (nobody available): refused too, in the core itself.
    const linus = { id: SLACK_IDS.linus, persona: { name: 'Linus' }, isAdmin: false };
    const withAi = s.t.app.core.openSession({}).conversation.id;
    expect(() => s.t.app.handoff.resolve(withAi, linus)).toThrow(/only .*admin/i);
    expect(s.t.app.core.get(withAi).state).toBe('ai');
    for (const id of [SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus]) await s.driver.slashCommand(id, 'offline');
    const q = await s.widget();
    const queued = (await q.hello({})).conversationId;
    q.send({ type: 'request_human' });
    await q.next('state', (f) => f.state === 'queued');
    await stale(SLACK_IDS.linus, queued);
    await s.emulator.waitFor(() => s.emulator.ephemerals(SLACK_IDS.linus).filter((e) => /only .*admin/i.test(e.text)).length === 2);
    expect(s.t.app.core.get(queued).state).toBe('queued');

    // An admin may, from any state.
    await stale(SLACK_IDS.ada);
    expect((await w.next('state', (f) => f.state === 'resolved')).state).toBe('resolved');
    expect(s.t.app.handoff.resolve(withAi, { ...linus, id: SLACK_IDS.ada, isAdmin: true }).state).toBe('resolved');
  });
});

async function sendAll(w: WidgetClient, n: number, prefix: string) {
  for (let i = 0; i < n; i++) w.send({ type: 'message', clientId: `${prefix}${i}`, text: `${prefix} message ${i}` });
  for (let i = 0; i < n; i++) await w.next('ack');
}

describe('delivery to Slack', () => {
  it('keeps order and loses nothing through a 429 storm', async () => {
    const { w, card } = await escalated();
    s.emulator.setRateLimit('chat.postMessage', { limit: 4, windowMs: 1000, perChannel: true, retryAfterSec: 1 });
    // Waiting messages merge into few posts, so the limit alone may never bite: Slack also refuses the next three.
    s.emulator.failNext('chat.postMessage', { status: 429, retryAfter: 1 }, 3);
    await sendAll(w, 12, 'storm');
    const posted = await s.emulator.waitFor(() => {
      const texts = threadLines(s.emulator, C, card.ts).filter((t) => t.includes('storm message'));
      expect(texts.length).toBe(12);
      return texts;
    }, 15_000);
    expect(posted.map((t) => Number(/storm message (\d+)/.exec(t)![1]))).toEqual([...Array(12).keys()]);
    expect(s.emulator.counters['chat.postMessage']!.faults).toBe(3);
  }, 30_000);

  it('sends what was still in the outbox after a restart, without duplicates', async () => {
    const { w, card } = await escalated();
    await s.emulator.waitFor(() => s.t.app.slack!.outbox.stats().pending + s.t.app.slack!.outbox.stats().sending === 0);
    s.emulator.failNext('chat.postMessage', { status: 500 }, 1000);
    await sendAll(w, 5, 'restart');
    await s.restart();
    s.emulator.clearFaults();
    const texts = await s.emulator.waitFor(() => {
      const t = threadLines(s.emulator, C, card.ts).filter((x) => x.includes('restart message'));
      expect(t.length).toBe(5);
      return t;
    }, 10_000);
    expect(texts.map((t) => Number(/restart message (\d+)/.exec(t)![1]))).toEqual([0, 1, 2, 3, 4]);
  }, 30_000);
});

describe('the Slack endpoint', () => {
  it('refuses missing, wrong, stale, future and altered signatures with 401, and nothing happens', async () => {
    const { w, card } = await escalated();
    for (const signature of ['missing', 'missing_timestamp', 'wrong_secret', 'malformed', 'stale', 'future', 'tampered'] as const) {
      const res = await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C, signature });
      expect(res.status, signature).toBe(401);
    }
    await new Promise((r) => setTimeout(r, 150));
    expect(w.frames('state').filter((f) => f.state === 'human')).toEqual([]);
  });

  it('answers malformed but signed bodies with 400 and keeps running', async () => {
    for (const [body, contentType] of [
      ['null', 'application/json'],
      ['[]', 'application/json'],
      ['{"type":"event_callback","event":null}', 'application/json'],
      ['{not json', 'application/json'],
      ['payload=%7Bbroken', 'application/x-www-form-urlencoded'],
      ['payload=null', 'application/x-www-form-urlencoded'],
      ['payload=%7B%22type%22%3A%22block_actions%22%7D', 'application/x-www-form-urlencoded'],
      ['hello=world', 'application/x-www-form-urlencoded'],
    ] as const) {
      const res = await s.driver.raw(body, { contentType });
      expect(res.status, body).toBe(400);
    }
    expect((await s.driver.urlVerification('abc')).body).toEqual({ challenge: 'abc' });
    expect((await fetch(`${s.t.url}/healthz`)).status).toBe(200);
  });

  it('answers /handoff with usage, only to the caller', async () => {
    const res = await s.driver.slashCommand(SLACK_IDS.ada, 'help');
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).toContain('ephemeral');
  });
});
