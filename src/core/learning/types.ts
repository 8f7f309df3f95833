import type { ArticleDraft } from '../ports';

/** Knowledge-base drafts learned from resolved handoffs (issue 20). */
export const DRAFT_STATUSES = ['drafted', 'approved', 'discarded'] as const;
export type DraftStatus = (typeof DRAFT_STATUSES)[number];

/** The handoff reasons that say the knowledge base lacked the answer: the ones worth learning from. */
export const LEARNABLE_REASONS = ['no_match', 'low_confidence'] as const;
export type LearnableReason = (typeof LEARNABLE_REASONS)[number];

export interface KbDraft extends ArticleDraft {
  id: string;
  /** null once the source conversation was erased (the scrubbed article stays). */
  conversationId: string | null;
  status: DraftStatus;
  reason: LearnableReason;
  /** What the customer asked about, in a word or two (groups the gaps). */
  topic: string | null;
  draftedBy: 'openai' | 'built-in';
  /** The Slack user who resolved the conversation: may approve besides the admins. */
  resolvedBy: string | null;
  createdAt: string;
  editedBy: string | null;
  editedAt: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  /** The knowledge-base article id once approved (`learned/<slug>.md`). */
  articleId: string | null;
  /** The draft's message in the conversation's thread, once posted. */
  slack: { channel: string; ts: string } | null;
}

/** What a resolved conversation gives to learn from. */
export interface LearnableConversation {
  conversationId: string;
  reason: LearnableReason;
  resolvedBy: string | null;
}

/** The most a draft's fields hold (an edit beyond them is refused; a drafter's output is cut). */
export const DRAFT_LIMITS = { title: 150, question: 1000, answer: 3000 } as const;

/** Where drafts are kept (src/db/kb-draft-repository.ts). */
export interface KbDraftStore {
  resolvedAfter(afterId: number | null, since: string, limit: number): { eventId: number; conversationId: string }[];
  learnable(conversationId: string): LearnableConversation | null;
  cursor(): number | null;
  setCursor(eventId: number, at: string): void;
  insert(d: Omit<KbDraft, 'status' | 'editedBy' | 'editedAt' | 'decidedBy' | 'decidedAt' | 'articleId' | 'slack'>): boolean;
  get(id: string): KbDraft | undefined;
  edit(id: string, text: ArticleDraft, by: string, at: string): boolean;
  decide(id: string, status: 'approved' | 'discarded', by: string, at: string, articleId: string | null): boolean;
  articleIdTaken(articleId: string): boolean;
}
