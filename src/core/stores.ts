import type { Language } from '../i18n/languages';
import type { AgentAvailability, AgentStatus } from './availability';
import type { ConversationRecord, CustomerMessageRecord, EventRecord } from './analytics/metrics';
import type { Action, Rule } from './rules/rule-schema';
import type { Conversation, ConversationState, EscalationReason, FileRef, Message, Visitor } from './types';

export type { HandoffStartStore } from './handoff-limits';

/**
 * The storage the core needs, declared here in the core's own terms (domain types, never rows).
 * src/db implements every interface (`createXRepository(db): XStore`) and imports these types;
 * the core never imports src/db. Dependencies point inward.
 */

/** Runs a unit of work atomically: everything `fn` writes commits together, or nothing does. */
export interface Transactions {
  tx<T>(fn: () => T): T;
  /**
   * Runs `cb` once what was written so far is committed: after the transaction now open commits
   * (never if it rolls back), at once when none is open.
   */
  afterCommit(cb: () => void): void;
  /** False once the database is closed (the app stopped): late timers then do nothing. */
  isOpen(): boolean;
}

/**
 * Writes queued within one tick share one transaction and one fsync (the group commit). A write
 * that throws is rolled back alone; writes must only touch the database (they may be run again).
 */
export interface GroupedWrites {
  /**
   * Runs `fn` in the next group transaction; resolves with its result once it is durably stored.
   * `committed` is called as soon as the transaction has committed, before the fsync.
   *
   * `conversationId`: the conversation whose row the write locks (a new seq, a state, a seen mark).
   * A batch runs its writes in the order of these ids (writes without one first; each id's writes
   * in the order queued), so instances sharing a database lock conversation rows in one order and
   * two batches never deadlock.
   */
  run<T>(fn: () => T, committed?: (value: T) => void, conversationId?: string): Promise<T>;
  /** Resolves when everything queued so far has been committed and synced (or refused). */
  drain(): Promise<void>;
  /** Calls `cb` once every batch committed so far is on disk. */
  whenSynced(cb: () => void): void;
}

/** Fields of a conversation's routing that may change (each left as it is when absent). */
export interface ConversationRoutingPatch {
  requiredSkills?: string[];
  teamId?: string | null;
  priority?: Conversation['priority'];
}

export interface ConversationStore {
  get(id: string): Conversation | undefined;
  /** Like get, for ids known to exist (inside a transaction that just wrote them). */
  load(id: string): Conversation;
  byVisitor(visitorId: string): Conversation | undefined;
  insert(c: Conversation): void;
  /**
   * The conversation's next seq when it is known without asking the database (kept in memory by
   * the only process writing it), else null. Call inside the transaction that will store it.
   */
  planSeq(id: string): number | null;
  /**
   * Reserves the next seq of a conversation (call inside the transaction that inserts the message,
   * after the insert). With `planned` (from planSeq, and stored) it records that seq.
   */
  nextSeq(id: string, now: string, planned?: number | null): number;
  /** MessageStore.insertNext moved the conversation's last_seq to `seq` (no plan): cached copies follow. */
  seqMoved(id: string, seq: number, now: string): void;
  /** A planned seq could not be stored: the next planSeq reads the row again. */
  forgetSeq(id: string): void;
  /** Moves to `to` only when the state is one of `from`; false when another change got there first. */
  transition(id: string, from: readonly ConversationState[], to: ConversationState, now: string): boolean;
  /** Makes `ownerId` the owner when nobody owns it and the state is one of `from`. Atomic. */
  claim(id: string, ownerId: string, from: readonly ConversationState[], now: string): boolean;
  /** Clears the owner (hand back to the AI, reopening). */
  release(id: string, now: string): void;
  setEscalation(id: string, reason: EscalationReason, now: string): void;
  setPage(id: string, url: string, title: string | null, now: string): void;
  /** The customer's widget speaks `language` (hello). */
  setLanguage(id: string, language: Language, now: string): void;
  setRouting(id: string, patch: ConversationRoutingPatch, now: string): void;
  markSeen(id: string, seq: number): void;
  markEmailRequested(id: string, now: string): void;
  /** 1-based position among conversations waiting for an agent, by escalation time (then id). */
  queuePosition(id: string): number;
}

/** An agent reply the customer has not seen, with the address to email it to. */
export interface UnseenAgentReply {
  id: string;
  conversationId: string;
  text: string;
  agentName: string | null;
  createdAt: string;
  email: string;
  visitorId: string;
  /** The reply's files that are still there. */
  files?: FileRef[];
}

export interface MessageStore {
  insert(m: Message): void;
  /**
   * Inserts the message as its conversation's next seq and returns that seq; null, writing nothing,
   * when the conversation already has a message with this clientId. With `planned` (from
   * ConversationStore.planSeq) it takes that seq and the caller records it (nextSeq); without, it
   * takes last_seq + 1 and moves the conversation's last_seq and updated_at (the message's time)
   * there itself, in the same transaction (the caller tells the store: seqMoved).
   */
  insertNext(m: Omit<Message, 'seq'>, planned?: number | null): number | null;
  get(id: string): Message | undefined;
  byClientId(conversationId: string, clientId: string): Message | undefined;
  /** Messages with seq greater than afterSeq, in seq order. */
  after(conversationId: string, afterSeq: number, limit?: number): Message[];
  /** The last `limit` messages, oldest first. */
  recent(conversationId: string, limit: number): Message[];
  /** Agent replies not emailed, not deleted and not yet seen by a customer whose email we know. */
  unseenAgentReplies(): UnseenAgentReply[];
  markEmailed(ids: string[], at: string): void;
  updateText(id: string, text: string, now: string): void;
  markDeleted(id: string, now: string): void;
}

/**
 * Files a message carries (src/files/file-store.ts implements it). An upload belongs to one
 * conversation and is attached to one message, once: the attach runs in the message's transaction.
 */
export interface FileAttachments {
  /** The conversation's files with these ids, in that order; null when one is unknown, another conversation's, or removed. */
  refs(conversationId: string, ids: readonly string[]): FileRef[] | null;
  /** Attaches the files to the message (inside its transaction); returns how many were free to attach. */
  attach(ids: readonly string[], messageId: string): number;
  /** Removes a file (its bytes, and its entry in its message's list); null when there was none to remove. */
  markDeleted(id: string): Promise<{ conversationId: string; messageId: string | null } | null>;
}

/** One entry of a conversation's event log. */
export interface ConversationEventEntry {
  type: string;
  detail: Record<string, unknown>;
  at: string;
}

/** The conversation events log: what happened to a conversation and when. */
export interface EventStore {
  record(conversationId: string, type: string, detail: Record<string, unknown>, at: string): void;
  /** A conversation's events, oldest first. */
  list(conversationId: string): ConversationEventEntry[];
}

export interface VisitorStore {
  get(id: string): Visitor | undefined;
  findVerified(userId: string): Visitor | undefined;
  insert(v: Visitor, now: string): void;
  update(v: Visitor, now: string): void;
  /** Records a reopen link as used; false when it already was (of two uses exactly one gets true). */
  useReopenLink(hash: string, visitorId: string, now: string, expiresAt: string): boolean;
}

export interface AgentStore {
  /** Every agent who is not offline, or everyone with `all`, with what routing needs to know. */
  availability(options?: { all?: boolean }): AgentAvailability[];
  /** Whether any agent has ever set a status (before that, availability is not in use). */
  anyStatusSet(): boolean;
  setStatus(id: string, status: AgentStatus, now: string): void;
  setPresence(id: string, presence: 'active' | 'away', now: string): void;
  setSkills(id: string, skills: string[]): void;
  setCapacity(id: string, capacity: number | null): void;
  setNotifyEmail(id: string, on: boolean): void;
  markRouted(ids: string[], now: string): void;
  recordStatusChange(id: string, status: AgentStatus, effective: AgentStatus, source: string, now: string): void;
  lastEffectiveStatus(id: string): AgentStatus | undefined;
}

/** A waiting conversation as the nudge round sees it (see RoutingStore.nudgePage). */
export interface NudgeCandidate {
  id: string;
  escalatedAt: string;
  teamId: string | null;
  /** Agents asked (routed or nudged) since this escalation, in order. */
  asked: string[];
  nudged: boolean;
  broadcast: boolean;
}

export interface Team {
  id: string;
  name: string;
  /** The team's own Slack channel (heads-ups from notify_team); null: none set. */
  channel: string | null;
}

/** A team's channel as Slack found it. */
export interface TeamChannel {
  teamId: string;
  name: string;
  channel: string;
  /** The Slack user who set the channel last; null when unknown (set before this was kept). */
  setBy: string | null;
  /** Why Slack refused a post there (not_in_channel, channel_not_found, is_archived); null: usable. */
  problem: string | null;
  problemAt: string | null;
}

export type AssignmentKind = 'routed' | 'nudged' | 'broadcast';

/** Assignments (who was asked to take a conversation), teams and the persisted routing cursor. */
export interface RoutingStore {
  recordAssignments(conversationId: string, agentIds: (string | null)[], kind: AssignmentKind, now: string): void;
  assignments(conversationId: string): { agentId: string | null; kind: string; at: string }[];
  cursor(key: string): string | null;
  setCursor(key: string, value: string): void;
  /** Ids of the waiting conversations in queue order (oldest escalation first). */
  waitingIds(): string[];
  /**
   * Up to `limit` waiting conversations with something due in the nudge round, in queue order,
   * after `after` (the last of the previous page).
   */
  nudgePage(
    p: { cutoff: string; broadcastCutoff: string; availableIds: string[]; nobodyAvailable: boolean },
    after: { escalatedAt: string; id: string } | null,
    limit: number,
  ): NudgeCandidate[];
  /** Conversations waiting for a person: unclaimed (waiting) or queued for follow-up. */
  queueLength(): number;
  /** Seconds from escalation to claim of the most recent claims. */
  recentClaimWaits(limit: number): number[];
  team(id: string): Team | undefined;
  teams(): Team[];
  upsertTeam(id: string, name: string, channel: string | null, now: string): void;
  /** Sets a team's channel as set by `by` (creating the team); clears a problem recorded with it. */
  setTeamChannel(id: string, name: string, channel: string | null, by: string, now: string): void;
  /** Why Slack refused the team's channel, while that stands; null: usable. */
  teamChannelProblem(id: string): string | null;
}

/** Key-value settings (JSON values). */
export interface SettingsStore {
  all(): Record<string, unknown>;
  set(key: string, value: unknown, by: string | null, now: string): void;
}

export interface AuditEntry {
  actor: string | null;
  action: string;
  target: string | null;
  detail: Record<string, unknown>;
  at: string;
}

/** The admin audit log: who changed which rule or setting, when, and what. */
export interface AuditStore {
  record(e: AuditEntry): void;
}

export interface StoredRule extends Rule {
  createdAt: string;
  updatedAt: string;
  /** Slack user id of the admin who last changed it; null for the system (the seeded defaults). */
  updatedBy: string | null;
}

/** A stored rule whose definition does not parse: listed for the admins, never evaluated. */
export interface InvalidStoredRule {
  id: string;
  name: string;
  enabled: boolean;
  position: number;
  /** The stored JSON as it is. */
  definition: string;
  errors: string[];
}

export type RuleMove = 'up' | 'down' | 'top' | 'bottom' | { position: number };

/** Escalation rules in evaluation order, and the record of their firings. */
export interface RuleStore {
  list(): { rules: StoredRule[]; invalid: InvalidStoredRule[] };
  get(id: string): StoredRule | undefined;
  /** Validates `input` (throws InvalidRuleError when it is not a rule). */
  insert(input: unknown, by: string | null, now: string, at?: { position?: number; id?: string }): StoredRule;
  update(id: string, input: unknown, by: string | null, now: string): StoredRule;
  delete(id: string): boolean;
  /** Moves a rule; returns its new position. */
  move(id: string, to: RuleMove, by: string | null, now: string): number;
  setEnabled(id: string, enabled: boolean, by: string | null, now: string): void;
  recordFirings(conversationId: string, fired: readonly { rule: Pick<Rule, 'id' | 'name'>; actions: readonly Action[] }[], at: string): void;
  firedBefore(conversationId: string, ruleId: string): boolean;
}

/** Read side of the analytics: a period's records, names, and the record of posted digests. */
export interface AnalyticsStore {
  conversations(from: string, to: string): ConversationRecord[];
  events(from: string, to: string): EventRecord[];
  unansweredMessages(from: string, to: string): CustomerMessageRecord[];
  agentNames(): Record<string, string>;
  teamNames(): Record<string, string>;
  /** Whether the digest of a local date was posted. */
  digestPosted(day: string): boolean;
  /** Records the digest of a local date; false when it was recorded before. */
  recordDigest(day: string, channel: string, at: string): boolean;
}

/** An email to send (queued in the outbound store, sent by the mailer). */
export interface NewEmail {
  kind: string;
  to: string;
  subject: string;
  text: string;
  html?: string | null;
  /** A repeated key is not stored twice. */
  key?: string;
  conversationId?: string | null;
}

export interface OutboundEmailStore {
  /** Stores an email to send; a repeated key is a no-op (returns null). */
  insert(e: NewEmail, now: string): number | null;
}

/**
 * Claims of scheduled job ticks, shared by every process on the database: a tick (job name and its
 * scheduled time) is claimed once, and only the process whose claim took effect runs it.
 */
export interface JobTickStore {
  /** Claims `job`'s tick at `tickAt` (ISO time); false when it was claimed before (by any process). */
  claimTick(job: string, tickAt: string, now: string): boolean;
  /** Deletes claims of ticks before `before` (ISO time). */
  pruneTicks(before: string): number;
}
