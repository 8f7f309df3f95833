/**
 * Files between the widget and Slack, end to end: the real app, the Slack emulation (Slack's upload
 * flow, url_private with the bot token) and a widget socket. A customer's file goes into the thread
 * under their message, once and in order (across a restart mid-upload); an agent's file comes back
 * to the widget as a signed link; notes keep theirs in Slack; a file deleted in Slack leaves the
 * widget; an agent's file over the limit is refused with a word to the agent only.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from './support/slack-emulator';
import { FAST_OUTBOX, startSlackStack, type SlackStack } from './support/slack-stack';
import type { WidgetClient } from './support/widget-client';

const C = SLACK_IDS.support;
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');

let s: SlackStack;
let filesDir: string;
afterEach(async () => {
  await s?.close();
  fs.rmSync(filesDir, { recursive: true, force: true });
});

async function start(env: Record<string, string> = {}): Promise<SlackStack> {
  filesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-files-slack-'));
  // A call held in Slack does not hold a stopping app for long.
  s = await startSlackStack({ FILES_DIR: filesDir, ...env }, { app: { slackOutbox: { ...FAST_OUTBOX, inFlightGraceMs: 100 } } });
  return s;
}

/** A customer who asked for a person, with the card of their conversation. */
async function escalated(): Promise<{ w: WidgetClient; token: string; conversationId: string; cardTs: string }> {
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Jane Doe' } });
  w.send({ type: 'request_human' });
  await w.next('state', (f) => f.state === 'waiting');
  const card = await s.card(welcome.conversationId);
  return { w, token: welcome.token, conversationId: welcome.conversationId, cardTs: card.ts };
}

async function claimedByAda(): Promise<Awaited<ReturnType<typeof escalated>>> {
  const c = await escalated();
  await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: s.emulator.message(C, c.cardTs)!, channel: C });
  await c.w.next('state', (f) => f.state === 'human');
  return c;
}

/** POST /api/widget/files as the widget does: multipart, one part `file`, the visitor's token in the header. */
async function upload(token: string, name: string, bytes: Buffer, type: string): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type }), name);
  const res = await fetch(`${s.t.url}/api/widget/files`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { id: string };
  expect(res.status).toBe(201);
  return body.id;
}

/** A signed link (on PUBLIC_URL) fetched from the test server. */
const onServer = (url: string) => {
  const u = new URL(url);
  return `${s.t.url}${u.pathname}${u.search}`;
};

/** The card's thread as lines: customer texts, and `file <name>` for each file shared. */
function threadLines(cardTs: string): string[] {
  return s.emulator.replies(C, cardTs).map((m) => (m.files?.length ? `file ${m.files.map((f: { name: string }) => f.name).join(',')}` : m.text));
}

describe('customer files into the thread', () => {
  it('an image goes under its message, once, before the next message — across a restart mid-upload', async () => {
    await start();
    const { w, token, cardTs } = await escalated();
    const fileId = await upload(token, 'error.png', PNG, 'image/png');
    const completion = s.emulator.holdNext('files.completeUploadExternal');
    w.send({ type: 'message', clientId: 'c1', text: 'Here is the error', files: [fileId] });
    await w.next('ack', (a) => a.clientId === 'c1');
    await completion.arrived;
    w.send({ type: 'message', clientId: 'c2', text: 'It happens every time' });
    await w.next('ack', (a) => a.clientId === 'c2');

    // The app stops while Slack is completing the upload; Slack finishes it after the app is gone.
    await s.t.stop();
    completion.release();
    await s.emulator.waitFor(() => threadLines(cardTs).includes('file error.png'), 5_000, 'the completion to land');
    await s.restart();

    await s.emulator.waitFor(() => threadLines(cardTs).includes('It happens every time'), 10_000, 'the next message');
    const lines = threadLines(cardTs).filter((l) => l !== 'Conversation so far' && !l.startsWith('Conversation so far'));
    const at = (l: string) => lines.indexOf(l);
    expect(lines.filter((l) => l === 'file error.png')).toHaveLength(1);
    expect(at('Here is the error')).toBeGreaterThanOrEqual(0);
    expect(at('Here is the error')).toBeLessThan(at('file error.png'));
    expect(at('file error.png')).toBeLessThan(at('It happens every time'));
    const shared = s.emulator.replies(C, cardTs).find((m) => m.files?.length)!;
    expect(s.emulator.fileBytes(shared.files![0].id)).toEqual(PNG);
    expect(s.emulator.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(s.t.app.files.get(fileId)?.slackFileId).toBe(shared.files![0].id);
  }, 40_000);

  it('a message of files only reads "📎 sent …" in the thread, its files under it in order', async () => {
    await start();
    const { w, token, cardTs } = await escalated();
    const a = await upload(token, 'one.png', PNG, 'image/png');
    const b = await upload(token, 'two.pdf', PDF, 'application/pdf');
    w.send({ type: 'message', clientId: 'f1', text: '', files: [a, b] });
    await w.next('ack');
    await s.emulator.waitFor(() => threadLines(cardTs).includes('file two.pdf'), 5_000, 'both files');
    const lines = threadLines(cardTs);
    const line = lines.findIndex((l) => l.startsWith('📎 sent 2 files: one.png, two.pdf'));
    expect(line).toBeGreaterThanOrEqual(0);
    expect(lines.slice(line + 1, line + 3)).toEqual(['file one.png', 'file two.pdf']);
  });

  it('files sent to the AI before the handoff follow the transcript into the new thread', async () => {
    await start();
    const w = await s.widget();
    const welcome = await w.hello({ visitor: { name: 'Jane Doe' } });
    const fileId = await upload(welcome.token, 'before.png', PNG, 'image/png');
    w.send({ type: 'message', clientId: 'b1', text: 'What is this error?', files: [fileId] });
    await w.next('ack');
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'waiting');
    const card = await s.card(welcome.conversationId);
    await s.emulator.waitFor(() => threadLines(card.ts).includes('file before.png'), 5_000, 'the file in the new thread');
    const replies = s.emulator.replies(C, card.ts);
    const transcript = replies.findIndex((m) => JSON.stringify(m.blocks ?? []).includes('What is this error?'));
    expect(transcript).toBeGreaterThanOrEqual(0);
    expect(transcript).toBeLessThan(replies.findIndex((m) => m.files?.length));
  });
});

describe('agent files to the widget', () => {
  it("the owner's PDF reaches the widget as a signed link to the same bytes, fetched with the bot token", async () => {
    await start();
    const { w, cardTs } = await claimedByAda();
    const { message } = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'invoice.pdf', bytes: PDF, mimetype: 'application/pdf' }], { thread_ts: cardTs, text: 'Here is your invoice' });
    await s.driver.deliverMessage(message);
    const frame = await w.next('message', (m) => m.role === 'agent' && !!m.files?.length);
    expect(frame.text).toBe('Here is your invoice');
    expect(frame.files).toEqual([expect.objectContaining({ name: 'invoice.pdf', mime: 'application/pdf', size: PDF.length })]);
    const url = frame.files![0]!.url;
    expect(url).toMatch(/\/files\/f_[^/]+\/invoice\.pdf\?exp=\d+&sig=/);
    expect(url).not.toContain(s.emulator.baseUrl);
    const res = await fetch(onServer(url));
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await res.arrayBuffer())).toEqual(PDF);
    expect(s.emulator.fileTransfers).toEqual([expect.objectContaining({ kind: 'download', status: 200, token: DEFAULT_BOT_TOKEN, bytes: PDF.length })]);
  });

  it('a note with a file, and another agent’s file, stay in Slack: never fetched, never shown', async () => {
    await start();
    const { w, cardTs } = await claimedByAda();
    const note = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'internal.png', bytes: PNG }], { thread_ts: cardTs, text: ';; the customer’s account page' });
    await s.driver.deliverMessage(note.message);
    const other = s.emulator.postFileAsUser(SLACK_IDS.grace, C, [{ name: 'grace.png', bytes: PNG }], { thread_ts: cardTs });
    await s.driver.deliverMessage(other.message);
    await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => e.text.includes('internal notes'));
    await s.emulator.waitForEphemeral(SLACK_IDS.grace, (e) => e.text.includes('owns this conversation'));
    // A reply after them arrives, and nothing before it did.
    await s.driver.userReply(SLACK_IDS.ada, C, cardTs, 'Looking into it');
    const next = await w.next('message', (m) => m.role === 'agent' && m.text === 'Looking into it');
    expect(w.frames('message').filter((m) => m.files?.length)).toEqual([]);
    expect(next.files).toBeUndefined();
    expect(s.emulator.fileTransfers).toEqual([]);
  });

  it('a file deleted in Slack leaves the widget: the message without it, or the message gone', async () => {
    await start();
    const { w, cardTs } = await claimedByAda();
    const withText = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'invoice.pdf', bytes: PDF }], { thread_ts: cardTs, text: 'Your invoice' });
    await s.driver.deliverMessage(withText.message);
    const first = await w.next('message', (m) => m.text === 'Your invoice');
    const alone = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'receipt.png', bytes: PNG }], { thread_ts: cardTs });
    await s.driver.deliverMessage(alone.message);
    const second = await w.next('message', (m) => m.files?.[0]?.name === 'receipt.png');
    expect(second.text).toBe('');

    for (const ev of s.emulator.deleteFileAsUser(SLACK_IDS.ada, withText.files[0]!.id)) await s.driver.event(ev);
    const updated = await w.next('message_updated', (f) => f.id === first.id);
    expect(updated).toMatchObject({ text: 'Your invoice', files: [] });
    expect((await fetch(onServer(first.files![0]!.url))).status).toBe(404);

    for (const ev of s.emulator.deleteFileAsUser(SLACK_IDS.ada, alone.files[0]!.id)) await s.driver.event(ev);
    await w.next('message_deleted', (f) => f.id === second.id);
    expect(w.frames('message_updated').map((f) => f.id)).toEqual([first.id]);
    expect((await fetch(onServer(second.files![0]!.url))).status).toBe(404);
  });

  it('a file over MAX_UPLOAD_MB is refused with a word to the agent only; the customer gets the text', async () => {
    await start({ MAX_UPLOAD_MB: '1' });
    const { w, cardTs } = await claimedByAda();
    const big = Buffer.concat([PNG, Buffer.alloc(1536 * 1024, 1)]);
    const { message } = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'huge.png', bytes: big }], { thread_ts: cardTs, text: 'See the screenshot' });
    await s.driver.deliverMessage(message);
    const told = await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => e.text.includes('huge.png'));
    expect(told.text).toContain('huge.png (1.5 MB) is over the 1 MB limit for files sent to customers');
    expect(told.text).toContain('The customer got the rest of your message without it.');
    expect(told.thread_ts).toBe(cardTs);
    const frame = await w.next('message', (m) => m.text === 'See the screenshot');
    expect(frame.files).toBeUndefined();
    expect(s.emulator.fileTransfers).toEqual([]);

    // A file of a type customers are not sent (an HTML page named like an image) alone: nothing goes.
    const page = s.emulator.postFileAsUser(SLACK_IDS.ada, C, [{ name: 'photo.png', bytes: '<html><script>alert(1)</script></html>' }], { thread_ts: cardTs });
    await s.driver.deliverMessage(page.message);
    const refused = await s.emulator.waitForEphemeral(SLACK_IDS.ada, (e) => e.text.includes('photo.png'));
    expect(refused.text).toContain('Nothing was sent to the customer.');
    await s.driver.userReply(SLACK_IDS.ada, C, cardTs, 'done');
    await w.next('message', (m) => m.text === 'done');
    expect(w.frames('message').filter((m) => m.role === 'agent' && m.files?.length)).toEqual([]);
  });
});
