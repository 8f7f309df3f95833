import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalPeerHub } from '../src/cluster/local-peer-hub';
import { FILES_ONLY_REPLY } from '../src/core/conversation/customer-turn';
import type { ServerFrame, WireFile } from '../src/gateway/protocol';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import * as f from './support/file-fixtures';
import { getFile, onServer, uploadFile } from './support/file-upload';
import { startSmtpSink } from './support/smtp-sink';
import { WidgetClient } from './support/widget-client';

/** Files on messages, end to end on the real app: the message frame, its links, retention, email. */
const apps: TestApp[] = [];
const sockets: WidgetClient[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const w of sockets.splice(0)) {
    w.close();
    // A socket still closing as its server stops holds the stop for its 5 s grace.
    await w.waitClosed();
  }
  for (const t of apps.splice(0).reverse()) await t.stop();
  for (const c of cleanups.splice(0)) await c();
});

async function app(...args: Parameters<typeof startTestApp>): Promise<TestApp> {
  const t = await startTestApp(...args);
  apps.push(t);
  if (!args[1]?.dir) cleanups.push(async () => removeDir(t.dir));
  return t;
}

async function customer(t: TestApp, hello: Parameters<WidgetClient['hello']>[0] = {}) {
  const w = await WidgetClient.connect(t.url);
  sockets.push(w);
  const welcome = await w.hello(hello);
  const upload = async (name: string, bytes: Buffer) => {
    const answer = await uploadFile(t.url, welcome.token, { name, bytes });
    expect(answer.status).toBe(201);
    return answer.body as { id: string; name: string; mime: string; size: number };
  };
  return { w, welcome, upload };
}

type MessageFrame = Extract<ServerFrame, { type: 'message' }>;

/** A message frame received at any time (the echo of a customer's message may come before or after its ack). */
async function received(w: WidgetClient, where: (m: MessageFrame) => boolean, timeoutMs = 5000): Promise<MessageFrame> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = w.frames('message').find(where);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such message frame; received: ${JSON.stringify(w.all)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Fetches every file of a frame from `t` and checks its bytes. */
async function expectServed(t: TestApp, files: WireFile[], bytes: Buffer[]) {
  for (const [i, file] of files.entries()) {
    const res = await getFile(onServer(file.url, t.url));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(bytes[i]);
  }
}

describe('a message with files', () => {
  it('is acked, echoed with its files and signed links, replayed with fresh ones, and the AI says it cannot open them', async () => {
    const t = await app();
    const { w, welcome, upload } = await customer(t);
    const shot = await upload('error.png', f.png());
    const log = await upload('export.csv', f.csv());
    w.send({ type: 'message', clientId: 'c-1', text: '', files: [shot.id, log.id] });
    const ack = await w.next('ack');
    const echo = await received(w, (m) => m.clientId === 'c-1');
    expect(echo).toMatchObject({ id: ack.id, seq: ack.seq, role: 'customer', text: '' });
    expect(echo.files).toEqual([
      { ...shot, url: expect.stringMatching(new RegExp(`^${t.app.config.publicUrl}/files/${shot.id}/error\\.png\\?exp=\\d+&sig=`)) },
      { ...log, url: expect.stringContaining(`/files/${log.id}/export.csv?exp=`) },
    ]);
    const exp = Number(new URL(echo.files![0]!.url).searchParams.get('exp'));
    expect(exp * 1000 - Date.now()).toBeGreaterThan(3500_000);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(3600_000);
    await expectServed(t, echo.files!, [f.png(), f.csv()]);
    expect(t.app.files.get(shot.id)?.messageId).toBe(ack.id);
    await received(w, (m) => m.role === 'ai' && m.text === FILES_ONLY_REPLY);

    const again = await WidgetClient.connect(t.url);
    sockets.push(again);
    await again.hello({ token: welcome.token });
    const replayed = await again.next('message', (m) => m.id === ack.id);
    expect(replayed.files?.map((file) => file.id)).toEqual([shot.id, log.id]);
    await expectServed(t, replayed.files!, [f.png(), f.csv()]);
  });

  it('is stored once for a repeated clientId, acked again with the same id and seq', async () => {
    const t = await app();
    const { w, welcome, upload } = await customer(t);
    const pdf = await upload('invoice.pdf', f.pdf());
    const frame = { type: 'message', clientId: 'twice', text: 'Here is the invoice', files: [pdf.id] } as const;
    w.send(frame);
    const first = await w.next('ack');
    w.send(frame);
    const second = await w.next('ack');
    expect(second).toEqual(first);
    const stored = t.app.core.replay(welcome.conversationId, 0).filter((m) => m.clientId === 'twice');
    expect(stored).toHaveLength(1);
    expect(stored[0]!.files).toEqual([pdf]);
    // Even once the file is gone, the same clientId is still that stored message.
    await t.app.files.markDeleted(pdf.id);
    w.send(frame);
    expect(await w.next('ack')).toEqual(first);
  });

  it("refuses another visitor's upload, and an upload already on another message; nothing is stored", async () => {
    const t = await app();
    const jane = await customer(t);
    const mallory = await customer(t);
    const janes = await jane.upload('passport.png', f.png());
    mallory.w.send({ type: 'message', clientId: 'steal', text: 'look', files: [janes.id] });
    const refused = await mallory.w.next('error');
    expect(refused).toMatchObject({ code: 'bad_frame', clientId: 'steal', message: expect.stringContaining('file') });
    expect(t.app.core.replay(mallory.welcome.conversationId, 0).some((m) => m.clientId === 'steal')).toBe(false);
    expect(t.app.files.get(janes.id)?.messageId).toBeNull();

    jane.w.send({ type: 'message', clientId: 'one', text: 'first', files: [janes.id] });
    await jane.w.next('ack');
    jane.w.send({ type: 'message', clientId: 'two', text: 'second', files: [janes.id] });
    expect(await jane.w.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'two' });
    jane.w.send({ type: 'message', clientId: 'three', text: 'the same file twice', files: [janes.id, janes.id] });
    expect(await jane.w.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'three' });
    expect(t.app.core.replay(jane.welcome.conversationId, 0).filter((m) => m.role === 'customer').map((m) => m.clientId)).toEqual(['one']);

    jane.w.send({ type: 'message', clientId: 'empty', text: '' });
    expect(await jane.w.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'empty' });
    jane.w.send({ type: 'message', clientId: 'many', text: 'x', files: Array.from({ length: 11 }, () => janes.id) });
    expect(await jane.w.next('error')).toMatchObject({ code: 'bad_frame', clientId: 'many' });
  });

  it('loses a removed file: the widget is told, its link is 404, and later frames leave it out', async () => {
    const t = await app();
    const { w, welcome, upload } = await customer(t);
    const a = await upload('a.png', f.png());
    const b = await upload('b.pdf', f.pdf());
    w.send({ type: 'message', clientId: 'both', text: 'two files', files: [a.id, b.id] });
    const ack = await w.next('ack');
    const echo = await received(w, (m) => m.id === ack.id);

    const updated = await t.app.log.removeFile(a.id);
    expect(updated?.files).toEqual([b]);
    const frame = await w.next('message_updated');
    expect(frame).toMatchObject({ id: ack.id, seq: ack.seq, text: 'two files', files: [{ ...b, url: expect.stringContaining(b.id) }] });
    expect((await getFile(onServer(echo.files![0]!.url, t.url))).status).toBe(404);
    expect(fs.existsSync(t.app.files.pathOf(a.id))).toBe(false);

    const again = await WidgetClient.connect(t.url);
    sockets.push(again);
    await again.hello({ token: welcome.token });
    expect((await again.next('message', (m) => m.id === ack.id)).files?.map((file) => file.id)).toEqual([b.id]);
  });
});

describe('the history cache', () => {
  it("counts a message's files in its byte budget", async () => {
    const t = await app();
    const plain = await customer(t);
    const withFiles = await customer(t);
    const long = 'x'.repeat(140);
    const a = await withFiles.upload(`${long}.png`, f.png());
    const b = await withFiles.upload(`${long}.pdf`, f.pdf());
    plain.w.send({ type: 'message', clientId: 'same', text: 'same text' });
    withFiles.w.send({ type: 'message', clientId: 'same', text: 'same text', files: [a.id, b.id] });
    await plain.w.next('ack');
    await withFiles.w.next('ack');
    // Both turns done (the AI's answers are in both histories, not in one only).
    await t.app.core.idle();
    // The cost of each conversation's cached history: what forgetting it frees.
    const cost = (conversationId: string) => {
      t.app.log.recent(conversationId);
      const before = t.app.log.cachedHistoryBytes;
      t.app.log.forget(conversationId);
      return before - t.app.log.cachedHistoryBytes;
    };
    const withoutFiles = cost(plain.welcome.conversationId);
    expect(cost(withFiles.welcome.conversationId) - withoutFiles).toBeGreaterThanOrEqual(2 * 2 * (long.length + 4));
  });
});

describe('several instances', () => {
  it('sends the files to the visitor on every instance, and any instance serves them', async () => {
    const hub = createLocalPeerHub();
    cleanups.push(() => hub.close());
    const a = await app({}, { peers: hub });
    const b = await app({}, { dir: a.dir, peers: hub });
    const onA = await customer(a);
    const onB = await customer(b, { token: onA.welcome.token });
    const shot = await onA.upload('screen.png', f.png());
    onA.w.send({ type: 'message', clientId: 'x', text: 'see attached', files: [shot.id] });
    const ack = await onA.w.next('ack');
    const relayed: MessageFrame = await onB.w.next('message', (m) => m.id === ack.id, 10_000);
    expect(relayed.files).toEqual([{ ...shot, url: expect.stringContaining(`/files/${shot.id}/`) }]);
    await expectServed(b, relayed.files!, [f.png()]);
    await expectServed(a, relayed.files!, [f.png()]);
  });
});

describe('retention', () => {
  it('removes uploads never sent a day on, in the maintenance job; sent files stay', async () => {
    let now = Date.now();
    const t = await app({}, { clock: { now: () => new Date(now) } });
    const { w, upload } = await customer(t);
    const sent = await upload('sent.png', f.png());
    const forgotten = await upload('forgotten.png', f.png());
    w.send({ type: 'message', clientId: 'kept', text: 'this one', files: [sent.id] });
    await w.next('ack');

    now += 23 * 3600_000;
    await t.app.jobs.run('maintenance');
    expect(t.app.files.get(forgotten.id)).toBeDefined();
    now += 2 * 3600_000;
    const run = await t.app.jobs.run('maintenance');
    expect(run).toMatchObject({ status: 'done' });
    expect(t.app.files.get(forgotten.id)).toBeUndefined();
    expect(fs.existsSync(t.app.files.pathOf(forgotten.id))).toBe(false);
    expect(t.app.files.get(sent.id)?.messageId).toBeTruthy();
    expect(fs.existsSync(t.app.files.pathOf(sent.id))).toBe(true);
  });
});

describe('offline email', () => {
  it("lists the reply's files by name and size, with links that work for a week (text and HTML)", async () => {
    const smtp = await startSmtpSink();
    cleanups.push(() => smtp.close());
    const t = await app({ SMTP_URL: smtp.url, OFFLINE_EMAIL_DELAY_S: '0' });
    const { w, welcome } = await customer(t, { visitor: { email: 'jane@example.com' } });
    w.close(); // gone before the agent answers
    const id = welcome.conversationId;
    const invoice = await t.app.files.save({ conversationId: id, visitorId: null, origin: 'agent', name: 'Invoice 42.pdf', bytes: f.pdf() });
    const chart = await t.app.files.save({ conversationId: id, visitorId: null, origin: 'agent', name: 'chart.png', bytes: f.bigPng(2048) });
    await t.app.log.appendDurably(id, { role: 'agent', text: 'Here is your corrected invoice.', agent: { name: 'Ada' }, files: [invoice, chart] });

    await t.app.jobs.run('offline-email');
    const deadline = Date.now() + 10_000;
    while (smtp.mails.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const mail = smtp.mails[0]!;
    expect(mail.decoded).toContain('Here is your corrected invoice.');
    expect(mail.decoded).toMatch(/Invoice 42\.pdf \(\d+ bytes\): http:\/\/\S+\/files\/f_\S+\/Invoice%2042\.pdf\?exp=\d+&sig=\S+/);
    expect(mail.decoded).toContain('chart.png (2 KB)');
    const link = /(http:\/\/\S+\/files\/\S+\/Invoice%2042\.pdf\?exp=\d+&sig=[A-Za-z0-9_-]+)/.exec(mail.decoded)![1]!;
    const exp = Number(new URL(link).searchParams.get('exp'));
    expect(exp * 1000 - Date.now()).toBeGreaterThan(6.9 * 86_400_000);
    const res = await getFile(onServer(link, t.url));
    expect(res.status).toBe(200);
    expect(res.body).toEqual(f.pdf());
    // The HTML part links each file by its name.
    expect(mail.decoded).toMatch(/<a href="http:\/\/\S+\/files\/[^"]+\/chart\.png\?exp=\d+&amp;sig=[^"]+">chart\.png/);
  });
});
