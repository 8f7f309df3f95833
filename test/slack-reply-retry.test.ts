import { sql } from 'kysely';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { rows } from './support/test-engine';

let s: SlackStack;
afterEach(async () => {
  vi.restoreAllMocks();
  await s?.close();
});

const C = SLACK_IDS.support;

describe('an agent reply whose processing fails after Slack got its 200', () => {
  it('is processed again from the inbox and reaches the customer once', async () => {
    s = await startSlackStack();
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Retry Test' } });
    w.send({ type: 'message', clientId: 'r1', text: 'I want to talk to a person' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(welcome.conversationId);
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'human');

    // A transient storage fault while the reply is applied (the database locked, an I/O error).
    const handoff = s.t.app.handoff;
    const spy = vi.spyOn(handoff, 'agentReply').mockRejectedValueOnce(new Error('SQLITE_IOERR: disk I/O error'));
    const res = await s.driver.userReply(SLACK_IDS.ada, C, card.ts, 'Sorry for the wait, here is the fix');
    expect(res.response.status).toBe(200);

    const reply = await w.next('message', (m) => m.role === 'agent' && m.text === 'Sorry for the wait, here is the fix', 15_000);
    expect(spy.mock.calls.length).toBeGreaterThanOrEqual(2);
    // Once: the inbox is empty and nothing else arrives for the same text.
    await s.emulator.waitFor(() => expect(rows(s.t.app.db, sql`SELECT count(*) AS n FROM slack_inbox`)).toEqual([{ n: 0 }]));
    const sameText = rows(
      s.t.app.db,
      sql`SELECT count(*) AS n FROM messages WHERE conversation_id = ${welcome.conversationId} AND role = 'agent' AND text = ${'Sorry for the wait, here is the fix'}`,
    );
    expect(sameText).toEqual([{ n: 1 }]);
    expect(reply.seq).toBeGreaterThan(0);
  });
});
