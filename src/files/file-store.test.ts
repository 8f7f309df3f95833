import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { sql } from 'kysely';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Database } from '../db/database';
import { createMessageRepository } from '../db/message-repository';
import * as f from '../../test/support/file-fixtures';
import { openTestDatabase, raw } from '../../test/support/test-engine';
import { cleanFileName, FileRefusedError, FileStore, MAX_NAME_CHARS } from './file-store';

const HOUR = 3600_000;
let now = Date.parse('2026-03-02T12:00:00Z');

function setup(): { db: Database; store: FileStore; dir: string } {
  const db = openTestDatabase();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-files-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const c of ['c1', 'c2']) {
    const at = new Date(now).toISOString();
    db.run(raw(db, sql`INSERT INTO visitors (id, attributes, created_at, last_seen_at) VALUES (${`v_${c}`}, '{}', ${at}, ${at})`));
    db.run(raw(db, sql`INSERT INTO conversations (id, visitor_id, state, created_at, updated_at) VALUES (${c}, ${`v_${c}`}, 'ai', ${at}, ${at})`));
  }
  return { db, dir, store: new FileStore({ db, dir, now: () => new Date(now) }) };
}

/** Every file under the store's directory, relative to it. */
const onDisk = (dir: string) =>
  (fs.readdirSync(dir, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(dir, p)).isFile()).sort();

const customer = (conversationId = 'c1') => ({ conversationId, visitorId: `v_${conversationId}`, origin: 'customer' as const });

function message(db: Database, id: string, files: { id: string; name: string; mime: string; size: number }[]) {
  createMessageRepository(db).insert({
    id, conversationId: 'c1', seq: Number(id.slice(1)), role: 'customer', text: '', clientId: id, agent: null, confidence: null,
    createdAt: new Date(now).toISOString(), editedAt: null, deletedAt: null, files,
  });
}

describe('FileStore', () => {
  it('stores what the bytes are, under a clean name, with their hash; nothing left in tmp', async () => {
    const { db, store, dir } = setup();
    const bytes = f.png();
    const ref = await store.save({ ...customer(), name: 'C:\\Users\\jane\\screenshot.exe', bytes });
    expect(ref).toEqual({ id: expect.stringMatching(/^f_/), name: 'screenshot.exe', mime: 'image/png', size: bytes.length });
    expect(fs.readFileSync(store.pathOf(ref.id))).toEqual(bytes);
    expect(await store.readBytes(ref.id)).toEqual(bytes);
    expect(onDisk(dir)).toEqual([path.relative(dir, store.pathOf(ref.id))]);
    expect(store.get(ref.id)).toMatchObject({
      conversationId: 'c1', visitorId: 'v_c1', origin: 'customer', messageId: null, deletedAt: null,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    });
    expect(db.all(db.q.selectFrom('files').select('id'))).toEqual([{ id: ref.id }]);
  });

  it('refuses a type by its content and keeps nothing, whatever the name says', async () => {
    const { db, store, dir } = setup();
    await expect(store.save({ ...customer(), name: 'cat.png', bytes: f.html() })).rejects.toMatchObject({ code: 'unsupported_type' });
    await expect(store.saveStream({ ...customer(), name: 'logo.png', stream: Readable.from([f.svgWithScript()]) })).rejects.toBeInstanceOf(FileRefusedError);
    expect(onDisk(dir)).toEqual([]);
    expect(db.all(db.q.selectFrom('files').selectAll())).toEqual([]);
  });

  it('refuses a stream past maxBytes, or cut off by its source, and keeps nothing', async () => {
    const { store, dir } = setup();
    const big = f.bigPng(50_000);
    const chunks = Array.from({ length: 10 }, (_, i) => big.subarray(i * 5000, (i + 1) * 5000));
    await expect(store.saveStream({ ...customer(), name: 'big.png', stream: Readable.from(chunks), maxBytes: 20_000 })).rejects.toMatchObject({ code: 'too_large' });
    await expect(store.saveStream({ ...customer(), name: 'cut.png', stream: Readable.from([f.png()]), truncated: () => true })).rejects.toMatchObject({ code: 'too_large' });
    expect(onDisk(dir)).toEqual([]);
    // Within the limit it is stored, size and hash counted as it streamed.
    const ref = await store.saveStream({ ...customer(), name: 'big.png', stream: Readable.from(chunks), maxBytes: 50_000 });
    expect(ref.size).toBe(big.length);
    expect(store.get(ref.id)?.sha256).toBe(createHash('sha256').update(big).digest('hex'));
  });

  it('gives a conversation only its own files, and attaches each file to one message', async () => {
    const { store } = setup();
    const a = await store.save({ ...customer(), name: 'a.pdf', bytes: f.pdf() });
    const b = await store.save({ ...customer(), name: 'b.txt', bytes: f.text() });
    const other = await store.save({ ...customer('c2'), name: 'theirs.png', bytes: f.png() });
    expect(store.refs('c1', [b.id, a.id])).toEqual([b, a]);
    expect(store.refs('c1', [a.id, other.id])).toBeNull();
    expect(store.refs('c1', ['f_unknownunknown'])).toBeNull();
    expect(store.attach([a.id, b.id], 'm1')).toBe(2);
    expect(store.attach([a.id], 'm2')).toBe(0);
    expect(store.get(a.id)?.messageId).toBe('m1');
  });

  it('removes a file: bytes gone, marked deleted, left out of its message; once', async () => {
    const { db, store } = setup();
    const a = await store.save({ ...customer(), name: 'a.png', bytes: f.png() });
    const b = await store.save({ ...customer(), name: 'b.pdf', bytes: f.pdf() });
    message(db, 'm1', [a, b]);
    store.attach([a.id, b.id], 'm1');
    expect(await store.markDeleted(a.id)).toEqual({ conversationId: 'c1', messageId: 'm1' });
    expect(fs.existsSync(store.pathOf(a.id))).toBe(false);
    expect(store.get(a.id)?.deletedAt).toBe(new Date(now).toISOString());
    expect(createMessageRepository(db).get('m1')?.files).toEqual([b]);
    expect(store.refs('c1', [a.id])).toBeNull();
    await expect(store.readBytes(a.id)).rejects.toThrow();
    expect(await store.markDeleted(a.id)).toBeNull();
  });

  it('deletes every file of a conversation, rows and bytes, and no other', async () => {
    const { db, store, dir } = setup();
    await store.save({ ...customer(), name: 'a.png', bytes: f.png() });
    await store.save({ ...customer(), name: 'b.csv', bytes: f.csv() });
    const kept = await store.save({ ...customer('c2'), name: 'c.docx', bytes: f.docx() });
    expect(await store.deleteConversation('c1')).toBe(2);
    expect(db.all(db.q.selectFrom('files').select('id'))).toEqual([{ id: kept.id }]);
    expect(onDisk(dir)).toEqual([path.relative(dir, store.pathOf(kept.id))]);
  });

  it('prunes uploads never sent, then temp files and bytes a crash left without a row', async () => {
    const { db, store, dir } = setup();
    now -= 30 * HOUR;
    const old = await store.save({ ...customer(), name: 'never-sent.png', bytes: f.png() });
    const sent = await store.save({ ...customer(), name: 'sent.png', bytes: f.png() });
    store.attach([sent.id], 'm1');
    now += 30 * HOUR;
    const fresh = await store.save({ ...customer(), name: 'just-now.png', bytes: f.png() });
    // What a killed process leaves: a half-written temp file, bytes renamed into place but no row.
    const stale = (file: string) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, 'partial');
      const t = new Date(Date.now() - 2 * HOUR);
      fs.utimesSync(file, t, t);
    };
    stale(path.join(dir, 'tmp', 'dead.part'));
    stale(store.pathOf('f_rowlessrowlessrowless'));
    fs.writeFileSync(path.join(dir, 'tmp', 'in-flight.part'), 'another instance is writing this');

    const removed = await store.pruneOrphans(new Date(now - 24 * HOUR).toISOString());
    expect(removed).toBe(3);
    expect(db.all(db.q.selectFrom('files').select('id').orderBy('created_at'))).toEqual([{ id: sent.id }, { id: fresh.id }]);
    expect(onDisk(dir)).toEqual([path.relative(dir, store.pathOf(sent.id)), path.relative(dir, store.pathOf(fresh.id)), path.join('tmp', 'in-flight.part')].sort());
    expect(fs.existsSync(store.pathOf(old.id))).toBe(false);
  });
});

describe('cleanFileName', () => {
  it.each([
    ['../../etc/passwd', 'passwd'],
    ['C:\\Windows\\evil.exe', 'evil.exe'],
    ['report\u202Efdp.exe', 'reportfdp.exe'],
    ['line\r\nbreak\t.txt', 'linebreak.txt'],
    ['  spaced   out  .pdf ', 'spaced out .pdf'],
    ['.hidden', 'hidden'],
    ['', 'file'],
    ['///', 'file'],
  ])('%j → %j', (raw, clean) => {
    expect(cleanFileName(raw)).toBe(clean);
  });

  it('cuts a long name to the cap, keeping its extension', () => {
    const clean = cleanFileName(`${'é'.repeat(400)}.docx`);
    expect([...clean].length).toBe(MAX_NAME_CHARS);
    expect(clean.endsWith('é.docx')).toBe(true);
  });
});
