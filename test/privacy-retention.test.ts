/**
 * Erasure reaches a conversation's Slack thread whatever its age (issue 21): once the maintenance
 * job has pruned the outbox's rows (30 days), the posts are found through slack_posts, which holds
 * where they are and never what they said. The real app, the Slack emulation, a movable clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ERASED_TEXT } from '../src/slack/privacy-eraser';
import { movableClock } from './support/movable-clock';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

const C = SLACK_IDS.support;
const { ada, grace } = SLACK_IDS;
const DAY_MS = 86_400_000;
const JANE = { name: 'Janet Quixby', email: 'janet.quixby@example.com' };
const PERSONAL = /Quixby|janet\.quixby|INV-4471|Elm Street 12|555-0199/;

let s: SlackStack;
afterEach(async () => {
  await s?.close();
});

describe('erasure after the outbox has pruned its rows', () => {
  it('still deletes or edits the customer posts in the threads', async () => {
    const clock = movableClock(new Date().toISOString());
    s = await startSlackStack({}, { available: [ada], app: { clock } });
    const threadText = (ts: string) => JSON.stringify(s.emulator.replies(C, ts).map((m) => [m.text, m.blocks, m.username]));
    const { db } = s.t.app;

    // Jane, known by name: her posts go out under her name (deleted on erasure).
    const w1 = await s.widget();
    const v1 = await w1.hello({ visitor: JANE });
    w1.send({ type: 'message', clientId: 'a1', text: 'My invoice INV-4471 is wrong' });
    w1.send({ type: 'request_human' });
    await w1.next('state', (f) => f.state === 'waiting');
    const card1 = await s.card(v1.conversationId);
    w1.send({ type: 'message', clientId: 'a2', text: 'I live at Elm Street 12' });
    await s.emulator.waitFor(() => threadText(card1.ts).includes('Elm Street 12') && threadText(card1.ts).includes('INV-4471'), 5000);

    // An anonymous visitor: posts under a generated name (edited to "[erased]" on erasure).
    const w2 = await s.widget();
    const v2 = await w2.hello();
    w2.send({ type: 'request_human' });
    await w2.next('state', (f) => f.state === 'waiting');
    const card2 = await s.card(v2.conversationId);
    w2.send({ type: 'message', clientId: 'b1', text: 'Please call me on 555-0199' });
    await s.emulator.waitFor(() => threadText(card2.ts).includes('555-0199'), 5000);
    const anonymousPosts = s.emulator.replies(C, card2.ts).filter((m) => m.text?.includes('555-0199')).map((m) => m.ts);
    expect(anonymousPosts).toHaveLength(1);

    // The index knows the posts and holds nothing personal.
    const indexed = () => db.all(db.q.selectFrom('slack_posts').selectAll().where('conversation_id', 'in', [v1.conversationId, v2.conversationId]));
    // (Slack shows a post a moment before the outbox records it sent.)
    const kindsOf = (conversationId: string) => indexed().filter((p) => p.conversation_id === conversationId).map((p) => p.kind);
    await s.emulator.waitFor(() => kindsOf(v1.conversationId).includes('customer_named') && kindsOf(v1.conversationId).includes('transcript') && kindsOf(v2.conversationId).includes('customer'), 5000);
    expect(JSON.stringify(indexed())).not.toMatch(PERSONAL);

    // A month on, the maintenance job prunes the outbox: its rows no longer tell where the posts are.
    await s.emulator.waitFor(() => db.all(db.q.selectFrom('slack_outbox').select('id').where('status', 'in', ['pending', 'sending'])).length === 0, 5000);
    clock.advance(31 * DAY_MS);
    expect(await s.t.app.jobs.run('maintenance')).toMatchObject({ status: 'done' });
    const outbox = JSON.stringify(db.all(db.q.selectFrom('slack_outbox').selectAll()));
    expect(outbox).not.toMatch(PERSONAL);
    expect(outbox).not.toContain(v1.conversationId);
    expect(outbox).not.toContain(v2.conversationId);

    expect(await s.t.app.privacy.eraseVisitor({ email: JANE.email }, { kind: 'slack', userId: grace })).toMatchObject({ status: 'erased' });
    const visitorId = db.first(db.q.selectFrom('conversations').select('visitor_id').where('id', '=', v2.conversationId))!.visitor_id;
    expect(await s.t.app.privacy.eraseVisitor({ visitorId }, { kind: 'slack', userId: grace })).toMatchObject({ status: 'erased' });

    // As for a fresh conversation: her posts under her name gone with a line saying so, the
    // anonymous post edited in place, the cards naming nobody.
    await s.emulator
      .waitFor(() => {
        const text = [card1, card2].map((card) => threadText(card.ts) + JSON.stringify(s.emulator.message(C, card.ts)!.blocks)).join('');
        return !PERSONAL.test(text) && s.emulator.replies(C, card1.ts).some((m) => m.text?.startsWith(`${ERASED_TEXT} `));
      }, 5000)
      .catch((err: Error) => {
        throw new Error(`${err.message}\nthreads: ${threadText(card1.ts)}\n${threadText(card2.ts)}`);
      });
    const replies1 = s.emulator.replies(C, card1.ts);
    expect(replies1.filter((m) => m.username?.endsWith('(customer)') && m.username.includes('Janet'))).toEqual([]);
    // The transcript ("Conversation so far", quoting her) edited in place.
    expect(replies1.some((m) => m.text === ERASED_TEXT)).toBe(true);
    expect(replies1.map((m) => m.text)).toContainEqual(expect.stringMatching(/^\[erased\] (A post|\d+ posts) by the customer, erased on request\.$/));
    const replies2 = s.emulator.replies(C, card2.ts);
    expect(anonymousPosts.map((ts) => replies2.find((m) => m.ts === ts)?.text)).toEqual([ERASED_TEXT]);
    // Its work queued, the index forgets the conversations.
    expect(indexed()).toEqual([]);
  });
});
