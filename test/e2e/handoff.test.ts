/**
 * The handoff as a customer sees it, in Chromium against the real server and the Slack emulation:
 * "Talk to a person", waiting, an agent claims in Slack and replies, a server restart and a reload
 * keep the history, resolution and the rating; an agent's XSS payloads and a `<script>` name.
 * The tests of the first block build on each other (one customer, one conversation).
 */
import { sqliteOf } from '../support/test-engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { ACTION } from '../../src/slack/ids';
import { SLACK_IDS } from '../support/slack-emulator';
import { startSlackStack, type SlackStack } from '../support/slack-stack';
import { injectedCount, launchBrowser, openChat, openPage, say, shot, startHostPage, waitUntil, widget, type Watched } from './support/browser';
import { freePort } from '../support/free-port';

const C = SLACK_IDS.support;
let s: SlackStack;
let browser: Browser;
const pages: Watched[] = [];

async function visit(url = s.t.url): Promise<Watched> {
  const w = await openPage(browser, url);
  pages.push(w);
  return w;
}

const claim = (user: string, cardTs: string) => s.driver.blockAction(user, { actionId: ACTION.claim, message: s.emulator.message(C, cardTs)!, channel: C });

beforeAll(async () => {
  const port = await freePort();
  [s, browser] = await Promise.all([startSlackStack({ PORT: String(port) }), launchBrowser()]);
});

afterAll(async () => {
  for (const w of pages) await w.close().catch(() => {});
  await browser?.close();
  await s?.close();
});

describe('a customer meets an agent', () => {
  let w: Watched;
  let conversationId: string;
  let cardTs: string;
  let ui: ReturnType<typeof widget>;

  it('asks for a person and sees "Let me connect you with a team member..." with the queue position', async () => {
    w = await visit();
    ui = widget(w.page);
    await openChat(w.page);
    await say(w.page, 'Can I export my data?');
    await ui.bubble('customer', 'Can I export my data?').waitFor();
    await ui.bubble('ai', /export/i).first().waitFor();
    await ui.human.click();
    await ui.bubble('ai', 'Let me connect you with a team member...').waitFor();
    // Said once, by the server's message (the widget does not repeat it).
    expect(await w.page.getByText('Let me connect you with a team member...').count()).toBe(1);
    await w.page.getByText('Waiting for a team member').waitFor();
    await w.page.getByText('Connecting you with the team…').waitFor();
    await w.page.getByText("You're next in line").waitFor();
    expect(await ui.human.isVisible()).toBe(false);
    await shot(w.page, 'waiting', { docs: true, panel: true });

    conversationId = await w.conversationId();
    cardTs = (await s.card(conversationId)).ts;
    expect(w.sent.filter((f) => f.type === 'request_human')).toHaveLength(1);
  });

  it("meets the agent who claims it in Slack: the introduction with name and avatar, then the agent's reply", async () => {
    expect((await claim(SLACK_IDS.ada, cardTs)).status).toBe(200);
    const intro = ui.bubble('agent', "Hi! I'm Ada, happy to help!");
    await intro.waitFor();
    expect(await intro.locator('.name').textContent()).toBe('Ada');
    // The avatar is Slack's picture (the test serves it); it falls back to initials when it fails.
    await waitUntil(() => intro.locator('.av img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0));
    await w.page.getByText("You're chatting with Ada").waitFor();
    expect(await w.page.getByText('Waiting for a team member').isVisible()).toBe(false);

    await s.driver.userReply(SLACK_IDS.ada, C, cardTs, "Thanks for waiting! I've exported your workspace for you: you'll find the download link for invoice-ready CSVs (#1042) in your email in a minute.");
    await ui.bubble('agent', 'download link').waitFor();
    await say(w.page, 'That was quick, thank you!');
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === cardTs && m.text.includes('That was quick, thank you!'));
    await waitUntil(() => ui.bubble('customer', 'That was quick').evaluate((el) => !el.classList.contains('pending')));
    await shot(w.page, 'agent-reply', { docs: true, panel: true });
    expect(w.errors).toEqual([]);
  });

  it('keeps the conversation through a server restart and a page reload', async () => {
    const before = await ui.messages.allTextContents();
    await s.restart();
    // The widget reconnects by itself (resuming after its last seq) and gets what comes next.
    await s.driver.userReply(SLACK_IDS.ada, C, cardTs, 'Is there anything else I can help you with?');
    await ui.bubble('agent', 'anything else I can help').waitFor({ timeout: 20_000 });
    expect((await ui.messages.allTextContents()).slice(0, before.length)).toEqual(before);

    await w.page.reload();
    await openChat(w.page);
    await ui.bubble('agent', 'anything else I can help').waitFor();
    const after = await ui.messages.allTextContents();
    expect(after).toEqual([...before, expect.stringContaining('anything else I can help')]);
    await w.page.getByText("You're chatting with Ada").waitFor();
  });

  it("shows the agent typing, counts unread replies on the launcher, and follows the agent's edits and deletions", async () => {
    s.t.app.bus.emit({ type: 'typing', conversationId, role: 'agent', typing: true });
    const typing = w.page.locator('[data-handoff-widget] >> .typing');
    await typing.waitFor();
    expect(await typing.locator('.name').textContent()).toBe('Ada');
    await shot(w.page, 'typing', { panel: true });
    s.t.app.bus.emit({ type: 'typing', conversationId, role: 'agent', typing: false });
    await typing.waitFor({ state: 'hidden' });

    await ui.close.click();
    const { ts } = await s.driver.userReply(SLACK_IDS.ada, C, cardTs, 'PS: the export includes attachments tooo');
    const unread = w.page.getByRole('button', { name: 'Open chat, 1 new message' });
    await unread.waitFor();
    await shot(w.page, 'unread');
    await unread.click();
    await ui.bubble('agent', 'attachments tooo').waitFor();
    // The (hidden) launcher's name is back to plain "Open chat" once the reply was seen.
    expect(await w.page.locator('[data-handoff-widget] >> .launcher').getAttribute('aria-label')).toBe('Open chat');

    await s.driver.messageChanged(C, ts, 'PS: the export includes attachments too');
    await ui.bubble('agent', /attachments too$/).waitFor();
    expect(await ui.bubble('agent', 'tooo').count()).toBe(0);
    await s.driver.messageDeleted(C, ts);
    await ui.bubble('agent', 'attachments too').waitFor({ state: 'detached' });
  });

  it('asks for a 1–5 rating once resolved, takes an optional comment and says thank you', async () => {
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, cardTs)!.blocks).includes(ACTION.resolve));
    await s.driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.resolve, message: s.emulator.message(C, cardTs)!, channel: C });
    await w.page.getByText('How was your conversation with Ada?').waitFor();
    for (let n = 1; n <= 5; n++) expect(await ui.star(n).count()).toBe(1);
    await ui.star(5).click();
    expect(await ui.star(5).getAttribute('aria-pressed')).toBe('true');
    const comment = w.page.getByRole('textbox', { name: /comment/i });
    await comment.fill('Ada sorted it out in two minutes!');
    await shot(w.page, 'rating', { docs: true, panel: true });
    await w.page.getByRole('button', { name: 'Submit rating' }).click();
    await ui.bubble('ai', 'Thank you for your feedback!').waitFor();
    await w.page.getByText('You rated this conversation 5 out of 5').waitFor();
    expect(await ui.star(1).isVisible()).toBe(false);
    await shot(w.page, 'rated', { panel: true });
    const rated = sqliteOf(s.t.app.db)
      .prepare("select detail from conversation_events where conversation_id = ? and type = 'rated'")
      .all(conversationId) as { detail: string }[];
    expect(rated.map((r) => JSON.parse(r.detail))).toEqual([{ score: 5, comment: 'Ada sorted it out in two minutes!' }]);

    // Rated once: a reload shows the thank-you, not the stars.
    await w.page.reload();
    await openChat(w.page);
    await w.page.getByText('You rated this conversation 5 out of 5').waitFor();
    expect(await ui.star(1).isVisible()).toBe(false);
  });
});

describe('hostile text from Slack', () => {
  it("shows an agent's HTML and a <script> display name as text, and never loads a javascript: avatar", async () => {
    s.emulator.addUser({
      id: 'U0MALLORY',
      name: 'mallory',
      real_name: '<img src=x onerror=alert("real")>',
      display_name: '<script>alert("name")</script>',
      image_72: 'javascript:alert("avatar")',
      channels: [C],
    });
    const host = await startHostPage(s.t.url);
    try {
      const w = await visit(host.url);
      const ui = widget(w.page);
      await openChat(w.page);
      await w.page.evaluate(() => window.HandoffWidget!.identify('u-1', 'not-a-valid-hash', { name: '<script>alert("customer")</script>' }));
      await ui.human.click();
      await ui.bubble('ai', 'Let me connect you').waitFor();
      // Someone was claimed before: the server now sends a wait estimate with the position.
      await w.page.getByText("You're next in line · less than a minute").waitFor();
      const id = await w.conversationId();
      const card = await s.card(id);
      // Slack sees the customer's name escaped, never as markup.
      expect(JSON.stringify(card.blocks)).toContain('&lt;script&gt;');

      await claim('U0MALLORY', card.ts);
      const name = '<script>alert("name")</script>';
      await ui.bubble('agent', `I'm ${name}`).waitFor();
      // Slack delivers what the agent typed HTML-escaped; the relay turns it back into plain text.
      await s.driver.userReply('U0MALLORY', C, card.ts, '&lt;img src=x onerror=alert(1)&gt; and &lt;script&gt;alert(2)&lt;/script&gt;');
      const reply = ui.bubble('agent', 'onerror=alert(1)');
      await reply.waitFor();
      expect(await reply.locator('.b').textContent()).toBe('<img src=x onerror=alert(1)> and <script>alert(2)</script>');
      expect(await reply.locator('.name').textContent()).toBe(name);
      await w.page.getByText(`You're chatting with ${name}`).waitFor();
      // No picture element at all for a javascript: avatar: initials only.
      expect(await w.page.locator('[data-handoff-widget] >> .av img').count()).toBe(0);
      await w.page.waitForTimeout(300);
      expect(w.dialogs).toEqual([]);
      expect(await injectedCount(w.page)).toBe(0);
      await shot(w.page, 'xss-agent', { panel: true });
    } finally {
      await host.close();
    }
  });
});
