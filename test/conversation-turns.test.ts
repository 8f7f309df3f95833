import { afterEach, describe, expect, it } from 'vitest';
import type { Ai, AiContext } from '../src/core/ports';
import type { Agent } from '../src/core/types';
import { createAgentRepository } from '../src/db/agent-repository';
import type { DomainEvent } from '../src/core/events';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';

/** An AI whose answers wait until the test releases them, recording what it was asked. */
function gatedAi() {
  const calls: AiContext[] = [];
  const gates: (() => void)[] = [];
  const ai: Ai = {
    answer: async (input) => {
      calls.push(input);
      await new Promise<void>((resolve) => gates.push(resolve));
      return { reply: `answer to: ${input.text}`, confidence: 0.95, action: { type: 'answer' }, sources: [] };
    },
    summarise: async () => ({ summary: 's', keyPoints: [], intent: 'i', aiTried: [], frustration: 'none', articles: [] }),
    draftReply: async () => ({ text: 'd', sources: [] }),
  };
  const releaseAll = () => gates.splice(0).forEach((g) => g());
  const waitForCalls = async (n: number) => {
    for (let i = 0; i < 500 && calls.length < n; i++) await new Promise((r) => setTimeout(r, 5));
    expect(calls.length).toBe(n);
  };
  return { ai, calls, releaseAll, waitForCalls };
}

let t: TestApp | undefined;
afterEach(async () => {
  if (t) {
    await t.stop();
    removeDir(t.dir);
    t = undefined;
  }
});

describe('conversation turns', () => {
  it('answers a burst sent while the AI is thinking once, the latest message, with the whole burst in its history', async () => {
    const g = gatedAi();
    t = await startTestApp({}, { ai: g.ai });
    const core = t.app.core;
    const { conversation } = core.openSession({});
    const created: DomainEvent[] = [];
    t.app.bus.subscribe((e) => e.type === 'message.created' && created.push(e));

    await core.customerMessage(conversation.id, 'a', 'How do I export my data?');
    await g.waitForCalls(1);
    // While the first answer is being written, the customer sends two more lines.
    await core.customerMessage(conversation.id, 'b', 'I mean to CSV');
    await core.customerMessage(conversation.id, 'c', 'from the reports page');
    g.releaseAll();
    await g.waitForCalls(2);
    g.releaseAll();
    await core.idle();

    expect(g.calls.map((c) => c.text)).toEqual(['How do I export my data?', 'from the reports page']);
    // b and c were stored (and acked) while the first answer was being written.
    expect(g.calls[1]!.history.map((m) => m.text)).toEqual([
      'How do I export my data?',
      'I mean to CSV',
      'from the reports page',
      'answer to: How do I export my data?',
    ]);
    expect(core.replay(conversation.id, 0).map((m) => `${m.seq} ${m.role}: ${m.text}`)).toEqual([
      '1 customer: How do I export my data?',
      '2 customer: I mean to CSV',
      '3 customer: from the reports page',
      '4 ai: answer to: How do I export my data?',
      '5 ai: answer to: from the reports page',
    ]);
    // Every stored message was announced exactly once, in seq order.
    expect(created.map((e) => (e as Extract<DomainEvent, { type: 'message.created' }>).message.seq)).toEqual([1, 2, 3, 4, 5]);
  });

  it('still escalates when "talk to a person" is one line of a burst, and does not answer the burst', async () => {
    const g = gatedAi();
    t = await startTestApp({}, { ai: g.ai });
    const core = t.app.core;
    const { conversation } = core.openSession({});
    await core.customerMessage(conversation.id, 'a', 'Hi there');
    await g.waitForCalls(1);
    await core.customerMessage(conversation.id, 'b', 'Actually I want to talk to a person');
    await core.customerMessage(conversation.id, 'c', 'thanks');
    g.releaseAll();
    await core.idle();
    expect(g.calls).toHaveLength(1);
    // No Slack here, so nobody can take it: handed over as queued (the email is asked for).
    expect(core.get(conversation.id).state).toBe('queued');
    expect(core.get(conversation.id).escalation).toMatchObject({ kind: 'customer_asked' });
    const ai = core.replay(conversation.id, 0).filter((m) => m.role === 'ai').map((m) => m.text);
    expect(ai[0]).toBe('answer to: Hi there');
    expect(ai.filter((text) => text.startsWith('answer to:'))).toHaveLength(1);
  });

  it('answers each message on its own when the AI keeps up', async () => {
    const g = gatedAi();
    t = await startTestApp({}, { ai: g.ai });
    const core = t.app.core;
    const { conversation } = core.openSession({});
    for (const [i, text] of ['What are your prices?', 'Do you have a free plan?'].entries()) {
      await core.customerMessage(conversation.id, `m${i}`, text);
      await g.waitForCalls(i + 1);
      g.releaseAll();
      await core.idle();
    }
    expect(core.replay(conversation.id, 0).filter((m) => m.role === 'ai').map((m) => m.text)).toEqual([
      'answer to: What are your prices?',
      'answer to: Do you have a free plan?',
    ]);
  });

  it("the AI's history follows an agent's edit and deletion of a relayed message", async () => {
    const g = gatedAi();
    t = await startTestApp({}, { ai: g.ai });
    const core = t.app.core;
    const { conversation } = core.openSession({});
    await core.customerMessage(conversation.id, 'a', 'I want to talk to a person');
    await core.idle();
    const agent: Agent = { id: 'U1', persona: { name: 'Ada' }, isAdmin: false };
    createAgentRepository(t.app.db).ensure(agent.id, new Date().toISOString()); // as the Slack directory does
    const reply = await t.app.handoff.agentReply(conversation.id, agent, 'The price is 10');
    if (!reply.relayed) throw new Error('not relayed');
    t.app.handoff.handBack(conversation.id, agent);
    t.app.handoff.editAgentMessage(reply.message.id, 'The price is 12');

    await core.customerMessage(conversation.id, 'b', 'And in euros?');
    await g.waitForCalls(1);
    const seen = g.calls[0]!.history.find((m) => m.id === reply.message.id);
    expect(seen?.text).toBe('The price is 12');
    g.releaseAll();
    await core.idle();

    t.app.handoff.deleteAgentMessage(reply.message.id);
    await core.customerMessage(conversation.id, 'c', 'ok');
    await g.waitForCalls(2);
    expect(g.calls[1]!.history.find((m) => m.id === reply.message.id)?.deletedAt).toBeTruthy();
    g.releaseAll();
    await core.idle();
  });
});

describe('turns of conversations the AI does not answer', () => {
  async function owned() {
    const g = gatedAi();
    t = await startTestApp({}, { ai: g.ai });
    const { conversation } = t.app.core.openSession({});
    const ada: Agent = { id: 'U1', persona: { name: 'Ada' }, isAdmin: false };
    createAgentRepository(t.app.db).ensure(ada.id, new Date().toISOString());
    expect(t.app.handoff.claim(conversation.id, ada).ok).toBe(true);
    return { g, core: t.app.core, conversation, ada };
  }

  it('schedules no turn for a message to the owning agent: a hand back right after its ack does not make the AI answer it', async () => {
    const { g, core, conversation, ada } = await owned();
    await core.customerMessage(conversation.id, 'a', 'Thanks, that helps');
    // Had a turn been queued, it would run after this move and see the AI in charge.
    t!.app.handoff.handBack(conversation.id, ada);
    await core.idle();
    expect(g.calls).toEqual([]);
    // The next message is the AI's again.
    await core.customerMessage(conversation.id, 'b', 'How do I export my data?');
    await g.waitForCalls(1);
    g.releaseAll();
    await core.idle();
    expect(g.calls.map((c) => c.text)).toEqual(['How do I export my data?']);
  });

  it('still reopens a resolved conversation and answers in it', async () => {
    const { g, core, conversation, ada } = await owned();
    t!.app.handoff.resolve(conversation.id, ada);
    await core.customerMessage(conversation.id, 'a', 'How do I export my data?');
    await g.waitForCalls(1);
    g.releaseAll();
    await core.idle();
    expect(core.get(conversation.id).state).toBe('ai');
  });
});

describe('agent replies (group-committed)', () => {
  async function claimed() {
    t = await startTestApp({});
    const core = t.app.core;
    const { conversation } = core.openSession({});
    const ada: Agent = { id: 'U1', persona: { name: 'Ada' }, isAdmin: false };
    const grace: Agent = { id: 'U2', persona: { name: 'Grace' }, isAdmin: true };
    const repo = createAgentRepository(t.app.db);
    for (const a of [ada, grace]) repo.ensure(a.id, new Date().toISOString());
    expect(t.app.handoff.claim(conversation.id, ada).ok).toBe(true);
    return { core, conversation, ada, grace, handoff: t.app.handoff };
  }
  const agentTexts = (id: string) => t!.app.core.replay(id, 0).filter((m) => m.role === 'agent').map((m) => m.text);

  it('a reply racing a resolve that commits first is not stored and says so', async () => {
    const { conversation, ada, handoff } = await claimed();
    const pending = handoff.agentReply(conversation.id, ada, 'One more thing');
    handoff.resolve(conversation.id, ada); // commits now, before the reply's group commit
    await expect(pending).resolves.toEqual({ relayed: false, reason: 'resolved' });
    expect(agentTexts(conversation.id)).not.toContain('One more thing');
  });

  it('a reply racing another agent taking over is not stored', async () => {
    const { conversation, ada, grace, handoff } = await claimed();
    const pending = handoff.agentReply(conversation.id, ada, 'Mine');
    handoff.handBack(conversation.id, grace); // an admin hands it back…
    expect(handoff.claim(conversation.id, grace).ok).toBe(true); // …and takes it
    await expect(pending).resolves.toEqual({ relayed: false, reason: 'not_owner', ownerId: grace.id });
    expect(agentTexts(conversation.id)).not.toContain('Mine');
  });

  it('replies sent together are stored in order with gapless seqs', async () => {
    const { conversation, ada, handoff } = await claimed();
    const results = await Promise.all(['one', 'two', 'three'].map((text) => handoff.agentReply(conversation.id, ada, text)));
    expect(results.every((r) => r.relayed)).toBe(true);
    const msgs = t!.app.core.replay(conversation.id, 0);
    expect(msgs.map((m) => m.seq)).toEqual(msgs.map((_, i) => i + 1));
    expect(agentTexts(conversation.id).slice(-3)).toEqual(['one', 'two', 'three']);
  });
});
