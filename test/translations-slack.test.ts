/**
 * A handoff thread in two languages (issue 22), end to end with the Slack emulation, the signed
 * driver and the OpenAI emulation (translations are deterministic: a phrase table, else the text
 * marked with its target, "[en] …"): the card shows the customer's language; a Spanish customer's
 * messages carry their English translation in the thread, once, even across a widget resend and a
 * restart; an English customer's carry none; without OpenAI nothing is translated nor offered; an
 * agent's reply from "Reply in Spanish" reaches the widget in Spanish while the thread shows both;
 * OpenAI failing leaves the post untranslated and the modal erroring with nothing sent.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, VIEW } from '../src/slack/ids';
import { startOpenAiServer, testTranslation, type OpenAiServer } from './support/openai-server';
import { SLACK_IDS, type EmulatedMessage, type EmulatedViewRecord } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { postText } from './support/thread-lines';
import type { WidgetClient } from './support/widget-client';

const C = SLACK_IDS.support;
const WHERE = '¿Dónde está mi pedido?';
const WHERE_EN = 'Where is my order?';
const REPLY = 'Your order ships tomorrow.';
const REPLY_ES = 'Tu pedido se envía mañana.';
const ASK = 'I want to talk to a person';

const summaryJson = { summary: 'The customer asks where her order is.', keyPoints: [], intent: 'Order status', aiTried: [], frustration: 'none', articles: [] };

let sent = 0;
async function say(w: WidgetClient, text: string, clientId = `c${++sent}`) {
  w.send({ type: 'message', clientId, text });
  return w.next('message', (m) => m.role === 'customer' && m.text === text);
}

/** A customer in `lang` who asked for a person: the card is in #support. */
async function escalated(s: SlackStack, lang: string) {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Lucía Pérez', email: 'lucia@example.com' }, page: { url: 'https://shop.example/orders', title: 'Orders' }, lang } as Parameters<WidgetClient['hello']>[0]);
  const conversationId = welcome.conversationId;
  await say(w, ASK);
  await w.next('state', (f) => f.state === 'waiting');
  const card = await s.card(conversationId);
  return { w, conversationId, card };
}

const replies = (s: SlackStack, card: EmulatedMessage) => s.emulator.replies(C, card.ts);
/** The thread's translation posts (their context line says so). */
const translationPosts = (s: SlackStack, card: EmulatedMessage) => replies(s, card).filter((m) => JSON.stringify(m.blocks ?? []).includes('translation of the message above'));

function waitForThread(s: SlackStack, card: EmulatedMessage, match: (m: EmulatedMessage) => boolean, what: string) {
  return s.emulator.waitFor(() => replies(s, card).find(match), 8000, what);
}

async function drained(s: SlackStack) {
  expect(await s.t.app.slack!.outbox.drain(8000)).toBe(true);
}

function cardFields(s: SlackStack, card: EmulatedMessage): string {
  return JSON.stringify(s.emulator.message(C, card.ts)!.blocks ?? []);
}

function clickCard(s: SlackStack, user: string, actionId: string, card: EmulatedMessage) {
  return s.driver.blockAction(user, { actionId, message: s.emulator.message(C, card.ts)!, channel: C });
}

function replyModal(s: SlackStack, user: string): Promise<EmulatedViewRecord> {
  return s.emulator.waitFor(() => s.emulator.views.find((v) => v.type === 'modal' && v.open && v.user === user && v.view.callback_id === VIEW.replyTranslated), 5000, 'the translated-reply modal');
}

const modalShows = (s: SlackStack, id: string, text: string) =>
  s.emulator.waitFor(() => (JSON.stringify(s.emulator.views.find((v) => v.id === id)?.view.blocks ?? []).includes(text) ? true : undefined), 8000, `the modal showing ${text}`);

/** The agent messages stored for a conversation (what reached, or would reach, the customer). */
function agentTexts(s: SlackStack, conversationId: string): string[] {
  const { db } = s.t.app;
  return db.all(db.q.selectFrom('messages').select(['text']).where('conversation_id', '=', conversationId).where('role', '=', 'agent').orderBy('seq')).map((r) => r.text);
}

describe('with OpenAI', () => {
  let ai: OpenAiServer;
  let s: SlackStack;

  beforeEach(async () => {
    ai = await startOpenAiServer();
    ai.setDefault('conversation_summary', { json: summaryJson });
    ai.setDefault('customer_answer', { json: { reply: '', confidence: 0, action: 'handoff', handoffReason: 'no_match', handoffDetail: null, sources: [] } });
    s = await startSlackStack(
      { OPENAI_API_KEY: ai.apiKey, OPENAI_BASE_URL: ai.url, OPENAI_MODEL: ai.model },
      { app: { openaiLimits: { timeoutMs: 3000, maxRetries: 0 } } },
    );
  });
  afterEach(async () => {
    await s.close();
    await ai.close();
    expect(ai.problems).toEqual([]);
  });

  it('shows a Spanish customer’s language on the card and translates each of her messages into English in the thread, once', async () => {
    const { w, card } = await escalated(s, 'es');
    expect(cardFields(s, card)).toContain('*Language*\\n🌐 Spanish (Español)');
    expect(cardFields(s, card)).toContain('Reply in Spanish');
    // The transcript's customer message, translated after it.
    await waitForThread(s, card, (m) => postText(m) === testTranslation(ASK, 'en'), 'the transcript’s translation');

    await say(w, WHERE);
    const original = await waitForThread(s, card, (m) => postText(m) === WHERE, 'the Spanish message');
    const translated = await waitForThread(s, card, (m) => postText(m) === WHERE_EN, 'its English translation');
    // After the original, under the customer's marked name, saying what it is.
    expect(Number(translated.ts)).toBeGreaterThan(Number(original.ts));
    expect(translated.username).toBe('Lucía Pérez (customer)');
    expect(JSON.stringify(translated.blocks)).toContain('English translation of the message above, from Spanish');

    // The widget sends the same message again (a reconnect): stored once, translated once.
    w.send({ type: 'message', clientId: `c${sent}`, text: WHERE });
    await say(w, 'Gracias');
    await waitForThread(s, card, (m) => postText(m) === '[en] Gracias', 'the next translation');
    await drained(s);
    expect(translationPosts(s, card).map(postText)).toEqual([testTranslation(ASK, 'en'), WHERE_EN, '[en] Gracias']);
    expect(ai.requestsFor('translation').filter((r) => r.text.includes(JSON.stringify(WHERE)))).toHaveLength(1);
  });

  it('an erasure removes the translations with the customer’s own posts', async () => {
    const { w, card } = await escalated(s, 'es');
    await say(w, WHERE);
    await waitForThread(s, card, (m) => postText(m) === WHERE_EN, 'the translation');
    await drained(s);
    expect(await s.t.app.privacy.eraseVisitor({ email: 'lucia@example.com' }, { kind: 'slack', userId: SLACK_IDS.grace })).toMatchObject({ status: 'erased' });
    await drained(s);
    const left = replies(s, card).map(postText).join('\n');
    expect(left).not.toContain(WHERE_EN);
    expect(left).not.toContain(testTranslation(ASK, 'en'));
    expect(left).not.toContain(WHERE);
  });

  it('translates nothing for an English customer, and offers no translated reply', async () => {
    const { w, card } = await escalated(s, 'en');
    expect(cardFields(s, card)).toContain('*Language*\\n🌐 English');
    expect(cardFields(s, card)).not.toContain(ACTION.replyTranslated);
    await say(w, 'Where is my order?');
    await waitForThread(s, card, (m) => postText(m) === 'Where is my order?', 'the message');
    await drained(s);
    expect(translationPosts(s, card)).toEqual([]);
    expect(ai.requestsFor('translation')).toEqual([]);
  });

  it('sends an agent’s reply translated into Spanish: the widget gets Spanish, the thread shows both, and nothing is sent twice', async () => {
    const { w, conversationId, card } = await escalated(s, 'es');
    const stopEcho = s.driver.echoBotMessages();
    await clickCard(s, SLACK_IDS.ada, ACTION.replyTranslated, card);
    const modal = await replyModal(s, SLACK_IDS.ada);
    const empty = await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.replyTranslatedInput]: { [INPUT.replyTranslatedText]: '  ' } });
    expect(empty.body).toMatchObject({ response_action: 'errors' });

    const submitted = await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.replyTranslatedInput]: { [INPUT.replyTranslatedText]: REPLY } });
    expect(JSON.stringify(submitted.body)).toContain('Translating into Spanish');
    const reply = await w.next('message', (m) => m.role === 'agent' && m.text === REPLY_ES, 8000);
    expect(reply.text).toBe(REPLY_ES);
    await modalShows(s, modal.id, 'Sent to the customer');

    // One post shows the agent both texts; it is the app's, so it is not relayed again.
    const both = await waitForThread(s, card, (m) => postText(m).includes(REPLY_ES) && postText(m).includes(REPLY), 'the translated reply in the thread');
    expect(postText(both)).toContain('Sent to the customer as Ada');
    expect(postText(both)).toContain('wrote (English)');
    // The submission processed again (the inbox replays one that did not finish): nothing more is sent.
    const again = await s.driver.raw(`payload=${encodeURIComponent(JSON.stringify(submitted.payload))}`, { contentType: 'application/x-www-form-urlencoded' });
    expect(again.status).toBe(200);
    await modalShows(s, modal.id, 'already sent');
    await s.driver.idle();
    await drained(s);
    stopEcho();
    expect(agentTexts(s, conversationId).filter((t) => t === REPLY_ES)).toHaveLength(1);
    expect(agentTexts(s, conversationId)).not.toContain(REPLY);
    expect(replies(s, card).filter((m) => postText(m).includes(REPLY_ES))).toHaveLength(1);
  });

  it('sends a thread reply starting with tr: in Spanish, shows both texts, and sends nothing when the translation fails', async () => {
    const { w, conversationId, card } = await escalated(s, 'es');
    ai.script('translation', { status: 500 });
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, `tr: ${REPLY}`);
    await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => e.text.includes('was not sent'), 8000);
    expect(agentTexts(s, conversationId)).toEqual([]);

    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, `tr: ${REPLY}`);
    const reply = await w.next('message', (m) => m.role === 'agent' && m.text.includes('pedido'), 8000);
    expect(reply.text).toBe(REPLY_ES);
    const both = await waitForThread(s, card, (m) => postText(m).includes(REPLY_ES), 'the translated reply in the thread');
    expect(postText(both)).toContain(REPLY);
    expect(postText(both)).not.toContain('tr:');
    // Edited in Slack: the customer gets the new text, translated.
    const own = replies(s, card).filter((m) => m.user === SLACK_IDS.ada && m.text.startsWith('tr:')).at(-1)!;
    await s.driver.messageChanged(C, own.ts, 'tr: It ships today.');
    await w.next('message_updated', (m) => m.text === '[es] It ships today.', 8000);
    expect(agentTexts(s, conversationId).filter((t) => t.includes('tr:'))).toEqual([]);
  });

  it('when OpenAI fails: the message is posted untranslated, the modal shows the error and nothing reaches the customer', async () => {
    const { w, conversationId, card } = await escalated(s, 'es');
    await waitForThread(s, card, (m) => postText(m) === testTranslation(ASK, 'en'), 'the transcript’s translation');
    ai.script('translation', { status: 500 });
    await say(w, WHERE);
    await waitForThread(s, card, (m) => postText(m) === WHERE, 'the Spanish message');
    await ai.waitForRequests(2, 'translation');
    await drained(s);
    expect(translationPosts(s, card).map(postText)).toEqual([testTranslation(ASK, 'en')]);

    await clickCard(s, SLACK_IDS.ada, ACTION.replyTranslated, card);
    const modal = await replyModal(s, SLACK_IDS.ada);
    ai.script('translation', { status: 503 });
    await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.replyTranslatedInput]: { [INPUT.replyTranslatedText]: REPLY } });
    await modalShows(s, modal.id, 'failed, so nothing was sent');
    // The form is back with the text, to try again.
    expect(JSON.stringify(s.emulator.views.find((v) => v.id === modal.id)!.view.blocks)).toContain(REPLY);
    expect(agentTexts(s, conversationId)).toEqual([]);

    // Trying again works, and the failed try never reached the widget before it.
    await s.driver.viewSubmission(SLACK_IDS.ada, modal, { [BLOCK.replyTranslatedInput]: { [INPUT.replyTranslatedText]: REPLY } });
    const first = await w.next('message', (m) => m.role === 'agent' && m.text.includes('pedido'), 8000);
    expect(first.text).toBe(REPLY_ES);
  });

  it('a restart with a translation in flight translates the message again but posts it once', async () => {
    const { w, card } = await escalated(s, 'es');
    await waitForThread(s, card, (m) => postText(m) === testTranslation(ASK, 'en'), 'the transcript’s translation');
    ai.script('translation', { hang: true });
    const before = ai.requestsFor('translation').length;
    await say(w, WHERE);
    await ai.waitForRequests(before + 1, 'translation');
    await s.restart();
    await waitForThread(s, card, (m) => postText(m) === WHERE_EN, 'the translation after the restart');
    await drained(s);
    expect(translationPosts(s, card).map(postText)).toEqual([testTranslation(ASK, 'en'), WHERE_EN]);
    expect(ai.requestsFor('translation').filter((r) => r.text.includes(JSON.stringify(WHERE))).length).toBeGreaterThanOrEqual(2);
  });
});

describe('without OpenAI', () => {
  let s: SlackStack;
  beforeEach(async () => {
    s = await startSlackStack();
  });
  afterEach(async () => {
    await s.close();
  });

  it('shows the language but translates nothing and offers no translated reply', async () => {
    const { w, card } = await escalated(s, 'es');
    expect(cardFields(s, card)).toContain('*Language*\\n🌐 Spanish (Español)');
    expect(cardFields(s, card)).not.toContain(ACTION.replyTranslated);
    expect(cardFields(s, card)).not.toContain('translated in this thread');
    // A tr: reply cannot be translated here: it is not sent, prefix and all.
    await s.driver.userReply(SLACK_IDS.ada, C, card.ts, `tr: ${REPLY}`);
    await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => e.text.includes('this was not sent'), 8000);
    await say(w, WHERE);
    await waitForThread(s, card, (m) => postText(m) === WHERE, 'the message');
    await drained(s);
    expect(translationPosts(s, card)).toEqual([]);
  });
});
