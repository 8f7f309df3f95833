/**
 * What the widget tells the customer, in a real Chromium against the real server (without Slack, so
 * a handoff is `queued`): the header's dot agrees with its subtitle, the email confirmation is shown
 * once, and a message the server refuses (its `clientId` in the error) is marked and sent again.
 */
import { sqliteOf } from '../support/test-engine';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { browserApp } from './support/browser-app';
import { openChat, say, waitUntil, widget } from './support/browser';

const env = browserApp();
const visit = env.visit;

/** The header's subtitle, its dot's state and the dot's colour. */
function header(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('[data-handoff-widget]')!.shadowRoot!;
    const dot = root.querySelector<HTMLElement>('.head .dot')!;
    return {
      text: root.querySelector('.head .sub')!.textContent,
      presence: dot.dataset.presence,
      colour: getComputedStyle(dot).backgroundColor,
    };
  });
}

const GREEN = 'rgb(34, 197, 94)';

describe('the header', () => {
  it('shows a green dot only while someone answers: grey once the subtitle says the team is away', async () => {
    const w = await visit();
    const ui = widget(w.page);
    await openChat(w.page);
    const ai = await header(w.page);
    expect([ai.text, ai.colour]).toEqual(['AI assistant · replies instantly', GREEN]);

    await ui.human.click();
    await ui.email.waitFor();
    await waitUntil(async () => (await header(w.page)).text.includes('away'), 10_000, 'the subtitle to say the team is away');
    const away = await header(w.page);
    expect(away.text).toBe("The team is away · we'll reply by email");
    expect(away.colour).not.toBe(GREEN);
    expect(away.colour).toBe('rgb(156, 163, 175)');
    // The state is on the dot too, for styles and tests (the subtitle says it to assistive technology).
    expect([ai.presence, away.presence]).toEqual(['on', 'away']);
  });
});

describe('the email form', () => {
  it('confirms the email once: one message, no second card saying the same', async () => {
    const w = await visit();
    const ui = widget(w.page);
    await openChat(w.page);
    await ui.human.click();
    await ui.email.fill('once@example.com');
    await w.page.getByRole('button', { name: 'Notify me' }).click();
    await ui.bubble('ai', 'once@example.com').waitFor();
    const confirmations = w.page.locator('[data-handoff-widget] >> .scroll').getByText('once@example.com');
    const visible = async () => (await confirmations.evaluateAll((els) => els.filter((el) => (el as HTMLElement).offsetParent !== null))).length;
    expect(await visible()).toBe(1);
    expect(await ui.email.isVisible()).toBe(false);

    // After a reload too: the form does not come back, the confirmation is there once.
    await w.page.reload();
    await openChat(w.page);
    await ui.bubble('ai', 'once@example.com').waitFor();
    expect(await visible()).toBe(1);
    expect(await ui.email.isVisible()).toBe(false);
  });
});

describe('a message the server refuses', () => {
  it('is marked by its clientId ("not sent · retrying"), kept, and sent again with the same clientId until stored once', async () => {
    const w = await visit();
    const ui = widget(w.page);
    // Between the widget and the real server: the first sending of some messages gets the error
    // the server would give (database busy, too many frames), naming the message by its clientId.
    const refuse: Record<string, 'unavailable' | 'rate_limited' | 'bad_frame'> = {
      'Busy database please': 'unavailable',
      'Too fast for you': 'rate_limited',
      'Refused for good': 'bad_frame',
    };
    const sends = new Map<string, string[]>(); // text → clientIds of every sending
    await w.page.routeWebSocket(/\/widget\/ws$/, (ws) => {
      const server = ws.connectToServer();
      ws.onMessage((raw) => {
        const f = JSON.parse(String(raw)) as { type: string; clientId?: string; text?: string };
        if (f.type === 'message' && f.text) {
          const seen = sends.get(f.text) ?? [];
          sends.set(f.text, [...seen, f.clientId!]);
          const code = refuse[f.text];
          if (code && (seen.length === 0 || code === 'bad_frame')) {
            ws.send(JSON.stringify({ type: 'error', code, message: 'Something went wrong.', clientId: f.clientId }));
            return;
          }
        }
        server.send(raw);
      });
    });
    await openChat(w.page);
    await say(w.page, 'Hello first');
    const first = ui.bubble('customer', 'Hello first');
    await waitUntil(() => first.evaluate((el) => !el.classList.contains('pending')), 10_000, 'the first message acked');
    const notice = w.page.locator('[data-handoff-widget] >> .notice');

    for (const text of ['Busy database please', 'Too fast for you']) {
      await say(w.page, text);
      const b = ui.bubble('customer', text);
      // That message, and only that one, says it was not sent and will be retried; no generic error.
      await b.getByText('Not sent · retrying…').waitFor({ timeout: 10_000 });
      expect(await b.evaluate((el) => el.classList.contains('pending'))).toBe(true);
      expect(await first.getByText('Not sent').count()).toBe(0);
      expect(await notice.isVisible()).toBe(false);
      expect(await w.page.evaluate(() => localStorage.getItem('handoff.outbox'))).toContain(text);
      // Sent again by itself, with the same clientId, and stored.
      await waitUntil(() => b.evaluate((el) => !el.classList.contains('pending')), 20_000, `${text} sent again and acked`);
      expect(await b.getByText('Not sent').count()).toBe(0);
      const ids = sends.get(text)!;
      expect(ids.length).toBeGreaterThanOrEqual(2);
      expect(new Set(ids).size).toBe(1);
      const n = sqliteOf(env.t.app.db).prepare("SELECT count(*) AS n FROM messages WHERE role = 'customer' AND text = ?").get(text) as { n: number };
      expect(n.n).toBe(1);
    }

    // Refused for good (an invalid frame): marked "Not sent" and not sent again.
    await say(w.page, 'Refused for good');
    const refused = ui.bubble('customer', 'Refused for good');
    await refused.getByText('Not sent', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await refused.evaluate((el) => el.classList.contains('failed') && !el.classList.contains('pending'))).toBe(true);
    expect(await notice.isVisible()).toBe(false);
    expect(await w.page.evaluate(() => localStorage.getItem('handoff.outbox'))).toBeNull();
  });
});
