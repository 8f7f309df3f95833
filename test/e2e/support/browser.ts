import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/** Debian's Chromium; the flags keep it quiet and offline (no update checks, no QUIC, no GPU). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 780 };

const SHOTS = path.resolve('test-output/screenshots');
const DOCS = path.resolve('docs/screenshots');
const updateDocs = process.env.UPDATE_DOCS_SCREENSHOTS === '1';

/** Agent avatars live on Slack's CDN; in tests the emulator's avatar host answers with a drawn picture. */
const AVATAR_HOST = 'https://avatars.slack-emulator.test/**';
const avatarSvg = (id: string) => {
  const hue = [...id].reduce((n, c) => n + c.charCodeAt(0), 0) % 360;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="hsl(${hue} 70% 62%)"/><stop offset="1" stop-color="hsl(${(hue + 40) % 360} 65% 42%)"/></linearGradient></defs><rect width="96" height="96" fill="url(#g)"/><circle cx="48" cy="38" r="17" fill="#fde7d6"/><path d="M14 96c4-22 18-32 34-32s30 10 34 32z" fill="#fde7d6"/><path d="M30 36c0-14 8-22 18-22s19 8 18 22c-4-7-10-10-18-10s-14 3-18 10z" fill="#3b2416"/></svg>`;
};

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** alert()/confirm()/prompt() dialogs the page opened (an executed XSS payload would open one). */
  dialogs: string[];
  /** Uncaught page errors and console errors (CSP violations show up here). */
  errors: string[];
  /** The conversation id of the latest `welcome` frame the widget received. */
  conversationId(): Promise<string>;
  /** Every frame the widget sent, parsed. */
  sent: Record<string, unknown>[];
  /** Every frame the widget received, parsed. */
  received: Record<string, unknown>[];
  close(): Promise<void>;
}

/** A fresh browser context (its own localStorage) with one page that records dialogs, errors and frames. */
export async function openPage(browser: Browser, url: string, viewport = DESKTOP): Promise<Watched> {
  const context = await browser.newContext({ viewport, deviceScaleFactor: 1, reducedMotion: 'reduce', locale: 'en-GB' });
  await context.route(AVATAR_HOST, (route) =>
    route.fulfill({ status: 200, contentType: 'image/svg+xml', body: avatarSvg(new URL(route.request().url()).pathname) }),
  );
  const page = await context.newPage();
  const w = watch(page, context);
  await page.goto(url);
  return w;
}

export function watch(page: Page, context: BrowserContext): Watched {
  const dialogs: string[] = [];
  const errors: string[] = [];
  const sent: Record<string, unknown>[] = [];
  const received: Record<string, unknown>[] = [];
  let conversation: string | null = null;
  let waiters: (() => void)[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (err) => errors.push(String(err)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource|WebSocket connection to/.test(m.text())) errors.push(m.text());
  });
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      const f = JSON.parse(String(payload)) as { type: string; conversationId?: string };
      received.push(f);
      if (f.type === 'welcome' && f.conversationId) {
        conversation = f.conversationId;
        for (const wake of waiters.splice(0)) wake();
      }
    });
    ws.on('framesent', ({ payload }) => sent.push(JSON.parse(String(payload)) as Record<string, unknown>));
  });
  return {
    page,
    context,
    dialogs,
    errors,
    sent,
    received,
    async conversationId() {
      if (!conversation) {
        await new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error('no welcome frame')), 10_000);
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
      return conversation!;
    },
    async close() {
      waiters = [];
      await context.close();
    },
  };
}

/** The widget's controls, found as assistive technology finds them (the contract's table). */
export function widget(page: Page) {
  return {
    launcher: page.getByRole('button', { name: /chat/i }),
    dialog: page.getByRole('dialog'),
    message: page.getByRole('textbox', { name: /message/i }),
    send: page.getByRole('button', { name: 'Send', exact: true }),
    human: page.getByRole('button', { name: /talk to a person/i }),
    email: page.getByRole('textbox', { name: /email/i }),
    close: page.getByRole('button', { name: 'Close', exact: true }),
    log: page.locator('[data-handoff-widget] >> [aria-live="polite"]'),
    panel: page.locator('[data-handoff-widget] >> .panel'),
    /** Every message shown, in order (the greeting first). */
    messages: page.locator('[data-handoff-widget] >> .log > .m'),
    star: (n: number) => page.getByRole('button', { name: new RegExp(`^${n} star`) }),
    /** A message bubble of a role containing a text. */
    bubble: (role: 'customer' | 'ai' | 'agent' | 'system', text: string | RegExp) =>
      page.locator(`[data-handoff-widget] >> .m.${role}:not(.typing)`).filter({ hasText: text }),
  };
}

/** Opens the chat with the launcher unless it is open already (it stays open across page loads). */
export async function openChat(page: Page): Promise<void> {
  const w = widget(page);
  // The widget shows itself once its texts arrived (with its config): the launcher, or the chat still open.
  await w.launcher.or(w.dialog).first().waitFor();
  if (await w.dialog.isVisible()) return;
  await w.launcher.click();
  await w.message.waitFor();
}

/** Sends a message the way a customer does: type, press Enter. */
export async function say(page: Page, text: string): Promise<void> {
  const w = widget(page);
  await w.message.fill(text);
  await w.message.press('Enter');
}

/** Whether the element has keyboard focus (inside the widget's shadow root too). */
export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => (el.getRootNode() as Document | ShadowRoot).activeElement === el);
}

/** Elements a payload could have injected, anywhere in the page or the widget. */
export function injectedCount(page: Page): Promise<number> {
  return page.evaluate(() => {
    const root = document.querySelector('[data-handoff-widget]')?.shadowRoot;
    const bad = 'img[src="x"], img[onerror], script:not([src]), [onerror], iframe, object, embed';
    const scripts = Array.from(document.querySelectorAll('script')).filter((s) => !/\/widget\.js$/.test(s.src));
    return document.querySelectorAll(bad).length + (root?.querySelectorAll(`${bad}, script`).length ?? 0) + scripts.length;
  });
}

export async function waitUntil<T>(fn: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A screenshot into test-output/screenshots/<name>.png; with UPDATE_DOCS_SCREENSHOTS=1 and `docs`,
 * also into docs/screenshots/. `panel` crops to the open chat (with room for its shadow).
 */
export async function shot(page: Page, name: string, options: { docs?: boolean; panel?: boolean } = {}): Promise<string> {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  // Let the typing dots and the opening animation settle.
  await page.waitForTimeout(150);
  let clip: { x: number; y: number; width: number; height: number } | undefined;
  if (options.panel) {
    const box = await widget(page).panel.boundingBox();
    const vp = page.viewportSize()!;
    if (box) {
      const x = Math.max(0, box.x - 32);
      const y = Math.max(0, box.y - 32);
      clip = { x, y, width: Math.min(vp.width, box.x + box.width + 32) - x, height: Math.min(vp.height, box.y + box.height + 32) - y };
    }
  }
  await page.screenshot({ path: file, clip, animations: 'disabled', caret: 'hide' });
  if (options.docs && updateDocs) {
    fs.mkdirSync(DOCS, { recursive: true });
    fs.copyFileSync(file, path.join(DOCS, `${name}.png`));
  }
  return file;
}

/**
 * Another site embedding the widget from the app's origin, with no Content-Security-Policy at all:
 * there an injected `onerror` handler would really run, so a missing dialog means something.
 * `scriptAttributes`: more on its script tag (`data-lang="de"`).
 */
export async function startHostPage(appUrl: string, scriptAttributes = ''): Promise<{ url: string; close(): Promise<void> }> {
  const http = await import('node:http');
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Another shop</title></head>
<body><h1>Another shop</h1><p>A page on another origin, without any CSP.</p>
<script src="${appUrl}/widget.js"${scriptAttributes ? ` ${scriptAttributes}` : ''} async></script></body></html>`;
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as { port: number };
  return {
    // "localhost" rather than 127.0.0.1: a different origin from the app's.
    url: `http://localhost:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
