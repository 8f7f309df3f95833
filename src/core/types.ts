import type { Language } from '../i18n/languages';
/** Domain types. The core works with these, never with rows, Slack payloads or frames. */

export const CONVERSATION_STATES = ['ai', 'waiting', 'human', 'queued', 'resolved'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];

export const MESSAGE_ROLES = ['customer', 'ai', 'agent', 'system'] as const;
export type MessageRole = (typeof MESSAGE_ROLES)[number];

export interface AgentPersona {
  name: string;
  avatarUrl?: string;
}

export interface Visitor {
  id: string;
  name: string | null;
  email: string | null;
  userId: string | null;
  verified: boolean;
  attributes: Record<string, string>;
  createdAt: string;
}

export type EscalationReasonKind =
  | 'customer_asked'
  | 'low_confidence'
  | 'no_match'
  | 'frustration'
  | 'sensitive_topic'
  | 'rule'
  | 'agent_takeover';

export interface EscalationReason {
  kind: EscalationReasonKind;
  /** Human-readable detail: the rule's name, the matched words, ... */
  detail?: string;
  /** AI confidence (0..1) when it played a part. */
  confidence?: number;
}

export interface Conversation {
  id: string;
  visitorId: string;
  state: ConversationState;
  lastSeq: number;
  pageUrl: string | null;
  pageTitle: string | null;
  /** The customer's language (a code of src/i18n/languages.ts) as their widget said it; null: not said (the admins' default). */
  language: Language | null;
  escalation: EscalationReason | null;
  escalatedAt: string | null;
  emailRequested: boolean;
  /** The agent who claimed it (an opaque agent id: the Slack user id). */
  ownerId: string | null;
  claimedAt: string | null;
  /** Skills the agent who takes it should have (from rules or the matched article's topic). */
  requiredSkills: string[];
  teamId: string | null;
  priority: 'low' | 'normal' | 'high' | 'urgent';
  createdAt: string;
  updatedAt: string;
}

/** An agent as the core sees them: an id, and how the customer sees them. */
export interface Agent {
  id: string;
  persona: AgentPersona;
  isAdmin: boolean;
}

/** A file as a message carries it: what the customer or agent sees of it (the bytes are in the file store). */
export interface FileRef {
  id: string;
  name: string;
  /** What the bytes are, sniffed from their content (never taken from the name). */
  mime: string;
  /** Bytes. */
  size: number;
}

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  role: MessageRole;
  text: string;
  clientId: string | null;
  agent: AgentPersona | null;
  confidence: number | null;
  createdAt: string;
  editedAt: string | null;
  deletedAt: string | null;
  /** Attached files (absent: none); a file removed since is left out. */
  files?: FileRef[];
}

export interface KbPassage {
  articleId: string;
  title: string;
  heading: string;
  body: string;
  url: string | null;
  tags: string[];
  /** 0..1, higher is better: how well the passage matches the query. */
  score: number;
  /** The article's language (a Language code; 'en' when it declares none). Absent: English. */
  language?: string;
}

/** A conversation as it starts: with the AI, nothing escalated, nobody owning it. */
export function newConversation(id: string, visitorId: string, at: string): Conversation {
  return {
    id,
    visitorId,
    state: 'ai',
    lastSeq: 0,
    pageUrl: null,
    pageTitle: null,
    language: null,
    escalation: null,
    escalatedAt: null,
    emailRequested: false,
    ownerId: null,
    claimedAt: null,
    requiredSkills: [],
    teamId: null,
    priority: 'normal',
    createdAt: at,
    updatedAt: at,
  };
}
