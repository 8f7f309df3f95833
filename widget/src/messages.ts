import type { WireAgent, WireRole } from '../../src/gateway/protocol';
import { avatar, h, icon, linkify, say, show } from './dom';
import type { Later } from './later-api';
import { I } from './icons';
import { isPending, visible, type Item } from './state';
import { t } from './texts';

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
  /** By clientId or seq: the element and what it shows (only messages that are shown). */
  let shown = new Map<string, [HTMLElement, string]>();
  let greeting: [HTMLElement, string] | undefined;

  return {
    el,
    /**
     * Draws the list; returns the element a new stored message got, if any. `later` gives
     * widget-later.js, which draws files, loading it when a message has some (undefined until then).
     */
    render(items: Item[], greetingText: string, offline: boolean, later: () => Later | undefined): [HTMLElement, Item] | undefined {
      if (greeting?.[1] !== greetingText) greeting = greetingText ? [bubble('ai', greetingText), greetingText] : undefined;
      const want = greeting ? [greeting[0]] : [];
      const next = new Map<string, [HTMLElement, string]>();
      let added: [HTMLElement, Item] | undefined;
      for (const item of items) {
        if (!visible(item)) continue;
        const key = item.clientId ?? `#${item.seq}`;
        const f = item.files?.length ? later() : undefined;
        // What the bubble shows: its text, and its files once they can be drawn.
        const what = `${item.text}\n${f ? item.files!.map((x) => x.key ?? x.id) : ''}`;
        let m = shown.get(key);
        if (!m) {
          m = [bubble(item.role, '', item.agent, item.at), ''];
          if (item.seq !== undefined) added = [m[0], item];
        }
        if (m[1] !== what) {
          m[1] = what;
          const b = m[0].querySelector<HTMLElement>('.b')!;
          b.replaceChildren(linkify(item.text));
          show(b, Boolean(item.text));
          m[0].querySelector('.fs')?.remove();
          if (f) b.after(h('div', { class: 'fs' }, ...item.files!.map(f.show)));
        }
        const { status } = item;
        m[0].classList.toggle('pending', isPending(item));
        m[0].classList.toggle('retry', status === 'retry');
        m[0].classList.toggle('failed', status === 'failed');
        // The line under the customer's message ("Sending…", "Not sent"); said only when it changes.
        const meta = m[0].querySelector('.meta');
        if (meta) say(meta, status ? t(status === 'failed' ? 'notSent' : status === 'retry' ? 'notSentRetrying' : offline ? 'waitingConnection' : 'sending') : '');
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
  const name = role === 'agent' ? (agent?.name ?? t('teamName')) : t('aiName');
  const el = h('div', { class: `m ${role}` });
  el.dataset.k = role === 'agent' ? `agent:${name}` : role;
  const time = at ? new Date(at) : new Date();
  if (!Number.isNaN(time.getTime())) el.title = time.toLocaleString();
  const body = h('div', { class: 'b' }, linkify(text));
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
