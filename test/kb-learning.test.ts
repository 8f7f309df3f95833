/**
 * Handoffs teach the AI (issue 20), end to end through the real app, the Slack emulation and a
 * widget client: a question the knowledge base cannot answer is handed off, an agent answers and
 * resolves it, the copilot drafts an article (personal data removed) in the thread and on admins'
 * Home tabs, only admins and the resolver may decide it, an edit is kept, and once approved the same
 * question in other words gets an AI answer citing the new article, with no restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../src/slack/ids';
import { startOpenAiServer, type OpenAiServer } from './support/openai-server';
import { SLACK_IDS, type EmulatedMessage } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const C = SLACK_IDS.support;
const { ada, grace, linus } = SLACK_IDS;

let s: SlackStack;
let openai: OpenAiServer | null = null;
afterEach(async () => {
  await s?.close();
  if (openai) {
    await openai.close();
    // Every request the app made carried the key, the model, a strict json_schema and what each test expected.
    expect(openai.problems).toEqual([]);
    openai = null;
  }
});

const QUESTION = 'How do I enable dark mode?';
const GRACE_REPLY =
  'Hi Jane! Open Settings → Appearance and choose Dark. If you pick Automatic, the theme follows your system. I also sent these steps to jane.doe@example.com, call +44 20 7946 0958 if it does not work.';

interface DraftRow {
  id: string;
  status: string;
  title: string;
  question: string;
  answer: string;
  article_id: string | null;
  resolved_by: string | null;
  drafted_by: string;
  edited_by: string | null;
}

function draftOf(conversationId: string): DraftRow | undefined {
  const { db } = s.t.app;
  return db.first(db.q.selectFrom('kb_drafts').selectAll().where('conversation_id', '=', conversationId)) as DraftRow | undefined;
}

const textOf = (m: { text: string; blocks?: unknown[] }) => `${m.text}\n${JSON.stringify(m.blocks ?? [])}`;

/** A handoff the AI could not answer, claimed and answered by Grace and resolved: its draft message in the thread. */
async function answeredAndResolved(): Promise<{ conversationId: string; card: EmulatedMessage; draftMessage: EmulatedMessage }> {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Jane Doe', email: 'jane.doe@example.com' } });
  w.send({ type: 'message', clientId: 'q1', text: QUESTION });
  // The knowledge base has nothing on dark mode: the AI hands it to a person.
  await w.next('state', (f) => f.state === 'waiting');
  const card = await s.card(welcome.conversationId);
  expect(textOf(card)).toMatch(/confiden|no knowledge-base match/i);
  await s.driver.blockAction(grace, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C });
  await w.next('state', (f) => f.state === 'human');
  await s.driver.userReply(grace, C, card.ts, GRACE_REPLY);
  // An internal note is not part of the answer.
  await s.driver.userReply(grace, C, card.ts, 'note: she is on the legacy plan, check billing later');
  await w.next('message', (m) => m.role === 'agent');
  await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.resolve));
  await s.driver.blockAction(grace, { actionId: ACTION.resolve, message: s.emulator.message(C, card.ts)!, channel: C });
  await w.next('state', (f) => f.state === 'resolved');
  const draftMessage = await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.startsWith('Knowledge-base draft'), 10_000);
  // As first posted (the emulator updates its own copy in place).
  return { conversationId: welcome.conversationId, card, draftMessage: structuredClone(draftMessage) };
}

/** A click on the draft's message as it is now, or (`stale`) as the clicker's Slack still shows it. */
function click(user: string, action: string, draftId: string, message: EmulatedMessage, stale = false) {
  const actionId = rowActionId(action as never, draftId);
  // Slack sends the message as it is now, and the value of the button the clicker saw.
  const seen = stale
    ? (message.blocks as { elements?: { action_id?: string; value?: string }[] }[] | undefined)?.flatMap((b) => b.elements ?? []).find((e) => e.action_id === actionId)?.value
    : undefined;
  return s.driver.blockAction(user, { actionId, message: s.emulator.message(C, message.ts)!, channel: C, ...(seen ? { value: seen } : {}) });
}

describe('handoffs teach the AI', () => {
  it('question → handoff → agent answers → resolved → draft → edited → approved → the paraphrase gets an AI answer citing it', async () => {
    s = await startSlackStack();
    const { conversationId, draftMessage } = await answeredAndResolved();

    const draft = draftOf(conversationId)!;
    expect(draft).toMatchObject({ status: 'drafted', resolved_by: grace, drafted_by: 'built-in' });
    // The answer comes from Grace's reply, not from her note; no name, email or phone number is left.
    expect(draft.answer).toContain('Appearance');
    expect(draft.answer).not.toMatch(/legacy plan/);
    for (const field of [draft.title, draft.question, draft.answer]) {
      expect(field).not.toMatch(/Jane|jane\.doe@example\.com|7946/);
    }
    expect(draft.question.toLowerCase()).toContain('dark mode');
    const posted = textOf(draftMessage);
    for (const label of ['Approve', 'Edit', 'Discard']) expect(posted).toContain(`"${label}"`);
    expect(posted).not.toMatch(/Jane|jane\.doe/);

    // Linus is neither an admin nor the agent who resolved it: refused, told only him, nothing changes.
    await click(linus, ACTION.kbApprove, draft.id, draftMessage);
    await s.emulator.waitForEphemeral(linus, (e) => /only admins and the agent who resolved/i.test(e.text), 5000);
    await click(linus, ACTION.kbEdit, draft.id, draftMessage);
    await s.emulator.waitForEphemeral(linus, (e) => /only admins/i.test(e.text) && e.ts !== undefined, 5000);
    expect(s.emulator.openModal(linus)).toBeUndefined();
    expect(draftOf(conversationId)!.status).toBe('drafted');

    // Grace resolved it: she may edit; the edit is kept and the thread message shows it.
    await click(grace, ACTION.kbEdit, draft.id, draftMessage);
    const modal = await s.emulator.waitFor(() => {
      const v = s.emulator.openModal(grace);
      return v && v.callback_id === VIEW.kbDraftEdit ? v : undefined;
    });
    const edit = {
      [BLOCK.kbDraftTitle]: { [INPUT.kbDraftTitle]: 'Switch to dark mode' },
      [BLOCK.kbDraftQuestion]: { [INPUT.kbDraftQuestion]: 'How do I turn on dark mode?' },
      [BLOCK.kbDraftAnswer]: { [INPUT.kbDraftAnswer]: 'Open Settings → Appearance and choose Dark. With Automatic, the dark theme follows your system.' },
    };
    const empty = await s.driver.viewSubmission(grace, modal.id, { ...edit, [BLOCK.kbDraftAnswer]: { [INPUT.kbDraftAnswer]: '   ' } });
    expect(empty.body).toMatchObject({ response_action: 'errors', errors: { [BLOCK.kbDraftAnswer]: expect.stringMatching(/answer cannot be empty/i) } });
    expect(draftOf(conversationId)!.title).toBe(draft.title);
    const saved = await s.driver.viewSubmission(grace, modal.id, edit);
    expect(saved.status).toBe(200);
    expect(draftOf(conversationId)).toMatchObject({ status: 'drafted', title: 'Switch to dark mode', question: 'How do I turn on dark mode?', edited_by: grace });
    await s.emulator.waitFor(() => textOf(s.emulator.message(C, draftMessage.ts)!).includes('Switch to dark mode') || undefined, 5000);

    // Ada is an admin: she approves; the article is stored and indexed at once.
    await click(ada, ACTION.kbApprove, draft.id, draftMessage);
    await s.emulator.waitFor(() => /Approved/.test(textOf(s.emulator.message(C, draftMessage.ts)!)) || undefined, 5000);
    const approved = draftOf(conversationId)!;
    expect(approved).toMatchObject({ status: 'approved', article_id: 'learned/switch-to-dark-mode.md', title: 'Switch to dark mode' });
    // The edit survived the approval: the indexed article is the edited text.
    expect(approved.answer).toContain('dark theme follows your system');

    // The buttons are gone; a click from a Slack client that still shows them decides nothing again.
    expect(textOf(s.emulator.message(C, draftMessage.ts)!)).not.toContain(ACTION.kbDiscard);
    await click(grace, ACTION.kbDiscard, draft.id, draftMessage, true);
    await s.emulator.waitForEphemeral(grace, (e) => /already approved/i.test(e.text), 5000);
    expect(draftOf(conversationId)!.status).toBe('approved');

    // The next customer asks the same in other words: the AI answers, citing the learned article.
    const next = await s.widget();
    const sam = await next.hello({ visitor: { name: 'Sam' } });
    next.send({ type: 'message', clientId: 'p1', text: 'Can I switch the app to a dark theme?' });
    const answer = await next.next('message', (m) => m.role === 'ai');
    // The built-in AI names the passage it quotes: the learned article's one section, its question.
    expect(answer.text).toContain('“How do I turn on dark mode?”');
    expect(answer.text).toContain('Open Settings → Appearance and choose Dark.');
    expect(s.t.app.knowledgeBase.search('Can I switch the app to a dark theme?', 1)[0]).toMatchObject({ articleId: 'learned/switch-to-dark-mode.md', title: 'Switch to dark mode' });
    expect(s.t.app.core.get(sam.conversationId).state).toBe('ai');
  });

  it('shows drafts waiting for a decision on admins’ Home tabs (not on other agents’), and a discard there updates the thread', async () => {
    s = await startSlackStack();
    const { conversationId, draftMessage } = await answeredAndResolved();
    const draft = draftOf(conversationId)!;
    await s.driver.appHomeOpened(ada);
    await s.driver.appHomeOpened(linus);
    const home = await s.emulator.waitFor(() => {
      const v = s.emulator.homeTab(ada);
      return v && JSON.stringify(v.blocks).includes('Knowledge-base drafts to review') ? v : undefined;
    }, 5000);
    await s.emulator.waitFor(() => s.emulator.homeTab(linus));
    expect(JSON.stringify(s.emulator.homeTab(linus)!.blocks)).not.toContain('Knowledge-base drafts');

    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.kbDiscard, draft.id), view: home.id });
    await s.emulator.waitFor(() => /Discarded/.test(textOf(s.emulator.message(C, draftMessage.ts)!)) || undefined, 5000);
    expect(draftOf(conversationId)).toMatchObject({ status: 'discarded', article_id: null });
    // The Home tab drops it and tells Ada what happened.
    await s.emulator.waitFor(() => {
      const blocks = JSON.stringify(s.emulator.homeTab(ada)!.blocks);
      return blocks.includes('Discarded') && !blocks.includes('Knowledge-base drafts to review') ? true : undefined;
    }, 5000);
    // A discarded draft teaches nothing: the question still goes to a person.
    expect(s.t.app.knowledgeBase.search('How do I turn on dark mode?', 1)[0]?.articleId ?? '').not.toMatch(/^learned\//);
  });

  it('drafts each resolved conversation once, however often drafting runs; conversations handed off for other reasons are not drafted', async () => {
    s = await startSlackStack();
    const { conversationId } = await answeredAndResolved();
    await s.t.app.jobs.run('kb-drafts');
    await s.t.app.learning.learn();
    const { db } = s.t.app;
    expect(db.all(db.q.selectFrom('kb_drafts').select('id').where('conversation_id', '=', conversationId))).toHaveLength(1);

    // Asked for a person outright (customer_asked): the knowledge base was not what failed.
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Max' } });
    w.send({ type: 'message', clientId: 'h1', text: 'I want to talk to a person' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(welcome.conversationId);
    await s.driver.blockAction(grace, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'human');
    await s.driver.userReply(grace, C, card.ts, 'Sure, how can I help?');
    await w.next('message', (m) => m.role === 'agent');
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.resolve));
    await s.driver.blockAction(grace, { actionId: ACTION.resolve, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'resolved');
    await s.t.app.learning.learn();
    expect(draftOf(welcome.conversationId)).toBeUndefined();

    // The runs go on from where they stopped: a learnable conversation resolved after it is drafted.
    const later = await answeredAndResolved();
    expect(draftOf(later.conversationId)).toMatchObject({ status: 'drafted' });
  });

  it('with OpenAI: the draft comes from its structured output, scrubbed again; once approved OpenAI is given the learned article for the paraphrase', async () => {
    openai = await startOpenAiServer();
    const unsure = { reply: '', confidence: 0.2, action: 'handoff', handoffReason: 'low_confidence', handoffDetail: null, sources: [] };
    openai.script('customer_answer', { json: unsure });
    openai.setDefault('conversation_summary', {
      json: { summary: 'Asks about dark mode.', keyPoints: [], intent: 'Dark mode', aiTried: [], frustration: 'low', articles: [] },
    });
    // The model left a name and an email in: they never reach the stored draft.
    openai.script('kb_article', {
      json: { title: 'Turn on dark mode', question: 'How can I use a dark theme?', answer: 'Hi Jane, open Settings → Appearance and choose Dark. Questions: jane.doe@example.com' },
      expect: ['Open Settings → Appearance and choose Dark', 'How do I enable dark mode?'],
    });
    s = await startSlackStack({ OPENAI_API_KEY: openai.apiKey, OPENAI_BASE_URL: openai.url, OPENAI_MODEL: openai.model }, { app: { openaiLimits: { timeoutMs: 2000, maxRetries: 0 } } });
    const { conversationId, draftMessage } = await answeredAndResolved();
    const [request] = openai.requestsFor('kb_article');
    // Only what the customer asked and what the agent answered: not the internal note.
    expect(request!.text).not.toContain('legacy plan');
    const draft = draftOf(conversationId)!;
    expect(draft).toMatchObject({ drafted_by: 'openai', title: 'Turn on dark mode', question: 'How can I use a dark theme?' });
    expect(draft.answer).toContain('open Settings → Appearance and choose Dark');
    expect(draft.answer).not.toMatch(/Jane|jane\.doe@example\.com/);

    await click(ada, ACTION.kbApprove, draft.id, draftMessage);
    await s.emulator.waitFor(() => /Approved/.test(textOf(s.emulator.message(C, draftMessage.ts)!)) || undefined, 5000);

    // The paraphrase: OpenAI is asked with the learned article among the passages, and its answer citing it reaches the customer.
    openai.script('customer_answer', {
      json: { reply: 'Open Settings → Appearance and choose Dark.', confidence: 0.9, action: 'answer', handoffReason: null, handoffDetail: null, sources: [1] },
      expect: ['Turn on dark mode', 'choose Dark'],
    });
    const next = await s.widget();
    const sam = await next.hello({ visitor: { name: 'Sam' } });
    next.send({ type: 'message', clientId: 'p1', text: 'Is there a dark theme?' });
    const answer = await next.next('message', (m) => m.role === 'ai');
    expect(answer.text).toContain('Open Settings → Appearance and choose Dark.');
    expect(s.t.app.core.get(sam.conversationId).state).toBe('ai');
  });
});
