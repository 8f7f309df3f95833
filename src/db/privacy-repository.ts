import fs from 'node:fs';
import type { Database } from './database';
import type { FileRef } from '../core/types';
import type { ErasedRows, ErasureCounts, ExportedConversation, ExportedVisitor, PrivacyStore, VisitorQuery } from '../core/privacy/privacy-store';

const parse = <T>(json: string | null, fallback: T): T => {
  if (!json) return fallback;
  try {
    return JSON.parse(json) as T;
  } catch {
    return fallback;
  }
};

/**
 * Data subject requests over every table that holds a visitor's data (visitors, conversations,
 * messages, files, conversation_events, emails, reopen_links_used, handoff_starts, slack_threads'
 * summaries, kb_drafts' links, webhook_deliveries' bodies). The Slack outbox's copies are the Slack side's (privacy-eraser.ts).
 */
export function createPrivacyRepository(db: Database) {
  const { q } = db;
  const conversationsOf = (ids: readonly string[]) => q.selectFrom('conversations').select('id').where('visitor_id', 'in', [...ids]);

  function visitorEmails(ids: readonly string[]): string[] {
    const rows = db.all(q.selectFrom('visitors').select('email').where('id', 'in', [...ids]).where('email', 'is not', null));
    return [...new Set(rows.map((r) => r.email!.toLowerCase()))];
  }

  /** Emails sent to the visitors' addresses or about their conversations. */
  function emailsQuery(ids: readonly string[], emails: readonly string[]) {
    return q.selectFrom('emails').where((eb) =>
      eb.or([
        eb('conversation_id', 'in', conversationsOf(ids)),
        ...(emails.length ? [eb(eb.fn<string>('lower', ['to_address']), 'in', [...emails])] : []),
      ]),
    );
  }

  function ratingComments(ids: readonly string[]) {
    return db
      .all(q.selectFrom('conversation_events').select(['id', 'detail']).where('type', '=', 'rated').where('conversation_id', 'in', conversationsOf(ids)))
      .filter((r) => parse<Record<string, unknown>>(r.detail, {}).comment != null);
  }

  const erasableMessages = (ids: readonly string[]) =>
    q
      .selectFrom('messages')
      .where('conversation_id', 'in', conversationsOf(ids))
      .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('text', '!=', ''), eb('files', 'is not', null)]));

  const count = (n: unknown) => Number(n ?? 0);

  const store = {
    findVisitors(query: VisitorQuery): string[] {
      const base = q.selectFrom('visitors').select('id');
      const rows =
        'email' in query
          ? db.all(base.where((eb) => eb(eb.fn<string>('lower', ['email']), '=', query.email.trim().toLowerCase())).orderBy('created_at'))
          : db.all(base.where('id', '=', query.visitorId));
      return rows.map((r) => r.id);
    },

    exportVisitors(ids: readonly string[]): ExportedVisitor[] {
      if (!ids.length) return [];
      const visitors = db.all(q.selectFrom('visitors').selectAll().where('id', 'in', [...ids]).orderBy('created_at'));
      return visitors.map((v) => {
        const conversations = db.all(q.selectFrom('conversations').selectAll().where('visitor_id', '=', v.id).orderBy('created_at'));
        const emails = db.all(emailsQuery([v.id], v.email ? [v.email.toLowerCase()] : []).selectAll().orderBy('id'));
        return {
          id: v.id,
          name: v.name,
          email: v.email,
          userId: v.user_id,
          verified: Boolean(v.verified),
          attributes: parse<Record<string, unknown>>(v.attributes, {}),
          createdAt: v.created_at,
          lastSeenAt: v.last_seen_at,
          conversations: conversations.map((c): ExportedConversation => ({
            id: c.id,
            state: c.state,
            pageUrl: c.page_url,
            pageTitle: c.page_title,
            escalationReason: c.escalation_reason,
            escalatedAt: c.escalated_at,
            ownerId: c.owner_id,
            createdAt: c.created_at,
            updatedAt: c.updated_at,
            messages: db.all(q.selectFrom('messages').selectAll().where('conversation_id', '=', c.id).orderBy('seq')).map((m) => ({
              id: m.id,
              seq: m.seq,
              role: m.role,
              text: m.text,
              agentName: m.agent_name,
              createdAt: m.created_at,
              editedAt: m.edited_at,
              deletedAt: m.deleted_at,
              files: parse<FileRef[]>(m.files, []),
            })),
            events: db
              .all(q.selectFrom('conversation_events').select(['type', 'detail', 'at']).where('conversation_id', '=', c.id).orderBy('id'))
              .map((e) => ({ type: e.type, detail: parse<Record<string, unknown>>(e.detail, {}), at: e.at })),
            files: db.all(q.selectFrom('files').selectAll().where('conversation_id', '=', c.id).orderBy('created_at')).map((f) => ({
              id: f.id,
              name: f.name,
              mime: f.mime,
              size: f.size,
              conversationId: f.conversation_id,
              messageId: f.message_id,
              origin: f.origin,
              sha256: f.sha256,
              createdAt: f.created_at,
              deletedAt: f.deleted_at,
            })),
            kbDrafts: db
              .all(q.selectFrom('kb_drafts').selectAll().where('conversation_id', '=', c.id).orderBy('created_at'))
              .map((k) => ({ id: k.id, status: k.status, title: k.title, question: k.question, answer: k.answer, createdAt: k.created_at })),
          })),
          emails: emails.map((e) => ({
            id: Number(e.id),
            kind: e.kind,
            to: e.to_address,
            subject: e.subject,
            text: e.text_body,
            status: e.status,
            createdAt: e.created_at,
            sentAt: e.sent_at,
          })),
        };
      });
    },

    countErasable(ids: readonly string[]): ErasureCounts {
      if (!ids.length) return { visitors: 0, conversations: 0, messages: 0, files: 0, emails: 0, ratingComments: 0, kbDraftsUnlinked: 0 };
      return {
        visitors: ids.length,
        conversations: count(db.first(q.selectFrom('conversations').select((eb) => eb.fn.countAll<number>().as('n')).where('visitor_id', 'in', [...ids]))?.n),
        messages: count(db.first(erasableMessages(ids).select((eb) => eb.fn.countAll<number>().as('n')))?.n),
        files: count(db.first(q.selectFrom('files').select((eb) => eb.fn.countAll<number>().as('n')).where('conversation_id', 'in', conversationsOf(ids)))?.n),
        emails: count(db.first(emailsQuery(ids, visitorEmails(ids)).select((eb) => eb.fn.countAll<number>().as('n')))?.n),
        ratingComments: ratingComments(ids).length,
        kbDraftsUnlinked: count(
          db.first(q.selectFrom('kb_drafts').select((eb) => eb.fn.countAll<number>().as('n')).where('conversation_id', 'in', conversationsOf(ids)))?.n,
        ),
      };
    },

    erase(ids: readonly string[], at: string): ErasedRows {
      return db.tx(() => {
        const counts = store.countErasable(ids);
        const conversationIds = db.all(conversationsOf(ids)).map((r) => r.id);
        const messages = db
          .all(erasableMessages(ids).select(['id', 'conversation_id', 'seq']))
          .map((m) => ({ id: m.id, conversationId: m.conversation_id, seq: Number(m.seq) }));
        const files = db
          .all(q.selectFrom('files').select(['id', 'conversation_id', 'slack_file_id', 'origin']).where('conversation_id', 'in', conversationsOf(ids)))
          .map((f) => ({ id: f.id, conversationId: f.conversation_id, slackFileId: f.origin === 'customer' ? f.slack_file_id : null }));
        const emails = visitorEmails(ids);
        const identities = db
          .all(q.selectFrom('visitors').select(['name', 'email']).where('id', 'in', [...ids]))
          .flatMap((v) => [v.name, v.email])
          .filter((x): x is string => Boolean(x && x.trim()));

        if (emails.length || conversationIds.length) db.run(q.deleteFrom('emails').where('id', 'in', emailsQuery(ids, emails).select('id')));
        if (files.length) db.run(q.deleteFrom('files').where('id', 'in', files.map((f) => f.id)));
        if (messages.length) {
          db.run(
            q
              .updateTable('messages')
              .set((eb) => ({ text: '', files: null, client_id: null, deleted_at: eb.fn.coalesce('deleted_at', eb.val(at)) }))
              .where('id', 'in', messages.map((m) => m.id)),
          );
        }
        // Ratings stay as scores (analytics); what the customer wrote goes.
        for (const r of ratingComments(ids)) {
          const detail = parse<Record<string, unknown>>(r.detail, {});
          delete detail.comment;
          db.run(q.updateTable('conversation_events').set({ detail: JSON.stringify(detail) }).where('id', '=', r.id!));
        }
        if (conversationIds.length) {
          db.run(q.updateTable('conversations').set({ page_url: null, page_title: null }).where('id', 'in', conversationIds));
          db.run(q.updateTable('slack_threads').set({ summary: null }).where('conversation_id', 'in', conversationIds));
          db.run(q.updateTable('kb_drafts').set({ conversation_id: null }).where('conversation_id', 'in', conversationIds));
          // Webhook bodies quote messages: what was not delivered yet never will be, what was goes.
          db.run(q.deleteFrom('webhook_deliveries').where('conversation_id', 'in', conversationIds));
        }
        db.run(q.updateTable('visitors').set({ name: null, email: null, user_id: null, verified: 0, attributes: '{}' }).where('id', 'in', [...ids]));
        db.run(q.deleteFrom('reopen_links_used').where('visitor_id', 'in', [...ids]));
        db.run(q.updateTable('handoff_starts').set({ address: null }).where('visitor_id', 'in', [...ids]));
        return { counts: { ...counts, visitors: ids.length }, conversationIds, messages, files, identities: [...new Set(identities)] };
      });
    },
  } satisfies PrivacyStore;
  return store;
}

/** Removes stored files' bytes (file-store.ts's layout: `<dir>/<2 chars>/<id>`); a file already gone is fine. */
export async function removeFileBytes(pathOf: (id: string) => string, ids: readonly string[]): Promise<void> {
  for (const id of ids) await fs.promises.rm(pathOf(id), { force: true });
}

export type PrivacyRepository = ReturnType<typeof createPrivacyRepository>;
