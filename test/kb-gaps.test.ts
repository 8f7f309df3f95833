import { afterEach, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database';
import { History, seedHistory } from './support/analytics-history';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { movableClock } from './support/movable-clock';

/**
 * Knowledge gaps and learned articles (issue 20, bullets 4 and 5) through the real app: a seeded
 * history of handoffs, kb_drafts rows as the learning service leaves them, `/handoff kb gaps` run
 * through the Slack driver, and the daily digest posted by its job.
 */

const C = SLACK_IDS.support;
const { ada: ADA, grace: GRACE } = SLACK_IDS;
const DAY = 24 * 3600;
const HOUR = 3600;

/** A clock that runs with real time (timers stay sane) and that the test moves. */
let s: SlackStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** "Now" is 2026-03-10 09:00 UTC: the last 7 days begin 03-03 09:00, the last 30 days 02-08 09:00. */
const NOW = '2026-03-10T09:00:05.000Z';
const h = new History(Date.parse('2026-02-08T12:00:00.000Z'));
/** The article on exporting invoices is approved on day 27 (2026-03-07 12:00). */
const APPROVED = h.iso(27 * DAY);

const ask = (id: string, start: number, text: string, reason?: string) =>
  h.add({ id, start, messages: [[start + 1, text]], ...(reason ? { handoffs: [{ at: start + 10, reason, agent: ADA }] } : {}) });

// Over 7 days ago (within 30): one invoice question handed off, a rule's handoff, one invoice question the AI answered.
ask('inv_old', 10 * DAY, 'How do I export invoices?', 'no_match');
ask('rule_old', 10 * DAY + HOUR, 'refund', 'rule');
ask('pre_ai', 20 * DAY, 'export invoices?');
// The last 7 days: three handoffs on invoices, two on refunds, one on nothing the others share.
ask('inv1', 25 * DAY, 'How do I export invoices?', 'no_match');
ask('inv2', 25 * DAY + HOUR, 'export invoices to CSV', 'low_confidence');
ask('inv3', 25 * DAY + 2 * HOUR, 'Can I export invoices for 2025?', 'no_match');
ask('ref1', 26 * DAY, 'What is my refund status?', 'no_match');
ask('ref2', 26 * DAY + HOUR, 'refund status please', 'low_confidence');
ask('mars', 26 * DAY + 2 * HOUR, 'the weather on Mars', 'no_match');
ask('ask1', 26 * DAY + 3 * HOUR, 'I want a person', 'customer_asked');
ask('ask2', 26 * DAY + 4 * HOUR, 'A human please', 'customer_asked');
h.quiet(4, 26 * DAY + 5 * HOUR);
// After the article: two customers ask in other words and get the AI's answer; one still asks for a person.
ask('after1', 28 * DAY, 'How can I get my invoice exported?');
ask('after2', 28 * DAY + HOUR, 'Exporting invoices');
ask('after3', 28 * DAY + 2 * HOUR, 'export invoices again, let me talk to someone', 'customer_asked');

function insertDraft(db: Database, conversationId: string, status: string, title: string, o: { topic?: string; articleId?: string; decidedAt?: string } = {}) {
  db.run(
    db.q.insertInto('kb_drafts').values({
      id: `d_${conversationId}`,
      conversation_id: conversationId,
      status,
      reason: 'no_match',
      topic: o.topic ?? null,
      title,
      question: 'q',
      answer: 'a',
      drafted_by: 'built-in',
      resolved_by: ADA,
      created_at: h.iso(27 * DAY - HOUR),
      edited_by: null,
      edited_at: null,
      decided_by: status === 'drafted' ? null : ADA,
      decided_at: status === 'drafted' ? null : (o.decidedAt ?? APPROVED),
      article_id: o.articleId ?? null,
      slack_channel: null,
      slack_ts: null,
    }),
  );
}

async function start(): Promise<{ s: SlackStack; clock: ReturnType<typeof movableClock> }> {
  const clock = movableClock(NOW);
  s = await startSlackStack({}, { app: { clock } });
  const { db } = s.t.app;
  seedHistory(db, h);
  insertDraft(db, 'inv1', 'approved', 'Exporting invoices', { topic: 'export invoices', articleId: 'learned/exporting-invoices.md' });
  insertDraft(db, 'inv_old', 'discarded', 'Old invoices', { topic: 'export invoices' });
  insertDraft(db, 'ref1', 'drafted', "Checking a refund's status", { topic: 'refund status' });
  insertDraft(db, 'mars', 'drafted', '<!channel> <https://evil.example|Mars> & *weather*', { topic: 'weather mars' });
  return { s, clock };
}

/** The mrkdwn of a message's sections, one string. */
const textOf = (blocks: unknown[] | undefined) =>
  (blocks ?? [])
    .flatMap((b) => {
      const block = b as { text?: { text?: string }; elements?: { text?: string }[] };
      return [block.text?.text ?? '', ...(block.elements ?? []).map((e) => e.text ?? '')];
    })
    .join('\n');

/** The lines of the section that starts with `title`. */
function sectionLines(blocks: unknown[] | undefined, title: string): string[] {
  const text = (blocks ?? []).map((b) => (b as { text?: { text?: string } }).text?.text ?? '').find((t) => t.startsWith(title));
  expect(text, `a section starting with ${title}`).toBeDefined();
  return text!.split('\n');
}

describe('/handoff kb gaps', () => {
  it('answers any agent, only them, with the gaps by topic over 7 and 30 days and the learned article', async () => {
    const { s } = await start();
    const res = await s.driver.slashCommand(GRACE, 'kb gaps');
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    const blocks = res.body.blocks as unknown[];

    // 7 days: 9 handoffs, 6 without a good answer.
    expect(sectionLines(blocks, '*Last 7 days*')).toEqual([
      '*Last 7 days* — 6 handoffs of 9 (66.7%) because the AI had no good answer (no match or low confidence):',
      '• *export invoices* — 3 handoffs · 33.3% of all handoffs · 📗 article “Exporting invoices”',
      "• *refund status* — 2 handoffs · 22.2% of all handoffs · 📝 1 draft to review “Checking a refund's status”",
      '• _other_ — 1 handoff · 11.1% of all handoffs · 📝 1 draft to review “&lt;!channel&gt; &lt;https://evil.example|Mars&gt; &amp; *weather*”',
    ]);
    // 30 days: the older invoice handoff (its draft discarded) and the rule's handoff join.
    expect(sectionLines(blocks, '*Last 30 days*')).toEqual([
      '*Last 30 days* — 7 handoffs of 11 (63.6%) because the AI had no good answer (no match or low confidence):',
      '• *export invoices* — 4 handoffs · 36.4% of all handoffs · 📗 article “Exporting invoices”',
      "• *refund status* — 2 handoffs · 18.2% of all handoffs · 📝 1 draft to review “Checking a refund's status”",
      '• _other_ — 1 handoff · 9.1% of all handoffs · 📝 1 draft to review “&lt;!channel&gt; &lt;https://evil.example|Mars&gt; &amp; *weather*”',
    ]);
    // Before its approval, 4 of the 5 conversations on invoices were handed off; since, 1 of 3.
    const learned = sectionLines(blocks, '*Learned in the last 30 days*');
    expect(learned).toHaveLength(2);
    expect(learned[1]).toMatch(/^• 📗 “Exporting invoices” \(\*export invoices\*, approved <!date\^\d+\^\{date_short\}\|2026-03-07>\) — handed off 4\/5 \(80%\) in the 30 days before → 1\/3 \(33\.3%\) since$/);
    expect(JSON.stringify(blocks)).not.toMatch(/<!channel>|<https:/);

    const shown = s.emulator.ephemerals(GRACE).filter((e) => e.via === 'ack');
    expect(shown.at(-1)!.text).toContain('Knowledge gaps, last 7 days: 6 handoffs without a good answer, most about export invoices.');
    expect(s.emulator.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args).includes('Knowledge gaps'))).toEqual([]);

    // Any case; anything else after `kb` is still a search.
    expect(textOf((await s.driver.slashCommand(ADA, 'kb GAPS')).body.blocks)).toContain('*Last 7 days* — 6 handoffs of 9');
    const search = await s.driver.slashCommand(ADA, 'kb gaps in my invoices');
    expect(JSON.stringify(search.body)).not.toContain('Knowledge gaps');
    expect((await s.driver.slashCommand(ADA, 'help')).body.text).toContain('`/handoff kb gaps`');
  });

  it('says so when there were no gaps and nothing was learned', async () => {
    s = await startSlackStack({}, { app: { clock: movableClock(NOW) } });
    const all = textOf((await s.driver.slashCommand(ADA, 'kb gaps')).body.blocks);
    expect(all).toContain('*Last 7 days* — no handoffs at all.');
    expect(all).toContain('*Last 30 days* — no handoffs at all.');
    expect(all).toContain('*Learned in the last 30 days:* no article approved yet.');
  });
});

describe('the daily digest', () => {
  const digests = (stack: SlackStack) => stack.emulator.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Daily handoff digest'));

  it('reports the week’s gaps and the articles learned since the last digest', async () => {
    const { s, clock } = await start();
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ status: 'done', result: '2026-03-10' });
    const first = await s.emulator.waitForMessage(C, (m) => m.text.startsWith('Daily handoff digest'));
    expect(sectionLines(first.blocks, '*Knowledge gaps (last 7 days)*')).toEqual([
      '*Knowledge gaps (last 7 days)* — 6 of 9 handoffs had no good answer; `/handoff kb gaps` for more',
      '• *export invoices* — 3 handoffs · 33.3% of all handoffs · 📗 article “Exporting invoices”',
      "• *refund status* — 2 handoffs · 22.2% of all handoffs · 📝 1 draft to review “Checking a refund's status”",
      '• _1 other handoff_',
    ]);
    const learned = sectionLines(first.blocks, '*Learned since the last digest*');
    expect(learned[1]).toContain('“Exporting invoices”');
    expect(learned[1]).toContain('handed off 4/5 (80%) in the 30 days before → 1/3 (33.3%) since');
    expect(JSON.stringify(first.blocks)).not.toMatch(/<!channel>|<@U/);

    // The next day: an article approved after the first digest is the only one learned.
    s.t.app.db.run(
      s.t.app.db.q
        .updateTable('kb_drafts')
        .set({ status: 'approved', decided_by: ADA, decided_at: '2026-03-10T15:00:00.000Z', article_id: 'learned/refund-status.md' })
        .where('id', '=', 'd_ref1'),
    );
    clock.set('2026-03-11T09:00:05.000Z');
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ status: 'done', result: '2026-03-11' });
    await s.emulator.waitFor(() => digests(s).length === 2);
    const second = await s.emulator.waitForMessage(C, (m) => m.text.startsWith('Daily handoff digest') && m.ts !== first.ts);
    const again = sectionLines(second.blocks, '*Learned since the last digest*');
    expect(again).toHaveLength(2);
    expect(again[1]).toContain("“Checking a refund's status”");
    // Two conversations asked about refund status in the 30 days before, both handed off; none since.
    expect(again[1]).toContain('handed off 2/2 (100%) in the 30 days before → no conversations since');
  });
});
