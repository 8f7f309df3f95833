import { sql } from 'kysely';
import { rows } from './support/test-engine';
import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const { ada, support: C } = SLACK_IDS;
let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

const firings = (id: string) => rows<{ rule_name: string }>(s.t.app.db, sql`SELECT rule_name FROM rule_firings WHERE conversation_id = ${id}`);

describe('escalation rules in the conversation', () => {
  it('the default rule escalates refund, cancel and legal (recorded as fired, named on the card)', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const w = await s.widget();
    const { conversationId } = await w.hello();
    w.send({ type: 'message', clientId: 'r', text: 'I was charged twice and want my money refunded' });
    expect((await w.next('state')).state).toBe('waiting');
    expect(firings(conversationId).map((f) => f.rule_name)).toHaveLength(1);
    const card = await s.card(conversationId);
    expect(JSON.stringify(card.blocks)).toMatch(/Rule/);
  });

  it('pages containing /enterprise give the enterprise-sales team a heads-up with Take over, without escalating', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const w = await s.widget();
    const { conversationId } = await w.hello({ page: { url: 'https://acme.example.com/pricing' } });
    w.send({ type: 'page', url: 'https://acme.example.com/enterprise/contact', title: 'Enterprise' });
    const headsUp = await s.emulator.waitForMessage(C, (m) => m.text.includes('Heads-up') && m.text.includes('enterprise-sales'));
    expect(JSON.stringify(headsUp.blocks)).toContain('Take over');
    expect(s.t.app.core.get(conversationId).state).toBe('ai');
    // Once per team and conversation.
    w.send({ type: 'page', url: 'https://acme.example.com/enterprise/faq' });
    w.send({ type: 'message', clientId: 'm', text: 'How do I export my data?' });
    await w.next('message', (m) => m.role === 'ai');
    expect(s.emulator.messages(C).filter((m) => m.text.includes('Heads-up')).length).toBe(1);
    // Take over from the heads-up: the card is posted and claimed at once.
    await s.driver.blockAction(ada, { actionId: 'handoff_take_over', message: headsUp, channel: C });
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Ada');
  });

  it('outside business hours a handoff asks for the email and is queued for later, even with agents available', async () => {
    s = await startSlackStack({}, { available: [ada] });
    const closed = { timezone: 'Europe/Berlin', weekly: { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] }, holidays: [] };
    s.t.app.settings.update({ businessHours: closed }, ada);
    const w = await s.widget();
    const { conversationId } = await w.hello();
    // An ordinary question is still answered by the AI: the rule only shapes handoffs.
    w.send({ type: 'message', clientId: 'q', text: 'How do I reset my password?' });
    await w.next('message', (m) => m.role === 'ai');
    expect(s.t.app.core.get(conversationId).state).toBe('ai');
    w.send({ type: 'request_human' });
    expect((await w.next('state')).state).toBe('queued');
    expect((await w.next('message', (m) => m.role === 'ai')).text).toMatch(/email/i);
    expect(s.t.app.routing.askedAgents(conversationId)).toEqual([]);
    expect(firings(conversationId).map((f) => f.rule_name)).toEqual([expect.stringMatching(/hours/i)]);
  });

  it('applies an admin rule with routing actions (team, skill, priority) to the conversation', async () => {
    s = await startSlackStack({}, { available: [ada] });
    s.t.app.rules.create(
      {
        name: 'Enterprise billing',
        match: 'all',
        conditions: [
          { type: 'customer_attribute', key: 'plan', op: 'equals', value: 'enterprise' },
          { type: 'message_contains', words: ['invoice'] },
        ],
        actions: [
          { type: 'require_skill', skill: 'billing' },
          { type: 'set_priority', priority: 'high' },
          { type: 'escalate_to_human' },
        ],
      },
      ada,
    );
    const w = await s.widget();
    const { conversationId } = await w.hello({ visitor: { attributes: { plan: 'Enterprise' } } });
    w.send({ type: 'message', clientId: 'i', text: 'Where is my invoice for March?' });
    expect((await w.next('state')).state).toBe('waiting');
    const c = s.t.app.core.get(conversationId);
    expect(c.requiredSkills).toEqual(['billing']);
    expect(c.priority).toBe('high');
    expect(c.escalation).toMatchObject({ kind: 'rule', detail: expect.stringContaining('Enterprise billing') });
    const audit = rows(s.t.app.db, sql`SELECT actor, action FROM admin_audit WHERE action = 'rule.create'`);
    expect(audit).toEqual([{ actor: ada, action: 'rule.create' }]);
  });
});
