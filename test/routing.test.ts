import { sql } from 'kysely';
import { rows } from './support/test-engine';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const { ada, grace, linus, support: C } = SLACK_IDS;
let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

async function setStatus(user: string, status: string) {
  const res = await s.driver.slashCommand(user, status);
  expect(res.status).toBe(200);
}

/** A new customer asks for a person; returns the conversation id and the state they got. */
async function customer(text?: string) {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Sam Customer' } });
  if (text) {
    w.send({ type: 'message', clientId: 't', text });
    await w.next('ack');
    await s.t.app.core.idle();
  }
  w.send({ type: 'request_human' });
  const state = await w.next('state');
  return { w, id: welcome.conversationId, state: state.state };
}

const asked = (id: string) => s.t.app.routing.askedAgents(id);
const dms = (user: string) => s.emulator.messages(user).map((m) => m.text);

describe('round robin (the default)', () => {
  it('takes turns, skipping agents who are not available, and remembers its place across restarts', async () => {
    s = await startSlackStack({}, { available: [ada, grace, linus] });
    const a = await customer();
    const b = await customer();
    const c = await customer();
    const d = await customer();
    expect([a, b, c, d].map((x) => asked(x.id))).toEqual([[ada], [grace], [linus], [ada]]);
    await setStatus(grace, 'away');
    const e = await customer();
    expect(asked(e.id)).toEqual([linus]);
    await s.restart();
    const f = await customer();
    expect(asked(f.id)).toEqual([ada]);
  });

  it('mentions the chosen agent on the card and sends them a direct message with the link', async () => {
    s = await startSlackStack({}, { available: [grace] });
    const { id } = await customer();
    const card = await s.card(id);
    expect(JSON.stringify(card.blocks) + card.text).toContain(`<@${grace}>`);
    await s.emulator.waitFor(() => dms(grace).some((t) => t.includes('/archives/C0SUPPORT/p') && t.includes('Sam Customer')));
    expect(dms(ada)).toEqual([]);
  });
});

describe('first available', () => {
  it('notifies every available agent; the first Claim wins', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    s.t.app.settings.update({ routingMethod: 'first_available' }, ada);
    const { id, w } = await customer();
    expect(asked(id).sort()).toEqual([ada, grace]);
    await s.emulator.waitFor(() => dms(ada).length === 1 && dms(grace).length === 1 && dms(linus).length === 0);
    const card = await s.card(id);
    await s.driver.blockAction(grace, { actionId: ACTION.claim, message: card, channel: C });
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Grace');
  });
});

describe('skill based', () => {
  it('prefers agents with every required skill (from the matched article), then anyone', async () => {
    s = await startSlackStack({}, { available: [ada, grace, linus] });
    s.t.app.settings.update({ routingMethod: 'skill_based' }, ada);
    await s.driver.slashCommand(linus, 'skills billing, invoices');
    await s.driver.slashCommand(grace, 'skills sso');
    const billing = await customer('Where can I download my invoices and receipts?');
    expect(asked(billing.id)).toEqual([linus]);
    const sso = await customer('How do I set up SAML single sign-on?');
    expect(asked(sso.id)).toEqual([grace]);
    // Nobody has the skill: anyone available (the least loaded, longest idle).
    const other = await customer('Can I track time on tasks?');
    expect(asked(other.id)).toEqual([ada]);
  });
});

describe('load balanced', () => {
  it('picks the fewest active conversations relative to capacity, ties to the longest idle', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    s.t.app.settings.update({ routingMethod: 'load_balanced' }, ada);
    // Ada takes two conversations, Grace one.
    for (const who of [ada, ada, grace]) {
      const c = await customer();
      const agent = await s.t.app.slack!.directory.get(who);
      expect(s.t.app.handoff.claim(c.id, agent).ok).toBe(true);
    }
    const next = await customer();
    expect(asked(next.id)).toEqual([grace]);
  });
});

describe('the waiting customer', () => {
  it('gets a queue position that moves up when someone ahead is claimed, with a wait estimate from recent claims', async () => {
    s = await startSlackStack({}, { available: [ada, grace] });
    const first = await customer();
    const second = await customer();
    expect(first.state).toBe('waiting');
    const secondState = second.w.frames('state')[0]!;
    expect(secondState.queue?.position).toBe(2);
    const agent = await s.t.app.slack!.directory.get(ada);
    s.t.app.handoff.claim(first.id, agent);
    const moved = await second.w.next('state', (f) => f.state === 'waiting' && f.queue?.position === 1);
    // One claim so far: the estimate comes from it.
    expect(moved.queue?.etaSeconds).toBeGreaterThanOrEqual(30);
  });
});

describe('capacity and offline handling', () => {
  it('an agent at capacity counts as busy; with nobody available the handoff is queued and the card marked so', async () => {
    s = await startSlackStack({}, { available: [ada] });
    s.t.app.settings.update({ defaultCapacity: 1 }, ada);
    const first = await customer();
    expect(first.state).toBe('waiting');
    const agent = await s.t.app.slack!.directory.get(ada);
    s.t.app.handoff.claim(first.id, agent);
    const status = await s.driver.slashCommand(ada, 'status');
    expect(JSON.stringify(status.body)).toMatch(/busy/);

    const second = await customer();
    expect(second.state).toBe('queued');
    expect((await second.w.next('message', (m) => m.role === 'ai')).text).toMatch(/email/i);
    const card = await s.card(second.id);
    expect(JSON.stringify(card.blocks)).toMatch(/[Qq]ueued/);
  });

  it('sends an email too to an agent who opted in', async () => {
    s = await startSlackStack({}, { available: [ada] });
    await s.driver.slashCommand(ada, 'notify email on');
    const { id } = await customer();
    await s.emulator.waitFor(() => s.t.app.mailer.emails.list({ kind: 'agent_notification' }).length === 1, 5000);
    const [email] = s.t.app.mailer.emails.list({ kind: 'agent_notification' });
    expect(email!.to_address).toBe('ada@example.com');
    expect(email!.text_body).toContain('/archives/C0SUPPORT/p');
    expect(email!.conversation_id).toBe(id);
  });
});

describe('/handoff', () => {
  it('sets and shows the status, conversations and queue, only to the caller; statuses persist', async () => {
    s = await startSlackStack({}, { available: [] });
    const res = await s.driver.slashCommand(ada, 'busy');
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(res.body.text).toMatch(/Busy/);
    await customer();
    const status = await s.driver.slashCommand(ada, '');
    expect(status.body.text).toMatch(/Waiting for an agent:\* 1/);
    await s.restart();
    expect((await s.driver.slashCommand(ada, 'status')).body.text).toMatch(/Busy/);
    expect((await s.driver.slashCommand(ada, 'dance')).body.text).toMatch(/don't know/);
    const changes = rows(s.t.app.db, sql`SELECT status, effective, source FROM agent_status_changes WHERE agent_id = ${ada}`);
    expect(changes).toContainEqual({ status: 'busy', effective: 'busy', source: 'command' });
  });

  it('lets admins set skills for others, and no one else', async () => {
    s = await startSlackStack({}, { available: [] });
    expect((await s.driver.slashCommand(grace, `skills <@${linus}|linus> billing`)).body.text).toMatch(/Only admins/);
    expect((await s.driver.slashCommand(ada, `skills <@${linus}|linus> billing, vat`)).body.text).toContain('billing, vat');
    expect((await s.driver.slashCommand(grace, 'skills Bad<Skill>')).body.text).toMatch(/not valid/);
  });
});
