/**
 * Attachments in a real Chromium against the real server (issue 18): a PNG picked with the paperclip
 * is previewed, uploads with a progress bar, goes with the message once stored and comes back as an
 * inline image from a signed link; a PDF is a named link with its size; an HTML page named .exe is
 * refused and nothing is sent; a pasted screenshot and a dropped file join the preview; and the
 * chat's second script (widget-later.js) is what draws all of it, loaded only once needed.
 */
import { describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { startTestApp } from '../support/app-harness';
import { sqliteOf } from '../support/test-engine';
import { pdf, png } from '../support/file-fixtures';
import { browserApp } from './support/browser-app';
import { isFocused, openChat, shot, waitUntil, widget, type Watched } from './support/browser';

// A 1 MB limit: a file over it is quick to make.
const LIMITS = { MAX_UPLOAD_MB: '1' };
const env = browserApp({ publicUrl: true, env: LIMITS });

const rows = (sql: string, ...args: unknown[]) => sqliteOf(env.t.app.db).prepare(sql).all(...args) as Record<string, unknown>[];

/** What the widget's file controls are, found as assistive technology finds them. */
function files(page: Page) {
  return {
    attach: page.getByRole('button', { name: 'Attach a file' }),
    remove: (name: string) => page.getByRole('button', { name: `Remove ${name}` }),
    progress: (name: string) => page.getByRole('progressbar', { name: `Uploading ${name}` }),
    preview: page.locator('[data-handoff-widget] >> .tray .fc'),
    alert: page.getByRole('alert').filter({ hasText: /not a type we accept|larger than/ }),
  };
}

/** Picks files with the paperclip button and the browser's file chooser, as a customer does. */
async function pick(page: Page, ...picked: { name: string; mimeType: string; buffer: Buffer }[]): Promise<void> {
  const chooser = page.waitForEvent('filechooser');
  await files(page).attach.click();
  await (await chooser).setFiles(picked);
}

/** Waits until the file's chip is in the preview and its upload is over, and checks it was stored (no Retry). */
async function uploaded(page: Page, name: string): Promise<void> {
  await files(page).remove(name).waitFor();
  await files(page).progress(name).waitFor({ state: 'detached' });
  expect(await page.getByRole('button', { name: `Retry uploading ${name}` }).count()).toBe(0);
}

const messageFrames = (w: Watched) => w.sent.filter((f) => f.type === 'message');

/** Makes a File in the page (from base64) and fires `type` with it on an element of the widget. */
function fire(page: Page, selector: string, type: string, file: { name: string; mime: string; bytes: Buffer } | null) {
  return page.evaluate(
    ({ selector, type, file }) => {
      const target = document.querySelector('[data-handoff-widget]')!.shadowRoot!.querySelector(selector)!;
      const data = new DataTransfer();
      if (file) data.items.add(new File([Uint8Array.from(atob(file.b64), (c) => c.charCodeAt(0))], file.name, { type: file.mime }));
      const init = { bubbles: true, cancelable: true, composed: true };
      const event = type === 'paste' ? new ClipboardEvent(type, { ...init, clipboardData: data }) : new DragEvent(type, { ...init, dataTransfer: data });
      return target.dispatchEvent(event); // false: the widget took it (preventDefault)
    },
    { selector, type, file: file && { name: file.name, mime: file.mime, b64: file.bytes.toString('base64') } },
  );
}

describe('attachments in the widget', () => {
  it('previews a PNG, shows its upload, sends it with the message once stored, and shows it inline from a signed link', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    const f = files(page);
    const scripts: string[] = [];
    page.on('request', (r) => new URL(r.url()).pathname.endsWith('.js') && scripts.push(new URL(r.url()).pathname));
    await openChat(page);
    await w.conversationId();
    expect(scripts).toEqual([]); // widget.js came with the page; nothing more before the first file

    // Hold the upload on its way: the preview and its progress bar can be seen, and the customer sends meanwhile.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const uploads: string[] = [];
    await page.route('**/api/widget/files', async (route: Route) => {
      uploads.push(route.request().headers().authorization ?? '');
      await held;
      await route.continue();
    });
    await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: png(64, 48) });
    await waitUntil(() => scripts.length > 0, 10_000, 'widget-later.js');
    expect(scripts).toEqual(['/widget-later.js']);
    await f.remove('screenshot.png').waitFor();
    const thumb = f.preview.getByRole('img', { name: 'screenshot.png' });
    expect(await thumb.evaluate((img: HTMLImageElement) => img.src)).toMatch(/^blob:/);
    await f.progress('screenshot.png').waitFor();
    await waitUntil(() => uploads.length === 1, 10_000, 'the upload');
    // The visitor's token travels in the header, never in a URL.
    const token = await page.evaluate(() => localStorage.getItem('handoff.token'));
    expect(uploads[0]).toBe(`Bearer ${token}`);
    await shot(page, 'attach-preview', { docs: true, panel: true });

    await ui.message.fill('Here is the error I get');
    await ui.message.press('Enter');
    // The bubble shows the file while it uploads; the message waits for it.
    const bubble = ui.bubble('customer', 'Here is the error I get');
    await bubble.getByRole('progressbar', { name: 'Uploading screenshot.png' }).waitFor();
    expect(await f.preview.count()).toBe(0);
    expect(await bubble.getByRole('button', { name: /^Remove/ }).count()).toBe(0);
    expect(messageFrames(w)).toEqual([]);

    release();
    await waitUntil(() => messageFrames(w).length === 1, 10_000, 'the message frame');
    const frame = messageFrames(w)[0] as { clientId: string; text: string; files: string[] };
    expect(frame).toMatchObject({ text: 'Here is the error I get', files: [expect.stringMatching(/^f_/)] });
    await waitUntil(() => bubble.evaluate((el) => !el.classList.contains('pending')), 10_000, 'the ack');
    expect(await bubble.getByRole('progressbar').count()).toBe(0);
    const [stored] = rows('select name, mime, message_id from files where id = ?', frame.files[0]);
    expect(stored).toMatchObject({ name: 'screenshot.png', mime: 'image/png', message_id: expect.any(String) });

    // Back later (a reload): the image comes from a short-lived signed link, and it loads.
    await page.unroute('**/api/widget/files');
    await page.reload();
    await openChat(page);
    const img = ui.bubble('customer', 'Here is the error I get').getByRole('img', { name: 'screenshot.png' });
    await img.waitFor();
    await img.scrollIntoViewIfNeeded();
    const src = await img.evaluate((el: HTMLImageElement) => el.src);
    expect(src).toMatch(new RegExp(`^${env.t.url}/files/${frame.files[0]}/screenshot\\.png\\?exp=\\d+&sig=`));
    await waitUntil(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth === 64), 10_000, 'the image to load');
    expect(await img.getAttribute('loading')).toBe('lazy');
    // A click opens it in a new tab, which cannot reach back into the page.
    const link = img.locator('xpath=..');
    expect(await link.getAttribute('rel')).toContain('noopener');
    const [tab] = await Promise.all([w.context.waitForEvent('page'), img.click()]);
    await tab.waitForLoadState();
    expect(tab.url()).toBe(src);
    await tab.close();
    await shot(page, 'attach-image', { docs: true, panel: true });
    expect(w.errors).toEqual([]);
  });

  it('sends a PDF on its own (no text) and shows it as a named link with its size', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    await openChat(page);
    const report = Buffer.concat([pdf(), Buffer.alloc(240 * 1024 - pdf().length, 0x20)]);
    await pick(page, { name: 'report.pdf', mimeType: 'application/pdf', buffer: report });
    await files(page).preview.getByText('report.pdf · 240 KB').waitFor();
    // Uploaded, then sent with an empty message box.
    await uploaded(page, 'report.pdf');
    await ui.send.click();
    await waitUntil(() => messageFrames(w).length === 1, 10_000, 'the message frame');
    expect(messageFrames(w)[0]).toMatchObject({ text: '', files: [expect.stringMatching(/^f_/)] });
    // Stored and acked before the reload (a frame still in the browser's buffer would come back
    // from localStorage as the customer's own unsent bubble, which has no link to show).
    await waitUntil(() => Boolean(rows('select message_id from files where name = ?', 'report.pdf')[0]?.message_id), 10_000, 'the message to be stored');
    await waitUntil(() => w.received.some((f) => f.type === 'ack'), 10_000, 'the ack');

    await page.reload();
    await openChat(page);
    const link = page.getByRole('link', { name: 'report.pdf · 240 KB' });
    await link.waitFor();
    expect(await link.getAttribute('download')).toBe('report.pdf');
    const href = (await link.getAttribute('href'))!;
    expect(href).toMatch(new RegExp(`^${env.t.url}/files/f_[^/]+/report\\.pdf\\?exp=\\d+&sig=`));
    // The link serves the file as a download that the browser never sniffs into a page.
    const res = await fetch(href);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(Buffer.from(await res.arrayBuffer()).equals(report)).toBe(true);
    expect(w.errors).toEqual([]);
  });

  it('refuses an HTML page named .exe with a clear error, removes it from the preview and sends nothing', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    const f = files(page);
    await openChat(page);
    const conversationId = await w.conversationId();
    const html = Buffer.from('<!doctype html><html><body><script>alert("pwned")</script></body></html>');
    await pick(page, { name: 'invoice.exe', mimeType: 'application/x-msdownload', buffer: html }, { name: 'ok.png', mimeType: 'image/png', buffer: png() });
    await f.alert.filter({ hasText: 'invoice.exe is not a type we accept (images, PDF, text, office documents)' }).waitFor();
    expect(await f.remove('invoice.exe').count()).toBe(0);
    await f.remove('ok.png').waitFor(); // the other file stays
    await shot(page, 'attach-refused', { panel: true });

    // Removing the other one too leaves nothing to send: Send does nothing.
    await f.remove('ok.png').click();
    expect(await f.preview.count()).toBe(0);
    expect(await isFocused(ui.message)).toBe(true);
    await ui.send.click();
    // The next message is the first frame of its kind the widget sends.
    await ui.message.fill('Nothing else');
    await ui.send.click();
    await waitUntil(() => messageFrames(w).length > 0, 10_000, 'a message frame');
    expect(messageFrames(w)).toEqual([{ type: 'message', clientId: expect.any(String), text: 'Nothing else' }]);
    expect(rows("select id from files where conversation_id = ? and name = 'invoice.exe'", conversationId)).toEqual([]);
    expect(w.dialogs).toEqual([]);
  });

  it('adds a pasted screenshot and a dropped file to the preview; the drop state shows, and Escape cancels it', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    const f = files(page);
    await openChat(page);
    await w.conversationId();

    // Keyboard: the paperclip is the next stop after the message box.
    await ui.message.focus();
    await page.keyboard.press('Tab');
    expect(await isFocused(f.attach)).toBe(true);

    // A pasted image (no text with it) is attached; the paste is the widget's.
    const pasted = await fire(page, 'textarea[aria-label="Message"]', 'paste', { name: 'image.png', mime: 'image/png', bytes: png(20, 10) });
    expect(pasted).toBe(false);
    await f.preview.getByRole('img', { name: 'image.png' }).waitFor();
    await uploaded(page, 'image.png');

    // Dragging files over the panel shows where to drop them; Escape cancels that, and keeps the chat open.
    const dropState = () => ui.panel.evaluate((el) => el.classList.contains('drop') && getComputedStyle(el, '::after').content);
    expect(await fire(page, '.panel', 'dragenter', { name: 'notes.txt', mime: 'text/plain', bytes: Buffer.from('steps to reproduce') })).toBe(false);
    await waitUntil(dropState, 10_000, 'the drop state');
    expect(await dropState()).toBe('"Drop files to attach"');
    await ui.message.press('Escape');
    expect(await dropState()).toBe(false);
    expect(await ui.dialog.isVisible()).toBe(true);

    await fire(page, '.panel', 'dragenter', { name: 'notes.txt', mime: 'text/plain', bytes: Buffer.from('steps to reproduce') });
    await shot(page, 'attach-drop', { panel: true });
    expect(await fire(page, '.panel', 'drop', { name: 'notes.txt', mime: 'text/plain', bytes: Buffer.from('steps to reproduce') })).toBe(false);
    await f.preview.getByText('notes.txt · 18 B').waitFor();
    expect(await dropState()).toBe(false);
    await uploaded(page, 'notes.txt');

    await ui.message.fill('Both files');
    await ui.message.press('Enter');
    await waitUntil(() => messageFrames(w).length === 1, 10_000, 'the message frame');
    const frame = messageFrames(w)[0] as { files: string[] };
    expect(frame.files).toHaveLength(2);
    const names = frame.files.map((id) => rows('select name from files where id = ?', id)[0]?.name);
    expect(names).toEqual(['image.png', 'notes.txt']);
    expect(w.errors).toEqual([]);
  });
});

describe('what the widget refuses before sending', () => {
  it('says a file over MAX_UPLOAD_MB is larger than the limit, and keeps at most 10 files in the preview', async () => {
    const w = await visit();
    const { page } = w;
    const f = files(page);
    await openChat(page);
    await w.conversationId();
    await pick(page, { name: 'huge.pdf', mimeType: 'application/pdf', buffer: Buffer.concat([pdf(), Buffer.alloc(1536 * 1024, 0x20)]) });
    await f.alert.filter({ hasText: 'huge.pdf is larger than 1 MB' }).waitFor();
    expect(await f.preview.count()).toBe(0);

    const notes = Array.from({ length: 11 }, (_, i) => ({ name: `note-${i + 1}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`note ${i + 1}`) }));
    await pick(page, ...notes);
    await page.getByRole('alert').filter({ hasText: 'You can attach up to 10 files to a message.' }).waitFor();
    expect(await f.preview.count()).toBe(10);
    expect(await f.remove('note-11.txt').count()).toBe(0);
    expect(w.errors).toEqual([]);
  });
});

describe('a restart mid-upload', () => {
  it('offers Retry for the upload the restart cut, and sends the message once, with every file, when it is done', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    const f = files(page);
    await openChat(page);
    const conversationId = await w.conversationId();
    await pick(page, { name: 'first.png', mimeType: 'image/png', buffer: png(8, 8) });
    await uploaded(page, 'first.png');

    // The second upload is on its way when the server goes down.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/widget/files', async (route: Route) => {
      await held;
      await route.continue();
    });
    await pick(page, { name: 'second.png', mimeType: 'image/png', buffer: png(9, 9) });
    await f.progress('second.png').waitFor();
    const port = new URL(env.t.url).port;
    await env.t.stop();
    release();
    const retry = page.getByRole('button', { name: 'Retry uploading second.png' });
    await retry.waitFor();
    expect(await f.preview.getByText('Upload failed').count()).toBe(1);
    await page.unroute('**/api/widget/files');

    // Sent while the server is away: the message waits for its connection and for its second file.
    await ui.message.fill('Both screenshots');
    await ui.message.press('Enter');
    const bubble = ui.bubble('customer', 'Both screenshots');
    await bubble.getByRole('button', { name: 'Retry uploading second.png' }).waitFor();
    env.t = await startTestApp({ PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}`, ...LIMITS }, { dir: env.t.dir });
    // Welcomed again (the banner goes at the welcome, when waiting messages are sent): this one still waits.
    await page.getByRole('status').filter({ hasText: "You're offline" }).waitFor({ state: 'hidden', timeout: 20_000 });
    expect(messageFrames(w)).toEqual([]);

    await bubble.getByRole('button', { name: 'Retry uploading second.png' }).click();
    await waitUntil(() => bubble.evaluate((el) => !el.classList.contains('pending')), 10_000, 'the ack');
    const sent = messageFrames(w) as { clientId: string; files: string[] }[];
    expect(new Set(sent.map((m) => m.clientId)).size).toBe(1);
    expect(sent.every((m) => m.files.length === 2)).toBe(true);
    const stored = rows('select files from messages where conversation_id = ? and text = ?', conversationId, 'Both screenshots');
    expect(stored).toHaveLength(1);
    expect((JSON.parse(String(stored[0]!.files)) as { name: string }[]).map((x) => x.name)).toEqual(['first.png', 'second.png']);
  });
});

function visit(url?: string): Promise<Watched> {
  return env.visit(url);
}
