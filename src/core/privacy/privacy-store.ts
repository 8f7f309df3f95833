import type { FileRef } from '../types';

/**
 * The storage port of data subject requests (export and erasure of a visitor's data); src/db/
 * privacy-repository.ts implements it. Every method joins the caller's transaction.
 */

/** Whom a request is about: every visitor with that email (case-insensitive), or one visitor. */
export type VisitorQuery = { email: string } | { visitorId: string };

export interface ExportedMessage {
  id: string;
  seq: number;
  role: string;
  text: string;
  agentName: string | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  files: FileRef[];
}

export interface ExportedFile extends FileRef {
  conversationId: string;
  messageId: string | null;
  origin: string;
  sha256: string;
  createdAt: string;
  deletedAt: string | null;
}

export interface ExportedConversation {
  id: string;
  state: string;
  pageUrl: string | null;
  pageTitle: string | null;
  escalationReason: string | null;
  escalatedAt: string | null;
  ownerId: string | null;
  createdAt: string;
  updatedAt: string;
  messages: ExportedMessage[];
  events: { type: string; detail: Record<string, unknown>; at: string }[];
  files: ExportedFile[];
  /** Learned knowledge-base drafts made from the conversation (their text was scrubbed when drafted). */
  kbDrafts: { id: string; status: string; title: string; question: string; answer: string; createdAt: string }[];
}

export interface ExportedVisitor {
  id: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  verified: boolean;
  attributes: Record<string, unknown>;
  createdAt: string;
  lastSeenAt: string;
  conversations: ExportedConversation[];
  /** Emails sent to the visitor's address or about their conversations. */
  emails: { id: number; kind: string; to: string; subject: string; text: string; status: string; createdAt: string; sentAt: string | null }[];
}

/** What an erasure removes (counts only: an audit entry never holds the data it erased). */
export interface ErasureCounts {
  visitors: number;
  conversations: number;
  messages: number;
  files: number;
  emails: number;
  ratingComments: number;
  kbDraftsUnlinked: number;
}

export interface ErasedRows {
  counts: ErasureCounts;
  conversationIds: string[];
  /** The erased messages (ids and where), for the caches and widgets to drop them after the commit. */
  messages: { id: string; conversationId: string; seq: number }[];
  /** Files whose rows went: their bytes are removed after the commit, their Slack copies deleted. */
  files: { id: string; conversationId: string; slackFileId: string | null }[];
  /** The names and emails erased, for the adapters to find their own copies (never stored). */
  identities: string[];
}

export interface PrivacyStore {
  /** Ids of the visitors the query names (none: an empty list). */
  findVisitors(query: VisitorQuery): string[];
  /** Everything stored about these visitors. */
  exportVisitors(visitorIds: readonly string[]): ExportedVisitor[];
  /** What erase() would remove now. */
  countErasable(visitorIds: readonly string[]): ErasureCounts;
  /**
   * Erases the visitors' personal data: identity, message texts and files, emails, rating
   * comments, reopen links, handoff-start addresses, page addresses; the conversations and their
   * events stay (anonymous counts), learned drafts keep their scrubbed text without the link.
   */
  erase(visitorIds: readonly string[], at: string): ErasedRows;
}
