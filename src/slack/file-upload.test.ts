import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createLogger } from '../logger';
import { FileStore } from '../files/file-store';
import type { Database } from '../db/database';
import { useOutboxHarness, type Harness } from '../../test/support/outbox-harness';
import { SLACK_IDS, UPLOAD_URL_METHOD } from '../../test/support/slack-emulator';
import { raw } from '../../test/support/test-engine';
import { mergeCustomerPosts } from './blocks/thread-messages';
import { UPLOAD_FILE_METHOD, createFileUploader } from './file-upload';
import type { SlackOutbox, SlackOutboxOptions } from './outbox';

// Slack's three-step upload as one outbox item: once, in order, across 429s at every step and crashes.
const setup = useOutboxHarness();
const SUPPORT = SLACK_IDS.support;
/** A real 1×1 PNG. */
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

interface Fixture {
  h: Harness;
  store: FileStore;
  fileId: string;
  cardTs: string;
  /** An outbox whose `call` runs handoff.uploadFile as the app's does. */
  outbox(overrides?: Partial<SlackOutboxOptions>): SlackOutbox;
  enqueue(outbox: SlackOutbox): number;
}

async function fixture(): Promise<Fixture> {
  const h = await setup();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-upload-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const at = new Date().toISOString();
  h.db.run(raw(h.db, sql`INSERT INTO visitors (id, attributes, created_at, last_seen_at) VALUES ('v_1', '{}', ${at}, ${at})`));
  h.db.run(raw(h.db, sql`INSERT INTO conversations (id, visitor_id, state, created_at, updated_at) VALUES ('c_1', 'v_1', 'waiting', ${at}, ${at})`));
  const storeOn = (db: Database) => new FileStore({ db, dir });
  const store = storeOn(h.db);
  const { id: fileId } = await store.save({ conversationId: 'c_1', visitorId: 'v_1', origin: 'customer', name: 'screen shot.png', bytes: PNG });
  const cardTs = (await h.client.chat.postMessage({ channel: SUPPORT, text: 'card' })).ts!;
  const logger = createLogger('silent');
  const apiCall = async (method: string, args: Record<string, unknown>) => (await h.client.apiCall(method, args)) as unknown as Record<string, unknown>;
  return {
    h,
    store,
    fileId,
    cardTs,
    outbox(overrides = {}) {
      // The store on the outbox's own connection (h.db changes when a test reopens it).
      const upload = createFileUploader({ call: apiCall, files: storeOn(h.db), logger });
      return h.make({ call: (method, args) => (method === UPLOAD_FILE_METHOD ? upload(args) : apiCall(method, args)), inFlightGraceMs: 50, ...overrides });
    },
    enqueue(outbox) {
      return outbox.enqueue({ lane: SUPPORT, method: UPLOAD_FILE_METHOD, args: { fileId, channel: SUPPORT, thread_ts: cardTs }, key: `file:${fileId}`, stream: 'conv:c_1' })!;
    },
  };
}

/** The file messages in the card's thread: [Slack file id, its bytes] each. */
function fileReplies(f: Fixture): [string, Buffer | undefined][] {
  return f.h.emulator
    .replies(SUPPORT, f.cardTs)
    .filter((m) => m.files?.length)
    .map((m) => [m.files![0].id as string, f.h.emulator.fileBytes(m.files![0].id)]);
}

const okCalls = (f: Fixture, method: string) => f.h.emulator.callsTo(method).filter((c) => c.ok).length;

describe('handoff.uploadFile', () => {
  it('runs the three steps into the thread and records Slack’s id on the file', async () => {
    const f = await fixture();
    const outbox = f.outbox();
    const id = f.enqueue(outbox);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const [[slackId, bytes]] = fileReplies(f) as [[string, Buffer]];
    expect(bytes).toEqual(PNG);
    expect(f.h.emulator.file(slackId)).toMatchObject({ name: 'screen shot.png', title: 'screen shot.png', state: 'complete' });
    expect(f.store.get(f.fileId)?.slackFileId).toBe(slackId);
    expect(f.h.emulator.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'files.getUploadURLExternal', 'files.completeUploadExternal']);
    expect(f.h.emulator.callsTo('files.completeUploadExternal')[0]!.args).toMatchObject({ channel_id: SUPPORT, thread_ts: f.cardTs });
    expect(outbox.get(id)).toMatchObject({ status: 'sent', attempts: 1 });
  });

  it.each([
    ['files.getUploadURLExternal', { reservations: 1, uploads: [200] }],
    [UPLOAD_URL_METHOD, { reservations: 2, uploads: [429, 200] }],
    ['files.completeUploadExternal', { reservations: 1, uploads: [200] }],
  ])('a 429 at %s: waits for Retry-After and uploads once', async (step, expected) => {
    const f = await fixture();
    f.h.emulator.failNext(step, { status: 429, retryAfter: 1 });
    const outbox = f.outbox();
    f.enqueue(outbox);
    const started = Date.now();
    outbox.start();
    expect(await outbox.drain(10_000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(fileReplies(f)).toHaveLength(1);
    expect(fileReplies(f)[0]![1]).toEqual(PNG);
    expect(okCalls(f, 'files.getUploadURLExternal')).toBe(expected.reservations);
    expect(f.h.emulator.fileTransfers.filter((t) => t.kind === 'upload').map((t) => t.status)).toEqual(expected.uploads);
    expect(okCalls(f, 'files.completeUploadExternal')).toBe(1);
  });

  it('a 429 when it asks Slack about an earlier attempt: asks again, then completes that upload', async () => {
    const f = await fixture();
    f.h.emulator.failNext('files.completeUploadExternal', { status: 429, retryAfter: 1 });
    f.h.emulator.failNext('files.info', { status: 429, retryAfter: 1 });
    const outbox = f.outbox();
    f.enqueue(outbox);
    outbox.start();
    expect(await outbox.drain(15_000)).toBe(true);
    expect(fileReplies(f)).toHaveLength(1);
    expect(okCalls(f, 'files.getUploadURLExternal')).toBe(1);
    expect(f.h.emulator.callsTo('files.info').map((c) => c.status)).toEqual([429, 200]);
  });

  it('a crash after Slack took the completion: the next process finds the share and completes nothing again', async () => {
    const f = await fixture();
    const first = f.outbox();
    f.enqueue(first);
    const held = f.h.emulator.holdNext('files.completeUploadExternal');
    first.start();
    await held.arrived;
    await first.stop({ flushWithinMs: 0 });
    // The process is gone (its database connection with it) while Slack finishes its last call.
    f.h.reopen();
    held.release();
    await f.h.emulator.waitFor(() => fileReplies(f).length === 1, 5_000, 'the completion to land');

    const second = f.outbox();
    second.start();
    expect(await second.drain(5_000)).toBe(true);
    expect(fileReplies(f)).toHaveLength(1);
    expect(f.h.emulator.callsTo('files.completeUploadExternal')).toHaveLength(1);
    expect(okCalls(f, 'files.getUploadURLExternal')).toBe(1);
    expect(f.h.emulator.callsTo('files.info')).toHaveLength(1);
  });

  it('a crash during the upload: the next process starts over, and the lost upload is never shared', async () => {
    const f = await fixture();
    const first = f.outbox();
    f.enqueue(first);
    const held = f.h.emulator.holdNext(UPLOAD_URL_METHOD);
    first.start();
    await held.arrived;
    await first.stop({ flushWithinMs: 0 });
    f.h.reopen();

    const second = f.outbox();
    second.start();
    expect(await second.drain(5_000)).toBe(true);
    // The old process's bytes arrive after all: that upload stays unshared.
    held.release();
    await f.h.emulator.waitFor(() => f.h.emulator.fileTransfers.filter((t) => t.kind === 'upload').length === 2, 5_000, 'the late upload');
    const [[slackId, bytes]] = fileReplies(f) as [[string, Buffer]];
    expect(fileReplies(f)).toHaveLength(1);
    expect(bytes).toEqual(PNG);
    expect(new FileStore({ db: f.h.db, dir: f.store.dir }).get(f.fileId)?.slackFileId).toBe(slackId);
    expect(f.h.emulator.allFiles().map((x) => x.state)).toEqual(['uploaded', 'complete']);
  });

  it('a conversation moved to another thread: its file is uploaded anew there, the first share stays', async () => {
    const f = await fixture();
    const outbox = f.outbox();
    f.enqueue(outbox);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const firstId = f.store.get(f.fileId)!.slackFileId!;
    const movedTo = (await f.h.client.chat.postMessage({ channel: SUPPORT, text: 'card, moved' })).ts!;
    outbox.enqueue({ lane: SUPPORT, method: UPLOAD_FILE_METHOD, args: { fileId: f.fileId, channel: SUPPORT, thread_ts: movedTo }, key: `file:${f.fileId}:moved`, stream: 'conv:c_1' });
    expect(await outbox.drain(5_000)).toBe(true);
    const [moved] = f.h.emulator.replies(SUPPORT, movedTo);
    expect(moved?.files?.[0]).toMatchObject({ name: 'screen shot.png' });
    expect(moved!.files![0].id).not.toBe(firstId);
    expect(fileReplies(f)).toEqual([[firstId, PNG]]);
    expect(f.store.get(f.fileId)?.slackFileId).toBe(moved!.files![0].id);
  });

  it('completed but not shared yet (Slack shares asynchronously): not completed again', async () => {
    const f = await fixture();
    // An earlier attempt completed the upload; Slack has not shared it anywhere yet.
    const reserved = (await f.h.client.files.getUploadURLExternal({ filename: 'screen shot.png', length: PNG.length })) as unknown as { upload_url: string; file_id: string };
    await fetch(reserved.upload_url, { method: 'POST', body: new Uint8Array(PNG) });
    await f.h.client.files.completeUploadExternal({ files: [{ id: reserved.file_id }] });
    f.store.setSlackFileId(f.fileId, reserved.file_id);
    const outbox = f.outbox();
    const id = f.enqueue(outbox);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(outbox.get(id)).toMatchObject({ status: 'sent', result: { recovered: 'sharing' } });
    expect(f.h.emulator.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('a file removed before its turn (retention) is skipped', async () => {
    const f = await fixture();
    await f.store.markDeleted(f.fileId);
    const outbox = f.outbox();
    const id = f.enqueue(outbox);
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    expect(outbox.get(id)).toMatchObject({ status: 'sent', result: { skipped: 'file_removed' } });
    expect(f.h.emulator.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('waiting customer posts never merge across a file: text, its file, then the next texts', async () => {
    const f = await fixture();
    const outbox = f.outbox({ coalesce: (head, next) => mergeCustomerPosts(head.args, next.map((n) => n.args)) });
    const text = (t: string) => ({
      lane: SUPPORT,
      method: 'chat.postMessage',
      args: { channel: SUPPORT, thread_ts: f.cardTs, text: t, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: t } }] },
      stream: 'conv:c_1',
      merge: 'append' as const,
    });
    outbox.enqueue(text('before'));
    outbox.enqueue(text('with a file'));
    f.enqueue(outbox);
    outbox.enqueue(text('after 1'));
    outbox.enqueue(text('after 2'));
    outbox.start();
    expect(await outbox.drain(5_000)).toBe(true);
    const thread = f.h.emulator.replies(SUPPORT, f.cardTs).map((m) => (m.files?.length ? `file ${m.files[0].name}` : m.text));
    expect(thread).toEqual(['before\nwith a file', 'file screen shot.png', 'after 1\nafter 2']);
  });
});
