import type { NewEmail } from '../core/stores';
import type { Database } from '../db/database';
import type { EmailsTable } from '../db/schema';
import type { Selectable } from 'kysely';

export type EmailRow = Selectable<EmailsTable>;

export type { NewEmail };

export function createEmailRepository(db: Database) {
  const { q } = db;
  return {
    /** Stores an email to send; a repeated key is a no-op (returns null). */
    insert(e: NewEmail, now: string): number | null {
      const row = db.first(
        q
          .insertInto('emails')
          .values({
            kind: e.kind,
            to_address: e.to,
            subject: e.subject,
            text_body: e.text,
            html_body: e.html ?? null,
            idempotency_key: e.key ?? null,
            status: 'pending',
            attempts: 0,
            next_attempt_at: now,
            conversation_id: e.conversationId ?? null,
            created_at: now,
          })
          .onConflict((oc) => oc.column('idempotency_key').doNothing())
          .returning('id'),
      );
      // RETURNING on both engines (SQLite 3.35+, PostgreSQL): no rowid API needed.
      return row ? Number(row.id) : null;
    },
    due(now: string, limit: number): EmailRow[] {
      return db.all(
        q.selectFrom('emails').selectAll().where('status', '=', 'pending').where('next_attempt_at', '<=', now).orderBy('id').limit(limit),
      );
    },
    /**
     * Takes a due email for sending until `until`, in one conditional UPDATE: only if it is still
     * pending with the `nextAttemptAt` this process read (no other process took it since). Also
     * renews a claim (pass the `until` of the last one). Processes sharing the database send each
     * email once this way; a claim not renewed (its process died) makes the email due again.
     */
    claim(id: number, nextAttemptAt: string, until: string): boolean {
      return (
        db.run(
          q.updateTable('emails').set({ next_attempt_at: until }).where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '=', nextAttemptAt),
        ).changes === 1
      );
    },
    mark(id: number, status: 'sent' | 'stored' | 'failed', now: string, error: string | null = null): void {
      db.run(q.updateTable('emails').set({ status, sent_at: status === 'failed' ? null : now, last_error: error }).where('id', '=', id));
    },
    retryLater(id: number, attempts: number, next: string, error: string): void {
      db.run(q.updateTable('emails').set({ attempts, next_attempt_at: next, last_error: error }).where('id', '=', id));
    },
    list(filter: { kind?: string; conversationId?: string } = {}): EmailRow[] {
      let query = q.selectFrom('emails').selectAll().orderBy('id');
      if (filter.kind) query = query.where('kind', '=', filter.kind);
      if (filter.conversationId) query = query.where('conversation_id', '=', filter.conversationId);
      return db.all(query);
    },
  };
}

export type EmailRepository = ReturnType<typeof createEmailRepository>;
