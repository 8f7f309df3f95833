import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFileUrls } from '../src/files/signed-urls';
import { createSettingsRepository } from '../src/db/settings-repository';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import * as f from './support/file-fixtures';
import { getFile, onServer, uploadFile } from './support/file-upload';
import { WidgetClient } from './support/widget-client';

/**
 * POST /api/widget/files and the signed links, over real HTTP against the real app: real files on
 * disk, the type read from the bytes, limits enforced as the bytes stream in.
 */
let t: TestApp;
const sockets: WidgetClient[] = [];
const MB = 1024 * 1024;

beforeAll(async () => {
  t = await startTestApp({ MAX_UPLOAD_MB: '1' });
});
afterAll(async () => {
  for (const w of sockets) {
    w.close();
    await w.waitClosed();
  }
  await t.stop();
  removeDir(t.dir);
});

/** A new visitor: its token and conversation. */
async function visitor(): Promise<{ token: string; conversationId: string }> {
  const w = await WidgetClient.connect(t.url);
  sockets.push(w);
  const welcome = await w.hello();
  return { token: welcome.token, conversationId: welcome.conversationId };
}

const filesDir = () => path.join(t.dir, 'files');
/** The byte files kept (temp files included), relative to FILES_DIR. */
const onDisk = () =>
  fs.existsSync(filesDir())
    ? (fs.readdirSync(filesDir(), { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(filesDir(), p)).isFile())
    : [];
const rowsOf = (conversationId: string) => t.app.db.all(t.app.db.q.selectFrom('files').selectAll().where('conversation_id', '=', conversationId));

describe('POST /api/widget/files', () => {
  it.each([
    ['a PNG named .exe', 'screenshot.exe', f.png(), 'image/png'],
    ['a Word document named .bin', 'contract.bin', f.docx(), 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'],
    ['a PDF without an extension', 'invoice', f.pdf(), 'application/pdf'],
    ['a CSV named .png', 'export.png', f.csv(), 'text/csv'],
  ])('accepts %s as what its bytes are', async (_what, name, bytes, mime) => {
    const v = await visitor();
    const answer = await uploadFile(t.url, v.token, { name, bytes, type: 'image/png' });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.stringMatching(/^f_/), name, mime, size: bytes.length });
    expect(rowsOf(v.conversationId)).toMatchObject([{ id: answer.body.id, visitor_id: expect.stringMatching(/^v_/), origin: 'customer', message_id: null }]);
    expect(fs.readFileSync(t.app.files.pathOf(answer.body.id!))).toEqual(bytes);
  });

  it.each([
    ['an HTML page named .png', 'cat.png', f.html()],
    ['an SVG with a script', 'logo.svg', f.svgWithScript()],
    ['a Windows executable', 'setup.exe', f.exe()],
    ['a zip archive', 'photos.zip', f.plainZip()],
    ['a Word document with macros', 'invoice.docx', f.docm()],
  ])('refuses %s with 415, saying what is allowed, and keeps nothing', async (_what, name, bytes) => {
    const v = await visitor();
    const before = onDisk().length;
    const answer = await uploadFile(t.url, v.token, { name, bytes, type: 'image/png' });
    expect(answer.status).toBe(415);
    expect(answer.body).toMatchObject({ ok: false, error: 'unsupported_type' });
    expect(answer.body.message).toMatch(/PNG.*PDF.*text.*Word/);
    expect(rowsOf(v.conversationId)).toEqual([]);
    expect(onDisk().length).toBe(before);
  });

  it('refuses a file over MAX_UPLOAD_MB with 413 and keeps nothing, temp file included; one at the limit is stored', async () => {
    const v = await visitor();
    const before = onDisk().length;
    const over = await uploadFile(t.url, v.token, { name: 'huge.png', bytes: f.bigPng(MB + 1) });
    expect(over.status).toBe(413);
    expect(over.body).toMatchObject({ ok: false, error: 'too_large', message: expect.stringContaining('1 MB') });
    expect(rowsOf(v.conversationId)).toEqual([]);
    expect(onDisk().length).toBe(before);

    // Said to be far larger before a byte is read: refused at once.
    const declared = await fetch(`${t.url}/api/widget/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${v.token}`, 'content-type': 'multipart/form-data; boundary=x', 'content-length': String(5 * MB) },
      body: new Uint8Array(5 * MB),
    });
    expect(declared.status).toBe(413);

    const exact = await uploadFile(t.url, v.token, { name: 'exact.png', bytes: f.bigPng(MB) });
    expect(exact.status).toBe(201);
    expect(exact.body.size).toBe(MB);
  });

  it('answers 401 without a token, with a bad one, and with the token only in the URL; nothing is stored', async () => {
    const v = await visitor();
    const file = { name: 'a.png', bytes: f.png() };
    expect((await uploadFile(t.url, null, file)).status).toBe(401);
    expect((await uploadFile(t.url, `${v.token.slice(0, -3)}xyz`, file)).status).toBe(401);
    expect((await uploadFile(t.url, 'v1.bm90IGEgdG9rZW4.bm9wZQ', file)).status).toBe(401);
    const inUrl = await uploadFile(t.url, null, file, { query: `?token=${encodeURIComponent(v.token)}&authorization=${encodeURIComponent(`Bearer ${v.token}`)}` });
    expect(inUrl.status).toBe(401);
    expect(inUrl.body).toMatchObject({ ok: false, error: 'unauthorized' });
    expect(rowsOf(v.conversationId)).toEqual([]);
  });

  it('wants the file in a part named "file"', async () => {
    const v = await visitor();
    const answer = await uploadFile(t.url, v.token, { name: 'a.png', bytes: f.png() }, { field: 'attachment' });
    expect(answer.status).toBe(400);
    expect(rowsOf(v.conversationId)).toEqual([]);
  });

  it('answers the browser preflight: POST with the Authorization header, from any origin by default', async () => {
    const res = await fetch(`${t.url}/api/widget/files`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')).toMatch(/authorization/);
  });
});

describe('GET /files/:id/:name (signed links)', () => {
  /** An upload and a fresh link to it, as a message frame would carry. */
  async function linked(name: string, bytes: Buffer) {
    const v = await visitor();
    const { body } = await uploadFile(t.url, v.token, { name, bytes });
    const ref = { id: body.id!, name: body.name! };
    return { ref, url: onServer(t.app.fileUrls.fileUrl(ref, 3600), t.url) };
  }

  it('serves a raster image inline, never sniffed, in a sandbox', async () => {
    const { url } = await linked('screen shot.png', f.png());
    const res = await getFile(url);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(f.png());
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
    expect(res.headers['content-disposition']).toBe(`inline; filename="screen shot.png"; filename*=UTF-8''screen%20shot.png`);
  });

  it('serves every other type as a download, text as text/plain', async () => {
    const pdf = await getFile((await linked('Rechnung für März.pdf', f.pdf())).url);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.headers['content-disposition']).toBe(`attachment; filename="Rechnung f_r M_rz.pdf"; filename*=UTF-8''Rechnung%20f%C3%BCr%20M%C3%A4rz.pdf`);
    const txt = await getFile((await linked('notes.html', f.text())).url);
    expect(txt.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(txt.headers['content-disposition']).toMatch(/^attachment; /);
    expect(txt.headers['content-security-policy']).toBe("default-src 'none'; sandbox");
  });

  it('refuses a tampered or expired link with 403, and an unknown or removed file with 404', async () => {
    const { ref, url } = await linked('a.png', f.png());
    const u = new URL(url);
    const sig = u.searchParams.get('sig')!;
    const tampered = (change: (p: URLSearchParams) => void) => {
      const copy = new URL(url);
      change(copy.searchParams);
      return getFile(copy.href);
    };
    expect((await tampered((p) => p.set('sig', `${sig.slice(0, -2)}AA`))).status).toBe(403);
    expect((await tampered((p) => p.set('exp', String(Number(p.get('exp')) + 86_400)))).status).toBe(403);
    expect((await tampered((p) => p.delete('sig'))).status).toBe(403);
    const other = await linked('b.png', f.png());
    expect((await getFile(`${t.url}/files/${other.ref.id}/b.png${u.search}`)).status).toBe(403); // a's signature, b's id

    // Signed with the app's own key, an hour ago, for a minute.
    const key = createSettingsRepository(t.app.db).secret('file_url_key', new Date().toISOString());
    const past = createFileUrls({ publicUrl: t.url, key, now: () => new Date(Date.now() - 3600_000) });
    const expired = await getFile(past.fileUrl(ref, 60));
    expect(expired.status).toBe(403);
    expect(JSON.parse(expired.body.toString())).toMatchObject({ error: 'link_expired' });
    expect((await getFile(createFileUrls({ publicUrl: t.url, key }).fileUrl({ id: 'f_nosuchfilenosuchfile', name: 'x' }, 60))).status).toBe(404);

    await t.app.files.markDeleted(ref.id);
    expect((await getFile(url)).status).toBe(404);
  });
});

describe('upload limits per visitor', () => {
  it("answers 429 past a visitor's upload rate, 403 from a site not allowed, and 429 past 20 uploads waiting to be sent", async () => {
    const limited = await startTestApp({}, { uploadRate: { visitor: { perSecond: 0.001, burst: 2 }, address: { perSecond: 100, burst: 100 } } });
    try {
      const w = await WidgetClient.connect(limited.url);
      const { token } = await w.hello();
      const file = { name: 'a.png', bytes: f.png() };
      expect((await uploadFile(limited.url, token, file)).status).toBe(201);
      expect((await uploadFile(limited.url, token, file)).status).toBe(201);
      const third = await uploadFile(limited.url, token, file);
      expect(third.status).toBe(429);
      expect(third.body).toMatchObject({ error: 'rate_limited' });
      w.close();
      await w.waitClosed();
    } finally {
      await limited.stop();
      removeDir(limited.dir);
    }
    const fenced = await startTestApp({ WIDGET_ALLOWED_ORIGINS: 'https://shop.example' });
    try {
      const w = await WidgetClient.connect(fenced.url, { origin: 'https://shop.example' });
      const { token } = await w.hello();
      const elsewhere = await uploadFile(fenced.url, token, { name: 'a.png', bytes: f.png() }, { headers: { origin: 'https://evil.example' } });
      expect(elsewhere.status).toBe(403);
      const fromShop = await uploadFile(fenced.url, token, { name: 'a.png', bytes: f.png() }, { headers: { origin: 'https://shop.example' } });
      expect(fromShop.status).toBe(201);
      expect(fromShop.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      w.close();
      await w.waitClosed();
    } finally {
      await fenced.stop();
      removeDir(fenced.dir);
    }
    const v = await visitor();
    for (let i = 0; i < 5; i++) expect((await uploadFile(t.url, v.token, { name: `${i}.png`, bytes: f.png() })).status).toBe(201);
    // The default rate allows a burst of 10: the other 15 waiting uploads are put in the store directly.
    const conversationId = v.conversationId;
    for (let i = 0; i < 15; i++) await t.app.files.save({ conversationId, visitorId: null, origin: 'customer', name: 'x.png', bytes: f.png() });
    const answer = await uploadFile(t.url, v.token, { name: 'one-more.png', bytes: f.png() });
    expect(answer.status).toBe(429);
    expect(answer.body).toMatchObject({ error: 'too_many_files' });
  });
});
