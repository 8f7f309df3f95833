/**
 * The widget's DOM in its shadow root: built once, drawn from the state by `render`, text only ever
 * through textContent. It owns what is purely visual (scrolling, focus, hovered stars, the keyboard
 * trap) and reports what the customer does to the controller. Elements are built bare: whatever
 * follows from the state (hidden, aria-expanded, placeholders, pressed stars) is set by the first
 * render, which runs before the host is attached to the page.
 */
import type { WireAgent } from '../../src/gateway/protocol';
import { avatar, h, icon, say, show } from './dom';
import type { Later } from './later-api';
import { I } from './icons';
import { botAvatar, createMessageList } from './messages';
import type { WidgetState } from './state';
import type { WidgetConfig } from './page';
import { headerStatus } from './status';
import { applyStyles } from './styles';
import { plural, t } from './texts';

/** What the customer asks for. `send` and `email` say whether it was taken. */
export interface ViewHandlers {
  open(): void;
  close(): void;
  retry(): void;
  send(text: string): boolean;
  typed(hasText: boolean): void;
  human(): void;
  email(email: string): boolean;
  pick(score: number): void;
  rate(comment: string): void;
  /** Files picked, dropped or pasted. */
  attach(files: FileList): void;
  /** widget-later.js, once loaded; asking starts loading it. */
  later(): Later | undefined;
}

export type View = ReturnType<typeof createView>;

export const MAX_TEXT = 4000;

/** Puts who answers (an agent, else the AI) in a slot, only when that changes. */
function face(put: (el: HTMLElement) => void) {
  let shown: string | undefined;
  return (who?: WireAgent | false) => {
    const key = who ? `${who.name}\n${who.avatarUrl}` : '';
    if (key !== shown) put(who ? avatar(who.name, who.avatarUrl) : botAvatar());
    shown = key;
  };
}

export function createView(on: ViewHandlers) {
  const host = h('div', { 'data-handoff-widget': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);

  const badge = h('span', { class: 'badge', 'aria-hidden': 'true' });
  const launcher = h(
    'button',
    { type: 'button', class: 'launcher', 'aria-haspopup': 'dialog' },
    icon(I.chat),
    badge,
  );

  const headAvatar = h('span', { class: 'hav' });
  const title = h('h2', { id: 'hw-title', $text: 'title' });
  const subText = h('span');
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const sub = h('p', { class: 'sub' }, dot, subText);
  const closeBtn = h('button', { type: 'button', class: 'ib', '$aria-label': 'close' }, icon(I.close));
  const head = h('div', { class: 'head' }, headAvatar, h('div', { class: 'ht' }, title, sub), closeBtn);

  const retryBtn = h('button', { type: 'button', class: 'lnk', $text: 'retry' });
  const offline = h(
    'div',
    { class: 'offline', role: 'status' },
    h('span', { $text: 'offline' }),
    retryBtn,
  );

  const list = createMessageList();
  const typingName = h('span', { class: 'name' });
  const typing = h(
    'div',
    { class: 'm ai typing', 'aria-hidden': 'true' },
    h('span'),
    h('div', { class: 'col' }, typingName, h('div', { class: 'b' }, h('i'), h('i'), h('i'))),
  );

  // Waiting for an agent (with the queue's position). Nobody available: ask for an email. Resolved: a
  // 1–5 rating, then thanks. Drawn by widget-later.js (they all come after the first message).
  const waitCard = h('div', { class: 'card wait' });
  const emailCard = h('div', { class: 'card' });
  const rateCard = h('div', { class: 'card rate' });
  const rateThanks = h('div', { class: 'card ok' });
  let paintCards: ((s: WidgetState) => void) | undefined;

  const scroller = h(
    'div',
    { class: 'scroll', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', '$aria-label': 'conversation', tabindex: '0' },
    list.el,
    typing,
    waitCard,
    emailCard,
    rateCard,
    rateThanks,
  );

  const notice = h('p', { class: 'notice', role: 'alert' });
  const humanBtn = h('button', { type: 'button', class: 'chip' }, icon(I.person), h('span', { $text: 'human' }));
  const input = h('textarea', { '$aria-label': 'message', rows: '1', maxlength: String(MAX_TEXT), enterkeyhint: 'send' });
  const sendBtn = h('button', { type: 'button', class: 'send', '$aria-label': 'send' }, icon(I.send));
  const clip = h('button', { type: 'button', class: 'clip', '$aria-label': 'attach' }, icon(I.clip));
  const picker = h('input', { type: 'file', multiple: '', hidden: '' });
  const tray = h('div', { class: 'tray' });
  const foot = h(
    'div',
    { class: 'foot' },
    notice,
    humanBtn,
    tray,
    h('div', { class: 'compose' }, input, picker, clip, sendBtn),
    h('p', { class: 'brand', $text: 'brand' }),
  );

  const panel = h('div', { class: 'panel', role: 'dialog', 'aria-labelledby': 'hw-title' }, head, offline, scroller, foot);
  const root = h('div', { class: 'root' }, launcher, panel);
  shadow.append(root);

  // ---- What is only drawn ------------------------------------------------------------------------
  let follow = true; // the reader has not scrolled up: new content is brought into view
  let ownScroll = false; // the next scroll event is ours, not the reader's
  let shownCard: HTMLElement | undefined;
  let last: WidgetState | undefined;
  const headFace = face((el) => headAvatar.replaceChildren(el));
  const typingFace = face((el) => typing.replaceChild(el, typing.firstChild!));

  /** Scrolls just enough for the whole element to be visible (a form that appears, an error under it). */
  function reveal(el: HTMLElement): void {
    const over = el.offsetTop + el.offsetHeight + 16 - (scroller.scrollTop + scroller.clientHeight);
    if (over > 0) scrollTo(scroller.scrollTop + over);
  }

  function scrollTo(y: number): void {
    const before = scroller.scrollTop;
    scroller.scrollTop = y;
    if (scroller.scrollTop !== before) ownScroll = true;
  }

  /** To the end, unless the reader scrolled up to read (`force`: they just sent something). */
  function scrollDown(force: boolean): void {
    if (force) follow = true;
    if (follow) scrollTo(scroller.scrollHeight);
  }

  function resizeInput(): void {
    input.style.height = '';
    if (input.scrollHeight > input.clientHeight) input.style.height = `${Math.min(input.scrollHeight, 120)}px`;
  }

  function render(s: WidgetState): void {
    const was = last;
    last = s;
    if (s.open !== was?.open) {
      // Focus inside the closing chat goes back to the launcher.
      const hadFocus = shadow.activeElement !== null;
      if (s.open) shownCard = undefined;
      show(panel, s.open);
      show(launcher, !s.open);
      launcher.setAttribute('aria-expanded', String(s.open));
      if (was && !s.open && hadFocus) launcher.focus();
    }
    show(badge, s.unread > 0);
    badge.textContent = s.unread > 9 ? '9+' : String(s.unread);
    launcher.setAttribute('aria-label', s.unread ? plural('openChatUnread', s.unread) : t('openChat'));

    headFace(s.state === 'human' && s.agent);
    show(offline, s.offline);
    const [status, presence] = headerStatus(s.state, s.offline, s.agent?.name);
    subText.textContent = status;
    dot.dataset.presence = presence;

    const typist = s.typing === 'agent' && s.agent;
    typingFace(typist);
    typingName.textContent = typist ? typist.name : t('aiName');
    show(typing, Boolean(s.typing));
    if (s.typing && !was?.typing && follow) reveal(typing);
    const added = list.render(s.items, t('greeting'), s.offline, on.later);
    if (added) {
      // A long answer is read from its start: show its top (and the question above it), not its end.
      if (added[1].role !== 'customer' && follow) scrollTo(Math.min(added[0].offsetTop - 72, scroller.scrollHeight));
      else scrollDown(false);
    }

    show(humanBtn, (s.state === 'ai' || s.state === 'resolved') && !s.humanAsked);
    show(notice, Boolean(s.notice));
    say(notice, s.notice ? t(s.notice.key) : '');

    // widget-later.js comes once the open chat has messages (the customer's first one being sent), so its cards are ready when they are needed.
    const later = s.open && s.items.length ? on.later() : undefined;
    paintCards ??= later?.cards({ wait: waitCard, email: emailCard, rate: rateCard, thanks: rateThanks, on, reveal, done: () => input.focus() });
    show(waitCard, Boolean(paintCards) && s.state === 'waiting');
    show(emailCard, Boolean(paintCards) && s.state === 'queued' && !s.email && !s.visitor?.email);
    show(rateCard, Boolean(paintCards) && s.state === 'resolved' && !s.rated);
    show(rateThanks, Boolean(paintCards) && s.state === 'resolved' && s.rated > 0);
    paintCards?.(s);
    input.placeholder = t(s.state === 'resolved' ? 'placeholderResolved' : 'placeholder');
    const card = [waitCard, emailCard, rateCard, rateThanks].find((c) => !c.hidden);
    if (card && card !== shownCard && follow) reveal(card);
    shownCard = card;
  }

  /** Tab and Shift+Tab stay inside the open chat; Escape closes it. */
  function onPanelKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.stopPropagation();
      on.close();
      return;
    }
    if (e.key !== 'Tab') return;
    const items = Array.from(panel.querySelectorAll<HTMLElement>('button,textarea,input,[tabindex="0"]')).filter(
      (el) => el.getClientRects().length > 0 && !(el as HTMLButtonElement).disabled,
    );
    const first = items[0];
    const last = items[items.length - 1];
    const active = shadow.activeElement;
    if (!first || !last) return;
    if (e.shiftKey && active === first) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && active === last) {
      e.preventDefault();
      first.focus();
    }
  }

  function send(): void {
    if (on.send(input.value.trim().slice(0, MAX_TEXT))) {
      input.value = '';
      resizeInput();
    }
  }

  /** Enter sends (Shift+Enter is a new line; not while composing with an input method). */
  const onEnter = (then: () => void) => (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      then();
    }
  };

  // Files dragged over the panel are taken (widget-later.js draws the drop state).
  const onDrag = (e: DragEvent) => {
    const data = e.dataTransfer;
    if (!data?.types.includes('Files')) return;
    e.preventDefault(); // to be a drop target; on drop, or the browser leaves the page to open the file
    on.later(); // loads the script that draws the drop state
    if (e.type === 'drop') on.attach(data.files);
  };
  for (const type of ['dragenter', 'dragover', 'drop']) panel.addEventListener(type, onDrag as EventListener);
  clip.addEventListener('click', () => picker.click());
  picker.addEventListener('change', () => {
    on.attach(picker.files!);
    picker.value = ''; // the same file can be picked again
  });
  // A pasted screenshot is attached; pasted text (even with a picture of it, as office apps copy) stays text.
  input.addEventListener('paste', (e) => {
    const data = e.clipboardData;
    if (!data?.files.length || data.getData('text/plain')) return;
    e.preventDefault();
    on.attach(data.files);
  });
  launcher.addEventListener('click', () => on.open());
  closeBtn.addEventListener('click', () => on.close());
  retryBtn.addEventListener('click', () => on.retry());
  sendBtn.addEventListener('click', () => {
    send();
    input.focus();
  });
  humanBtn.addEventListener('click', () => {
    on.human();
    input.focus(); // the pressed button is gone: keep keyboard focus in the chat
  });
  input.addEventListener('input', () => {
    resizeInput();
    on.typed(Boolean(input.value.trim()));
  });
  input.addEventListener('keydown', onEnter(send));
  panel.addEventListener('keydown', onPanelKey);
  scroller.addEventListener('scroll', () => {
    if (ownScroll) ownScroll = false;
    else follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  });

  return {
    host,
    shadow,
    tray,
    render,
    scrollDown,
    focus: () => input.focus(),
    /** The language's direction, and the theme's colours the server computed (GET /api/widget/config); its texts are set. */
    config(config: WidgetConfig): void {
      // The start and end sides swap for a right-to-left language (the styles use logical properties).
      root.dir = config.dir;
      root.lang = config.lang;
      const { theme } = config;
      if (theme) {
        root.style.setProperty('--p', theme.primary);
        root.style.setProperty('--on', theme.onPrimary);
        root.style.setProperty('--pt', theme.primaryText);
      }
      if (last) render(last);
    },
  };
}
