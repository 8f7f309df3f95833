import type { WireAgent, WireRole } from '../../src/gateway/protocol';
import { avatar, h, icon, linkify } from './dom';
import { I } from './icons';

export interface Pending {
  clientId: string;
  text: string;
  el: HTMLElement;
  /** Refused for now by the server (busy, rate limited): said under it until it is stored. */
  note?: string;
}

/** The AI's avatar: the theme colour with a spark. */
export function botAvatar(): HTMLElement {
  return h('span', { class: 'av bot', 'aria-hidden': 'true' }, icon(I.spark));
}

export type MessageList = ReturnType<typeof createMessageList>;

/**
 * The message list, in `seq` order. Messages the customer typed stay "pending" (after every stored
 * message) until the server acknowledges them; consecutive messages of one sender are grouped.
 */
export function createMessageList() {
  const el = h('div', { class: 'log' });
  const pending: Pending[] = [];
  const bySeq = new Map<number, HTMLElement>();
  /** What a pending message says under it: "Sending…", or "Waiting for connection…" while offline. */
  let pendingLabel = 'Sending…';

  /** Puts a message in seq order, before any still-pending ones; leaves it alone if already there. */
  function insert(item: HTMLElement, seq: number): void {
    if (seq !== Infinity) item.dataset.seq = String(seq);
    let before: Element | null = null;
    for (const child of Array.from(el.children)) {
      if (child === item) continue;
      if (child.classList.contains('pending') || Number((child as HTMLElement).dataset.seq) > seq) {
        before = child;
        break;
      }
    }
    if (item.parentNode === el && item.nextElementSibling === before) return;
    const oldNext = item.parentNode === el ? item.nextElementSibling : null;
    el.insertBefore(item, before);
    group(item);
    group(item.nextElementSibling);
    group(oldNext);
  }

  const list = {
    el,
    pending,
    lastSeq: 0,

    /** The theme's greeting, always first (it is not a stored message). */
    greeting(text: string): void {
      const first = el.firstElementChild as HTMLElement | null;
      if (first?.dataset.seq === '0') first.remove();
      if (text) insert(bubble('ai', text), 0);
    },

    has: (seq: number) => bySeq.has(seq),

    /** A stored message; returns its element, or null when it is not shown (deleted). */
    add(seq: number, role: WireRole, text: string, at: string, agent?: WireAgent): HTMLElement | null {
      list.lastSeq = Math.max(list.lastSeq, seq);
      const item = bubble(role, text, agent, at);
      bySeq.set(seq, item);
      // A deleted reply replays with empty text: remember its seq, show nothing.
      if (!text) return null;
      insert(item, seq);
      return item;
    },

    addPending(clientId: string, text: string): void {
      const item = bubble('customer', text);
      item.classList.add('pending');
      meta(item, pendingLabel);
      pending.push({ clientId, text, el: item });
      insert(item, Infinity);
    },

    pendingFor: (clientId: string | undefined) => (clientId === undefined ? undefined : pending.find((p) => p.clientId === clientId)),

    /** A pending message was stored: it becomes a normal message at its seq. */
    settle(p: Pending, seq: number): void {
      pending.splice(pending.indexOf(p), 1);
      p.el.classList.remove('pending', 'failed', 'retry');
      meta(p.el, '');
      bySeq.set(seq, p.el);
      list.lastSeq = Math.max(list.lastSeq, seq);
      insert(p.el, seq);
    },

    /** The server refused a message for good (e.g. too long): it stays, marked, and is not resent. */
    fail(p: Pending): void {
      pending.splice(pending.indexOf(p), 1);
      p.el.classList.remove('pending', 'retry');
      p.el.classList.add('failed');
      meta(p.el, 'Not sent');
    },

    /** The server refused this message for now: it says so, stays pending and is sent again. */
    retrying(p: Pending): void {
      p.el.classList.add('retry');
      meta(p.el, (p.note = 'Not sent · retrying…'));
    },

    labelPending(text: string): void {
      pendingLabel = text;
      for (const p of pending) meta(p.el, p.note ?? text);
    },

    update(seq: number, text: string): void {
      bySeq.get(seq)?.querySelector('.b')?.replaceChildren(linkify(text));
    },

    remove(seq: number): void {
      const item = bySeq.get(seq);
      if (!item?.parentNode) return;
      const next = item.nextElementSibling;
      item.remove();
      group(next);
    },

    /** Another conversation (another signed-in user): forget the stored messages, keep the greeting. */
    reset(): void {
      for (const item of bySeq.values()) item.remove();
      bySeq.clear();
      list.lastSeq = 0;
    },
  };
  return list;
}

function meta(el: HTMLElement, text: string): void {
  const m = el.querySelector('.meta');
  if (m) m.textContent = text;
}

/** A follow-up from the same sender hides the repeated avatar and name. */
function group(el: Element | null): void {
  if (!(el instanceof HTMLElement)) return;
  const prev = el.previousElementSibling as HTMLElement | null;
  el.classList.toggle('cont', prev?.dataset.k === el.dataset.k);
}

function bubble(role: WireRole, text: string, agent?: WireAgent, at?: string): HTMLElement {
  const name = role === 'agent' ? (agent?.name ?? 'Support team') : 'AI assistant';
  const el = h('div', { class: `m ${role}` });
  el.dataset.k = role === 'agent' ? `agent:${name}` : role;
  const time = at ? new Date(at) : new Date();
  if (!Number.isNaN(time.getTime())) el.title = time.toLocaleString();
  const body = h('div', { class: 'b' });
  body.append(linkify(text));
  if (role === 'ai' || role === 'agent') {
    el.append(
      role === 'ai' ? botAvatar() : avatar(name, agent?.avatarUrl),
      h('div', { class: 'col' }, h('span', { class: 'name', text: name }), body),
    );
  } else {
    el.append(h('div', { class: 'col' }, body, h('span', { class: 'meta' })));
  }
  return el;
}
