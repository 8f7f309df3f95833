/**
 * The widget in a real Chromium against the real server, without Slack (so a handoff is `queued`):
 * the demo page under its CSP, a knowledge-base answer, keyboard-only use, XSS, the email form,
 * the phone layout, the theme's contrast, and the offline state with recovery.
 */
import { sqliteOf } from '../support/test-engine';
import { describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../src/gateway/server';
import { startTestApp } from '../support/app-harness';
import { browserApp } from './support/browser-app';
import {
  PHONE,
  injectedCount,
  isFocused,
  openChat,
  say,
  shot,
  startHostPage,
  waitUntil,
  widget,
  type Watched,
} from './support/browser';

const env = browserApp();
const visit = env.visit;

const count = (sql: string, ...args: unknown[]) => (sqliteOf(env.t.app.db).prepare(sql).get(...args) as { n: number }).n;

describe('the widget on the demo page', () => {
  it('adds a launcher with one script tag under a strict CSP, defining one global and loading nothing else', async () => {
    const requests: string[] = [];
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    page.on('request', (r) => requests.push(new URL(r.url()).pathname));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));

    // The same origin without the widget (a JSON route) tells which globals the browser defines itself.
    const blank = await context.newPage();
    await blank.goto(`${env.t.url}/healthz`);
    const baseline = new Set(await blank.evaluate(() => Object.keys(window)));
    const widgetResponse = page.waitForResponse((r) => r.url().endsWith('/widget.js'));
    const configResponse = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/widget/config');
    const response = await page.goto(env.t.url);
    expect(response!.headers()['content-security-policy']).toBe(PAGE_CSP);
    const w = widget(page);
    await w.launcher.waitFor();
    expect(await w.launcher.getAttribute('aria-expanded')).toBe('false');
    // Styled through a constructed stylesheet although style-src has no 'unsafe-inline'.
    expect(await w.launcher.evaluate((el) => getComputedStyle(el).position)).toBe('fixed');
    const added = (await page.evaluate(() => Object.keys(window))).filter((k) => !baseline.has(k));
    expect(added).toEqual(['HandoffWidget']);
    expect(await page.evaluate(() => Object.keys(window.HandoffWidget!).sort())).toEqual(['close', 'identify', 'open', 'setLanguage', 'setPage']);
    expect(await page.evaluate(() => document.querySelector('[data-handoff-widget]')!.shadowRoot!.mode)).toBe('open');
    await shot(page, 'launcher', { docs: true });

    // Before the first message: the page, its CSS, the script and the theme; a new visitor opens no socket yet.
    await page.waitForLoadState('networkidle');
    expect(requests.filter((p) => !['/', '/demo.css'].includes(p)).sort()).toEqual(['/api/widget/config', '/widget.js']);
    // What travelled for them, compressed as sent: within the 12 KB budget.
    expect((await widgetResponse).headers()['content-encoding']).toBe('gzip');
    let bytes = 0;
    for (const r of [await widgetResponse, await configResponse]) bytes += (await r.request().sizes()).responseBodySize;
    expect(bytes).toBeLessThanOrEqual(12 * 1024);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('answers a knowledge-base question, with safe links', async () => {
    const w = await visit();
    // No token ever travels in a URL: not in the socket's address, not in any request.
    const urls: string[] = [];
    w.page.on('websocket', (ws) => urls.push(ws.url()));
    w.page.on('request', (r) => urls.push(r.url()));
    const ui = widget(w.page);
    await ui.launcher.click();
    await ui.dialog.waitFor();
    expect(await ui.launcher.isVisible()).toBe(false);
    expect(await isFocused(ui.message)).toBe(true);
    expect(await ui.log.count()).toBe(1);
    // The theme's greeting comes from /api/widget/config.
    await ui.bubble('ai', 'Ask me anything about Acme Projects').waitFor();
    expect(await ui.dialog.getAttribute('aria-labelledby')).toBeTruthy();
    expect(await w.page.getByRole('heading', { name: 'Acme Projects support' }).isVisible()).toBe(true);

    await ui.message.fill('How do I reset my password?');
    await ui.send.click();
    await waitUntil(() => urls.some((u) => u.includes('/widget/ws')), 10_000, 'the widget socket');
    const token = await w.page.evaluate(() => localStorage.getItem('handoff.token'));
    expect(urls.filter((u) => u.includes('/widget/ws'))).toEqual([expect.stringMatching(/\/widget\/ws$/)]);
    expect(token).toBeTruthy();
    expect(urls.some((u) => u.includes(token!))).toBe(false);
    await ui.bubble('customer', 'How do I reset my password?').waitFor();
    const answer = ui.bubble('ai', 'Forgot password');
    await answer.waitFor();
    expect(await answer.textContent()).toContain('Reset a forgotten password');
    // The answer sits inside the polite live region that holds the message list.
    expect(await ui.log.locator('.m.ai', { hasText: 'Forgot password' }).count()).toBe(1);
    const link = answer.getByRole('link');
    expect(await link.getAttribute('href')).toMatch(/^https:\/\//);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    // Acknowledged: no longer pending.
    await waitUntil(() => ui.bubble('customer', 'reset my password').evaluate((el) => !el.classList.contains('pending')));
    await shot(w.page, 'ai-answer', { docs: true, panel: true });
    expect(w.errors).toEqual([]);
  });

  it('works with the keyboard alone: Tab to the launcher, Enter, type, Enter; focus stays inside; Escape returns it', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    await ui.launcher.waitFor();
    let tabs = 0;
    while (!(await isFocused(ui.launcher))) {
      await page.keyboard.press('Tab');
      if (++tabs > 60) throw new Error('the launcher is not reachable with Tab');
    }
    await page.keyboard.press('Enter');
    await ui.dialog.waitFor();
    expect(await ui.launcher.isVisible()).toBe(false);
    expect(await isFocused(ui.message)).toBe(true);
    await page.keyboard.type('Can I export my data?');
    await page.keyboard.press('Enter');
    await ui.bubble('customer', 'Can I export my data?').waitFor();
    await ui.bubble('ai', /export/i).nth(0).waitFor();
    expect(await ui.message.inputValue()).toBe('');
    expect(await isFocused(ui.message)).toBe(true);

    // Shift+Enter is a new line, not a send.
    await page.keyboard.type('line one');
    await page.keyboard.press('Shift+Enter');
    await page.keyboard.type('line two');
    expect(await ui.message.inputValue()).toBe('line one\nline two');
    await ui.message.fill('');

    // Tab cycles through the chat's controls and never leaves it.
    const inWidget = () => page.evaluate(() => document.activeElement?.hasAttribute('data-handoff-widget') ?? false);
    const names = new Set<string>();
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press('Tab');
      expect(await inWidget()).toBe(true);
      names.add(await page.evaluate(() => {
        const el = document.activeElement!.shadowRoot!.activeElement as HTMLElement;
        return el.getAttribute('aria-label') ?? el.textContent ?? el.tagName;
      }));
    }
    expect([...names]).toEqual(expect.arrayContaining(['Close', 'Conversation', 'Talk to a person', 'Message', 'Send']));
    await ui.close.focus();
    await page.keyboard.press('Shift+Tab');
    expect(await isFocused(ui.send)).toBe(true);
    await page.keyboard.press('Tab');
    expect(await isFocused(ui.close)).toBe(true);

    // Escape closes from anywhere inside and gives focus back to the launcher.
    await ui.message.focus();
    await page.keyboard.press('Escape');
    await ui.launcher.waitFor();
    expect(await ui.dialog.isVisible()).toBe(false);
    expect(await isFocused(ui.launcher)).toBe(true);
    expect(await ui.launcher.getAttribute('aria-expanded')).toBe('false');
    // The close button does the same.
    await page.keyboard.press('Enter');
    await ui.dialog.waitFor();
    await ui.close.focus();
    await page.keyboard.press('Enter');
    await ui.launcher.waitFor();
    expect(await isFocused(ui.launcher)).toBe(true);
    expect(w.errors).toEqual([]);
  });

  it('shows XSS payloads from the customer and in the theme as text, on a page without any CSP', async () => {
    const before = env.t.app.settings.get().widgetTitle;
    env.t.app.settings.update({ widgetTitle: '<script>alert("title")</script>Help' }, null);
    const host = await startHostPage(env.t.url);
    try {
      const w = await visit(host.url);
      const ui = widget(w.page);
      await openChat(w.page);
      await w.page.getByRole('heading', { name: '<script>alert("title")</script>Help' }).waitFor();
      const payloads = [
        '<img src=x onerror=alert(1)>',
        '<script>alert(2)</script>',
        'javascript:alert(3) and https://example.com/"><img src=x onerror=alert(4)>',
        '<svg onload=alert(5)>',
      ];
      for (const text of payloads) {
        await say(w.page, text);
        await ui.bubble('customer', text).waitFor();
      }
      for (const text of payloads) expect(await ui.bubble('customer', text).locator('.b').textContent()).toBe(text);
      // The one link is the http(s) URL, cut before the quote; javascript: is plain text.
      const hrefs = await ui.log.getByRole('link').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs).toEqual(['https://example.com/']);
      await w.page.waitForTimeout(300);
      expect(w.dialogs).toEqual([]);
      expect(await injectedCount(w.page)).toBe(0);
      expect(w.errors).toEqual([]);
    } finally {
      env.t.app.settings.update({ widgetTitle: before }, null);
      await host.close();
    }
  });
});

describe('queued (nobody available)', () => {
  it('asks for an email, validates it, and thanks the customer', async () => {
    const w = await visit();
    const ui = widget(w.page);
    await openChat(w.page);
    await say(w.page, 'Can I get an invoice with our VAT number on it?');
    await ui.bubble('customer', 'VAT number').waitFor();
    await ui.human.click();
    await ui.bubble('ai', "Our team isn't available right now").waitFor();
    await ui.email.waitFor();
    expect(await ui.human.isVisible()).toBe(false);
    await shot(w.page, 'queued-email', { docs: true, panel: true });

    await ui.email.fill('not-an-email');
    await ui.email.press('Enter');
    const error = w.page.getByRole('alert').filter({ hasText: 'valid email' });
    await error.waitFor();
    expect(await ui.email.getAttribute('aria-invalid')).toBe('true');
    expect(await isFocused(ui.email)).toBe(true);
    await shot(w.page, 'queued-email-invalid', { panel: true });

    await ui.email.fill('jane@example.com');
    await w.page.getByRole('button', { name: 'Notify me' }).click();
    // The thank-you is the server's message, shown once (no card repeating it).
    await ui.bubble('ai', "Thanks! We'll follow up at jane@example.com").waitFor();
    expect(await w.page.locator('[data-handoff-widget] >> .scroll').getByText('jane@example.com').count()).toBe(1);
    expect(await ui.email.isVisible()).toBe(false);
    const conversationId = await w.conversationId();
    const row = sqliteOf(env.t.app.db)
      .prepare('select v.email from visitors v join conversations c on c.visitor_id = v.id where c.id = ?')
      .get(conversationId) as { email: string };
    expect(row.email).toBe('jane@example.com');
    await shot(w.page, 'queued-thanks', { panel: true });

    // The thank-you survives a reload; the form does not come back.
    await w.page.reload();
    await openChat(w.page);
    await ui.bubble('ai', "Thanks! We'll follow up at jane@example.com").waitFor();
    expect(await w.page.locator('[data-handoff-widget] >> .scroll').getByText('jane@example.com').count()).toBe(1);
    expect(await ui.email.isVisible()).toBe(false);
  });
});

describe('layout and theme', () => {
  it('goes full screen on a narrow screen', async () => {
    const w = await visit(env.t.url, PHONE);
    const ui = widget(w.page);
    await openChat(w.page);
    await say(w.page, 'Do you support two-factor login?');
    await ui.bubble('ai', /two-factor|authenticator/i).first().waitFor();
    const box = await ui.panel.boundingBox();
    expect(box).toEqual({ x: 0, y: 0, width: PHONE.width, height: PHONE.height });
    await shot(w.page, 'phone', { docs: true });
  });

  it('picks readable text on the theme colour (WCAG AA), white on dark and dark on light', async () => {
    const ratio = (w: Watched) =>
      w.page.evaluate(() => {
        const root = document.querySelector('[data-handoff-widget]')!.shadowRoot!;
        const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
        const lum = (c: number[]) =>
          c.map((v) => v / 255).map((s) => (s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4)).reduce((a, s, i) => a + s * [0.2126, 0.7152, 0.0722][i]!, 0);
        const launcher = getComputedStyle(root.querySelector('.launcher')!);
        const [a, b] = [lum(rgb(launcher.color)), lum(rgb(launcher.backgroundColor))].sort((x, y) => y - x);
        return { ratio: (a! + 0.05) / (b! + 0.05), color: launcher.color, background: launcher.backgroundColor };
      });
    const before = env.t.app.settings.get().widgetColour;
    try {
      for (const [colour, text] of [
        ['#4f46e5', 'rgb(255, 255, 255)'],
        ['#facc15', 'rgb(17, 24, 39)'],
        ['#0ea5e9', 'rgb(17, 24, 39)'],
      ] as const) {
        env.t.app.settings.update({ widgetColour: colour }, null);
        const w = await visit();
        const [r, g, b] = [1, 3, 5].map((i) => parseInt(colour.slice(i, i + 2), 16));
        await waitUntil(async () => (await ratio(w)).background === `rgb(${r}, ${g}, ${b})`, 5000, `theme ${colour}`);
        const result = await ratio(w);
        expect(result.color, colour).toBe(text);
        expect(result.ratio, colour).toBeGreaterThanOrEqual(4.5);
        if (colour === '#facc15') {
          await openChat(w.page);
          await shot(w.page, 'theme-light', { panel: true });
        }
        await w.close();
      }
    } finally {
      env.t.app.settings.update({ widgetColour: before }, null);
    }
  });
});

describe('the reopen link of a follow-up email', () => {
  it('opens the chat on the emailed conversation in a fresh browser and takes the token out of the address bar', async () => {
    const { WidgetClient } = await import('../support/widget-client');
    const { createReopenTokens } = await import('../../src/core/visitor-tokens');
    const client = await WidgetClient.connect(env.t.url);
    const welcome = await client.hello();
    client.send({ type: 'message', clientId: 'r1', text: 'Where do I find my invoices?' });
    await client.next('message', (m) => m.role === 'ai');
    client.close();
    const key = (sqliteOf(env.t.app.db).prepare("SELECT value FROM secrets WHERE name = 'visitor_token_key'").get() as { value: string }).value;
    const visitorId = (sqliteOf(env.t.app.db).prepare('SELECT visitor_id FROM conversations WHERE id = ?').get(welcome.conversationId) as { visitor_id: string }).visitor_id;
    const token = createReopenTokens(key).issue(visitorId, new Date());

    const w = await visit(`${env.t.url}/?handoff_reopen=${encodeURIComponent(token)}#pricing`);
    const ui = widget(w.page);
    await ui.bubble('customer', 'Where do I find my invoices?').waitFor();
    expect(await ui.dialog.isVisible()).toBe(true);
    expect(w.page.url()).toBe(`${env.t.url}/#pricing`);
  });
});

describe('reliability', () => {
  it('shows an offline state when the server goes away, and delivers unsent messages once when it is back', async () => {
    const w = await visit();
    const { page } = w;
    const ui = widget(page);
    await openChat(page);
    await say(page, 'Hello there');
    await ui.bubble('customer', 'Hello there').waitFor();
    await waitUntil(() => ui.bubble('customer', 'Hello there').evaluate((el) => !el.classList.contains('pending')));
    const conversationId = await w.conversationId();

    const port = new URL(env.t.url).port;
    await env.t.stop();
    const offline = page.getByRole('status').filter({ hasText: "You're offline" });
    await offline.waitFor();
    expect(await page.getByText(/offline/i).count()).toBe(1);
    expect(await page.getByText('Reconnecting…').isVisible()).toBe(true);

    const unsent = ['Are you still there?', 'I wrote this while you were away'];
    for (const text of unsent) await say(page, text);
    for (const text of unsent) {
      const b = ui.bubble('customer', text);
      await b.waitFor();
      expect(await b.evaluate((el) => el.classList.contains('pending'))).toBe(true);
    }
    await page.getByText('Waiting for connection…').first().waitFor();
    await shot(page, 'offline', { panel: true });

    // Back on the same port and database.
    env.t = await startTestApp({ PORT: port }, { dir: env.t.dir });
    await offline.waitFor({ state: 'hidden', timeout: 20_000 });
    for (const text of unsent) {
      await waitUntil(() => ui.bubble('customer', text).evaluate((el) => !el.classList.contains('pending')), 10_000, `${text} acked`);
    }
    for (const text of unsent) {
      expect(count('select count(*) n from messages where conversation_id = ? and text = ?', conversationId, text)).toBe(1);
    }

    // Reload: the same conversation, every message once, nothing left to resend.
    await page.reload();
    await openChat(page);
    for (const text of ['Hello there', ...unsent]) {
      await ui.bubble('customer', text).waitFor();
      expect(await ui.bubble('customer', text).count()).toBe(1);
    }
    expect(await page.evaluate(() => localStorage.getItem('handoff.outbox'))).toBeNull();
    expect(count('select count(*) n from messages where conversation_id = ? and role = ?', conversationId, 'customer')).toBe(3);
  });
});
