import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../src/slack/ids';
import { chatTexts } from '../src/i18n/catalogs/chat';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { startSmtpSink } from './support/smtp-sink';
import { startTestApp, type TestApp } from './support/app-harness';

/**
 * The customer's language on the server's side (issue 22): what the chat says, the offline email and
 * the page its link opens, through a real widget socket, the Slack emulation and an SMTP sink.
 */
const { ada, grace, support: C } = SLACK_IDS;
const es = chatTexts.others.es;
const de = chatTexts.others.de;

let s: SlackStack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>> | undefined;
afterEach(async () => {
  await s?.close();
  await smtp?.close();
  smtp = undefined;
});

/** The Subject header, unfolded, its MIME encoded words (RFC 2047) decoded. */
function subjectOf(raw: string): string {
  const header = /^Subject: (.*(?:\r?\n[ \t].*)*)/m.exec(raw)?.[1] ?? '';
  return header
    .replace(/\r?\n[ \t]/g, ' ')
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?utf-8\?([bq])\?([^?]*)\?=/gi, (_m, enc: string, text: string) =>
      enc.toLowerCase() === 'b'
        ? Buffer.from(text, 'base64').toString('utf8')
        : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1').toString('utf8'),
    );
}

const clickOnCard = (user: string, actionId: string, cardTs: string) => s.driver.blockAction(user, { actionId, message: s.emulator.message(C, cardTs)!, channel: C });

describe('the chat in the customer’s language', () => {
  it('says the handoff, the agent’s introduction, the in-line answer and the resolution in Spanish', async () => {
    s = await startSlackStack();
    const w = await s.widget();
    const welcome = await w.hello({ lang: 'es', visitor: { name: 'Lucía' } });
    expect(s.t.app.core.get(welcome.conversationId).language).toBe('es');
    w.send({ type: 'message', clientId: 'm1', text: 'Quiero hablar con una persona' });
    expect((await w.next('state')).state).toBe('waiting');
    expect((await w.next('message', (m) => m.role === 'ai')).text).toBe(es.handoff);
    // Asking again while waiting: where they stand, in Spanish.
    w.send({ type: 'message', clientId: 'm2', text: '¿Puedo hablar con un agente?' });
    const inLine = await w.next('message', (m) => m.role === 'ai');
    expect(inLine.text).toMatch(/^Ya estás en la cola para hablar con una persona: eres el número 1/);

    const card = await s.card(welcome.conversationId);
    await clickOnCard(grace, ACTION.claim, card.ts);
    const intro = await w.next('message', (m) => m.role === 'agent');
    expect(intro.text).toMatch(/^¡Hola! Soy .+, encantado de ayudarte\.$/);
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.resolve));
    await clickOnCard(grace, ACTION.resolve, card.ts);
    expect((await w.next('message', (m) => m.role === 'system')).text).toBe(es.resolved);
    w.send({ type: 'rate', score: 5 });
    expect((await w.next('message', (m) => m.role === 'ai' && m.seq > intro.seq)).text).toBe(es.ratingThanks);
  });

  it('ignores a language it does not speak: the admins’ default (English)', async () => {
    s = await startSlackStack();
    const w = await s.widget();
    const welcome = await w.hello({ lang: 'ja' });
    expect(s.t.app.core.get(welcome.conversationId).language).toBeNull();
    w.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
    expect((await w.next('message', (m) => m.role === 'ai')).text).toBe(chatTexts.en.handoff);
  });

  it('writes the offline email in German (subject, body, button, expiry, <html lang>), its link carrying the language', async () => {
    smtp = await startSmtpSink();
    s = await startSlackStack({ SMTP_URL: smtp.url, OFFLINE_EMAIL_DELAY_S: '0' }, { available: [] });
    await s.driver.slashCommand(ada, 'offline');
    const w = await s.widget();
    const welcome = await w.hello({ lang: 'de', visitor: { name: 'Jonas' } });
    w.send({ type: 'email', email: 'jonas@example.com' });
    expect((await w.next('message', (m) => m.text.includes('jonas@example.com'))).text).toBe(de.emailSaved!.replace('{email}', 'jonas@example.com'));
    w.send({ type: 'request_human' });
    expect((await w.next('state')).state).toBe('queued');
    // Queued with the email known: told so in German.
    expect((await w.next('message', (m) => m.role === 'ai')).text).toBe(de.queuedWithEmail!.replace('{email}', 'jonas@example.com'));
    const card = await s.card(welcome.conversationId);
    w.close();
    // Gone from the widget: the reply is not seen, so it is emailed.
    await s.emulator.waitFor(() => !s.t.app.registry.isOnline(welcome.conversationId));
    await s.driver.userReply(ada, C, card.ts, 'Deine Rechnung ist korrigiert.');
    await s.emulator.waitFor(() => s.t.app.core.replay(welcome.conversationId, 0).some((m) => m.role === 'agent' && m.text.includes('Rechnung')));

    await s.emulator.waitFor(async () => {
      await s.t.app.jobs.run('offline-email');
      return smtp!.mails.length === 1;
    }, 10_000);
    const mail = smtp.mails[0]!;
    expect(subjectOf(mail.raw)).toMatch(/^Ada hat auf deine Frage geantwortet — Acme Projects support$/);
    expect(mail.decoded).toContain('Ada von Acme Projects support hat dir geantwortet, während du weg warst:');
    expect(mail.decoded).toContain('Deine Rechnung ist korrigiert.');
    expect(mail.decoded).toContain('Unterhaltung fortsetzen');
    expect(mail.decoded).toContain('Dieser Link ist 7 Tage lang gültig.');
    expect(mail.decoded).toMatch(/<html lang="de" dir="ltr">/);
    const link = /(http:\/\/localhost:\d+\/\?handoff_reopen=[A-Za-z0-9._%-]+&(?:amp;)?hl=de)/.exec(mail.decoded)?.[1];
    expect(link).toBeDefined();
    // The page the link opens greets them in German, and tells the widget.
    const reopen = new URL(link!.replace('&amp;', '&'));
    const page = await fetch(`${s.t.url}/${reopen.search}`);
    const html = await page.text();
    expect(html).toMatch(/<html lang="de" dir="ltr">/);
    expect(html).toContain('data-lang="de"');
    expect(html).toContain('Deine Unterhaltung mit Acme Projects support');
  });
});

describe('the page a follow-up email’s link opens', () => {
  let t: TestApp | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });
  const get = async (query: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t!.url}/${query}`, { headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    return res.text();
  };

  it('is in Arabic, right to left, and tells the widget; falls back to the browser’s language, then the admins’ default', async () => {
    t = await startTestApp();
    const ar = await get('?handoff_reopen=v1.abc.def&hl=ar');
    expect(ar).toMatch(/<html lang="ar" dir="rtl">/);
    expect(ar).toContain('<script src="/widget.js" data-lang="ar" async></script>');
    expect(ar).toContain('محادثتك مع Acme Projects support');
    // No inline script or style: the pages' CSP allows none.
    expect(ar).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);

    // A language we do not speak in the link: the browser's.
    const fr = await get('?handoff_reopen=v1.abc.def&hl=xx', { 'accept-language': 'ja;q=1, fr-CA;q=0.8, en;q=0.5' });
    expect(fr).toMatch(/<html lang="fr" dir="ltr">/);
    expect(fr).toContain('data-lang="fr"');
    // Neither: the admins' default.
    t.app.settings.update({ defaultLanguage: 'pt-BR' }, null);
    const pt = await get('?handoff_reopen=v1.abc.def', { 'accept-language': 'ja' });
    expect(pt).toMatch(/<html lang="pt-BR" dir="ltr">/);
    expect(pt).toContain('Sua conversa com Acme Projects support');
  });

  it('escapes the product name, and without a reopen token serves the demo page', async () => {
    t = await startTestApp();
    t.app.settings.update({ widgetTitle: 'Acme <b>"Support"</b>' }, null);
    const page = await get('?handoff_reopen=x&hl=es');
    expect(page).toContain('Tu conversación con Acme &lt;b&gt;&quot;Support&quot;&lt;/b&gt;');
    expect(page).not.toContain('<b>');
    const demo = await get('', { 'accept-language': 'ar' });
    expect(demo).toContain('<html lang="en">');
    expect(demo).toContain('Acme Projects — plan, track and ship together');
  });
});
