/**
 * What the widget knows, and how each server frame or user intent changes it: a pure reducer, no
 * DOM, no timers, no sockets, no storage. The controller feeds it events and persists what it must;
 * the view draws the result.
 */
import type { HelloFrame, ServerFrame, WireAgent, WireQueue, WireRole, WireState } from '../../src/gateway/protocol';
import type { FileView } from './later-api';

export type Visitor = NonNullable<HelloFrame['visitor']>;

/** One message of the transcript, in the order it is shown. */
export interface Item {
  /** Stored messages have one; the customer's own are named by their clientId until then. */
  seq?: number;
  clientId?: string;
  role: WireRole;
  /** Empty with no files: not shown (deleted, or replayed as deleted); its seq is kept so it is not added twice. */
  text: string;
  files?: FileView[];
  at?: string;
  agent?: WireAgent;
  /** The customer's message not stored yet: sending, refused for now and sent again, or refused for good. */
  status?: 'sending' | 'retry' | 'failed';
}

/** Something to say, by its text's key (texts.ts): a new object each time, so that saying it again is seen as new. */
export interface Said {
  key: string;
}

export interface WidgetState {
  conversationId: string | null;
  state: WireState;
  agent?: WireAgent;
  queue?: WireQueue;
  items: Item[];
  lastSeq: number;
  /** The last seq the customer saw with the chat open; later replies count as unread. */
  seenSeq: number;
  unread: number;
  open: boolean;
  offline: boolean;
  humanAsked: boolean;
  /** The email the customer left for this conversation. */
  email: string | null;
  emailError?: Said;
  /** The stars picked, and the score sent once rated (0: none). */
  score: number;
  rated: number;
  /** Who is typing (the AI or an agent). */
  typing?: WireRole;
  notice?: Said;
  visitor?: Visitor;
}

/** What this browser remembered about the frame's conversation (the controller reads it for a welcome or a state). */
export interface Saved {
  /** The last seq seen with the chat open. */
  seen: number;
  email: string | null;
  /** The score given since it was last resolved (0: none). */
  rated: number;
}

export type Intent =
  | { type: 'send'; clientId: string; text: string; files?: FileView[] }
  /** An upload of a message being sent finished (the stored file) or was refused (null: it leaves the message). */
  | { type: 'file'; key: string; file: FileView | null }
  | { type: 'open' }
  | { type: 'close' }
  | { type: 'human' }
  | { type: 'email'; email: string }
  | { type: 'pick'; score: number }
  | { type: 'rate' }
  | { type: 'offline'; offline: boolean }
  | { type: 'identify'; visitor: Visitor }
  /** Another signed-in user: forget the stored messages. */
  | { type: 'reset' }
  /** A text's key; none: the notice goes. */
  | { type: 'notice'; key?: string };

export type WidgetEvent = (ServerFrame & { saved?: Saved }) | Intent;

/** Error codes after which the refused message is sent again later. */
export const RETRYABLE = new Set(['rate_limited', 'internal', 'unavailable', 'hello_required']);
/** What a refusal says, in the customer's language (the frame's own message is the server's English); other codes: `error`. */
const ERROR_TEXTS: Record<string, string> = { rate_limited: 'errorRateLimited', unavailable: 'errorUnavailable', internal: 'errorInternal' };

export const initialState = (): WidgetState => ({
  conversationId: null,
  state: 'ai',
  items: [],
  lastSeq: 0,
  seenSeq: 0,
  unread: 0,
  open: false,
  offline: false,
  humanAsked: false,
  email: null,
  score: 0,
  rated: 0,
});

export const isPending = (i: Item) => i.status === 'sending' || i.status === 'retry';

/** Shown: it has text or files (a deleted message keeps its seq with neither). */
export const visible = (i: Item) => Boolean(i.text || i.files?.length);

/** The pending message with this clientId. */
export const pendingOf = (s: WidgetState, clientId?: string) => s.items.find((i) => isPending(i) && i.clientId === clientId);

export function reduce(prev: WidgetState, ev: WidgetEvent): WidgetState {
  const s = { ...prev };
  const replace = (from: Item, to: Item | null) => (s.items = s.items.map((i) => (i === from ? to! : i)).filter(Boolean));
  /** Puts a stored message in seq order, before any still-pending one (a message refused for good stays where it was). */
  const place = (item: Item & { seq: number }) => {
    const items = [...s.items];
    const at = items.findIndex((i) => visible(i) && (isPending(i) || (i.seq ?? 0) > item.seq));
    items.splice(at < 0 ? items.length : at, 0, item);
    s.items = items;
  };
  const settle = (p: Item, seq: number) => {
    replace(p, null);
    place({ ...p, seq, status: undefined });
    s.lastSeq = Math.max(s.lastSeq, seq);
  };
  const seen = () => {
    s.seenSeq = s.lastSeq;
    s.unread = 0;
  };

  switch (ev.type) {
    case 'welcome':
    case 'state': {
      const saved = ev.saved ?? { seen: 0, email: null, rated: 0 };
      const rated = saved.rated;
      if (ev.type === 'welcome') {
        if (s.conversationId !== ev.conversationId) {
          if (s.conversationId) forget(s);
          s.conversationId = ev.conversationId;
          s.seenSeq = saved.seen;
          s.email = saved.email;
          s.rated = rated;
        }
        s.offline = false;
      }
      const next = ev.state;
      if (next !== s.state && next === 'resolved') {
        // Resolved (again): a new rating, unless this browser already gave one since.
        s.rated = rated;
        s.score = 0;
      }
      if (next !== 'resolved') s.rated = 0;
      if (next !== 'ai') s.humanAsked = false;
      s.state = next;
      if (ev.agent) s.agent = ev.agent;
      s.queue = next === 'waiting' ? ((ev.type === 'state' && ev.queue) || s.queue) : undefined;
      break;
    }
    case 'ack':
    case 'message': {
      if (s.items.some((i) => i.seq === ev.seq)) break;
      const mine = pendingOf(s, ev.clientId);
      if (mine) {
        settle(mine, ev.seq);
        break;
      }
      if (ev.type === 'ack') break;
      s.lastSeq = Math.max(s.lastSeq, ev.seq);
      const item = { seq: ev.seq, role: ev.role, text: ev.text, at: ev.at, agent: ev.agent, files: ev.files };
      place(item);
      if (ev.role === 'agent' && ev.agent) s.agent = ev.agent;
      if (ev.role !== 'customer') s.typing = undefined;
      if (!visible(item)) break;
      if (ev.role !== 'customer' && !s.open && ev.seq > s.seenSeq) s.unread++;
      if (s.open) seen();
      break;
    }
    case 'message_updated':
    case 'message_deleted': {
      const item = s.items.find((i) => i.seq === ev.seq && visible(i));
      // An update without `files` leaves them as they were; with them, a file deleted in Slack is gone.
      if (item) replace(item, ev.type === 'message_updated' ? { ...item, text: ev.text, files: ev.files ?? item.files } : { ...item, text: '', files: undefined });
      break;
    }
    case 'file': {
      for (const item of s.items) {
        if (!item.files?.some((f) => f.key === ev.key)) continue;
        const files = item.files.flatMap((f) => (f.key !== ev.key ? [f] : ev.file ? [{ ...ev.file, key: ev.key }] : []));
        // A message whose only file was refused is not sent at all.
        replace(item, files.length || item.text ? { ...item, files } : null);
      }
      break;
    }
    case 'typing':
      if (ev.role !== 'customer') s.typing = ev.typing ? ev.role : undefined;
      break;
    case 'error': {
      // A refused message is named by its clientId: that one is marked, not the whole chat.
      const p = pendingOf(s, ev.clientId);
      if (p) replace(p, { ...p, status: RETRYABLE.has(ev.code) ? 'retry' : 'failed' });
      else if (ev.clientId) {
        // About a message already stored (a resend): nothing to show.
      } else if (ev.code === 'invalid_email') {
        s.email = null;
        s.emailError = { key: 'emailCheck' };
      } else s.notice = { key: ERROR_TEXTS[ev.code] ?? 'error' };
      break;
    }
    case 'send':
      s.items = [...s.items, { clientId: ev.clientId, role: 'customer', text: ev.text, files: ev.files?.length ? ev.files : undefined, status: 'sending' }];
      break;
    case 'open':
      s.open = true;
      seen();
      break;
    case 'close':
      s.open = false;
      break;
    case 'human':
      s.humanAsked = true;
      break;
    case 'email':
      // The card (widget-later.js) sends only an address that looks valid: its error, when not, is said from there.
      s.email = ev.email || null;
      s.emailError = ev.email ? undefined : { key: 'emailInvalid' };
      break;
    case 'pick':
      s.score = ev.score;
      break;
    case 'rate':
      s.rated = s.score;
      break;
    case 'offline':
      s.offline = ev.offline;
      break;
    case 'identify':
      s.visitor = ev.visitor;
      break;
    case 'reset':
      forget(s);
      break;
    case 'notice':
      s.notice = ev.key ? { key: ev.key } : undefined;
      break;
  }
  return s;
}

/** Stored messages are forgotten (another conversation); the customer's unsent ones stay. */
function forget(s: WidgetState): void {
  s.items = s.items.filter((i) => i.seq === undefined);
  s.lastSeq = 0;
}
