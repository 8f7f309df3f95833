import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { bigPng } from './support/file-fixtures';
import { uploadFile } from './support/file-upload';
import { WidgetClient } from './support/widget-client';

/**
 * The server stops while a large upload is still streaming in: nothing half-written may survive it
 * (no row, no bytes, no temp file), and the same upload succeeds once the server is back.
 */
const running: TestApp[] = [];
let dir: string | undefined;
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop();
  if (dir) removeDir(dir);
  dir = undefined;
});

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Every file under FILES_DIR (temp files included), relative to it. */
function filesUnder(root: string): string[] {
  if (!fs.existsSync(root)) return [];
  return (fs.readdirSync(root, { recursive: true }) as string[]).filter((p) => fs.statSync(path.join(root, p)).isFile());
}

describe('a restart in the middle of an upload', () => {
  it('keeps nothing of the cut-off upload, and takes the same upload afterwards', async () => {
    const t = await startTestApp({ MAX_UPLOAD_MB: '5' });
    running.push(t);
    dir = t.dir;
    const filesDir = path.join(t.dir, 'files');
    const w = await WidgetClient.connect(t.url);
    const { token } = await w.hello();
    w.close();
    await w.waitClosed();

    const bytes = bigPng(4 * 1024 * 1024);
    const boundary = 'handoffrestarttest';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const req = http.request(`${t.url}/api/widget/files`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(head.length + bytes.length + tail.length),
      },
    });
    const ended = new Promise<string>((resolve) => {
      req.on('error', (err) => resolve(`error: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
      req.on('response', (res) => resolve(`answered ${res.statusCode}`));
    });
    // A quarter of the file, and then the client goes quiet: the server is mid-upload.
    req.write(head);
    req.write(bytes.subarray(0, 1024 * 1024));
    const temp = () => filesUnder(filesDir).filter((p) => p.endsWith('.part'));
    await until(() => temp().some((p) => fs.statSync(path.join(filesDir, p)).size > 0), 'the upload to reach its temp file');

    await running.pop()!.stop();
    expect(await ended).toMatch(/^error: /); // the client never got a 201
    await until(() => filesUnder(filesDir).length === 0, 'the temp file to be removed');

    const again = await startTestApp({ MAX_UPLOAD_MB: '5' }, { dir: t.dir });
    running.push(again);
    expect(again.app.db.all(again.app.db.q.selectFrom('files').selectAll())).toEqual([]);
    const answer = await uploadFile(again.url, token, { name: 'big.png', bytes });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ name: 'big.png', mime: 'image/png', size: bytes.length });
    expect(fs.readFileSync(again.app.files.pathOf(answer.body.id!)).equals(bytes)).toBe(true);
    expect(filesUnder(filesDir)).toEqual([path.relative(filesDir, again.app.files.pathOf(answer.body.id!))]);
  });
});
