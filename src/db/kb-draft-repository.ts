import type { Database } from './database';
import type { KbDraftsTable } from './schema';
import type { ArticleDraft } from '../core/ports';
import { LEARNABLE_REASONS, type DraftStatus, type KbDraft, type LearnableConversation, type LearnableReason } from '../core/learning/types';

/**
 * kb_drafts: knowledge-base drafts learned from resolved handoffs, and (approved) the learned
 * articles. A decision (approve, discard) or an edit applies only to a draft still `drafted`, in one
 * statement, so two people clicking at once cannot both decide it.
 */
/** Where the drafting runs have got to in the resolutions (settings ignores keys it does not know). */
const CURSOR_KEY = 'internal.kb_drafts_cursor';

export function createKbDraftRepository(db: Database) {
  const { q } = db;
  const select = () => q.selectFrom('kb_drafts').selectAll();

  return {
    /**
     * Resolutions recorded since `since` after the event `afterId` (if any), oldest first:
     * the drafting runs' work list, read from where the last run stopped (see cursor()).
     */
    resolvedAfter(afterId: number | null, since: string, limit: number): { eventId: number; conversationId: string }[] {
      let query = q.selectFrom('conversation_events').select(['id', 'conversation_id']).where('type', '=', 'resolved').where('at', '>=', since);
      if (afterId !== null) query = query.where('id', '>', afterId);
      return db.all(query.orderBy('id').limit(limit)).map((r) => ({ eventId: Number(r.id), conversationId: r.conversation_id }));
    },

    /**
     * The conversation, if there is something to learn from it now: resolved, without a draft, its
     * last handoff for a learnable reason, and an agent answered the customer in it; with who
     * resolved it last.
     */
    learnable(conversationId: string): LearnableConversation | null {
      const row = db.first(
        q
          .selectFrom('conversations as c')
          .select('c.id')
          .where('c.id', '=', conversationId)
          .where('c.state', '=', 'resolved')
          .where((eb) => eb.not(eb.exists(eb.selectFrom('kb_drafts as d').select('d.id').whereRef('d.conversation_id', '=', 'c.id'))))
          .where((eb) =>
            eb.exists(eb.selectFrom('messages as m').select('m.id').whereRef('m.conversation_id', '=', 'c.id').where('m.role', '=', 'agent').where('m.deleted_at', 'is', null)),
          ),
      );
      if (!row) return null;
      const events = db.all(
        q.selectFrom('conversation_events').select(['type', 'detail']).where('conversation_id', '=', conversationId).where('type', 'in', ['escalated', 'resolved']).orderBy('id'),
      );
      let reason: string | null = null;
      let resolvedBy: string | null = null;
      for (const e of events) {
        const detail = parseDetail(e.detail);
        if (e.type === 'escalated') reason = typeof detail.kind === 'string' ? detail.kind : null;
        else resolvedBy = typeof detail.agentId === 'string' ? detail.agentId : null;
      }
      if (!reason || !(LEARNABLE_REASONS as readonly string[]).includes(reason)) return null;
      return { conversationId, reason: reason as LearnableReason, resolvedBy };
    },

    /** The last resolution event the drafting runs have dealt with (shared by the instances); null before the first. */
    cursor(): number | null {
      const row = db.first(q.selectFrom('settings').select('value').where('key', '=', CURSOR_KEY));
      const n = row ? Number(row.value) : NaN;
      return Number.isSafeInteger(n) ? n : null;
    },

    /** Moves the cursor forward (never back: another instance may be ahead). */
    setCursor(eventId: number, at: string): void {
      const current = this.cursor();
      if (current !== null && current >= eventId) return;
      db.run(
        q
          .insertInto('settings')
          .values({ key: CURSOR_KEY, value: String(eventId), updated_at: at, updated_by: null })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(eventId), updated_at: at })),
      );
    },

    /** Stores a new draft unless the conversation already has one (another instance drafted it): true when stored. */
    insert(d: Omit<KbDraft, 'status' | 'editedBy' | 'editedAt' | 'decidedBy' | 'decidedAt' | 'articleId' | 'slack'>): boolean {
      const res = db.run(
        q
          .insertInto('kb_drafts')
          .values({
            id: d.id,
            conversation_id: d.conversationId,
            status: 'drafted',
            reason: d.reason,
            topic: d.topic,
            title: d.title,
            question: d.question,
            answer: d.answer,
            drafted_by: d.draftedBy,
            resolved_by: d.resolvedBy,
            created_at: d.createdAt,
          })
          .onConflict((oc) => oc.column('conversation_id').doNothing()),
      );
      return Number(res.changes) === 1;
    },

    get(id: string): KbDraft | undefined {
      const row = db.first(select().where('id', '=', id));
      return row && toDraft(row);
    },

    byConversation(conversationId: string): KbDraft | undefined {
      const row = db.first(select().where('conversation_id', '=', conversationId));
      return row && toDraft(row);
    },

    /** Drafts in a status, the newest first. */
    list(status: DraftStatus, limit = 50): KbDraft[] {
      return db.all(select().where('status', '=', status).orderBy('created_at', 'desc').orderBy('id').limit(limit)).map(toDraft);
    },

    /** The learned articles, as the index reads them (oldest first: stable ids and order). */
    approved(): KbDraft[] {
      return db.all(select().where('status', '=', 'approved').orderBy('decided_at').orderBy('id')).map(toDraft);
    },

    /** Replaces a draft's text; false when it is no longer a draft. */
    edit(id: string, text: ArticleDraft, by: string, at: string): boolean {
      const res = db.run(
        q
          .updateTable('kb_drafts')
          .set({ title: text.title, question: text.question, answer: text.answer, edited_by: by, edited_at: at })
          .where('id', '=', id)
          .where('status', '=', 'drafted'),
      );
      return Number(res.changes) === 1;
    },

    /** Approves or discards a draft; false when someone decided it first. */
    decide(id: string, status: 'approved' | 'discarded', by: string, at: string, articleId: string | null): boolean {
      const res = db.run(
        q.updateTable('kb_drafts').set({ status, decided_by: by, decided_at: at, article_id: articleId }).where('id', '=', id).where('status', '=', 'drafted'),
      );
      return Number(res.changes) === 1;
    },

    /** Where the draft was posted in Slack (its message is updated when it is decided). */
    setSlackRef(id: string, channel: string, ts: string): void {
      db.run(q.updateTable('kb_drafts').set({ slack_channel: channel, slack_ts: ts }).where('id', '=', id));
    },

    /**
     * Whether an article id is taken (learned ids are made from titles): by another learned article,
     * or by an indexed file (one written by hand under KB_DIR/learned/ would hide the new article).
     */
    articleIdTaken(articleId: string): boolean {
      return (
        db.first(q.selectFrom('kb_drafts').select('id').where('article_id', '=', articleId)) !== undefined ||
        db.first(q.selectFrom('kb_articles').select('id').where('id', '=', articleId)) !== undefined
      );
    },
  };
}

export type KbDraftRepository = ReturnType<typeof createKbDraftRepository>;

function parseDetail(json: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(json);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function toDraft(r: KbDraftsTable): KbDraft {
  return {
    id: r.id,
    conversationId: r.conversation_id,
    status: r.status as DraftStatus,
    reason: r.reason as LearnableReason,
    topic: r.topic,
    title: r.title,
    question: r.question,
    answer: r.answer,
    draftedBy: r.drafted_by === 'openai' ? 'openai' : 'built-in',
    resolvedBy: r.resolved_by,
    createdAt: r.created_at,
    editedBy: r.edited_by,
    editedAt: r.edited_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    articleId: r.article_id,
    slack: r.slack_channel && r.slack_ts ? { channel: r.slack_channel, ts: r.slack_ts } : null,
  };
}
