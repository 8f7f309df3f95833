import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../core/ports';
import type { Database, SqliteDatabase } from '../db/database';
import type { Logger } from '../logger';
import { createEmailRepository, type EmailRepository, type NewEmail } from './email-repository';

const MAX_ATTEMPTS = 8;
/** How long a claim on an email lasts (renewed every third of it while the send runs): a dead process's email is due again after it. */
const CLAIM_MS = 60_000;

/**
 * Emails go through a small persisted outbox: `send` stores the email in the caller's transaction
 * if there is one, and a worker delivers it with nodemailer (retrying with backoff). Without
 * SMTP_URL an email is stored and logged, not sent, so nothing is lost and the operator can see it.
 */
export class Mailer {
  private readonly repo: EmailRepository;
  private readonly transport: Transporter | null;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  /** The last background round failed: the next failure is not logged again. */
  private pollFailing = false;

  constructor(
    private readonly d: { db: Database; smtpUrl?: string; from: string; clock: Clock; logger: Logger; pollMs?: number },
  ) {
    this.repo = createEmailRepository(d.db);
    this.transport = d.smtpUrl ? nodemailer.createTransport(d.smtpUrl) : null;
  }

  get emails(): EmailRepository {
    return this.repo;
  }

  /** Queues an email (synchronous, idempotent by key) and wakes the worker. */
  send(email: NewEmail): number | null {
    const id = this.repo.insert(email, this.d.clock.now().toISOString());
    if (id !== null && this.timer) setImmediate(() => this.poll());
    return id;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.d.pollMs ?? 1000);
    this.timer.unref();
    this.poll();
  }

  /** A background round: a failure (the database gone) is logged once, and the next rounds retry. */
  private poll(): void {
    this.flush().then(
      () => (this.pollFailing = false),
      (err: unknown) => {
        if (!this.pollFailing) this.d.logger.error({ err }, 'could not look for emails to send; retrying every round');
        this.pollFailing = true;
      },
    );
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    this.transport?.close();
  }

  /** Delivers everything due now. */
  flush(): Promise<void> {
    this.running ??= this.deliverDue().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** Where an operator reads a stored email (the log line names it instead of showing its body). */
  private howToRead(id: number): string {
    const query = `SELECT text_body FROM emails WHERE id = ${id}`;
    if (this.d.db.engine !== 'sqlite') return `psql "$DATABASE_URL" -c "${query}"`;
    const file = (this.d.db as SqliteDatabase).sqlite.name;
    return file === ':memory:' || file === '' ? `${query} (in the in-memory database)` : `sqlite3 '${file}' "${query}"`;
  }

  private async deliverDue(): Promise<void> {
    const { d } = this;
    const later = (ms: number) => new Date(d.clock.now().getTime() + ms).toISOString();
    for (const e of this.repo.due(d.clock.now().toISOString(), 20)) {
      const now = () => d.clock.now().toISOString();
      // Other instances sharing the database read the same due rows: the one whose claim took effect sends it.
      let claimedUntil = later(CLAIM_MS);
      if (!this.repo.claim(e.id!, e.next_attempt_at, claimedUntil)) continue;
      if (!this.transport) {
        // Never the body: it may hold a reopen link, whose token opens the customer's conversation.
        d.logger.info({ emailId: e.id, to: e.to_address, subject: e.subject, kind: e.kind, read: this.howToRead(e.id!) }, 'email stored (SMTP_URL is not set, so it was not sent)');
        this.repo.mark(e.id!, 'stored', now());
        continue;
      }
      // A slow mail server must not let the claim lapse while this process is still sending.
      const renewal = setInterval(() => {
        const until = later(CLAIM_MS);
        try {
          if (this.repo.claim(e.id!, claimedUntil, until)) claimedUntil = until;
        } catch (err) {
          d.logger.warn({ err, emailId: e.id }, 'could not renew the claim on an email being sent');
        }
      }, CLAIM_MS / 3);
      renewal.unref();
      try {
        await this.transport.sendMail({
          from: d.from,
          to: e.to_address,
          subject: e.subject,
          text: e.text_body,
          ...(e.html_body ? { html: e.html_body } : {}),
          headers: { 'X-Handoff-Email-Id': String(e.id) },
        });
        this.repo.mark(e.id!, 'sent', now());
        d.logger.info({ emailId: e.id, kind: e.kind }, 'email sent');
      } catch (err) {
        const attempts = e.attempts + 1;
        const message = err instanceof Error ? err.message : String(err);
        if (attempts >= MAX_ATTEMPTS) {
          this.repo.mark(e.id!, 'failed', now(), message);
          d.logger.error({ err, emailId: e.id }, 'email could not be sent; giving up');
        } else {
          const delayMs = Math.min(30 * 60_000, 2 ** attempts * 1000);
          this.repo.retryLater(e.id!, attempts, new Date(d.clock.now().getTime() + delayMs).toISOString(), message);
          d.logger.warn({ err, emailId: e.id, attempts }, 'email not sent; will retry');
        }
      } finally {
        clearInterval(renewal);
      }
    }
  }
}
