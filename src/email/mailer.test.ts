import { afterEach, describe, expect, it } from 'vitest';
import { Mailer } from './mailer';
import { createLogger } from '../logger';
import { anotherConnection, openTestDatabase } from '../../test/support/test-engine';
import { startSmtpSink } from '../../test/support/smtp-sink';

const sinks: Awaited<ReturnType<typeof startSmtpSink>>[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((s) => s.close()));
});

describe('mailers of processes sharing one database', () => {
  it('send an email once while the mail server is slow to accept it, and one whose claim lapsed is sent by another', async () => {
    // Found by test/cluster.test.ts: each instance's worker read the same pending row while the
    // first was still waiting for the server, and sent it again.
    const smtp = await startSmtpSink({ acceptDelayMs: 300 });
    sinks.push(smtp);
    const first = openTestDatabase();
    const second = anotherConnection(first);
    let now = Date.parse('2026-03-02T10:00:00.000Z');
    const clock = { now: () => new Date(now) };
    const logger = createLogger('silent');
    const a = new Mailer({ db: first, smtpUrl: smtp.url, from: 'help@example.com', clock, logger });
    const b = new Mailer({ db: second, smtpUrl: smtp.url, from: 'help@example.com', clock, logger });

    a.send({ kind: 'offline_reply', to: 'jane@example.com', subject: 'Hi', text: 'Your refund went out.', key: 'k1' });
    const sending = a.flush();
    // b's worker runs while a waits for the server: the email is a's.
    await b.flush();
    await sending;
    expect(smtp.mails.map((m) => m.to)).toEqual([['jane@example.com']]);
    expect(a.emails.list()[0]).toMatchObject({ status: 'sent' });
    await b.flush();
    expect(smtp.mails).toHaveLength(1);

    // A process that claimed an email and died: after the claim's minute, the email is due again.
    b.emails.insert({ kind: 'offline_reply', to: 'joe@example.com', subject: 'Hi', text: 'Sorry for the wait.', key: 'k2' }, clock.now().toISOString());
    const row = b.emails.list().find((e) => e.idempotency_key === 'k2')!;
    expect(a.emails.claim(row.id!, row.next_attempt_at, new Date(now + 60_000).toISOString())).toBe(true);
    await b.flush();
    expect(smtp.mails).toHaveLength(1);
    now += 60_000;
    await b.flush();
    expect(smtp.mails.map((m) => m.to)).toEqual([['jane@example.com'], ['joe@example.com']]);
    await a.stop();
    await b.stop();
  });
});
