import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase as Database } from '../db/database';
import { migrate } from '../db/migrator';
import type { AiContext, KnowledgeBase } from '../core/ports';
import type { KbPassage, Message } from '../core/types';
import { createKnowledgeBase, indexKnowledgeBase } from './knowledge-base';
import { composeReply, createLocalAi, trimAtSentence } from './local-ai';
import { aiContext } from '../../test/support/ai-context';

const KB_DIR = fileURLToPath(new URL('../../kb', import.meta.url));

/** A context whose history holds the earlier messages and then the customer's new text (an anonymous visitor). */
function context(text: string, earlier: { role: Message['role']; text: string }[] = []): AiContext {
  return aiContext(text, earlier.map((m) => ({ ...m, confidence: null })), { visitorName: null });
}

describe('local AI over the sample knowledge base', () => {
  let db: Database;
  let threshold = 0.5;
  let ai: ReturnType<typeof createLocalAi>;

  beforeAll(() => {
    db = openDatabase(':memory:');
    migrate(db);
    indexKnowledgeBase(db, KB_DIR);
    ai = createLocalAi({ knowledgeBase: createKnowledgeBase(db), threshold: () => threshold });
  });
  afterAll(() => db.close());

  it('answers a question from the best passage, with a lead-in, the text and a link', async () => {
    const answer = await ai.answer(context('I forgot my password, how do I reset it?'));
    expect(answer.action).toEqual({ type: 'answer' });
    expect(answer.confidence).toBeGreaterThan(0.6);
    expect(answer.reply).toMatch(/^Here's what our help center says about “Reset a forgotten password”:/);
    expect(answer.reply).toContain('expires after 60 minutes');
    expect(answer.reply).toMatch(
      /More: Signing in, passwords and two-factor authentication \(https:\/\/help\.acme-projects\.example\/articles\/login-and-2fa\)$/,
    );
    expect(answer.sources).toEqual([
      { title: 'Signing in, passwords and two-factor authentication', url: 'https://help.acme-projects.example/articles/login-and-2fa' },
    ]);
  });

  it('leaves out the link for an article without a url', async () => {
    const answer = await ai.answer(context('Can I import my boards from Trello?'));
    expect(answer.action.type).toBe('answer');
    expect(answer.reply).toContain('Trello and Asana import directly');
    expect(answer.reply).not.toContain('More:');
    expect(answer.sources).toEqual([{ title: 'Exporting and importing your data', url: null }]);
  });

  it('hands off with no_match when nothing in the knowledge base matches', async () => {
    const answer = await ai.answer(context('What is the capital of France?'));
    expect(answer).toEqual({ reply: '', confidence: 0, action: { type: 'handoff', reason: { kind: 'no_match' } }, sources: [] });
  });

  it('hands off with low_confidence below the threshold, naming the nearest article for the agent', async () => {
    const answer = await ai.answer(context('Do you have a GitLab integration?'));
    expect(answer.reply).toBe('');
    expect(answer.confidence).toBeGreaterThan(0);
    expect(answer.confidence).toBeLessThan(0.5);
    expect(answer.action).toEqual({ type: 'handoff', reason: { kind: 'low_confidence', confidence: answer.confidence } });
    expect(answer.sources[0]?.title).toBe('Integrations: Slack, GitHub and Google Calendar');
  });

  it('reads the threshold on every answer', async () => {
    const question = context('How much does the Pro plan cost per month?');
    const confident = await ai.answer(question);
    expect(confident.action.type).toBe('answer');
    threshold = 0.99;
    try {
      const strict = await ai.answer(question);
      expect(strict.action).toEqual({ type: 'handoff', reason: { kind: 'low_confidence', confidence: confident.confidence } });
    } finally {
      threshold = 0.5;
    }
  });

  it('hands off a frustrated customer even when it has an answer', async () => {
    const answer = await ai.answer(context('This is useless!!! HOW DO I EXPORT MY DATA'));
    expect(answer.action.type).toBe('handoff');
    if (answer.action.type !== 'handoff') return;
    expect(answer.action.reason.kind).toBe('frustration');
    expect(answer.action.reason.detail).toContain('useless');
    expect(answer.reply).toBe('');
  });

  it('hands off when the same question keeps coming back', async () => {
    const earlier = [
      { role: 'customer' as const, text: 'How do I export my data?' },
      { role: 'ai' as const, text: 'Here is what our help center says…' },
      { role: 'customer' as const, text: 'how do I export my data' },
      { role: 'ai' as const, text: 'Here is what our help center says…' },
    ];
    const answer = await ai.answer(context('How do I export my data??', earlier));
    expect(answer.action).toMatchObject({ type: 'handoff', reason: { kind: 'frustration' } });
  });

  it('apologises but still answers a mildly annoyed customer', async () => {
    const answer = await ai.answer(context('the sync is broken, my changes are not showing up for my teammates'));
    expect(answer.action.type).toBe('answer');
    expect(answer.reply).toMatch(/^Sorry for the trouble\. Here's what/);
  });

  it.each([
    ['hi', 'Hi there!'],
    ['Hello!', 'Hi there!'],
    ['thanks!', "You're welcome!"],
    ['ok', 'Great.'],
    ['bye', 'Thanks for chatting'],
  ])('replies to the small talk %j without a handoff', async (text, start) => {
    const answer = await ai.answer(context(text));
    expect(answer.action).toEqual({ type: 'answer' });
    expect(answer.confidence).toBe(1);
    expect(answer.reply.startsWith(start)).toBe(true);
    expect(answer.sources).toEqual([]);
  });

  it('reads a short follow-up together with the previous question', async () => {
    const earlier = [
      { role: 'customer' as const, text: 'How do I connect GitHub?' },
      { role: 'ai' as const, text: '…' },
    ];
    const answer = await ai.answer(context('and what about enterprise server?', earlier));
    expect(answer.action.type).toBe('answer');
    expect(answer.reply).toContain('GitHub Enterprise Server 3.8');
  });

  it('does not answer an unrelated follow-up with the previous topic', async () => {
    const earlier = [
      { role: 'customer' as const, text: 'How do I reset my password?' },
      { role: 'ai' as const, text: '…' },
    ];
    const answer = await ai.answer(context('do you sell pizza?', earlier));
    expect(answer.action).toEqual({ type: 'handoff', reason: { kind: 'no_match' } });
  });
});

describe('local AI with a stub knowledge base', () => {
  const passage = (score: number, body = 'Go to Settings → Billing.'): KbPassage => ({
    articleId: 'a.md',
    title: 'Billing',
    heading: 'Invoices',
    body,
    url: 'https://help.example/billing',
    tags: [],
    score,
  });
  const stub = (results: KbPassage[]): KnowledgeBase => ({ search: () => results });

  it('uses the match score as its confidence', async () => {
    const ai = createLocalAi({ knowledgeBase: stub([passage(0.73)]), threshold: () => 0.5 });
    const answer = await ai.answer(context('where are my invoices'));
    expect(answer.confidence).toBe(0.73);
    expect(answer.action).toEqual({ type: 'answer' });
  });

  it('answers at exactly the threshold and hands off just below it', async () => {
    const at = await createLocalAi({ knowledgeBase: stub([passage(0.5)]), threshold: () => 0.5 }).answer(context('invoices'));
    expect(at.action.type).toBe('answer');
    const below = await createLocalAi({ knowledgeBase: stub([passage(0.49)]), threshold: () => 0.5 }).answer(context('invoices'));
    expect(below.action).toEqual({ type: 'handoff', reason: { kind: 'low_confidence', confidence: 0.49 } });
  });

  it('never throws on odd input', async () => {
    const ai = createLocalAi({ knowledgeBase: stub([]), threshold: () => 0.5 });
    for (const text of ['', '   ', '🍕', '"NEAR(', 'x'.repeat(5000)]) {
      await expect(ai.answer(context(text))).resolves.toMatchObject({ action: { type: 'handoff' } });
    }
  });
});

describe('composeReply and trimAtSentence', () => {
  it('cuts long passages at a sentence boundary near 600 characters', () => {
    const sentence = 'Every charge creates an invoice that you can download as a PDF. ';
    const body = sentence.repeat(20).trim();
    const reply = composeReply({ title: 'Billing', heading: 'Invoices', body, url: null });
    const quoted = reply.split('\n\n')[1]!;
    expect(quoted.length).toBeLessThanOrEqual(600);
    expect(quoted.length).toBeGreaterThan(500);
    expect(quoted.endsWith('PDF.')).toBe(true);
  });

  it('falls back to a word boundary with an ellipsis when no sentence ends in time', () => {
    const text = 'word '.repeat(200).trim();
    const cut = trimAtSentence(text, 100);
    expect(cut.length).toBeLessThanOrEqual(100);
    expect(cut.endsWith('word…')).toBe(true);
    expect(trimAtSentence('Short.', 600)).toBe('Short.');
  });

  it('cuts after a list item too', () => {
    const text = `Steps:\n1. ${'a'.repeat(70)}\n2. ${'b'.repeat(70)}`;
    expect(trimAtSentence(text, 120)).toBe(`Steps:\n1. ${'a'.repeat(70)}`);
  });

  it('uses the article title when the passage is the introduction', () => {
    expect(composeReply({ title: 'Billing', heading: '', body: 'Text.', url: 'https://x.example' })).toBe(
      "Here's what our help center says about “Billing”:\n\nText.\n\nMore: Billing (https://x.example)",
    );
    expect(composeReply({ title: 'Billing', heading: '', body: '', url: null })).toBe('Our article “Billing” covers this.');
  });
});

describe('local AI for agents: summaries, drafts and topics for a person', () => {
  let db: Database;
  let ai: ReturnType<typeof createLocalAi>;

  beforeAll(() => {
    db = openDatabase(':memory:');
    migrate(db);
    indexKnowledgeBase(db, KB_DIR);
    ai = createLocalAi({ knowledgeBase: createKnowledgeBase(db), threshold: () => 0.5 });
  });
  afterAll(() => db.close());

  /** A conversation; AI turns given a confidence are answers, the others announcements. */
  function conversation(turns: { role: Message['role']; text: string; confidence?: number }[], name: string | null = 'Jane Doe') {
    const ctx = context(turns[0]!.text);
    ctx.history = turns.map((t, i) => ({ ...ctx.history[0]!, id: `m${i + 1}`, seq: i + 1, role: t.role, text: t.text, confidence: t.confidence ?? null }));
    ctx.visitor = { ...ctx.visitor, name };
    return ctx;
  }

  const PASSWORD_ANSWER = "Here's what our help center says about “Reset a forgotten password”:\n\nClick “Forgot password?”…";

  it('summarises what the customer wants, what the AI tried and how they feel, with related articles', async () => {
    const ctx = conversation([
      { role: 'customer', text: 'hi' },
      { role: 'ai', text: 'Hi there! What can I help you with today?', confidence: 1 },
      { role: 'customer', text: 'How do I reset my password?' },
      { role: 'ai', text: PASSWORD_ANSWER, confidence: 0.8 },
      { role: 'customer', text: 'The reset email still does not arrive, this is so annoying' },
      { role: 'customer', text: 'I want to talk to a person' },
      { role: 'ai', text: 'Let me connect you with a team member...' },
    ]);
    const summary = await ai.summarise(ctx);
    expect(summary.summary).toBe(
      'The customer asked “How do I reset my password?” (and 1 more message). Topic: “Reset a forgotten password”. The AI answered once (Answered from “Reset a forgotten password”). The customer sounds a little annoyed.',
    );
    expect(summary.intent).toBe('Help with “Reset a forgotten password”');
    expect(summary.aiTried).toEqual(['Answered from “Reset a forgotten password”']);
    expect(summary.frustration).toBe('low');
    expect(summary.keyPoints).toEqual([
      'Asked: “How do I reset my password?”',
      'Asked: “The reset email still does not arrive, this is so annoying”',
      'Asked for a person',
      'Frustration signals: wording: "still does not"',
    ]);
    expect(summary.articles[0]).toEqual({ title: 'Signing in, passwords and two-factor authentication', url: 'https://help.acme-projects.example/articles/login-and-2fa' });
    expect(ai.summariseNow(ctx)).toEqual(summary);
  });

  it('summarises a customer who asked for a person at once, and one handed off for frustration', async () => {
    const direct = await ai.summarise(conversation([{ role: 'customer', text: 'talk to a human please' }]));
    expect(direct).toMatchObject({ summary: 'The customer asked for a person straight away. The AI has not answered yet.', intent: 'To talk to a person', aiTried: [], frustration: 'none', articles: [] });
    const ctx = conversation([{ role: 'customer', text: 'How do I export my data?' }]);
    ctx.conversation.escalation = { kind: 'frustration' };
    expect((await ai.summarise(ctx)).frustration).toBe('high');
  });

  it('drafts a grounded reply the agent can send, greeting the customer by first name', async () => {
    const draft = await ai.draftReply(conversation([{ role: 'customer', text: 'How do I turn on two-factor authentication?' }, { role: 'customer', text: 'a human please' }]));
    expect(draft.text).toMatch(/^Hi Jane, thanks for your patience! Here's what should help with “[^”]*two-factor[^”]*”:/i);
    expect(draft.text).toMatch(/More: Signing in, passwords and two-factor authentication \(https:\/\/help\.acme-projects\.example\/articles\/login-and-2fa\)$/);
    expect(draft.sources).toEqual([{ title: 'Signing in, passwords and two-factor authentication', url: 'https://help.acme-projects.example/articles/login-and-2fa' }]);
  });

  it('does not quote again what the AI already quoted, nor ask anything', async () => {
    const draft = await ai.draftReply(
      conversation(
        [
          { role: 'customer', text: 'How do I reset my password?' },
          { role: 'ai', text: PASSWORD_ANSWER, confidence: 0.8 },
          { role: 'customer', text: 'How do I reset my password??' },
        ],
        null,
      ),
    );
    expect(draft.text).not.toContain('Reset a forgotten password”:');
    // A repeated question: the agent apologises, and builds on another passage of the same article.
    expect(draft.text).toMatch(/^Thanks for your patience, and sorry for the trouble\. Here's what should help with “Signing in, passwords and two-factor authentication”:/);
  });

  it('drafts something sendable when the knowledge base has nothing', async () => {
    const draft = await ai.draftReply(conversation([{ role: 'customer', text: 'Do you sell pizza?' }]));
    expect(draft).toEqual({
      text: "Hi Jane, thanks for your patience! I've read through our conversation and I'm looking into this for you now. I'll get back to you here shortly.",
      sources: [],
    });
  });

  it('hands off a topic that needs a person even when the knowledge base could answer it', async () => {
    const answer = await ai.answer(context('I was charged twice for my invoice this month'));
    expect(answer.action).toEqual({ type: 'handoff', reason: { kind: 'sensitive_topic', detail: 'billing dispute (“charged twice”)' } });
    expect(answer.reply).toBe('');
    expect(answer.sources.length).toBe(1);
  });
});
