/**
 * Reopen links of follow-up emails: single use, a session that ends with the link, and never in a
 * log line (SMTP_URL unset: emails are stored and logged, not sent).
 */
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { createReopenTokens } from '../src/core/visitor-tokens';
import { REOPEN_TTL_DAYS } from '../src/core/offline-followup';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { rows, testEngine } from './support/test-engine';
import { WidgetClient } from './support/widget-client';

let t: TestApp | undefined;
let s: SlackStack | undefined;
const clients: WidgetClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await s?.close();
  await t?.stop();
  if (t) removeDir(t.dir);
  s = t = undefined;
});

async function client(app: TestApp): Promise<WidgetClient> {
  const c = await WidgetClient.connect(app.url);
  clients.push(c);
  return c;
}

async function until(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A customer with one message, and a fresh reopen link to their conversation (as the follow-up job makes it). */
async function customerWithLink(app: TestApp, now: Date) {
  const c = await client(app);
  const welcome = await c.hello();
  c.send({ type: 'message', clientId: 'm1', text: 'Where do I find my invoices?' });
  await c.next('ack');
  c.close();
  const { db } = app.app;
  const key = db.first(db.q.selectFrom('secrets').select('value').where('name', '=', 'visitor_token_key'))!.value;
  const visitorId = db.first(db.q.selectFrom('conversations').select('visitor_id').where('id', '=', welcome.conversationId))!.visitor_id;
  return { conversationId: welcome.conversationId, link: createReopenTokens(key, REOPEN_TTL_DAYS).issue(visitorId, now) };
}

const payload = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as { exp?: number };

describe('reopen links', () => {
  it('open their conversation once: a replayed link starts a new visitor, and of two racing uses only one opens it', async () => {
    t = await startTestApp();
    const { conversationId, link } = await customerWithLink(t, new Date());

    const first = await client(t);
    expect((await first.hello({ reopen: link })).conversationId).toBe(conversationId);
    await first.next('message', (m) => m.text === 'Where do I find my invoices?');

    // The same link again (a forwarded email, a leaked URL, the browser's history): a stranger.
    const replay = await client(t);
    const again = await replay.hello({ reopen: link });
    expect(again.conversationId).not.toBe(conversationId);
    replay.send({ type: 'message', clientId: 'x', text: 'hello?' });
    await replay.next('ack');
    expect(replay.frames('message').some((m) => m.text.includes('invoices'))).toBe(false);
    expect(rows(t.app.db, sql`SELECT count(*) AS n FROM reopen_links_used`)).toEqual([{ n: 1 }]);

    // A fresh link used by two browsers at the same moment: at most one gets the conversation.
    const { conversationId: other, link: raced } = await customerWithLink(t, new Date());
    const [a, b] = await Promise.all([client(t), client(t)]);
    const welcomes = await Promise.all([a.hello({ reopen: raced }), b.hello({ reopen: raced })]);
    expect(welcomes.filter((w) => w.conversationId === other)).toHaveLength(1);
  });

  it('open a session that ends when the link expires: the renewed visitor token keeps the link’s expiry', async () => {
    let now = new Date('2026-11-27T12:00:00Z');
    t = await startTestApp({}, { clock: { now: () => now } });
    const { conversationId, link } = await customerWithLink(t, now);
    const linkExp = payload(link).exp!;
    expect(linkExp).toBe(now.getTime() / 1000 + REOPEN_TTL_DAYS * 86_400);
    // An ordinary visitor, for comparison: their token lives 180 days.
    const plain = await (await client(t)).hello();

    const opened = await (await client(t)).hello({ reopen: link });
    expect(opened.conversationId).toBe(conversationId);
    expect(payload(opened.token).exp).toBe(linkExp);

    // Six days later the session resumes, and the token it is renewed with still ends with the link.
    now = new Date(now.getTime() + 6 * 86_400_000);
    const resumed = await (await client(t)).hello({ token: opened.token });
    expect(resumed.conversationId).toBe(conversationId);
    expect(payload(resumed.token).exp).toBe(linkExp);

    // Past the link's expiry: a new visitor, with either token of that session.
    now = new Date((linkExp + 1) * 1000);
    for (const token of [opened.token, resumed.token]) {
      expect((await (await client(t)).hello({ token })).conversationId).not.toBe(conversationId);
    }
    expect((await (await client(t)).hello({ token: plain.token })).conversationId).toBe(plain.conversationId);
  });

  it('never reach the logs: with SMTP_URL unset the stored email is logged by id, with how to read it', async () => {
    const lines: string[] = [];
    s = await startSlackStack(
      { LOG_LEVEL: 'trace', OFFLINE_EMAIL_DELAY_S: '0' },
      { available: [], app: { logDestination: { write: (line: string) => void lines.push(line) } } },
    );
    const { ada, support } = SLACK_IDS;
    await s.driver.slashCommand(ada, 'offline');
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Jane' } });
    const id = welcome.conversationId;
    w.send({ type: 'email', email: 'jane@example.com' });
    await w.next('message', (m) => m.text.includes('jane@example.com'));
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'queued');
    const card = await s.card(id);
    w.close(); // the customer leaves: the reply goes unseen
    await until('the widget socket to close', () => !s!.t.app.registry.isOnline(id));
    await s.driver.userReply(ada, support, card.ts, 'Your invoice is fixed.');
    await until('the agent reply', () => s!.t.app.core.replay(id, 0).some((m) => m.role === 'agent' && m.text.includes('invoice is fixed')));
    await s.t.app.jobs.run('offline-email');
    await until('the email to be stored', () => s!.t.app.mailer.emails.list({ kind: 'offline_reply' })[0]?.status === 'stored');

    const email = s.t.app.mailer.emails.list({ kind: 'offline_reply' })[0]!;
    const url = /(http:\/\/\S+handoff_reopen=([A-Za-z0-9._%-]+))/.exec(email.text_body)!;
    const token = decodeURIComponent(url[2]!);
    expect(token).toMatch(/^r1\./);
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(url[2]!);
    expect(all).not.toContain('handoff_reopen');
    expect(all).not.toContain(token.split('.')[2]!); // not even the signature alone
    // The operator learns which email it was and how to read it.
    const stored = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'email stored (SMTP_URL is not set, so it was not sent)');
    expect(stored).toMatchObject({ emailId: email.id, kind: 'offline_reply' });
    const query = `SELECT text_body FROM emails WHERE id = ${email.id}`;
    expect(stored!.read).toBe(testEngine() === 'postgres' ? `psql "$DATABASE_URL" -c "${query}"` : `sqlite3 '${s.t.dbPath}' "${query}"`);
  });
});
