import { afterEach, describe, expect, it } from 'vitest';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { startSmtpSink } from './support/smtp-sink';
import { WidgetClient } from './support/widget-client';

const { ada, support: C } = SLACK_IDS;
let s: SlackStack;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
afterEach(async () => {
  await s?.close();
  await smtp?.close();
});

async function queuedCustomer(email?: string) {
  // Availability is in use and nobody is available: handoffs are queued.
  await s.driver.slashCommand(ada, 'offline');
  const w = await s.widget();
  const welcome = await w.hello({ visitor: { name: 'Jane' } });
  if (email) {
    w.send({ type: 'email', email });
    await w.next('message', (m) => m.text.includes(email));
  }
  w.send({ type: 'request_human' });
  expect((await w.next('state')).state).toBe('queued');
  const card = await s.card(welcome.conversationId);
  return { w, id: welcome.conversationId, card, token: welcome.token };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('offline follow-up by email', () => {
  it('emails unseen agent replies once, batched, with the agent name and a reopen link (text and HTML)', async () => {
    smtp = await startSmtpSink();
    s = await startSlackStack({ SMTP_URL: smtp.url, OFFLINE_EMAIL_DELAY_S: '1', EMAIL_FROM: 'help@acme.example' }, { available: [] });
    const { w, id, card } = await queuedCustomer('jane@example.com');
    w.close(); // the customer leaves
    await sleep(100);
    await s.driver.userReply(ada, C, card.ts, 'Hi Jane, your invoice is fixed.');
    await s.driver.userReply(ada, C, card.ts, 'Anything else I can do?');
    await s.emulator.waitFor(() => s.t.app.core.replay(id, 0).filter((m) => m.role === 'agent').length === 3);

    await s.t.app.jobs.run('offline-email');
    expect(smtp.mails).toEqual([]); // not yet: under the delay
    await sleep(1100);
    await s.t.app.jobs.run('offline-email');
    await s.emulator.waitFor(() => smtp.mails.length === 1, 5000);
    const mail = smtp.mails[0]!;
    expect(mail.to).toEqual(['jane@example.com']);
    expect(mail.from).toBe('help@acme.example');
    expect(mail.decoded).toContain('Ada from Acme Projects support replied');
    expect(mail.decoded).toContain('Hi Jane, your invoice is fixed.');
    expect(mail.decoded).toContain('Anything else I can do?');
    expect(mail.raw).toMatch(/multipart\/alternative/);
    expect(mail.raw).toMatch(/text\/html/);
    const link = /(http:\/\/localhost:\d+\/\?handoff_reopen=[A-Za-z0-9._%-]+)/.exec(mail.decoded)![1]!;

    // Once only.
    await sleep(1100);
    await s.t.app.jobs.run('offline-email');
    await sleep(200);
    expect(smtp.mails.length).toBe(1);

    // The link reopens the same conversation in a fresh browser, with the replies.
    const reopen = decodeURIComponent(new URL(link).searchParams.get('handoff_reopen')!);
    const fresh = await WidgetClient.connect(s.t.url);
    const welcome = await fresh.hello({ reopen });
    expect(welcome.conversationId).toBe(id);
    await fresh.next('message', (m) => m.text === 'Anything else I can do?');
    // The customer's answer lands in the same thread.
    fresh.send({ type: 'message', clientId: 'back', text: 'All good now, thanks!' });
    await s.emulator.waitForMessage(C, (m) => m.thread_ts === card.ts && m.text.includes('All good now'));
    fresh.close();
  });

  it('does not email replies the customer saw in the widget', async () => {
    smtp = await startSmtpSink();
    s = await startSlackStack({ SMTP_URL: smtp.url, OFFLINE_EMAIL_DELAY_S: '1' }, { available: [] });
    const { w, card } = await queuedCustomer('seen@example.com');
    await s.driver.userReply(ada, C, card.ts, 'You are here, good.');
    await w.next('message', (m) => m.text === 'You are here, good.');
    await sleep(1100);
    await s.t.app.jobs.run('offline-email');
    await sleep(200);
    expect(smtp.mails).toEqual([]);
  });

  it('stores and logs the email without SMTP_URL', async () => {
    s = await startSlackStack({ OFFLINE_EMAIL_DELAY_S: '0' }, { available: [] });
    const { w, card } = await queuedCustomer('nosmtp@example.com');
    w.close();
    await sleep(100);
    await s.driver.userReply(ada, C, card.ts, 'Reply for later.');
    await sleep(100);
    await s.t.app.jobs.run('offline-email');
    await s.emulator.waitFor(() => s.t.app.mailer.emails.list({ kind: 'offline_reply' })[0]?.status === 'stored', 5000);
  });

  it('refuses forged and expired reopen tokens', async () => {
    s = await startSlackStack({}, { available: [] });
    const { id } = await queuedCustomer('x@example.com');
    const w = await WidgetClient.connect(s.t.url);
    expect((await w.hello({ reopen: 'r1.e30.bad' })).conversationId).not.toBe(id);
    w.close();
  });
});
