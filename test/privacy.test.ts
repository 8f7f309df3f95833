/**
 * Data subject requests end to end (issue 21): the real app, the Slack emulation, an SMTP sink and
 * widget sockets. A visitor known by email in two conversations (messages, an uploaded file, an
 * offline email, a rating with a comment, Slack threads with their posts) is exported by an admin
 * in Slack as one JSON file, then erased: nothing personal is left in any table, the files' bytes
 * are gone (here and in Slack), the threads' customer posts read "[erased]", the analytics are
 * unchanged, the audit names the admin; a non-admin is refused and erasing again is harmless.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, VIEW } from '../src/slack/ids';
import { ERASED_TEXT } from '../src/slack/privacy-eraser';
import type { VisitorExportDocument } from '../src/core/privacy/privacy-service';
import { SLACK_IDS, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { startSmtpSink } from './support/smtp-sink';
import { rows } from './support/test-engine';

const C = SLACK_IDS.support;
/** Ada is a workspace admin; Grace is one through SLACK_ADMIN_USER_IDS; Linus is not. */
const { ada, grace, linus } = SLACK_IDS;
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const JANE = { name: 'Janet Quixby', email: 'janet.quixby@example.com' };
/** What must not be found anywhere once she is erased. */
const PERSONAL = ['Quixby', 'janet.quixby', 'INV-4471', 'Elm Street 12', '555-0199', 'felt ignored', 'invoice-scan.png', 'your invoice is fixed'];

let s: SlackStack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let filesDir: string;
afterEach(async () => {
  await s?.close();
  await smtp?.close();
  fs.rmSync(filesDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function upload(token: string, name: string, bytes: Buffer, type: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${s.t.url}/api/widget/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

const threadText = (ts: string) => JSON.stringify(s.emulator.replies(C, ts).map((m) => [m.text, m.blocks, m.username]));

/** Every row of every table, as text (whatever the engine). */
function everyRow(): string {
  const { db } = s.t.app;
  const tables =
    db.engine === 'sqlite'
      ? rows(db, sql<{ name: string }>`select name from sqlite_master where type = 'table'`).map((r) => r.name)
      : rows(db, sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema()`).map((r) => r.name);
  expect(tables).toContain('messages');
  return tables.map((t) => `${t}: ${JSON.stringify(rows(db, sql`select * from ${sql.table(t)}`))}`).join('\n');
}

/** The tables an erasure changes. */
function personalRows(): string {
  const { db } = s.t.app;
  return ['visitors', 'conversations', 'messages', 'files', 'emails', 'conversation_events', 'admin_audit'].map((t) => JSON.stringify(rows(db, sql`select * from ${sql.table(t)}`))).join('\n');
}

async function stats(): Promise<string> {
  const res = await s.driver.slashCommand(grace, 'stats 30d');
  // The window's start moves with the clock; the figures must not.
  return JSON.stringify(res.body).replace(/<!date\^\d+\^[^>]*>/g, '<date>');
}

function topModal(user: string): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.openModal(user);
    return v && v.callback_id === VIEW.privacyErase ? v : undefined;
  });
}

describe('data subject requests', () => {
  it('exports a visitor from Slack, then erases them everywhere, Slack threads included', async () => {
    smtp = await startSmtpSink();
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-privacy-'));
    s = await startSlackStack({ SMTP_URL: smtp.url, OFFLINE_EMAIL_DELAY_S: '1', FILES_DIR: filesDir, SLACK_ADMIN_USER_IDS: grace }, { available: [ada] });

    // First conversation: a file, a handoff, a post in the thread, an agent's reply emailed once she left.
    const w1 = await s.widget();
    const v1 = await w1.hello({ visitor: JANE });
    const fileId = await upload(v1.token, 'invoice-scan.png', PNG, 'image/png');
    w1.send({ type: 'message', clientId: 'a1', text: 'My invoice INV-4471 is wrong', files: [fileId] });
    w1.send({ type: 'request_human' });
    await w1.next('state', (f) => f.state === 'waiting');
    const card1 = await s.card(v1.conversationId);
    w1.send({ type: 'message', clientId: 'a2', text: 'I live at Elm Street 12' });
    await s.emulator.waitFor(() => threadText(card1.ts).includes('Elm Street 12') && s.emulator.replies(C, card1.ts).some((m) => m.files?.length), 5000);
    const slackFileId = s.emulator.replies(C, card1.ts).find((m) => m.files?.length)!.files![0]!.id as string;
    expect(s.emulator.fileBytes(slackFileId)).toEqual(PNG);
    w1.close();
    // Gone from the server's side too: the agent's reply is then unseen and emailed.
    await s.emulator.waitFor(() => !s.t.app.registry.isOnline(v1.conversationId), 5000);
    await s.driver.userReply(ada, C, card1.ts, 'Hi, your invoice is fixed.');
    await s.emulator.waitFor(() => s.t.app.core.replay(v1.conversationId, 0).some((m) => m.role === 'agent' && m.text.includes('invoice is fixed')));
    await sleep(1100);
    await s.t.app.jobs.run('offline-email');
    await s.emulator.waitFor(() => smtp.mails.length === 1, 5000);

    // Second conversation (another visitor with the same email): claimed, resolved, rated with a comment.
    const w2 = await s.widget();
    const v2 = await w2.hello({ visitor: JANE });
    w2.send({ type: 'message', clientId: 'b1', text: 'Please call me on 555-0199' });
    w2.send({ type: 'request_human' });
    await w2.next('state', (f) => f.state === 'waiting');
    const card2 = await s.card(v2.conversationId);
    await s.driver.blockAction(ada, { actionId: ACTION.claim, message: s.emulator.message(C, card2.ts)!, channel: C });
    await w2.next('state', (f) => f.state === 'human');
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card2.ts)!.blocks).includes(ACTION.resolve));
    await s.driver.blockAction(ada, { actionId: ACTION.resolve, message: s.emulator.message(C, card2.ts)!, channel: C });
    await w2.next('state', (f) => f.state === 'resolved');
    w2.send({ type: 'rate', score: 2, comment: 'I felt ignored' });
    await w2.next('message', (m) => /feedback/i.test(m.text));
    await s.emulator.waitFor(() => threadText(card2.ts).includes('555-0199'));
    const filePath = s.t.app.files.pathOf(fileId);
    expect(fs.existsSync(filePath)).toBe(true);

    // The export, from Slack: one JSON file in the admin's DM with all of it.
    expect((await s.driver.slashCommand(grace, `privacy export ${JANE.email}`)).status).toBe(200);
    const complete = await s.emulator.waitForCall('files.completeUploadExternal', (c) => String(c.args.channel_id ?? '').startsWith('D'), 5000);
    const files = typeof complete.args.files === 'string' ? JSON.parse(complete.args.files) : complete.args.files;
    const doc = JSON.parse(s.emulator.fileBytes(files[0].id)!.toString('utf8')) as VisitorExportDocument;
    expect(doc.visitors.map((v) => v.email)).toEqual([JANE.email, JANE.email]);
    const [c1, c2] = doc.visitors.map((v) => v.conversations[0]!);
    expect(c1!.messages.map((m) => m.text)).toEqual(expect.arrayContaining(['My invoice INV-4471 is wrong', 'I live at Elm Street 12', 'Hi, your invoice is fixed.']));
    expect(c1!.files).toEqual([expect.objectContaining({ id: fileId, name: 'invoice-scan.png', url: expect.stringContaining(`/files/${fileId}/`) })]);
    expect(doc.visitors[0]!.emails).toEqual([expect.objectContaining({ to: JANE.email, text: expect.stringContaining('your invoice is fixed') })]);
    expect(c2!.events).toContainEqual(expect.objectContaining({ type: 'rated', detail: { score: 2, comment: 'I felt ignored' } }));
    expect(c2!.messages.map((m) => m.text)).toContain('Please call me on 555-0199');

    const before = await stats();
    const rowsBefore = everyRow();
    const personalBefore = personalRows();
    for (const needle of PERSONAL) expect(rowsBefore, needle).toContain(needle);

    // A non-admin is refused, and nothing changes.
    for (const verb of ['erase', 'export']) {
      const refused = await s.driver.slashCommand(linus, `privacy ${verb} ${JANE.email}`);
      expect(refused.body.text).toMatch(/only admins/i);
    }
    expect(s.emulator.openModal(linus)).toBeUndefined();
    expect(personalRows()).toBe(personalBefore);

    // The admin confirms what will go, then it goes.
    await s.driver.slashCommand(grace, `privacy erase ${JANE.email}`);
    const confirm = await topModal(grace);
    expect(JSON.stringify(confirm.blocks)).toContain('2 visitors');
    const submitted = await s.driver.viewSubmission(grace, confirm);
    expect(JSON.stringify(submitted.body)).toContain('Erased');

    // Slack: the customer's posts and the transcripts read "[erased]", the cards name nobody, the file is deleted.
    await s.emulator.waitFor(() => {
      for (const card of [card1, card2]) {
        const text = threadText(card.ts) + JSON.stringify(s.emulator.message(C, card.ts)!.blocks);
        for (const needle of ['Quixby', 'janet.quixby', 'INV-4471', 'Elm Street 12', '555-0199']) if (text.includes(needle)) return false;
      }
      return s.emulator.fileBytes(slackFileId) === undefined;
    }, 5000).catch((err: Error) => {
      const left = [card1, card2].flatMap((card) => [...s.emulator.replies(C, card.ts), s.emulator.message(C, card.ts)!]).map((m) => JSON.stringify(m)).filter((t) => /Quixby|janet|INV-4471|Elm Street|555-0199/.test(t));
      throw new Error(`${err.message}\nleft in Slack: ${left.join('\n')}`);
    });
    // Her own posts (under her name, which an edit cannot change) are gone, with a line saying so; the transcripts read "[erased]".
    for (const card of [card1, card2]) {
      const replies = s.emulator.replies(C, card.ts);
      expect(replies.filter((m) => m.username?.endsWith('(customer)'))).toEqual([]);
      expect(replies.some((m) => m.text === ERASED_TEXT)).toBe(true);
    }
    expect(s.emulator.replies(C, card1.ts).map((m) => m.text)).toContain(`${ERASED_TEXT} A post by the customer, erased on request.`);

    // The database: nothing personal in any table (once Slack's requests are processed and the outbox settled).
    await s.emulator.waitFor(() => {
      const rows = everyRow();
      return PERSONAL.every((needle) => !rows.includes(needle));
    }, 5000).catch(() => {
      const rows = everyRow();
      const around = (n: string) => rows.slice(Math.max(0, rows.indexOf(n) - 600), rows.indexOf(n) + 100);
      throw new Error(`personal data left: ${PERSONAL.filter((n) => rows.includes(n)).map((n) => `${n}: …${around(n)}`).join('\n')}`);
    });
    expect(fs.existsSync(filePath)).toBe(false);
    expect(await stats()).toBe(before);
    const audit = s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').selectAll().where('action', '=', 'privacy.erase'));
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe(grace);
    expect(JSON.parse(audit[0]!.detail)).toMatchObject({ requestedBy: { kind: 'slack', userId: grace }, counts: { visitors: 2, conversations: 2, files: 1, emails: 1, ratingComments: 1 } });

    // Again: by email nobody is found any more; by visitor id nothing is left to erase.
    const again = await s.driver.slashCommand(grace, `privacy erase ${JANE.email}`);
    expect(again.body.text).toMatch(/nothing found/i);
    const visitorId = s.t.app.db.first(s.t.app.db.q.selectFrom('conversations').select('visitor_id').where('id', '=', v1.conversationId))!.visitor_id;
    const twice = await s.t.app.privacy.eraseVisitor({ visitorId }, { kind: 'slack', userId: grace });
    expect(twice).toMatchObject({ status: 'erased', counts: { messages: 0, files: 0, emails: 0, ratingComments: 0 } });
    expect(await s.t.app.privacy.eraseVisitor({ visitorId: 'v_nobody' }, { kind: 'slack', userId: grace })).toEqual({ status: 'nothing_found' });
    expect(await stats()).toBe(before);
  });

  it('a customer post on its way to Slack during the erasure is erased once it lands', async () => {
    filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-privacy-'));
    s = await startSlackStack({ FILES_DIR: filesDir }, { available: [ada] });
    const w = await s.widget();
    const welcome = await w.hello({ visitor: JANE });
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(welcome.conversationId);
    const held = s.emulator.holdNext('chat.postMessage', (args) => String(args.text ?? '').includes('Elm Street 12'));
    w.send({ type: 'message', clientId: 'h1', text: 'I live at Elm Street 12' });
    await held.arrived;
    const visitorId = s.t.app.db.first(s.t.app.db.q.selectFrom('conversations').select('visitor_id').where('id', '=', welcome.conversationId))!.visitor_id;
    expect(await s.t.app.privacy.eraseVisitor({ visitorId }, { kind: 'slack', userId: grace })).toMatchObject({ status: 'erased' });
    held.release();
    await s.emulator.waitFor(() => s.emulator.replies(C, card.ts).some((m) => m.text === `${ERASED_TEXT} A post by the customer, erased on request.`), 5000);
    expect(threadText(card.ts)).not.toMatch(/Elm Street|Quixby/);
  });
});
