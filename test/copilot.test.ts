/**
 * The AI end to end: customers answered through OpenAI (a local OpenAI-compatible server that
 * checks every request) or the built-in AI, the fallback when OpenAI fails, AI-initiated handoffs
 * and the card's AI summary, and the copilot in Slack (Summary, Suggest reply with Send / Edit /
 * Ignore, knowledge search), which assists agents but never answers the customer by itself.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, SHORTCUT, VIEW } from '../src/slack/ids';
import { startOpenAiServer, type OpenAiServer, type ScriptedResponse } from './support/openai-server';
import type { EphemeralMessage } from './support/slack-emulator';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import type { WidgetClient } from './support/widget-client';

const C = SLACK_IDS.support;
const LOGIN_URL = 'https://help.acme-projects.example/articles/login-and-2fa';
const LOGIN_TITLE = 'Signing in, passwords and two-factor authentication';
const BUILT_IN_PASSWORD_ANSWER = /^Here's what our help center says about “Reset a forgotten password”/;

const answerJson = (over: Record<string, unknown> = {}) => ({
  reply: 'Use “Forgot password?” on the sign-in page; the emailed link works for 60 minutes.',
  confidence: 0.92,
  action: 'answer',
  handoffReason: null,
  handoffDetail: null,
  sources: [1],
  ...over,
});
const summaryJson = (over: Record<string, unknown> = {}) => ({
  summary: 'Jane cannot sign in: the password reset email never arrives.',
  keyPoints: ['Reset email not received', 'Checked spam already'],
  intent: 'Reset her password',
  aiTried: ['Explained the “Forgot password?” link'],
  frustration: 'low',
  articles: [1],
  ...over,
});
const draftJson = (over: Record<string, unknown> = {}) => ({
  text: 'Sorry about the trouble, Jane! I have just sent you a fresh reset link; it works for 60 minutes.',
  sources: [1],
  ...over,
});

/** Every text of a Slack message or ephemeral, blocks included. */
const allText = (m: { text: string; blocks?: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;
const blockText = (m: { blocks?: { block_id?: string; text?: { text?: string } }[] }, blockId: string) =>
  m.blocks?.find((b) => b.block_id === blockId)?.text?.text;

async function customer(s: SlackStack, name = 'Jane Doe'): Promise<{ w: WidgetClient; conversationId: string }> {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name, email: 'jane@example.com' }, page: { url: 'https://acme.example.com/login', title: 'Sign in' } });
  return { w, conversationId: welcome.conversationId };
}

let sent = 0;
async function say(w: WidgetClient, text: string) {
  w.send({ type: 'message', clientId: `c${++sent}`, text });
  return w.next('message', (m) => m.role === 'customer' && m.text === text);
}

/** A customer who asked a question (answered) and then asked for a person: the card and its thread exist. */
async function escalated(s: SlackStack) {
  const c = await customer(s);
  await say(c.w, 'How do I reset my password?');
  await c.w.next('message', (m) => m.role === 'ai');
  await say(c.w, 'I want to talk to a person');
  await c.w.next('state', (f) => f.state === 'waiting');
  const card = await s.card(c.conversationId);
  return { ...c, card };
}

function clickCard(s: SlackStack, user: string, actionId: string, cardTs: string) {
  return s.driver.blockAction(user, { actionId, message: s.emulator.message(C, cardTs)!, channel: C });
}

/** What the app told `user` only (not the answers to their own slash commands). */
const posted = (s: SlackStack, user: string) => s.emulator.ephemerals(user).filter((e) => e.via !== 'ack');

/** The newest ephemeral to `user` holding a block or an action. */
function ephemeralWith(s: SlackStack, user: string, blockId: string, timeoutMs = 5000): Promise<EphemeralMessage> {
  return s.emulator.waitFor(
    () => s.emulator.ephemerals(user).filter((e) => e.blocks?.some((b) => b.block_id === blockId)).at(-1),
    timeoutMs,
    `an ephemeral with ${blockId} to ${user}`,
  );
}

describe('with OpenAI', () => {
  let ai: OpenAiServer;
  let s: SlackStack;

  beforeEach(async () => {
    ai = await startOpenAiServer();
    ai.setDefault('customer_answer', { json: answerJson() });
    ai.setDefault('conversation_summary', { json: summaryJson() });
    ai.setDefault('agent_draft', { json: draftJson() });
    s = await startSlackStack(
      { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: ai.model },
      { app: { openaiLimits: { timeoutMs: 400, maxRetries: 1 } } },
    );
  });
  afterEach(async () => {
    await s.close();
    await ai.close();
    // Every request the app made carried the key, the model, a strict json_schema and what each test expected.
    expect(ai.problems).toEqual([]);
  });

  it('answers the customer from the knowledge base through OpenAI, citing the article', async () => {
    const { w } = await customer(s);
    await say(w, 'hi');
    await w.next('message', (m) => m.role === 'ai');
    ai.script('customer_answer', {
      json: answerJson(),
      expect: ['How do I reset my password?', 'hi', 'Reset a forgotten password', 'expires after 60 minutes', LOGIN_URL],
    });
    await say(w, 'How do I reset my password?');
    const reply = await w.next('message', (m) => m.role === 'ai');
    expect(reply.text).toBe(`${answerJson().reply}\n\nMore: ${LOGIN_TITLE} (${LOGIN_URL})`);
    const [first, second] = ai.requestsFor('customer_answer');
    expect(first!.headers.authorization).toBe(`Bearer ${ai.apiKey}`);
    expect(second!.body).toMatchObject({ model: ai.model, response_format: { type: 'json_schema', json_schema: { name: 'customer_answer', strict: true } } });
  });

  it.each<[string, ScriptedResponse[]]>([
    ['a server error', [{ status: 500, headers: { 'retry-after-ms': '5' } }, { status: 500, headers: { 'retry-after-ms': '5' } }]],
    ['a timeout', [{ hang: true }, { hang: true }]],
    ['output that is not JSON', [{ content: 'Sure! The answer is' }]],
    ['JSON that breaks the schema', [{ json: { reply: 7, action: 'maybe' } }]],
  ])('still answers the customer (with the built-in AI) after %s', async (_, responses) => {
    const { w } = await customer(s);
    ai.script('customer_answer', ...responses);
    await say(w, 'How do I reset my password?');
    const reply = await w.next('message', (m) => m.role === 'ai', 8000);
    expect(reply.text).toMatch(BUILT_IN_PASSWORD_ANSWER);
    expect(ai.requestsFor('customer_answer').map((r) => r.answer)).toEqual(
      responses.map((r) => ('hang' in r ? 'hang' : 'status' in r ? `status ${r.status}` : 'completion')),
    );
    expect(w.frames('state')).toEqual([]);
  });

  it('hands off when OpenAI says the topic needs a person: the reason is on the card, the AI summary at its top', async () => {
    const { w, conversationId } = await customer(s);
    ai.script('customer_answer', {
      json: answerJson({ reply: '', confidence: 0.3, action: 'handoff', handoffReason: 'sensitive_topic', handoffDetail: 'disputes a duplicate charge', sources: [] }),
      expect: ['Why is there a second invoice for March?'],
    });
    ai.script('conversation_summary', {
      json: summaryJson({ summary: 'Jane thinks she was invoiced twice for March and wants it checked.' }),
      expect: ['Customer (Jane Doe): Why is there a second invoice for March?', 'Handed off because: sensitive topic (disputes a duplicate charge).'],
    });
    await say(w, 'Why is there a second invoice for March?');
    expect((await w.next('state')).state).toBe('waiting');
    expect((await w.next('message', (m) => m.role === 'ai')).text).toBe('Let me connect you with a team member...');
    const card = await s.card(conversationId);
    expect(blockText(card, BLOCK.cardReason)).toBe('🔒 *Sensitive topic: disputes a duplicate charge*');
    // Posted at once with the built-in summary, then rewritten with OpenAI's.
    expect(blockText(card, BLOCK.cardSummary)).toMatch(/^\*AI summary\*\nThe customer asked “Why is there a second invoice for March\?”/);
    await s.emulator.waitFor(() => blockText(s.emulator.message(C, card.ts)!, BLOCK.cardSummary)?.includes('Jane thinks she was invoiced twice'));
    const blocks = s.emulator.message(C, card.ts)!.blocks!;
    expect(blocks.map((b) => b.block_id).slice(0, 2)).toEqual([BLOCK.cardReason, BLOCK.cardSummary]);
    // Announced once: nothing more reaches the customer.
    await s.t.app.core.idle();
    expect(w.frames('message').filter((m) => m.role === 'ai').length).toBe(1);
  });

  it.each([
    ['its confidence is under the threshold', 'How do I reset my password?', [{ json: answerJson({ confidence: 0.3 }) }], '🤖 *Low AI confidence (0.30)*', 1],
    ['the knowledge base has nothing on it (OpenAI is not even asked)', 'What is the capital of France?', [], '🧭 *No knowledge-base match*', 0],
    ['the customer is frustrated (OpenAI is not even asked)', 'THIS IS RIDICULOUS, NOTHING WORKS!!!', [], '😤 *Frustration detected*', 0],
  ] as const)('hands off when %s, with the reason on the card', async (_, question, responses, headline, requests) => {
    const { w, conversationId } = await customer(s);
    ai.script('customer_answer', ...responses);
    await say(w, question);
    expect((await w.next('state')).state).toBe('waiting');
    const card = await s.card(conversationId);
    expect(blockText(card, BLOCK.cardReason)).toContain(headline);
    expect(ai.requestsFor('customer_answer')).toHaveLength(requests);
  });

  it('stays quiet while the customer waits for an agent', async () => {
    const { w } = await escalated(s);
    const before = ai.requestsFor('customer_answer').length;
    await say(w, 'Hello? Anyone? How do I reset my password?');
    await s.t.app.core.idle();
    expect(ai.requestsFor('customer_answer')).toHaveLength(before);
    expect(w.frames('message').filter((m) => m.role === 'ai').map((m) => m.text)).toEqual([
      `${answerJson().reply}\n\nMore: ${LOGIN_TITLE} (${LOGIN_URL})`,
      'Let me connect you with a team member...',
    ]);
  });

  it('Summary: only to the clicker, with summary, key points, intent, what the AI tried, frustration and article links', async () => {
    const { card } = await escalated(s);
    await ai.waitForRequests(1, 'conversation_summary');
    ai.script('conversation_summary', {
      json: summaryJson(),
      expect: ['Customer (Jane Doe): How do I reset my password?', 'AI assistant: Use “Forgot password?”', 'Reset a forgotten password', LOGIN_URL],
    });
    await clickCard(s, SLACK_IDS.ada, ACTION.summary, card.ts);
    const e = await ephemeralWith(s, SLACK_IDS.ada, BLOCK.copilotSummary);
    const text = allText(e);
    for (const part of [
      'Jane cannot sign in: the password reset email never arrives.',
      '*Customer intent:* Reset her password',
      'Reset email not received',
      '*What the AI already tried*',
      'Explained the “Forgot password?” link',
      '*Frustration:* 😕 Low',
      `<${LOGIN_URL}|${LOGIN_TITLE}>`,
    ]) {
      expect(text).toContain(part);
    }
    expect(posted(s, SLACK_IDS.grace)).toEqual([]);
  });

  it('Suggest reply → Send: relays the draft as the clicker, who claims the unowned conversation', async () => {
    const { w, card } = await escalated(s);
    ai.script('agent_draft', { json: draftJson(), expect: ['Draft the agent’s next message', 'Customer (Jane Doe): I want to talk to a person', LOGIN_URL] });
    await clickCard(s, SLACK_IDS.grace, ACTION.suggestReply, card.ts);
    const suggestion = await ephemeralWith(s, SLACK_IDS.grace, BLOCK.suggestionActions);
    const draft = `${draftJson().text}\n\nMore: ${LOGIN_TITLE} (${LOGIN_URL})`;
    expect(blockText(suggestion, BLOCK.suggestionText)).toContain('>Sorry about the trouble, Jane!');
    expect(allText(suggestion)).toContain(`Based on <${LOGIN_URL}|${LOGIN_TITLE}>`);
    expect(posted(s, SLACK_IDS.ada)).toEqual([]);

    await s.driver.blockAction(SLACK_IDS.grace, { actionId: ACTION.sendSuggestion, ephemeral: suggestion });
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Grace');
    expect((await w.next('message', (m) => m.role === 'agent')).text).toBe("Hi! I'm Grace, happy to help!");
    expect((await w.next('message', (m) => m.role === 'agent')).text).toBe(draft);
    await s.emulator.waitFor(() => s.emulator.ephemerals(SLACK_IDS.grace).some((e) => e.ts === suggestion.ts && e.text.includes('You now own this conversation')));
  });

  it('Suggest reply → Edit: a modal prefilled with the draft; the edited text is what is sent', async () => {
    const { w, card } = await escalated(s);
    await clickCard(s, SLACK_IDS.ada, ACTION.claim, card.ts);
    await w.next('message', (m) => m.role === 'agent');
    await clickCard(s, SLACK_IDS.ada, ACTION.suggestReply, card.ts);
    const suggestion = await ephemeralWith(s, SLACK_IDS.ada, BLOCK.suggestionActions);
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.editSuggestion, ephemeral: suggestion });
    const modal = await s.emulator.waitFor(() => s.emulator.views.find((v) => v.type === 'modal' && v.open && v.view.callback_id === VIEW.editSuggestion));
    const input = modal.view.blocks.find((b) => b.block_id === BLOCK.editSuggestionInput) as unknown as { element: { initial_value: string } };
    expect(input.element.initial_value).toBe(`${draftJson().text}\n\nMore: ${LOGIN_TITLE} (${LOGIN_URL})`);

    const empty = await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.editSuggestionInput]: { [INPUT.editSuggestionText]: '   ' } });
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.editSuggestionInput]: expect.any(String) } });
    const edited = 'Hi Jane, Ada here. I have reset it for you: check your inbox in a minute.';
    await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.editSuggestionInput]: { [INPUT.editSuggestionText]: edited } });
    expect((await w.next('message', (m) => m.role === 'agent')).text).toBe(edited);
    await s.emulator.waitFor(() => s.emulator.ephemerals(SLACK_IDS.ada).some((e) => e.ts === suggestion.ts && e.text === '✅ Sent to the customer.'));
    expect(w.frames('message').filter((m) => m.role === 'agent').map((m) => m.text)).toEqual(["Hi! I'm Ada, happy to help!", edited]);
  });

  it('Suggest reply → Ignore: the suggestion disappears and nothing is sent', async () => {
    const { w, card } = await escalated(s);
    await clickCard(s, SLACK_IDS.ada, ACTION.suggestReply, card.ts);
    const suggestion = await ephemeralWith(s, SLACK_IDS.ada, BLOCK.suggestionActions);
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.ignoreSuggestion, ephemeral: suggestion });
    await s.emulator.waitFor(() => !s.emulator.ephemerals(SLACK_IDS.ada).some((e) => e.ts === suggestion.ts));
    await s.t.app.core.idle();
    expect(w.frames('message').filter((m) => m.role === 'agent')).toEqual([]);
    expect(w.frames('state').map((f) => f.state)).toEqual(['waiting']);
  });

  it('after a takeover the AI never answers the customer, not even with an answer already on its way; the copilot still assists', async () => {
    const { w, conversationId } = await customer(s);
    ai.script('customer_answer', { json: answerJson({ reply: 'A late answer nobody should see.' }), delayMs: 250 });
    await say(w, 'How do I reset my password?');
    await ai.waitForRequests(1, 'customer_answer');
    expect(ai.requestsFor('customer_answer')[0]!.answer).toBe('');
    // Ada takes over (App Home) while OpenAI is still thinking.
    const ada = await s.t.app.slack!.directory.get(SLACK_IDS.ada);
    expect(s.t.app.handoff.takeOver(conversationId, ada).ok).toBe(true);
    await w.next('state', (f) => f.state === 'human');
    await new Promise((r) => setTimeout(r, 400));
    await s.t.app.core.idle();
    expect(ai.requestsFor('customer_answer')[0]!.answer).toBe('completion');

    await say(w, 'Hello? How do I reset my password?');
    await say(w, 'THIS IS USELESS, I NEED MY PASSWORD RESET NOW!!!');
    await s.t.app.core.idle();
    expect(ai.requestsFor('customer_answer')).toHaveLength(1);
    expect(w.frames('message').filter((m) => m.role === 'ai')).toEqual([]);
    expect(s.t.app.core.get(conversationId).state).toBe('human');

    const card = await s.card(conversationId);
    await clickCard(s, SLACK_IDS.ada, ACTION.suggestReply, card.ts);
    await ephemeralWith(s, SLACK_IDS.ada, BLOCK.suggestionActions);
    await s.t.app.core.idle();
    expect(w.frames('message').filter((m) => m.role === 'ai' || m.text === draftJson().text)).toEqual([]);
  });
});

describe('with the built-in AI', () => {
  let s: SlackStack;
  beforeEach(async () => {
    s = await startSlackStack();
  });
  afterEach(async () => {
    await s.close();
  });

  it('hands a frustrated customer off with the reason on the card and a summary at its top', async () => {
    const { w, conversationId } = await customer(s);
    await say(w, 'How do I export my data?');
    await w.next('message', (m) => m.role === 'ai');
    await say(w, 'This is useless!!! HOW DO I EXPORT MY DATA');
    expect((await w.next('state')).state).toBe('waiting');
    const card = await s.card(conversationId);
    expect(blockText(card, BLOCK.cardReason)).toMatch(/^😤 \*Frustrat/);
    const summary = blockText(card, BLOCK.cardSummary)!;
    expect(summary).toContain('The customer asked “How do I export my data?” (and 1 more message).');
    expect(summary).toContain('The AI answered once (Answered from “');
    expect(summary).toContain('The customer is frustrated.');
  });

  it('Summary and Suggest reply work without OpenAI; Send relays the draft', async () => {
    const { w, card } = await escalated(s);
    await clickCard(s, SLACK_IDS.ada, ACTION.summary, card.ts);
    const summary = allText(await ephemeralWith(s, SLACK_IDS.ada, BLOCK.copilotSummary));
    expect(summary).toContain('*Customer intent:* Help with “Reset a forgotten password”');
    expect(summary).toContain('Answered from “Reset a forgotten password”');
    expect(summary).toContain(`<${LOGIN_URL}|${LOGIN_TITLE}>`);

    await clickCard(s, SLACK_IDS.ada, ACTION.suggestReply, card.ts);
    const suggestion = await ephemeralWith(s, SLACK_IDS.ada, BLOCK.suggestionActions);
    // The AI already quoted the reset passage: the draft builds on it instead of repeating it.
    expect(blockText(suggestion, BLOCK.suggestionText)).not.toContain('Reset a forgotten password”:');
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.sendSuggestion, ephemeral: suggestion });
    await w.next('message', (m) => m.role === 'agent' && m.text.startsWith('Hi!'));
    expect((await w.next('message', (m) => m.role === 'agent')).text).toMatch(/^Hi Jane, thanks for your patience/);
  });

  it('/handoff kb <query>: the best articles with snippets and links, only to the caller', async () => {
    const res = await s.driver.slashCommand(SLACK_IDS.grace, 'kb reset password');
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    const text = allText(res.body);
    expect(text).toContain('Knowledge base:* “reset password”');
    expect(text).toContain(`<${LOGIN_URL}|${LOGIN_TITLE}>`);
    expect(text).toContain('Reset a forgotten password');
    expect(text).toContain('60 minutes');
    expect(text).not.toContain(ACTION.sendKbArticle);
    expect(text).not.toContain('Send to customer');
    expect(allText((await s.driver.slashCommand(SLACK_IDS.grace, 'kb')).body)).toContain('Usage');
    expect(allText((await s.driver.slashCommand(SLACK_IDS.grace, 'kb pizza recipes')).body)).toContain('Nothing in the knowledge base matches');
  });

  it('the message shortcut in a handoff thread: results with "Send to customer", which relays as the clicker and claims', async () => {
    const { w, card } = await escalated(s);
    w.send({ type: 'message', clientId: 'late', text: 'Also, how do I turn on two-factor authentication?' });
    const posted = await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.includes('two-factor'));
    await s.driver.messageShortcut(SLACK_IDS.linus, SHORTCUT.kbSearch, posted);
    const results = await ephemeralWith(s, SLACK_IDS.linus, BLOCK.kbHeader);
    expect(results.thread_ts).toBe(card.ts);
    expect(allText(results)).toContain('two-factor authentication');
    const sendButtons = (results.blocks ?? []).map((b) => b.accessory as { action_id: string; value: string } | undefined).filter((a) => a?.action_id.startsWith(ACTION.sendKbArticle));
    expect(sendButtons.map((b) => b!.action_id)).toEqual(sendButtons.map((_, i) => `${ACTION.sendKbArticle}:${i + 1}`));
    const first = sendButtons[0]!;
    const value = JSON.parse(first.value) as { snippet: string; url: string; title: string };

    await s.driver.blockAction(SLACK_IDS.linus, { actionId: first.action_id, ephemeral: results });
    expect((await w.next('state', (f) => f.state === 'human')).agent?.name).toBe('Linus Torvalds');
    await w.next('message', (m) => m.role === 'agent' && m.text.startsWith('Hi!'));
    const article = await w.next('message', (m) => m.role === 'agent');
    expect(article.text).toContain(value.snippet);
    expect(article.text).toContain(`More: ${value.title} (${value.url})`);
    await s.emulator.waitForEphemeral(SLACK_IDS.linus, (e) => e.text.startsWith(`✅ Sent “${value.title}” to the customer.`));

    // On the card itself the customer's latest messages are searched.
    await s.driver.messageShortcut(SLACK_IDS.ada, SHORTCUT.kbSearch, s.emulator.message(C, card.ts)!);
    expect(allText(await ephemeralWith(s, SLACK_IDS.ada, BLOCK.kbHeader))).toContain('two-factor');
  });
});
