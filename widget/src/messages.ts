import type { WireAgent, WireRole } from '../../src/gateway/protocol';
import { avatar, h, icon, linkify, say } from './dom';
import { I } from './icons';
import { isPending, type Item } from './state';

/** The AI's avatar: the theme colour with a spark. */
export function botAvatar(): HTMLElement {
  return h('span', { class: 'av bot', 'aria-hidden': 'true' }, icon(I.spark));
}

export type MessageList = ReturnType<typeof createMessageList>;

/**
 * The message list: the greeting, then the state's items in their order. Each message keeps its
 * element (a pending one keeps it once stored), so a render only moves, adds or removes what changed;
 * consecutive messages of one sender are grouped.
 */
export function createMessageList() {
  const el = h('div', { class: 'log' });
  /** By clientId or seq: the element and the text it shows (only what is shown). */
  let shown = new Map<string, [HTMLElement, string]>();
  let greeting: [HTMLElement, string] | undefined;

  return {
    el,
    /** Draws the list; returns the element a new stored message got, if any. */
    render(items: Item[], greetingText: string, offline: boolean): [HTMLElement, Item] | undefined {
      if (greeting?.[1] !== greetingText) greeting = greetingText ? [bubble('ai', greetingText), greetingText] : undefined;
      const want = greeting ? [greeting[0]] : [];
      const next = new Map<string, [HTMLElement, string]>();
      let added: [HTMLElement, Item] | undefined;
      for (const item of items) {
        if (!item.text) continue;
        const key = item.clientId ?? `#${item.seq}`;
        let m = shown.get(key);
        if (!m) {
          m = [bubble(item.role, item.text, item.agent, item.at), item.text];
          if (item.seq !== undefined) added = [m[0], item];
        } else if (m[1] !== item.text) {
          m[0].querySelector('.b')?.replaceChildren(linkify((m[1] = item.text)));
        }
        const { status } = item;
        m[0].classList.toggle('pending', isPending(item));
        m[0].classList.toggle('retry', status === 'retry');
        m[0].classList.toggle('failed', status === 'failed');
        // The line under the customer's message ("Sending…", "Not sent"); said only when it changes.
        const meta = m[0].querySelector('.meta');
        if (meta) say(meta, status === 'failed' ? 'Not sent' : status === 'retry' ? 'Not sent · retrying…' : status ? (offline ? 'Waiting for connection…' : 'Sending…') : '');
        next.set(key, m);
        want.push(m[0]);
      }
      shown = next;
      const keep = new Set<Element>(want);
      for (const child of Array.from(el.children)) if (!keep.has(child)) child.remove();
      let at = el.firstElementChild;
      for (const item of want) {
        if (item === at) at = item.nextElementSibling;
        else el.insertBefore(item, at);
        // A follow-up from the same sender hides the repeated avatar and name.
        const prev = item.previousElementSibling as HTMLElement | null;
        item.classList.toggle('cont', prev?.dataset.k === item.dataset.k);
      }
      return added;
    },
  };
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
