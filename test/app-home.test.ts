import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../src/slack/blocks/common';
import { validateBlocks } from '../src/slack/blocks/validate-blocks';
import { HIGH_VALUE_MIN, isHighValue } from '../src/slack/home-publisher';
import { ACTION, rowActionId } from '../src/slack/ids';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const IDENTITY_SECRET = 'test-identity-secret';
const C = SLACK_IDS.support;
const { ada: ADA, grace: GRACE } = SLACK_IDS;

let s: SlackStack;
beforeEach(async () => {
  s = await startSlackStack({ IDENTITY_SECRET });
});
afterEach(async () => {
  await s.close();
});

const homeOf = (user: string) => s.emulator.homeTab(user);
const homeText = (user: string) => JSON.stringify(homeOf(user)?.blocks ?? []);
const publishesOf = (user: string) => s.emulator.callsTo('views.publish').filter((c) => c.args.user_id === user);

/** Waits until the user's Home tab shows every piece of `parts`; returns the view. */
async function homeShowing(user: string, parts: string[], timeoutMs = 5000) {
  return s.emulator.waitFor(
    () => {
      const text = homeText(user);
      for (const p of parts) expect(text).toContain(p);
      return homeOf(user);
    },
    timeoutMs,
    `${user}'s Home tab to show ${parts.join(', ')}`,
  );
}

async function openHome(user: string, parts: string[] = ['Your status']) {
  const res = await s.driver.appHomeOpened(user);
  expect(res.status).toBe(200);
  return homeShowing(user, parts);
}

/** A customer who asked for a person: waiting in the queue. */
async function waitingCustomer(name = 'Jane <Doe>') {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name }, page: { url: 'https://acme.example.com/billing', title: 'Billing' } });
  w.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
  expect((await w.next('state')).state).toBe('waiting');
  return { w, conversationId: welcome.conversationId };
}

/** A verified enterprise customer chatting with the AI: said hello, then asked a knowledge-base question. */
async function liveCustomer() {
  const w = await s.widget();
  const userId = 'customer-42';
  const welcome = await w.hello({
    visitor: { name: 'Sam Rivers', userId, userHash: createHmac('sha256', IDENTITY_SECRET).update(userId).digest('hex'), attributes: { plan: 'Enterprise' } },
    page: { url: 'https://acme.example.com/account', title: 'Account settings' },
  });
  w.send({ type: 'message', clientId: 'h1', text: 'hello' });
  await w.next('message', (m) => m.role === 'ai');
  w.send({ type: 'message', clientId: 'q1', text: 'How do I reset my password?' });
  const answer = await w.next('message', (m) => m.role === 'ai');
  expect(answer.text.length).toBeGreaterThan(0);
  expect(s.t.app.core.get(welcome.conversationId).state).toBe('ai');
  return { w, conversationId: welcome.conversationId };
}

describe('App Home', () => {
  it('publishes a valid Home tab within the limits when it is opened, through the outbox', async () => {
    const view = await openHome(ADA, ['*Your status:* 🟢 Available', 'Your conversations', 'Waiting for an agent', 'Live AI conversations']);
    expect(view.type).toBe('home');
    expect(validateBlocks(view.blocks, 'home')).toEqual([]);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    const call = await s.emulator.waitForCall('views.publish', (c) => c.args.user_id === ADA);
    expect(call.ok).toBe(true);
    // Opening the Messages tab publishes nothing new.
    const before = s.emulator.callsTo('views.publish').length;
    await s.driver.appHomeOpened(ADA, { tab: 'messages' });
    await new Promise((r) => setTimeout(r, 200));
    expect(s.emulator.callsTo('views.publish').length).toBe(before);
  });

  it('changes the status with its buttons; the tab shows the new one and /handoff status agrees', async () => {
    const view = await openHome(ADA);
    const res = await s.driver.blockAction(ADA, { actionId: rowActionId(ACTION.homeSetStatus, 'away'), view });
    expect(res.status).toBe(200);
    const after = await homeShowing(ADA, ['*Your status:* 🟡 Away']);
    const away = after.blocks.flatMap((b: any) => b.elements ?? []).find((e: any) => e.value === 'away');
    expect(away.style).toBe('primary');
    const status = await s.driver.slashCommand(ADA, 'status');
    expect(JSON.stringify(status.body)).toContain('Away');
    expect(s.t.app.agents.summary(ADA).status).toBe('away');
  });

  it('shows a waiting conversation in the queue, and its Claim works (the customer meets the agent)', async () => {
    await openHome(GRACE);
    const { w, conversationId } = await waitingCustomer();
    const claimId = rowActionId(ACTION.homeClaim, conversationId);
    const view = await homeShowing(GRACE, ['Jane &lt;Doe&gt;', claimId, 'I want to talk to a person']);
    await s.driver.blockAction(GRACE, { actionId: claimId, view });
    const human = await w.next('state', (f) => f.state === 'human');
    expect(human.agent?.name).toBe('Grace');
    expect((await w.next('message', (m) => m.role === 'agent')).text).toBe("Hi! I'm Grace, happy to help!");
    await s.emulator.waitFor(() => {
      const text = homeText(GRACE);
      expect(text).toContain('You claimed the conversation with *Jane &lt;Doe&gt;*');
      expect(text).toContain('Nobody is waiting');
      expect(text).toContain('*Your conversations* (1)');
      expect(text).toContain('app_redirect?channel=C0SUPPORT');
      return true;
    });
  });

  it('shows a live AI conversation with its flags and Take over; taking over posts the card and claims it; hand back returns it to the AI', async () => {
    await openHome(ADA);
    const { w, conversationId } = await liveCustomer();
    // New AI conversations show up when the tab is opened again.
    const takeOverId = rowActionId(ACTION.takeOver, conversationId);
    const view = await openHome(ADA, ['*Sam Rivers* ✅ 💎', 'How do I reset my password?', 'Account settings', takeOverId]);

    await s.driver.blockAction(ADA, { actionId: takeOverId, view });
    const human = await w.next('state', (f) => f.state === 'human');
    expect(human.agent?.name).toBe('Ada');
    expect((await w.next('message', (m) => m.role === 'agent')).text).toBe("Hi! I'm Ada, happy to help!");
    // Help arrives; nobody tells the customer they are being transferred.
    expect(w.frames('message').some((m) => /connect you with a team member/.test(m.text))).toBe(false);
    expect(w.frames('state').some((f) => f.state === 'waiting')).toBe(false);

    const card = await s.card(conversationId);
    await s.emulator.waitFor(() => {
      const blocks = JSON.stringify(s.emulator.message(C, card.ts)!.blocks);
      expect(blocks).toContain('Agent takeover');
      expect(blocks).toContain('<@U0ADA>');
      expect(blocks).toContain('Hand back to AI');
      expect(blocks).not.toContain('"Claim"');
      return true;
    });
    await s.emulator.waitFor(() => {
      const thread = s.emulator.replies(C, card.ts).map((m) => m.text + JSON.stringify(m.blocks ?? [])).join('\n');
      expect(thread).toContain('How do I reset my password?');
      return true;
    });
    expect(s.t.app.core.get(conversationId)).toMatchObject({ state: 'human', ownerId: ADA, escalation: { kind: 'agent_takeover' } });
    await homeShowing(ADA, ['You took over the conversation with *Sam Rivers*', '*Your conversations* (1)', `message_ts=${card.ts}`]);

    await s.driver.blockAction(ADA, { actionId: ACTION.handBack, message: s.emulator.message(C, card.ts)!, channel: C });
    expect((await w.next('state', (f) => f.state === 'ai')).state).toBe('ai');
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && /handed the conversation back to the AI/.test(m.text + JSON.stringify(m.blocks ?? [])));
    expect(s.t.app.core.get(conversationId).ownerId).toBeNull();
    await homeShowing(ADA, ['Nothing assigned to you']);
  });

  it('tells only the clicker, in their Home tab, when someone else took the conversation first', async () => {
    const { w, conversationId } = await liveCustomer();
    const takeOverId = rowActionId(ACTION.takeOver, conversationId);
    const adaView = await openHome(ADA, [takeOverId]);
    const graceView = await openHome(GRACE, [takeOverId]);
    await s.driver.blockAction(ADA, { actionId: takeOverId, view: adaView });
    await w.next('state', (f) => f.state === 'human');
    await s.driver.blockAction(GRACE, { actionId: takeOverId, view: graceView });
    await homeShowing(GRACE, ['<@U0ADA> already has the conversation with *Sam Rivers*']);
    expect(homeText(ADA)).not.toContain('already has');
    expect(s.emulator.ephemerals(GRACE).filter((e) => e.via === 'chat.postEphemeral')).toEqual([]);
    await new Promise((r) => setTimeout(r, 150));
    expect(w.frames('message').filter((m) => m.role === 'agent')).toHaveLength(1);
    expect(s.t.app.core.get(conversationId).ownerId).toBe(ADA);
  });

  it('flags a live conversation 🔥 once it was escalated for frustration (here: handed back to the AI since)', async () => {
    const { w, conversationId } = await liveCustomer();
    s.t.app.core.escalate(conversationId, { kind: 'frustration', detail: 'wording: "useless"' });
    await w.next('state', (f) => f.state === 'waiting');
    const grace = await s.t.app.slack!.directory.get(GRACE);
    expect(s.t.app.handoff.claim(conversationId, grace).ok).toBe(true);
    s.t.app.handoff.handBack(conversationId, grace);
    await w.next('state', (f) => f.state === 'ai');
    await openHome(ADA, ['*Sam Rivers* ✅ 💎 🔥', rowActionId(ACTION.takeOver, conversationId)]);
  });

  it('stays valid and within limits with 40 waiting and 40 live conversations, and a burst publishes once per agent', async () => {
    await openHome(ADA);
    const core = s.t.app.core;
    const publishesBefore = publishesOf(ADA).length;
    const started = Date.now();
    for (let i = 0; i < 40; i++) {
      const waiting = core.openSession({ visitor: { name: `Waiting <${i}>` }, page: { url: `https://acme.example.com/p/${i}` } });
      await core.customerMessage(waiting.conversation.id, `w${i}`, `I want to talk to a person about order ${i}`);
      const live = core.openSession({ visitor: { name: `Live ${i}` } });
      await core.customerMessage(live.conversation.id, `l${i}`, 'hello');
    }
    await core.idle();

    const view = await s.emulator.waitFor(
      () => {
        const text = homeText(ADA);
        expect(text).toContain('*Waiting for an agent* (40)');
        expect(text).toContain('…and 30 more waiting');
        expect(text).toContain('…and 30 more with the AI.');
        return homeOf(ADA);
      },
      10_000,
      'the debounced refresh',
    );
    await new Promise((r) => setTimeout(r, 1500));
    const burst = publishesOf(ADA).length - publishesBefore;
    // 80 conversations and well over a hundred queue events: at most one publish per debounce window (1 s).
    expect(burst).toBeGreaterThanOrEqual(1);
    expect(burst).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 1000));

    await s.driver.appHomeOpened(ADA);
    await s.emulator.waitFor(() => publishesOf(ADA).length > publishesBefore + burst);
    const opened = homeOf(ADA)!;
    for (const v of [view, opened]) {
      expect(validateBlocks(v.blocks, 'home')).toEqual([]);
      expect(v.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    }
    expect(publishesOf(ADA).every((c) => c.ok)).toBe(true);
  }, 60_000);
});

describe('isHighValue', () => {
  it('counts enterprise, business and pro plans, and an mrr or value of at least the minimum', () => {
    expect(isHighValue({ plan: 'Enterprise' })).toBe(true);
    expect(isHighValue({ Plan: ' pro ' })).toBe(true);
    expect(isHighValue({ plan: 'business' })).toBe(true);
    expect(isHighValue({ plan: 'free' })).toBe(false);
    expect(isHighValue({ mrr: String(HIGH_VALUE_MIN) })).toBe(true);
    expect(isHighValue({ MRR: '$1,200' })).toBe(true);
    expect(isHighValue({ value: '99' })).toBe(false);
    expect(isHighValue({ value: 'lots' })).toBe(false);
    expect(isHighValue({})).toBe(false);
  });
});
