import { topicOf } from '../analytics/topics';
import { DomainError } from '../errors';
import type { EventBus } from '../events';
import type { Transactions } from '../stores';
import { newId } from '../ids';
import type { ArticleDraft, ArticleDraftInput, Clock } from '../ports';
import type { Agent, Conversation, Message, Visitor } from '../types';
import { learnedArticleId as learnedId } from './article-id';
import { scrubPersonalData } from './scrub';
import { DRAFT_LIMITS, type KbDraft, type KbDraftStore, type LearnableConversation } from './types';

/** How far back resolutions are drafted from (the first run, or a start after long downtime). */
const LOOKBACK_DAYS = 7;
/** Resolutions read at a time. */
const PER_RUN = 50;
/** The most of a conversation read for a draft. */
const HISTORY = 200;


export interface LearningDeps {
  db: Transactions;
  drafts: KbDraftStore;
  /** The copilot's drafter (OpenAI with the built-in one as fallback, or the built-in one). */
  draft: (input: ArticleDraftInput) => Promise<ArticleDraft>;
  conversations: { get(id: string): Conversation | undefined };
  visitors: { get(id: string): Visitor | undefined };
  agents: { get(id: string): Agent | undefined };
  messages: { recent(conversationId: string, limit: number): readonly Message[] };
  /** Re-indexes the knowledge base (KB_DIR's files and the learned articles). */
  reindex: () => void;
  bus: EventBus;
  clock: Clock;
  logger: { error(o: object, msg: string): void; info(o: object, msg: string): void };
}

export type DraftDecision = 'approved' | 'discarded';

/**
 * Handoffs teach the AI (issue 20): a conversation the AI handed off because the knowledge base
 * lacked the answer (no match, low confidence) and that an agent answered and resolved becomes a
 * draft article; an admin or the agent who resolved it approves (indexed at once), edits or
 * discards it.
 *
 * Drafting is driven by what is stored, not by an event that a crash could lose: each run looks for
 * resolved conversations without a draft (`kick()` runs one soon after a resolution; the job runs
 * one every minute on whichever instance claims the tick). A draft is stored once per conversation
 * (a unique key): two instances drafting the same one store one.
 */
export class LearningService {
  private running: Promise<number> | null = null;
  private again = false;

  constructor(private readonly d: LearningDeps) {}

  /** Starts a drafting run soon (after a resolution); runs one more if one is under way. */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    void this.learn();
  }

  /** Resolves when no drafting run is under way (the app's stop waits for it before closing the database). */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  /**
   * Drafts from the resolutions recorded since the last run (their cursor is shared by the
   * instances); resolves with how many drafts were stored. A draft that fails (the database, both
   * drafters) stops the run there: the next run starts again from it.
   */
  learn(): Promise<number> {
    if (this.running) return this.running;
    const run = (async () => {
      let stored = 0;
      do {
        this.again = false;
        const since = new Date(this.d.clock.now().getTime() - LOOKBACK_DAYS * 86_400_000).toISOString();
        for (;;) {
          const batch = this.d.drafts.resolvedAfter(this.d.drafts.cursor(), since, PER_RUN);
          for (const { eventId, conversationId } of batch) {
            const learnable = this.d.drafts.learnable(conversationId);
            if (learnable) {
              try {
                if (await this.draftOne(learnable)) stored++;
              } catch (err) {
                this.d.logger.error({ err, conversationId }, 'a knowledge-base draft could not be made; the next run tries again');
                return stored;
              }
            }
            this.d.drafts.setCursor(eventId, this.d.clock.now().toISOString());
          }
          if (batch.length < PER_RUN) break;
        }
      } while (this.again);
      return stored;
    })();
    this.running = run;
    void run.finally(() => {
      if (this.running === run) this.running = null;
    });
    return run;
  }

  private async draftOne(c: LearnableConversation): Promise<boolean> {
    const input = this.inputOf(c.conversationId);
    if (!input) return false;
    const drafted = await this.d.draft(input);
    const text = clean(drafted, input.names);
    if (!text.title || !text.question || !text.answer) return false;
    const draft = {
      id: newId('k'),
      conversationId: c.conversationId,
      reason: c.reason,
      topic: topicOf(input.questions.map((q) => scrubPersonalData(q, input.names))),
      ...text,
      draftedBy: drafted.draftedBy ?? 'built-in',
      resolvedBy: c.resolvedBy,
      createdAt: this.d.clock.now().toISOString(),
    };
    if (!this.d.drafts.insert(draft)) return false;
    const stored = this.d.drafts.get(draft.id)!;
    this.d.logger.info({ draftId: stored.id, conversationId: c.conversationId, draftedBy: stored.draftedBy }, 'knowledge-base draft stored');
    this.d.bus.emit({ type: 'kb.draft', draft: stored, change: 'drafted', by: null });
    return true;
  }

  /** The customer's questions (up to the agent's first reply), the agent's replies, and the names in it. */
  private inputOf(conversationId: string): ArticleDraftInput | null {
    const conversation = this.d.conversations.get(conversationId);
    if (!conversation) return null;
    const history = this.d.messages.recent(conversationId, HISTORY).filter((m) => m.deletedAt === null && m.text.trim() !== '');
    const firstAgent = history.findIndex((m) => m.role === 'agent');
    if (firstAgent < 0) return null;
    const questions = history.slice(0, firstAgent).filter((m) => m.role === 'customer').map((m) => m.text);
    const answers = history.filter((m) => m.role === 'agent').map((m) => m.text);
    if (!questions.length) return null;
    const names = new Set<string>();
    const visitor = this.d.visitors.get(conversation.visitorId);
    if (visitor?.name) names.add(visitor.name);
    for (const m of history) if (m.agent?.name) names.add(m.agent.name);
    if (conversation.ownerId) {
      const owner = this.d.agents.get(conversation.ownerId)?.persona.name;
      if (owner) names.add(owner);
    }
    return { questions, answers, names: [...names] };
  }

  /** Whether `userId` may approve, edit or discard the draft: admins and the agent who resolved it. */
  mayDecide(draft: KbDraft, userId: string, isAdmin: boolean): boolean {
    return isAdmin || (draft.resolvedBy !== null && draft.resolvedBy === userId);
  }

  /** The draft, if `userId` may edit it now (for the edit modal); throws the refusal otherwise. */
  editable(draftId: string, userId: string, isAdmin: boolean): KbDraft {
    return this.allowed(draftId, userId, isAdmin);
  }

  /** Replaces the draft's text (it stays a draft). */
  edit(draftId: string, userId: string, isAdmin: boolean, text: ArticleDraft): KbDraft {
    const draft = this.allowed(draftId, userId, isAdmin);
    const fields = checked(text);
    if (!this.d.drafts.edit(draft.id, fields, userId, this.d.clock.now().toISOString())) throw decided(this.d.drafts.get(draftId)!);
    const edited = this.d.drafts.get(draftId)!;
    this.d.bus.emit({ type: 'kb.draft', draft: edited, change: 'edited', by: userId });
    return edited;
  }

  /**
   * Approves (the article is stored and indexed at once, in the same transaction: every instance's
   * next search sees it) or discards the draft.
   */
  decide(draftId: string, userId: string, isAdmin: boolean, decision: DraftDecision): KbDraft {
    const draft = this.allowed(draftId, userId, isAdmin);
    const now = this.d.clock.now().toISOString();
    this.d.db.tx(() => {
      const articleId = decision === 'approved' ? learnedId(draft.title, (id) => this.d.drafts.articleIdTaken(id)) : null;
      if (!this.d.drafts.decide(draft.id, decision, userId, now, articleId)) throw decided(this.d.drafts.get(draftId)!);
      if (decision === 'approved') this.d.reindex();
    });
    const result = this.d.drafts.get(draftId)!;
    this.d.logger.info({ draftId, decision, by: userId, articleId: result.articleId }, 'knowledge-base draft decided');
    this.d.bus.emit({ type: 'kb.draft', draft: result, change: decision, by: userId });
    return result;
  }

  private allowed(draftId: string, userId: string, isAdmin: boolean): KbDraft {
    const draft = this.d.drafts.get(draftId);
    if (!draft) throw new DomainError('not_found', 'That draft no longer exists.');
    if (!this.mayDecide(draft, userId, isAdmin)) throw new DomainError('forbidden', 'Only admins and the agent who resolved the conversation can approve, edit or discard this draft.');
    if (draft.status !== 'drafted') throw decided(draft);
    return draft;
  }
}

function decided(draft: KbDraft): DomainError {
  return new DomainError('conflict', `This draft was already ${draft.status}${draft.decidedBy ? ` by <@${draft.decidedBy}>` : ''}.`);
}

/** Trimmed, single-line title and question, within the limits; personal data removed. */
function clean(d: ArticleDraft, names: readonly string[]): ArticleDraft {
  return {
    title: scrubPersonalData(d.title.replace(/\s+/g, ' ').trim(), names).slice(0, DRAFT_LIMITS.title).trim(),
    question: scrubPersonalData(d.question.replace(/\s+/g, ' ').trim(), names).slice(0, DRAFT_LIMITS.question).trim(),
    answer: scrubPersonalData(d.answer.trim(), names).slice(0, DRAFT_LIMITS.answer).trim(),
  };
}

/** An admin's or agent's edit: every field required, within the limits (a clear error otherwise). */
function checked(t: ArticleDraft): ArticleDraft {
  const out = { title: t.title.replace(/\s+/g, ' ').trim(), question: t.question.replace(/\s+/g, ' ').trim(), answer: t.answer.trim() };
  for (const key of ['title', 'question', 'answer'] as const) {
    if (!out[key]) throw new DomainError('invalid', `The ${key} cannot be empty.`);
    if (out[key].length > DRAFT_LIMITS[key]) throw new DomainError('invalid', `The ${key} is longer than ${DRAFT_LIMITS[key]} characters.`);
  }
  return out;
}
