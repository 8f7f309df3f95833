import type { EventBus } from '../events';
import type { Clock } from '../ports';
import type { AuditStore, ConversationStore, MessageStore, Transactions } from '../stores';
import type { FileRef } from '../types';
import type { ErasedRows, ErasureCounts, ExportedVisitor, PrivacyStore, VisitorQuery } from './privacy-store';

export type { ErasedRows, ErasureCounts, ExportedVisitor, VisitorQuery } from './privacy-store';

/** Who asked for a data subject request: an admin in Slack, or an API key. */
export type Requester = { kind: 'slack'; userId: string } | { kind: 'api_key'; keyId: string };

/** The export: one JSON document about everyone the query names. */
export interface VisitorExportDocument {
  exportedAt: string;
  query: { email: string } | { visitorId: string };
  visitors: (Omit<ExportedVisitor, 'conversations'> & {
    conversations: (ExportedVisitor['conversations'][number] & { files: (ExportedVisitor['conversations'][number]['files'][number] & { url: string | null })[] })[];
  })[];
}

export type ErasureOutcome =
  | { status: 'nothing_found' }
  | { status: 'erased'; visitorIds: string[]; counts: ErasureCounts };

/** Called inside the erasure's transaction, after the rows changed (e.g. the Slack side queues its edits). */
export type ErasureHook = (erased: ErasedRows & { visitorIds: string[] }) => void;

export interface PrivacyServiceDeps {
  db: Transactions;
  store: PrivacyStore;
  audit: AuditStore;
  clock: Clock;
  bus: EventBus;
  messages: Pick<MessageStore, 'get'>;
  conversations: Pick<ConversationStore, 'get'>;
  /** Drops this instance's cached conversation rows (their page address was erased). */
  forgetConversation(conversationId: string): void;
  /** Removes stored files' bytes (their rows are gone already). */
  removeFileBytes(ids: readonly string[]): Promise<void>;
  /** A signed link to a stored file, for the export (valid for `ttlSeconds`). */
  fileLink(file: Pick<FileRef, 'id' | 'name'>, ttlSeconds: number): string;
}

/** How long the export's file links work. */
export const EXPORT_LINK_TTL_SECONDS = 7 * 24 * 60 * 60;

// A domain with a dot and no markup: `<@U0ADA>` (a Slack mention) is not an email.
const EMAIL = /^[^\s@<>|]{1,200}@[^\s@<>|.]{1,63}(?:\.[^\s@<>|.]{1,63}){1,8}$/;
const VISITOR_ID = /^[A-Za-z0-9_-]{1,100}$/;

/** Reads "jane@example.com" or a visitor id as a query; null when it is neither. */
export function parseVisitorQuery(text: string): VisitorQuery | null {
  const value = text.trim().replace(/^<mailto:[^|>]+\|([^>]+)>$/, '$1');
  if (EMAIL.test(value)) return { email: value };
  if (VISITOR_ID.test(value)) return { visitorId: value };
  return null;
}

/**
 * Data subject requests (issue 21): everything about a visitor as one document, and its erasure.
 * The database part of an erasure is one transaction (hooks such as the Slack side's edits join
 * it); files' bytes go after the commit, so a rollback never leaves rows without their bytes.
 * Erasing what is not there, or erasing twice, is "nothing found" or zero counts, never an error.
 */
export class PrivacyService {
  private readonly hooks = new Set<ErasureHook>();

  constructor(private readonly d: PrivacyServiceDeps) {}

  /** Adds work to every erasure's transaction; returns its removal. */
  onErase(hook: ErasureHook): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  find(query: VisitorQuery): string[] {
    return this.d.store.findVisitors(query);
  }

  /** What an erasure of `query` would remove now (for a confirmation); null when nobody matches. */
  preview(query: VisitorQuery): { visitorIds: string[]; counts: ErasureCounts } | null {
    const ids = this.d.store.findVisitors(query);
    return ids.length ? { visitorIds: ids, counts: this.d.store.countErasable(ids) } : null;
  }

  /** Everything about the visitor(s); null when nobody matches. */
  exportVisitor(query: VisitorQuery): VisitorExportDocument | null {
    const { d } = this;
    const ids = d.store.findVisitors(query);
    if (!ids.length) return null;
    const visitors = d.db.tx(() => d.store.exportVisitors(ids));
    return {
      exportedAt: d.clock.now().toISOString(),
      query,
      visitors: visitors.map((v) => ({
        ...v,
        conversations: v.conversations.map((c) => ({
          ...c,
          files: c.files.map((f) => ({ ...f, url: f.deletedAt ? null : d.fileLink(f, EXPORT_LINK_TTL_SECONDS) })),
        })),
      })),
    };
  }

  async eraseVisitor(query: VisitorQuery, requestedBy: Requester): Promise<ErasureOutcome> {
    const { d } = this;
    const now = d.clock.now().toISOString();
    const result = d.db.tx(() => {
      const ids = d.store.findVisitors(query);
      if (!ids.length) return null;
      const erased = d.store.erase(ids, now);
      for (const id of erased.conversationIds) d.forgetConversation(id);
      for (const hook of this.hooks) hook({ ...erased, visitorIds: ids });
      d.audit.record({
        actor: requestedBy.kind === 'slack' ? requestedBy.userId : `api_key:${requestedBy.keyId}`,
        action: 'privacy.erase',
        target: ids.join(','),
        // Counts and how the visitor was named, never the data itself (the email included).
        detail: { requestedBy, by: 'email' in query ? 'email' : 'visitorId', counts: erased.counts },
        at: now,
      });
      return { ids, erased };
    });
    if (!result) return { status: 'nothing_found' };
    const { ids, erased } = result;
    for (const id of erased.conversationIds) d.forgetConversation(id);
    // Widgets still open drop the messages; other instances drop their cached histories.
    for (const m of erased.messages) {
      const message = d.messages.get(m.id);
      const conversation = d.conversations.get(m.conversationId);
      if (message && conversation) d.bus.emit({ type: 'message.deleted', conversation, message });
    }
    await d.removeFileBytes(erased.files.map((f) => f.id));
    return { status: 'erased', visitorIds: ids, counts: erased.counts };
  }
}
