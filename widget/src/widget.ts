import type { ClientFrame, HelloFrame, ServerFrame, WireAgent, WireQueue, WireState } from '../../src/gateway/protocol';
import { Connection } from './connection';
import { h, icon, linkify, show } from './dom';
import { SEEN_KEY, TOKEN_KEY, USER_KEY, randomId, storage } from './storage';
import { applyStyles } from './styles';

export interface HandoffWidgetApi {
  open(): void;
  close(): void;
  /** Verified identity: userHash = hex HMAC-SHA256(IDENTITY_SECRET, userId), computed by your server. */
  identify(userId: string, userHash: string, attributes?: Record<string, unknown>): void;
  /** The page the visitor is on (single-page apps call this on navigation). */
  setPage(url: string, title?: string): void;
}

type MessageFrame = Extract<ServerFrame, { type: 'message' }>;
type Visitor = NonNullable<HelloFrame['visitor']>;
type Page = { url: string; title?: string };

interface Pending {
  clientId: string;
  text: string;
  el: HTMLElement;
}

const MAX_FRAME_BYTES = 16 * 1024 - 512;
const MAX_TEXT = 4000;
const CHAT_ICON = 'M21 15a2 2 0 0 1-2 2H7l-4 4V5a2 2 0 0 1 2-2h14a2 2 0 0 1 2 2z';
const CLOSE_ICON = 'M18 6 6 18M6 6l12 12';
const RETRYABLE = new Set(['rate_limited', 'internal', 'unavailable', 'hello_required']);

const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame)).length;

export function createWidget(origin: string): HandoffWidgetApi {
  // ---- DOM -------------------------------------------------------------------------------------
  const host = h('div', { 'data-handoff-widget': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);

  const launcher = h('button', { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-expanded': 'false' }, icon(CHAT_ICON));
  const title = h('h2', { id: 'hw-title', text: 'Chat with us' });
  const closeBtn = h('button', { type: 'button', class: 'close', 'aria-label': 'Close' }, icon(CLOSE_ICON));
  const greeting = h('div', { class: 'msg ai', text: 'Hi! How can we help you today?' });
  const log = h('div', { class: 'log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Conversation', tabindex: '0' }, greeting);
  const typing = h('div', { class: 'typing dots', hidden: true });
  const status = h('div', { class: 'status', role: 'status', hidden: true });
  const notice = h('div', { class: 'notice', role: 'status', hidden: true });

  const emailInput = h('input', { type: 'email', 'aria-label': 'Email', placeholder: 'you@example.com', autocomplete: 'email', required: true, maxlength: '320' });
  const emailForm = h('form', { class: 'row', hidden: true, novalidate: true }, emailInput, h('button', { type: 'submit', class: 'primary', text: 'Save' }));
  const rating = h('div', { class: 'rating', role: 'group', 'aria-label': 'Rate this conversation', hidden: true });
  for (let score = 1; score <= 5; score++) {
    const b = h('button', { type: 'button', 'aria-label': `Rate ${score} star${score > 1 ? 's' : ''}`, text: String(score) });
    b.addEventListener('click', () => rate(score));
    rating.append(b);
  }
  const input = h('textarea', { 'aria-label': 'Message', placeholder: 'Type your message…', rows: '1', maxlength: String(MAX_TEXT) });
  const sendBtn = h('button', { type: 'button', class: 'primary', text: 'Send' });
  const humanBtn = h('button', { type: 'button', class: 'link', text: 'Talk to a person' });
  const box = h('div', { class: 'box' }, emailForm, rating, h('div', { class: 'row' }, input, sendBtn), humanBtn);

  const panel = h(
    'div',
    { class: 'panel', role: 'dialog', 'aria-labelledby': 'hw-title', hidden: true },
    h('div', { class: 'head' }, title, closeBtn),
    log,
    typing,
    status,
    notice,
    box,
  );
  shadow.append(h('div', { class: 'root' }, launcher, panel));

  // ---- State -----------------------------------------------------------------------------------
  let isOpen = false;
  let ready = false; // welcomed on the current socket
  let conversationId: string | null = null;
  let state: WireState = 'ai';
  let agent: WireAgent | undefined;
  let lastSeq = 0;
  let seenSeq = 0;
  let emailGiven = false;
  let rated = false;
  let visitor: Visitor | undefined;
  let page: Page | undefined;
  let typingSent = false;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  let typingHide: ReturnType<typeof setTimeout> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  const bySeq = new Map<number, HTMLElement>();
  const pending: Pending[] = [];
  const outbox: ClientFrame[] = []; // non-message frames waiting for the next welcome

  const conn = new Connection(`${origin.replace(/^http/, 'ws')}/widget/ws`, {
    open: sendHello,
    frame: onFrame,
    closed() {
      ready = false;
      setNotice('Reconnecting…', false);
    },
  });

  // ---- Outgoing --------------------------------------------------------------------------------
  function currentPage(): Page {
    const p = page ?? { url: location.href, title: document.title };
    return p.title ? { url: p.url.slice(0, 2000), title: p.title.slice(0, 500) } : { url: p.url.slice(0, 2000) };
  }

  function sendHello(): void {
    const hello: HelloFrame = { type: 'hello', page: currentPage() };
    const token = storage.get(TOKEN_KEY);
    if (token && token.length <= 512) hello.token = token;
    if (lastSeq > 0) hello.lastSeq = lastSeq;
    if (visitor) hello.visitor = visitor;
    // An oversized hello would close the socket (1009) on every attempt: drop the extras instead.
    if (bytes(hello) > MAX_FRAME_BYTES && hello.visitor) delete hello.visitor.attributes;
    if (bytes(hello) > MAX_FRAME_BYTES) hello.page = { url: location.origin };
    conn.send(hello);
  }

  function sendFrame(frame: ClientFrame): void {
    if (!(ready && conn.send(frame))) outbox.push(frame);
    conn.start();
  }

  function resendPending(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!ready) return;
    for (const p of pending) conn.send({ type: 'message', clientId: p.clientId, text: p.text });
  }

  function retryLater(): void {
    if (!retryTimer) retryTimer = setTimeout(resendPending, 3000 + Math.random() * 2000);
  }

  function sendMessage(): void {
    const text = input.value.trim().slice(0, MAX_TEXT);
    if (!text) return;
    const frame: ClientFrame = { type: 'message', clientId: randomId(), text };
    if (bytes(frame) > MAX_FRAME_BYTES) return setNotice('That message is too long.');
    input.value = '';
    resizeInput();
    stopTyping();
    const el = h('div', { class: 'msg customer pending' }, h('span', { class: 'text', text }));
    pending.push({ clientId: frame.clientId, text, el });
    log.append(el);
    scrollDown(true);
    if (ready) conn.send(frame);
    conn.start();
  }

  function requestHuman(): void {
    sendFrame({ type: 'request_human' });
    show(humanBtn, false);
    setStatus('Connecting you with a team member…');
    input.focus(); // the pressed button is gone: keep keyboard focus in the chat
  }

  function submitEmail(event: Event): void {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!email || !emailInput.checkValidity()) {
      setNotice('Please enter a valid email address.');
      emailInput.focus();
      return;
    }
    emailGiven = true;
    setNotice('');
    sendFrame({ type: 'email', email });
    show(emailForm, false);
    setStatus(`Thanks! We'll reply to ${email}.`);
    input.focus();
  }

  function rate(score: number): void {
    rated = true;
    sendFrame({ type: 'rate', score });
    show(rating, false);
    setStatus('Thanks for your feedback!');
    input.focus();
  }

  function onInput(): void {
    resizeInput();
    if (!ready) return;
    if (!typingSent && input.value.trim()) {
      typingSent = conn.send({ type: 'typing', typing: true });
    }
    clearTimeout(typingIdle);
    typingIdle = setTimeout(stopTyping, 3000);
  }

  function stopTyping(): void {
    clearTimeout(typingIdle);
    if (typingSent && ready) conn.send({ type: 'typing', typing: false });
    typingSent = false;
  }

  // ---- Incoming --------------------------------------------------------------------------------
  function onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome': {
        storage.set(TOKEN_KEY, f.token);
        if (conversationId !== f.conversationId) {
          if (conversationId) resetLog();
          conversationId = f.conversationId;
          const [seenId, seen] = (storage.get(SEEN_KEY) ?? '').split(':');
          seenSeq = seenId === f.conversationId ? Number(seen) || 0 : 0;
        }
        ready = true;
        conn.healthy();
        setNotice('');
        setState(f.state, f.agent, undefined, true);
        resendPending();
        for (const frame of outbox.splice(0)) conn.send(frame);
        return;
      }
      case 'ack': {
        const p = pending.find((x) => x.clientId === f.clientId);
        if (p) settle(p, f.seq);
        return;
      }
      case 'message':
        return onMessage(f);
      case 'message_updated': {
        const body = bySeq.get(f.seq)?.querySelector('.text');
        if (body) body.replaceChildren(linkify(f.text));
        return;
      }
      case 'message_deleted':
        bySeq.get(f.seq)?.remove();
        return;
      case 'state':
        return setState(f.state, f.agent, f.queue, false);
      case 'typing': {
        if (f.role === 'customer') return;
        clearTimeout(typingHide);
        typing.textContent = `${f.role === 'agent' ? agent?.name ?? 'Our team' : 'Assistant'} is typing`;
        show(typing, f.typing);
        // A lost "stopped typing" frame must not leave the indicator up forever.
        if (f.typing) typingHide = setTimeout(() => show(typing, false), 20_000);
        return;
      }
      case 'error': {
        const p = f.clientId ? pending.find((x) => x.clientId === f.clientId) : undefined;
        if (RETRYABLE.has(f.code) && pending.length) retryLater();
        else if (p) {
          pending.splice(pending.indexOf(p), 1);
          p.el.classList.replace('pending', 'failed');
        }
        if (f.code === 'invalid_email') {
          emailGiven = false;
          setState(state, undefined, undefined, true);
          emailInput.focus();
        }
        setNotice(f.message || 'Something went wrong.');
        return;
      }
    }
  }

  function onMessage(f: MessageFrame): void {
    if (bySeq.has(f.seq)) return;
    const mine = f.clientId ? pending.find((x) => x.clientId === f.clientId) : undefined;
    if (mine) return settle(mine, f.seq);
    const at = new Date(f.at);
    const el = h('div', { class: `msg ${f.role}`, title: Number.isNaN(at.getTime()) ? undefined : at.toLocaleString() });
    if (f.role === 'agent' && f.agent?.name) el.append(h('span', { class: 'who', text: f.agent.name }));
    const body = h('span', { class: 'text' });
    body.append(linkify(f.text));
    el.append(body);
    bySeq.set(f.seq, el);
    lastSeq = Math.max(lastSeq, f.seq);
    if (f.role !== 'customer') show(typing, false);
    // A deleted reply replays with empty text: remember its seq, show nothing.
    if (!f.text) return;
    place(el, f.seq);
    scrollDown(f.role === 'customer');
    if (f.role !== 'customer' && !isOpen && f.seq > seenSeq) {
      launcher.classList.add('unread');
      launcher.setAttribute('aria-label', 'Open chat (new message)');
    }
    if (isOpen) markSeen();
  }

  /** A pending message was stored: it becomes a normal message at its seq. */
  function settle(p: Pending, seq: number): void {
    pending.splice(pending.indexOf(p), 1);
    p.el.classList.remove('pending', 'failed');
    bySeq.set(seq, p.el);
    lastSeq = Math.max(lastSeq, seq);
    place(p.el, seq);
  }

  /** Puts a message in seq order, before any still-pending ones; leaves it alone if already there. */
  function place(el: HTMLElement, seq: number): void {
    el.dataset.seq = String(seq);
    let before: Element | null = null;
    for (const child of Array.from(log.children)) {
      if (child === el) continue;
      const s = Number((child as HTMLElement).dataset.seq);
      if (child.classList.contains('pending') || s > seq) {
        before = child;
        break;
      }
    }
    if (el.parentNode === log && el.nextElementSibling === before) return;
    log.insertBefore(el, before);
  }

  function resetLog(): void {
    for (const el of bySeq.values()) el.remove();
    bySeq.clear();
    lastSeq = 0;
    emailGiven = false;
    rated = false;
  }

  function setState(next: WireState, who: WireAgent | undefined, queue: WireQueue | undefined, resumed: boolean): void {
    if (next !== 'resolved') rated = false;
    state = next;
    if (who) agent = who;
    const name = agent?.name ?? 'A team member';
    if (next === 'waiting') {
      setStatus(`Connecting you with a team member…${queue?.position ? ` You're number ${queue.position} in line.` : ''}`);
    } else if (next === 'human') {
      setStatus(resumed ? `You're chatting with ${name}.` : `${name} joined the conversation.`);
    } else if (next === 'queued') {
      setStatus(emailGiven ? "We'll get back to you by email." : "Our team is away right now. Leave your email and we'll get back to you.");
    } else if (next === 'resolved') {
      setStatus(rated ? 'This conversation is closed.' : 'This conversation is closed. How did we do?');
    } else {
      setStatus('');
    }
    show(humanBtn, next === 'ai');
    show(emailForm, next === 'queued' && !emailGiven);
    show(rating, next === 'resolved' && !rated);
  }

  // ---- View helpers ----------------------------------------------------------------------------
  function setStatus(text: string): void {
    status.textContent = text;
    show(status, Boolean(text));
  }

  function setNotice(text: string, fades = true): void {
    clearTimeout(noticeTimer);
    notice.textContent = text;
    show(notice, Boolean(text));
    if (text && fades) noticeTimer = setTimeout(() => setNotice(''), 6000);
  }

  function scrollDown(force: boolean): void {
    if (force || log.scrollHeight - log.scrollTop - log.clientHeight < 120) log.scrollTop = log.scrollHeight;
  }

  function resizeInput(): void {
    input.style.height = '';
    if (input.scrollHeight > input.clientHeight) input.style.height = `${Math.min(input.scrollHeight + 2, 120)}px`;
  }

  function markSeen(): void {
    seenSeq = lastSeq;
    launcher.classList.remove('unread');
    launcher.setAttribute('aria-label', 'Open chat');
    if (conversationId) storage.set(SEEN_KEY, `${conversationId}:${lastSeq}`);
  }

  // ---- Wiring ----------------------------------------------------------------------------------
  function open(): void {
    if (isOpen) return;
    isOpen = true;
    show(panel, true);
    show(launcher, false);
    launcher.setAttribute('aria-expanded', 'true');
    markSeen();
    conn.start();
    scrollDown(true);
    input.focus();
  }

  function close(): void {
    if (!isOpen) return;
    const hadFocus = shadow.activeElement !== null;
    isOpen = false;
    stopTyping();
    show(panel, false);
    show(launcher, true);
    launcher.setAttribute('aria-expanded', 'false');
    if (hadFocus) launcher.focus();
  }

  launcher.addEventListener('click', open);
  closeBtn.addEventListener('click', close);
  sendBtn.addEventListener('click', sendMessage);
  humanBtn.addEventListener('click', requestHuman);
  emailForm.addEventListener('submit', submitEmail);
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendMessage();
    }
  });
  panel.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') close();
  });

  loadConfig(origin, (config) => {
    if (config.title) title.textContent = config.title;
    if (config.greeting !== undefined) {
      greeting.textContent = config.greeting;
      show(greeting, Boolean(config.greeting));
    }
    if (config.primaryColor) host.style.setProperty('--hw-primary', config.primaryColor);
  });

  const attach = () => document.body.append(host);
  if ((document.body as HTMLElement | null) === null) document.addEventListener('DOMContentLoaded', attach, { once: true });
  else attach();

  // A returning visitor reconnects at once to receive replies; a new one connects when they open the chat.
  if (storage.get(TOKEN_KEY)) conn.start();

  return Object.freeze({
    open,
    close,
    identify(userId: string, userHash: string, attributes?: Record<string, unknown>): void {
      const next: Visitor = {};
      if (typeof userId === 'string' && typeof userHash === 'string' && userId.length <= 200 && userHash.length <= 128) {
        next.userId = userId;
        next.userHash = userHash;
      }
      const attrs: Record<string, string | number | boolean> = {};
      for (const [key, value] of Object.entries(attributes ?? {})) {
        if (key.length > 100 || key === '__proto__') continue;
        if (key === 'name' && typeof value === 'string') next.name = value.slice(0, 200);
        else if (key === 'email' && typeof value === 'string') next.email = value.slice(0, 320);
        else if (typeof value === 'string') attrs[key] = value.slice(0, 1000);
        else if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) attrs[key] = value;
      }
      if (Object.keys(attrs).length) next.attributes = attrs;
      // Another signed-in user on this browser must not resume the previous user's conversation.
      if (next.userId && storage.get(USER_KEY) !== next.userId) {
        if (storage.get(USER_KEY) !== null) {
          storage.remove(TOKEN_KEY);
          resetLog();
        }
        storage.set(USER_KEY, next.userId);
      }
      if (JSON.stringify(next) === JSON.stringify(visitor ?? null)) return;
      visitor = next;
      // The identity travels in hello: say hello again if this socket already said it.
      if (conn.isOpen) conn.reconnectNow();
    },
    setPage(url: string, pageTitle?: string): void {
      if (typeof url !== 'string' || !url) return;
      page = typeof pageTitle === 'string' ? { url, title: pageTitle } : { url };
      if (ready) conn.send({ type: 'page', ...currentPage() });
    },
  });
}

interface WidgetConfig {
  title?: string;
  greeting?: string;
  primaryColor?: string;
}

/** GET /api/widget/config; every field optional, anything odd ignored. */
function loadConfig(origin: string, apply: (config: WidgetConfig) => void): void {
  fetch(`${origin}/api/widget/config`, { credentials: 'omit' })
    .then((res) => (res.ok ? res.json() : null))
    .then((raw: unknown) => {
      if (!raw || typeof raw !== 'object') return;
      const c = raw as Record<string, unknown>;
      const config: WidgetConfig = {};
      if (typeof c.title === 'string' && c.title.trim()) config.title = c.title.slice(0, 80);
      if (typeof c.greeting === 'string') config.greeting = c.greeting.slice(0, 1000);
      const colour = c.primaryColor;
      if (typeof colour === 'string' && typeof CSS !== 'undefined' && CSS.supports('color', colour) && !colour.includes('var(')) {
        config.primaryColor = colour;
      }
      apply(config);
    })
    .catch(() => {
      // The defaults are fine; the chat works without its theme.
    });
}
