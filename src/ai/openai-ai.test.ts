import { Writable } from 'node:stream';
import { APIConnectionTimeoutError } from 'openai';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type SqliteDatabase as Database } from '../db/database';
import { migrate } from '../db/migrator';
import { createLogger } from '../logger';
import type { AiContext, KnowledgeBase } from '../core/ports';
import type { Conversation } from '../core/types';
import { openAiServerForFile, type OpenAiServer } from '../../test/support/openai-server';
import { aiContext, type Turn } from '../../test/support/ai-context';
import { createAi } from './create-ai';
import { withFallback } from './fallback-ai';
import { createKnowledgeBase, indexKnowledgeBase } from './knowledge-base';
import { createLocalAi } from './local-ai';
import { AiOutputError, createOpenAiAi } from './openai-ai';

const KB_DIR = fileURLToPath(new URL('../../kb', import.meta.url));
const LOGIN_URL = 'https://help.acme-projects.example/articles/login-and-2fa';
const LOGIN_TITLE = 'Signing in, passwords and two-factor authentication';

/** The shared AI test context; a third argument is the conversation's overrides. */
function context(text: string, earlier: Turn[] = [], conversation: Partial<Conversation> = {}): AiContext {
  return aiContext(text, earlier, { conversation });
}

const answer = (over: Record<string, unknown> = {}) => ({
  reply: 'Click “Forgot password?” on the sign-in page; the link we email you expires after 60 minutes.',
  confidence: 0.9,
  action: 'answer',
  handoffReason: null,
  handoffDetail: null,
  sources: [1],
  ...over,
});

let db: Database;
let kb: KnowledgeBase;
const openAi = openAiServerForFile();
let server: OpenAiServer;
beforeAll(() => {
  db = openDatabase(':memory:');
  migrate(db);
  indexKnowledgeBase(db, KB_DIR);
  kb = createKnowledgeBase(db);
  server = openAi.server();
});
afterAll(() => {
  db.close();
});

function openai(options: { threshold?: number; timeoutMs?: number; maxRetries?: number } = {}) {
  return createOpenAiAi({
    apiKey: server.apiKey,
    baseUrl: server.url,
    model: server.model,
    knowledgeBase: kb,
    threshold: () => options.threshold ?? 0.5,
    timeoutMs: options.timeoutMs ?? 2000,
    maxRetries: options.maxRetries ?? 1,
  });
}

/** Requests for a schema made while `run` ran. */
async function counting<T>(schema: string, run: () => Promise<T>): Promise<{ result: T; requests: OpenAiServer['requests'] }> {
  const before = server.requestsFor(schema).length;
  const result = await run();
  return { result, requests: server.requestsFor(schema).slice(before) };
}

describe('OpenAI provider: answers', () => {
  it('sends the key, the model, a strict json_schema, the passages and the conversation; the reply cites the article', async () => {
    server.script('customer_answer', {
      json: answer(),
      expect: ['Reset a forgotten password', 'expires after 60 minutes', LOGIN_URL, 'I forgot my password, how do I reset it?', 'Hi there! What can I help you with today?'],
    });
    const { result, requests } = await counting('customer_answer', () =>
      openai().answer(context('I forgot my password, how do I reset it?', [{ role: 'customer', text: 'hi' }, { role: 'ai', text: 'Hi there! What can I help you with today?', confidence: 1 }])),
    );
    expect(requests).toHaveLength(1);
    const body = requests[0]!.body;
    expect(body.response_format).toMatchObject({ type: 'json_schema', json_schema: { name: 'customer_answer', strict: true } });
    // The conversation as chat turns, ending with the question; the passages in a system message.
    expect(body.messages.slice(-3).map((m: { role: string }) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(body.messages[1].content).toContain('[1] Signing in, passwords and two-factor authentication — Reset a forgotten password');
    expect(result.action).toEqual({ type: 'answer' });
    expect(result.confidence).toBe(0.9);
    expect(result.reply).toBe(`${answer().reply}\n\nMore: ${LOGIN_TITLE} (${LOGIN_URL})`);
    expect(result.sources).toEqual([{ title: LOGIN_TITLE, url: LOGIN_URL }]);
  });

  it('keeps the reply as is when it already gives the link, and counts a quoted link as a citation', async () => {
    const reply = `Use “Forgot password?” on the sign-in page. More: ${LOGIN_TITLE} (${LOGIN_URL})`;
    server.script('customer_answer', { json: answer({ reply, sources: [] }) });
    const result = await openai().answer(context('How do I reset my password?'));
    expect(result.reply).toBe(reply);
    expect(result.sources).toEqual([{ title: LOGIN_TITLE, url: LOGIN_URL }]);
  });

  it('hands off when the model says a person should judge it, with its reason and detail', async () => {
    server.script('customer_answer', {
      json: answer({ reply: '', confidence: 0.2, action: 'handoff', handoffReason: 'sensitive_topic', handoffDetail: 'wants an exception to the refund policy', sources: [] }),
    });
    const result = await openai().answer(context('Can you make an exception on my invoice this once? My boss will kill me'));
    expect(result.action).toEqual({ type: 'handoff', reason: { kind: 'sensitive_topic', detail: 'wants an exception to the refund policy' } });
    expect(result.reply).toBe('');
  });

  it('hands off below the threshold, and when the answer cites no article', async () => {
    server.script('customer_answer', { json: answer({ confidence: 0.3 }) }, { json: answer({ sources: [] }) });
    const low = await openai().answer(context('How do I reset my password?'));
    expect(low.action).toEqual({ type: 'handoff', reason: { kind: 'low_confidence', confidence: 0.3 } });
    expect(low.sources).toEqual([{ title: LOGIN_TITLE, url: LOGIN_URL }]);
    const ungrounded = await openai().answer(context('How do I reset my password?'));
    expect(ungrounded.action).toMatchObject({ type: 'handoff', reason: { kind: 'low_confidence' } });
  });

  it('hands off without asking the model: nothing in the knowledge base, a frustrated customer, a topic for a person', async () => {
    const { result: none, requests } = await counting('customer_answer', async () => [
      await openai().answer(context('What is the capital of France?')),
      await openai().answer(context('This is useless!!! HOW DO I EXPORT MY DATA')),
      await openai().answer(context('My account was hacked, someone changed my password')),
    ]);
    expect(requests).toEqual([]);
    expect(none.map((a) => a.action.type === 'handoff' && a.action.reason.kind)).toEqual(['no_match', 'frustration', 'sensitive_topic']);
  });

  it('answers small talk through the model even though no passage matches', async () => {
    server.script('customer_answer', { json: answer({ reply: 'Hi! How can I help?', confidence: 1, sources: [] }), expect: ['hello there'] });
    const result = await openai().answer(context('hello there'));
    expect(result).toMatchObject({ reply: 'Hi! How can I help?', action: { type: 'answer' }, sources: [] });
  });

  it('retries once after a server error', async () => {
    server.script('customer_answer', { status: 500, headers: { 'retry-after-ms': '5' } }, { json: answer() });
    const { result, requests } = await counting('customer_answer', () => openai().answer(context('How do I reset my password?')));
    expect(requests.map((r) => r.answer)).toEqual(['status 500', 'completion']);
    expect(result.action.type).toBe('answer');
  });

  it('honours Retry-After on 429 and gives up after one retry', async () => {
    const limited = { status: 429, headers: { 'retry-after-ms': '5' } };
    server.script('customer_answer', limited, limited);
    const { result, requests } = await counting('customer_answer', () => openai().answer(context('How do I reset my password?')).catch((e: unknown) => e));
    expect(requests.map((r) => r.answer)).toEqual(['status 429', 'status 429']);
    expect((result as { status?: number }).status).toBe(429);
  });

  it('times out a server that does not answer, once per attempt', async () => {
    server.script('customer_answer', { hang: true }, { hang: true });
    const started = Date.now();
    const { result, requests } = await counting('customer_answer', () =>
      openai({ timeoutMs: 200 }).answer(context('How do I reset my password?')).catch((e: unknown) => e),
    );
    expect(result).toBeInstanceOf(APIConnectionTimeoutError);
    expect(requests).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    ['content that is not JSON', { content: 'Sure! Here is your answer: {' }, /not JSON/],
    ['JSON that breaks the schema', { json: { reply: 42, confidence: 'high' } }, /does not match the schema \(reply: invalid_type; confidence: invalid_type/],
    ['an answer without a reply', { json: answer({ reply: '  ' }) }, /empty reply/],
    ['numbers out of range', { json: answer({ confidence: 7 }) }, /confidence: too_big/],
  ])('rejects %s', async (_, response, message) => {
    server.script('customer_answer', response);
    const err = await openai().answer(context('How do I reset my password?')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AiOutputError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('OpenAI provider: the copilot', () => {
  const conversation: Turn[] = [
    { role: 'customer', text: 'I forgot my password' },
    { role: 'ai', text: "Here's what our help center says about “Reset a forgotten password”: …" },
    { role: 'customer', text: 'The reset email never arrives' },
    { role: 'customer', text: 'I want to talk to a person' },
    { role: 'ai', text: 'Let me connect you with a team member...', confidence: null },
    { role: 'agent', text: "Hi! I'm Ada, happy to help!", agent: 'Ada' },
  ];

  it('summarises from the transcript, the handoff reason and the related passages', async () => {
    server.script('conversation_summary', {
      json: {
        summary: 'Jane cannot reset her password: the reset email never arrives.',
        keyPoints: ['Reset email not received', 'Asked for a person'],
        intent: 'Reset password',
        aiTried: ['Sent the password reset article'],
        frustration: 'low',
        articles: [1, 1, 9],
      },
      expect: [
        'Customer (Jane Doe): The reset email never arrives',
        'AI assistant: Here',
        'Agent (Ada): Hi!',
        'Handed off because: customer asked.',
        'Reset a forgotten password',
        LOGIN_URL,
      ],
    });
    const ctx = context('Are you there?', conversation, { state: 'human', escalation: { kind: 'customer_asked' } });
    const summary = await openai().summarise(ctx);
    expect(summary).toEqual({
      summary: 'Jane cannot reset her password: the reset email never arrives.',
      keyPoints: ['Reset email not received', 'Asked for a person'],
      intent: 'Reset password',
      aiTried: ['Sent the password reset article'],
      frustration: 'low',
      articles: [{ title: LOGIN_TITLE, url: LOGIN_URL }],
    });
    const request = server.requestsFor('conversation_summary').at(-1)!;
    expect(request.body.messages.map((m: { role: string }) => m.role)).toEqual(['system', 'user']);
  });

  it('drafts a reply grounded in the passages, adding the links it cites', async () => {
    server.script('agent_draft', {
      json: { text: "Sorry about that, Jane! Please check your spam folder; the reset link expires after 60 minutes, so request a new one if it's older.", sources: [1] },
      expect: ['Draft the agent’s next message', 'The reset email never arrives', LOGIN_URL],
    });
    const draft = await openai().draftReply(context('hello?', conversation, { state: 'human' }));
    expect(draft.text).toMatch(/^Sorry about that, Jane!/);
    expect(draft.text).toMatch(new RegExp(`More: ${LOGIN_TITLE} \\(${LOGIN_URL.replace(/\./g, '\\.')}\\)$`));
    expect(draft.sources).toEqual([{ title: LOGIN_TITLE, url: LOGIN_URL }]);
  });

  it('rejects an empty draft', async () => {
    server.script('agent_draft', { json: { text: '', sources: [] } });
    await expect(openai().draftReply(context('hello?', conversation))).rejects.toBeInstanceOf(AiOutputError);
  });
});

describe('fallback to the built-in AI', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(JSON.parse(String(chunk)) as Record<string, unknown>);
        done();
      },
    });
    return { logger: createLogger('info', stream), lines };
  }
  const builtIn = () => createLocalAi({ knowledgeBase: kb, threshold: () => 0.5 });

  it.each([
    ['a server error', [{ status: 500, headers: { 'retry-after-ms': '5' } }, { status: 503, headers: { 'retry-after-ms': '5' } }], 'http'],
    ['a timeout', [{ hang: true }, { hang: true }], 'timeout'],
    ['invalid output', [{ content: 'not json' }], 'invalid_output'],
    ['output breaking the schema', [{ json: { reply: 'hi' } }], 'invalid_output'],
  ] as const)('answers with the built-in AI after %s, and logs why (without the conversation)', async (_, responses, kind) => {
    server.script('customer_answer', ...responses);
    const { logger, lines } = capture();
    const ai = withFallback(openai({ timeoutMs: 200 }), builtIn(), logger);
    const result = await ai.answer(context('I forgot my password, how do I reset it?'));
    expect(result.action).toEqual({ type: 'answer' });
    expect(result.reply).toMatch(/^Here's what our help center says about “Reset a forgotten password”/);
    const warn = lines.find((l) => l.msg === 'OpenAI failed; the built-in AI answered instead');
    expect(warn).toMatchObject({ level: 40, method: 'answer', conversationId: 'c1', failure: { kind } });
    expect(JSON.stringify(lines)).not.toContain('forgot my password');
  });

  it('gives way to the built-in AI at once when the app stops during a call', async () => {
    server.script('customer_answer', { hang: true });
    const { logger, lines } = capture();
    const stop = new AbortController();
    const provider = createOpenAiAi({ apiKey: server.apiKey, baseUrl: server.url, model: server.model, knowledgeBase: kb, threshold: () => 0.5, timeoutMs: 10_000, signal: stop.signal });
    const started = Date.now();
    const pending = withFallback(provider, builtIn(), logger).answer(context('I forgot my password, how do I reset it?'));
    await server.waitForRequests(server.requestsFor('customer_answer').length, 'customer_answer');
    setTimeout(() => stop.abort(), 50);
    expect((await pending).reply).toMatch(/^Here's what our help center says/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lines.find((l) => l.level === 40)).toMatchObject({ failure: { kind: 'aborted' } });
  });

  it('falls back for summaries and drafts too', async () => {
    server.script('conversation_summary', { status: 400, body: { error: { message: 'bad', type: 'invalid_request_error' } } });
    server.script('agent_draft', { content: '{"text":' });
    const { logger, lines } = capture();
    const ai = withFallback(openai(), builtIn(), logger);
    const ctx = context('How do I reset my password?');
    expect((await ai.summarise(ctx)).summary).toMatch(/^The customer asked “How do I reset my password\?”/);
    expect((await ai.draftReply(ctx)).text).toMatch(/^Hi Jane, thanks for your patience! Here's what should help with “Reset a forgotten password”/);
    expect(lines.filter((l) => l.level === 40).map((l) => [l.method, (l.failure as { kind: string }).kind])).toEqual([
      ['summarise', 'http'],
      ['draftReply', 'invalid_output'],
    ]);
  });
});

describe('createAi', () => {
  const logger = createLogger('silent');
  const local = () => createLocalAi({ knowledgeBase: kb, threshold: () => 0.5 });

  it('is the built-in AI without OPENAI_API_KEY', () => {
    const builtIn = local();
    const ai = createAi({ openai: { model: 'gpt-4o-mini' }, builtIn, knowledgeBase: kb, threshold: () => 0.5, logger });
    expect(ai).toBe(builtIn);
  });

  it('is OpenAI at OPENAI_BASE_URL with OPENAI_MODEL, falling back to the built-in AI', async () => {
    const ai = createAi({
      openai: { apiKey: server.apiKey, baseUrl: server.url, model: server.model },
      builtIn: local(),
      knowledgeBase: kb,
      threshold: () => 0.5,
      logger,
      limits: { timeoutMs: 500, maxRetries: 0 },
    });
    server.script('customer_answer', { json: answer({ reply: 'From OpenAI.' }) }, { status: 500 });
    expect((await ai.answer(context('How do I reset my password?'))).reply).toMatch(/^From OpenAI\./);
    expect((await ai.answer(context('How do I reset my password?'))).reply).toMatch(/^Here's what our help center says/);
  });
});

describe('the OpenAI test server', () => {
  it('refuses what OpenAI would refuse, and records what a request got wrong', async () => {
    const post = (body: unknown, key = server.apiKey) =>
      fetch(`${server.url}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const before = server.problems.length;
    expect((await post({}, 'sk-wrong')).status).toBe(401);
    const loose = await post({ model: 'gpt-other', messages: [{ role: 'user', content: 'hi' }], response_format: { type: 'json_schema', json_schema: { name: 'customer_answer', schema: { type: 'object', properties: { a: { type: 'string' } } } } } });
    expect(loose.status).toBe(400);
    expect(server.problems.slice(before)).toEqual([
      'wrong Authorization header: "Bearer sk-wrong"',
      'customer_answer: model is "gpt-other", expected "gpt-test-mini"',
      'customer_answer: the first message should be the system instructions',
      'customer_answer: response_format.json_schema.strict must be true',
      'customer_answer: schema: additionalProperties must be false',
      'customer_answer: schema: a must be required',
      'customer_answer: no knowledge-base passages in the messages',
    ]);
    openAi.problemsChecked();
  });
});
