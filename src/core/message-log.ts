import { newId } from './ids';
import type { EventBus } from './events';
import type { Clock } from './ports';
import { DomainError } from './errors';
import type { AgentPersona, Conversation, FileRef, Message, MessageRole } from './types';
import type { ConversationStore, FileAttachments, GroupedWrites, MessageStore, Transactions } from './stores';

export interface MessageDraft {
  role: MessageRole;
  text: string;
  clientId?: string | null;
  agent?: AgentPersona | null;
  confidence?: number | null;
  /** Files the message carries (stored first: FileAttachments attaches them in the message's transaction). */
  files?: FileRef[];
}

export interface AppendResult {
  message: Message;
  /** True when the clientId was seen before: the stored message is returned, nothing is added. */
  duplicate: boolean;
}

/** How many of a conversation's latest messages are kept in memory (the AI and the rules read them). */
export const HISTORY_LIMIT = 20;
/** How many conversations' histories are kept (least recently used ones are dropped). */
const HISTORY_CONVERSATIONS = 2000;
/**
 * How many bytes of histories are kept, all conversations together (least recently used ones are
 * dropped first): anonymous visitors choose how long their messages are and how many conversations
 * they start, so the count alone does not bound the memory (2000 × 20 × 4000 characters is 320 MB).
 */
export const DEFAULT_HISTORY_BYTES = 16 * 1024 * 1024;
/** The history of every conversation known to be empty: one shared list (histories are never changed in place). */
const NO_MESSAGES: readonly Message[] = Object.freeze([]);
/** A cached message's cost beyond its text: the object, its id, timestamps and the list slot. */
const MESSAGE_OVERHEAD_BYTES = 320;
/** A cached conversation's cost beyond its messages: the map entry, its key and the array. */
const ENTRY_OVERHEAD_BYTES = 200;
/** A cached file reference's cost beyond its strings: the object, its size and the list slot. */
const FILE_OVERHEAD_BYTES = 120;

/** What a cached message costs, roughly: its variable strings at two bytes a character (V8's worst case). */
function messageBytes(m: Message): number {
  const agent = m.agent ? m.agent.name.length + (m.agent.avatarUrl?.length ?? 0) : 0;
  let files = 0;
  for (const f of m.files ?? []) files += FILE_OVERHEAD_BYTES + 2 * (f.id.length + f.name.length + f.mime.length);
  return MESSAGE_OVERHEAD_BYTES + files + 2 * (m.text.length + (m.clientId?.length ?? 0) + agent);
}

interface CachedHistory {
  messages: readonly Message[];
  /** Accounted size of `messages` (messageBytes each, plus the entry's overhead). */
  bytes: number;
}

export interface MessageLogOptions {
  /** Byte budget of the in-memory histories (default DEFAULT_HISTORY_BYTES). */
  historyBytes?: number;
  /** Where files are attached to their message; without it a draft with files is refused. */
  files?: FileAttachments;
}

/**
 * The only writer of messages. Each message gets the conversation's next seq in the transaction that
 * stores it, so seqs never have gaps. Messages are group-committed: everything appended durably
 * within one tick is written in one transaction (one fsync), and each promise resolves only after
 * that commit (ack after commit). message.created is emitted after the commit, in seq order.
 *
 * It also keeps the latest HISTORY_LIMIT messages of recently active conversations in memory, so a
 * customer message's turn (rules, AI) does not read them back from disk: entries change only after a
 * commit, and edits or deletions (message.updated / message.deleted) drop the entry.
 */
export class MessageLog {
  private readonly hooks = new Set<(message: Message) => void>();
  /** conversationId → its latest messages, oldest first; Map order = least recently used first. */
  private readonly history = new Map<string, CachedHistory>();
  /** Sum of the cached entries' `bytes`; kept at most `historyBudget`. */
  private historyBytes = 0;
  private readonly historyBudget: number;
  private readonly files: FileAttachments | undefined;
  private committed: Message[] = [];
  /** Committed, waiting for their batch's fsync to be announced. */
  private readonly unannounced = new Set<Message>();

  constructor(
    private readonly db: Transactions,
    private readonly conversations: ConversationStore,
    private readonly messages: MessageStore,
    private readonly clock: Clock,
    private readonly bus: EventBus,
    /** Shared with other writers that want to ride on the same fsync. */
    private readonly commit: GroupedWrites,
    options: MessageLogOptions = {},
  ) {
    this.historyBudget = options.historyBytes ?? DEFAULT_HISTORY_BYTES;
    this.files = options.files;
    bus.subscribe((e) => {
      if (e.type === 'message.updated' || e.type === 'message.deleted') this.forget(e.conversation.id);
    });
  }

  /** Accounted bytes of the histories held in memory now (never above the budget). */
  get cachedHistoryBytes(): number {
    return this.historyBytes;
  }

  /** The conversation's latest `limit` (≤ HISTORY_LIMIT) committed messages, oldest first. */
  recent(conversationId: string, limit = HISTORY_LIMIT): readonly Message[] {
    if (limit > HISTORY_LIMIT) return this.messages.recent(conversationId, limit);
    const cached = this.history.get(conversationId);
    let list: readonly Message[];
    if (cached) {
      list = cached.messages;
      this.history.delete(conversationId); // refresh its place in the LRU order
      this.history.set(conversationId, cached);
    } else {
      list = this.messages.recent(conversationId, HISTORY_LIMIT);
      this.remember(conversationId, list);
    }
    return list.length > limit ? list.slice(-limit) : list;
  }

  /**
   * A conversation just created here (its transaction committed) has no messages: its history is
   * known without a read, and its messages are added to it as they are announced.
   */
  startedEmpty(conversationId: string): void {
    if (!this.history.has(conversationId) && this.firstUnannounced(conversationId) === undefined) this.remember(conversationId, NO_MESSAGES);
  }

  /** Caches a conversation's latest messages as its most recently used entry, within the budget. */
  private remember(conversationId: string, messages: readonly Message[], known?: number): void {
    this.forget(conversationId);
    let bytes = known ?? ENTRY_OVERHEAD_BYTES;
    if (known === undefined) for (const m of messages) bytes += messageBytes(m);
    this.history.set(conversationId, { messages, bytes });
    this.historyBytes += bytes;
    // Least recently used first; an entry bigger than the whole budget is not kept either.
    while (this.historyBytes > this.historyBudget || this.history.size > HISTORY_CONVERSATIONS) {
      this.forget(this.history.keys().next().value!);
    }
  }

  /** Drops the conversation's cached history (another instance changed it); read again when next needed. */
  forget(conversationId: string): void {
    const cached = this.history.get(conversationId);
    if (!cached) return;
    this.history.delete(conversationId);
    this.historyBytes -= cached.bytes;
  }

  /** Drops every cached history (changes by other instances may have been missed). */
  forgetAll(): void {
    this.history.clear();
    this.historyBytes = 0;
  }

  /** The conversation's message sent with this clientId, if it was stored. */
  byClientId(conversationId: string, clientId: string): Message | undefined {
    return this.messages.byClientId(conversationId, clientId);
  }

  /**
   * Runs `hook` inside the transaction that stores each new message (after everything else the
   * writer stores with it), so what it writes — an outbox row for Slack — commits or rolls back
   * with the message: a crash can never keep one without the other.
   */
  onWrite(hook: (message: Message) => void): () => void {
    this.hooks.add(hook);
    return () => this.hooks.delete(hook);
  }

  /**
   * Appends now, in its own transaction (system messages and the AI's scripted lines after a state
   * change; customer messages, AI answers and agent replies use appendDurably). `alsoInTx` runs in
   * the same transaction, after the insert.
   */
  append(conversationId: string, draft: MessageDraft, alsoInTx?: (message: Message) => void): Message {
    const result = this.db.tx(() => this.store(conversationId, draft, alsoInTx));
    if (!result.duplicate) {
      const m = result.message;
      if (this.firstUnannounced(conversationId) === undefined) this.announce([m]);
      else {
        // Earlier messages of this conversation wait for their batch's fsync: announce after them.
        this.unannounced.add(m);
        this.commit.whenSynced(() => this.announceSoon(m));
      }
    }
    return result.message;
  }

  /**
   * Queues a message for the next group commit; resolves once it is durably stored (and announced).
   * `alsoInTx` runs in the same transaction, after the insert.
   */
  appendDurably(conversationId: string, draft: MessageDraft, alsoInTx?: (message: Message) => void): Promise<AppendResult> {
    let stored: Message | null = null;
    return this.commit
      .run(
        () => this.store(conversationId, draft, alsoInTx),
        (r) => {
          if (!r.duplicate) this.unannounced.add((stored = r.message));
        },
        conversationId,
      )
      .then(
        (r) => {
          if (!r.duplicate) this.announceSoon(r.message);
          return r;
        },
        (err: unknown) => {
          if (stored) this.unannounced.delete(stored);
          throw err;
        },
      );
  }

  /**
   * The conversation's messages after `afterSeq`, in order, that have been announced: a reader that
   * sends messages itself (the widget's replay on hello) and then listens for announcements gets
   * each message exactly once, in order. Later ones are committed but wait for their batch's fsync.
   */
  announcedAfter(conversationId: string, afterSeq: number): Message[] {
    const messages = this.messages.after(conversationId, afterSeq);
    const pending = this.firstUnannounced(conversationId);
    return pending === undefined ? messages : messages.filter((m) => m.seq < pending);
  }

  /**
   * announcedAfter for a (re)connecting widget, with where it leaves the reader: `through`, the
   * seq the reader then has every message up to (its own `afterSeq` when nothing was sent, never
   * beyond what exists or what is still unannounced here), and `latest`, the newest seq stored.
   */
  resume(conversationId: string, afterSeq: number): { messages: Message[]; through: number; latest: number } {
    const stored = this.messages.after(conversationId, afterSeq);
    const pending = this.firstUnannounced(conversationId);
    const messages = pending === undefined ? stored : stored.filter((m) => m.seq < pending);
    const last = messages.at(-1);
    if (last) return { messages, through: last.seq, latest: stored.at(-1)!.seq };
    // Nothing to send: the reader is at afterSeq, unless it claims more than exists (a seq it kept
    // from elsewhere), which would make it skip the messages still to come.
    let through = stored.length ? afterSeq : Math.min(afterSeq, this.messages.recent(conversationId, 1)[0]?.seq ?? 0);
    if (pending !== undefined) through = Math.min(through, pending - 1);
    return { messages, through, latest: stored.at(-1)?.seq ?? through };
  }

  /**
   * The first seq of the conversation that is committed but not announced yet (its batch's fsync is
   * still running), if any. A reader that sends messages itself (the widget's replay on hello) stops
   * before it: those arrive with their announcement, never twice.
   */
  firstUnannounced(conversationId: string): number | undefined {
    let first: number | undefined;
    for (const m of this.unannounced) {
      if (m.conversationId === conversationId && (first === undefined || m.seq < first)) first = m.seq;
    }
    return first;
  }

  /**
   * Messages committed together are announced together, in seq order, before any of their
   * writers resumes (the callbacks that queue them all run before this microtask).
   */
  private announceSoon(message: Message): void {
    this.committed.push(message);
    if (this.committed.length === 1) {
      queueMicrotask(() => {
        const created = this.committed;
        this.committed = [];
        for (const m of created) this.unannounced.delete(m);
        this.announce(created);
      });
    }
  }

  /** Inserts the message, then what goes with it (alsoInTx, the onWrite hooks); call inside a transaction. */
  private store(conversationId: string, draft: MessageDraft, alsoInTx: ((message: Message) => void) | undefined): AppendResult {
    const r = this.write(conversationId, draft);
    if (!r.duplicate) {
      alsoInTx?.(r.message);
      for (const hook of this.hooks) hook(r.message);
    }
    return r;
  }

  private write(conversationId: string, draft: MessageDraft): AppendResult {
    const now = this.clock.now().toISOString();
    const message: Message = {
      id: newId('m'),
      conversationId,
      seq: 0,
      role: draft.role,
      text: draft.text,
      clientId: draft.clientId ?? null,
      agent: draft.agent ?? null,
      confidence: draft.confidence ?? null,
      createdAt: now,
      editedAt: null,
      deletedAt: null,
    };
    if (draft.files?.length) message.files = draft.files.map((f) => ({ id: f.id, name: f.name, mime: f.mime, size: f.size }));
    // Idempotent by the unique (conversation, clientId) index: a message sent again writes nothing,
    // and no seq is taken for it (the conversation's last_seq moves only after an insert). The seq
    // comes from memory when this process alone writes the database (SQLite), else from the row.
    let planned = this.conversations.planSeq(conversationId);
    let seq: number | null;
    try {
      seq = this.messages.insertNext(message, planned);
    } catch (err) {
      if (planned === null) throw err;
      // The planned seq may be taken (another writer of the file): read the row and try once more
      // (a failed statement leaves the transaction as it was). Not when the row is behind what
      // this transaction itself stored: then the error is another one.
      this.conversations.forgetSeq(conversationId);
      const again = this.conversations.planSeq(conversationId);
      if (again === null || again <= planned) throw err;
      planned = again;
      seq = this.messages.insertNext(message, planned);
    }
    if (seq === null) {
      const existing = draft.clientId ? this.messages.byClientId(conversationId, draft.clientId) : undefined;
      if (existing) return { message: existing, duplicate: true };
      throw new Error(`message ${message.id} was not stored`);
    }
    message.seq = seq;
    if (planned === null) {
      // The store took the row's next seq (locked on PostgreSQL) and moved last_seq there itself.
      this.conversations.seqMoved(conversationId, seq, now);
    } else if (this.conversations.nextSeq(conversationId, now, planned) !== seq) {
      throw new Error(`conversation ${conversationId}: seq ${seq} was taken meanwhile`);
    }
    if (message.files) {
      const ids = message.files.map((f) => f.id);
      // Checked here, in the transaction, so two messages naming one upload cannot both have it.
      if (new Set(ids).size !== ids.length || !this.files || this.files.attach(ids, message.id) !== ids.length) {
        throw new DomainError('file_unavailable', 'A file of this message is no longer available. Please attach it again.');
      }
    }
    return { message, duplicate: false };
  }

  /**
   * Removes a file (deleted in Slack, say): its bytes go, its message no longer lists it, and the
   * message is announced as updated (widgets drop it; cached histories are read again). Returns the
   * updated message, or null when the file was unknown, already removed, or on no message.
   */
  async removeFile(fileId: string): Promise<Message | null> {
    const removed = await this.files?.markDeleted(fileId);
    if (!removed?.messageId) return null;
    const message = this.messages.get(removed.messageId);
    if (!message) return null;
    this.forget(message.conversationId);
    this.bus.emit({ type: 'message.updated', conversation: this.conversations.load(message.conversationId), message });
    return message;
  }

  private announce(created: Message[]): void {
    const byConversation = new Map<string, Conversation>();
    for (const message of created) {
      const cached = this.history.get(message.conversationId);
      const list = cached?.messages;
      // Another instance may have added messages in between (its note still on the way): read again.
      if (list && (list.at(-1)?.seq ?? 0) !== message.seq - 1) this.forget(message.conversationId);
      else if (list) {
        // A new array: a turn holding the previous one keeps seeing what it read. Its size follows
        // from the previous one's (summing the whole list again was 3–4% of the main thread).
        const dropped = list.length >= HISTORY_LIMIT ? list.length - HISTORY_LIMIT + 1 : 0;
        const next = dropped ? list.slice(dropped) : list.slice();
        next.push(message);
        let bytes = cached!.bytes + messageBytes(message);
        for (let i = 0; i < dropped; i++) bytes -= messageBytes(list[i]!);
        this.remember(message.conversationId, next, bytes);
      }
      let conversation = byConversation.get(message.conversationId);
      if (!conversation) {
        conversation = this.conversations.load(message.conversationId);
        byConversation.set(message.conversationId, conversation);
      }
      this.bus.emit({ type: 'message.created', conversation, message });
    }
  }
}
