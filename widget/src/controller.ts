/**
 * The widget's controller: the socket and its frames, the customer's unsent messages (kept in
 * localStorage and sent again), the timers, and the public API. Every change goes through the pure
 * reducer (state.ts); the view draws the result.
 */
import type { ClientFrame, HelloFrame, ServerFrame } from '../../src/gateway/protocol';
import { createConnection } from './connection';
import { h } from './dom';
import { LATER_EVENT, type Later, type LaterSetup, type FileView } from './later-api';
import { loadConfig, takeReopenToken, type WidgetConfig } from './page';
import { RETRYABLE, initialState, isPending, reduce, type Item, type Visitor, type WidgetEvent } from './state';
import { EMAIL_KEY, OPEN_KEY, OUTBOX_KEY, RATED_KEY, SEEN_KEY, TOKEN_KEY, USER_KEY, randomId, storage, tabStorage } from './storage';
import { setTexts } from './texts';
import { createView } from './view';

export interface HandoffWidgetApi {
  open(): void;
  close(): void;
  /** Verified identity: userHash = hex HMAC-SHA256(IDENTITY_SECRET, userId), computed by your server. */
  identify(userId: string, userHash: string, attributes?: Record<string, unknown>): void;
  /** The page the visitor is on (single-page apps call this on navigation). */
  setPage(url: string, title?: string): void;
  /** The language to speak (`es`, `pt-BR`, …), over the browser's; one the server does not speak: the browser's, else the admins' default. */
  setLanguage(lang: string): void;
}

type Page = { url: string; title?: string };

/** widget-later.js's path, with its version so a page never mixes two releases (set by src/gateway/widget-bundle.ts). */
declare const HANDOFF_LATER: string;

const MAX_FRAME_BYTES = 16 * 1024 - 512;
/** A socket down this long shows the offline banner (a quick reconnect does not flash it). */
const OFFLINE_AFTER_MS = 1200;

const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame)).length;

/** A message goes out once each of its files is uploaded. */
const sendable = (p: Item) => !p.files?.some((f) => !f.id);
const frameOf = (p: Item): ClientFrame => ({ type: 'message', clientId: p.clientId!, text: p.text, files: p.files?.map((f) => f.id!) });

/** `lang`: the embed's choice (the script tag's data-lang), else null: the browser's languages decide. */
export function createWidget(origin: string, lang: string | null): HandoffWidgetApi {
  let s = initialState();
  let spoken = ''; // the language of the texts shown (the config's), told in hello; '' until they arrive
  let said = ''; // the language the last hello told
  let ready = false; // welcomed on the current socket
  let page: Page | undefined;
  let typingSent = false;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  let typingHide: ReturnType<typeof setTimeout> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = 0; // grows while the server keeps refusing messages, back to 0 at an ack
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  const outbox: ClientFrame[] = []; // non-message frames waiting for the next welcome
  let savedOutbox = ''; // what OUTBOX_KEY holds; written at the first change
  let reopen = takeReopenToken();
  let later: Later | undefined; // widget-later.js, once loaded
  let loading = false;
  let loadedIn = ''; // the language widget-later.js was asked for
  const loaded: ((l: Later) => void)[] = [];
  const welcomed: (() => void)[] = []; // uploads waiting for a visitor token

  const view = createView({
    open: () => open(),
    close,
    retry: () => conn.reconnect(),
    send: sendMessage,
    typed,
    human() {
      dispatch({ type: 'human' });
      sendFrame({ type: 'request_human' });
    },
    email(email) {
      dispatch({ type: 'email', email });
      if (!s.email) return false;
      remember(EMAIL_KEY, '|', email);
      sendFrame({ type: 'email', email });
      return true;
    },
    pick: (score) => dispatch({ type: 'pick', score }),
    attach(list) {
      const files = Array.from(list); // now: the list empties once the event is over
      if (files.length) need((l) => l.add(files));
    },
    later: () => need(),
    rate(comment) {
      const { score } = s;
      if (!score) return;
      sendFrame({ type: 'rate', score, comment: comment || undefined });
      dispatch({ type: 'rate' });
      remember(RATED_KEY, '|', score);
    },
  });

  const conn = createConnection(`${origin.replace(/^http/, 'ws')}/widget/ws`, {
    open: sendHello,
    frame: onFrame,
    closed() {
      ready = false;
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(() => setOffline(true), navigator.onLine ? OFFLINE_AFTER_MS : 0);
    },
  });

  /** The one way the state changes: reduce, keep what must outlive the page, draw. */
  function dispatch(ev: WidgetEvent): void {
    const prev = s;
    s = reduce(prev, ev);
    // An upload does not outlive the page: the files uploaded are kept (their previews do not), the message goes without the rest.
    const unsent = JSON.stringify(s.items.filter(isPending).map((i) => [i.clientId, i.text, i.files?.filter((f) => f.id)]));
    if (unsent !== savedOutbox) {
      savedOutbox = unsent;
      if (unsent === '[]') storage.remove(OUTBOX_KEY);
      else storage.set(OUTBOX_KEY, unsent);
    }
    if (s.open && (s.seenSeq !== prev.seenSeq || !prev.open)) remember(SEEN_KEY, ':', s.seenSeq);
    if (s.emailError && s.emailError !== prev.emailError) storage.remove(EMAIL_KEY);
    if (s.notice !== prev.notice) {
      clearTimeout(noticeTimer);
      if (s.notice) noticeTimer = setTimeout(() => dispatch({ type: 'notice' }), 6000);
    }
    view.render(s);
  }

  /** Stored as `conversationId<sep>value`: what this browser knows about one conversation. */
  function remember(key: string, sep: string, value: string | number): void {
    if (s.conversationId) storage.set(key, `${s.conversationId}${sep}${value}`);
  }

  /** The value remembered for this conversation, or ''. */
  function recall(key: string, sep: string, id: string | null): string {
    const [savedId, value] = (storage.get(key) ?? '').split(sep);
    return savedId === id && value ? value : '';
  }

  // ---- Outgoing --------------------------------------------------------------------------------
  function currentPage(): Page {
    const p = page ?? { url: location.href, title: document.title };
    // No title: undefined, left out of the frame's JSON.
    return { url: p.url.slice(0, 2000), title: p.title?.slice(0, 500) || undefined };
  }

  function sendHello(): void {
    const hello: HelloFrame = { type: 'hello', page: currentPage() };
    if ((said = spoken)) hello.lang = spoken;
    const token = storage.get(TOKEN_KEY);
    if (token && token.length <= 512) hello.token = token;
    if (reopen) hello.reopen = reopen;
    if (s.lastSeq > 0) hello.lastSeq = s.lastSeq;
    if (s.visitor) hello.visitor = { ...s.visitor };
    // An oversized hello would close the socket (1009) on every attempt: drop the extras instead.
    if (bytes(hello) > MAX_FRAME_BYTES && hello.visitor) delete hello.visitor.attributes;
    if (bytes(hello) > MAX_FRAME_BYTES) hello.page = { url: location.origin };
    conn.send(hello);
  }

  /** A control frame: sent now when welcomed, else after the next welcome. */
  function sendFrame(frame: ClientFrame): void {
    if (!(ready && conn.send(frame))) outbox.push(frame);
    conn.start();
  }

  function resendPending(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!ready) return;
    for (const p of s.items.filter(isPending)) if (sendable(p)) conn.send(frameOf(p));
  }

  /** Sends the pending messages again after a jittered delay: 1–2 s, doubling up to 15–30 s. */
  function retryLater(): void {
    if (retryTimer) return;
    retryDelay = Math.min(30_000, retryDelay * 2 || 2000);
    retryTimer = setTimeout(resendPending, retryDelay * (0.5 + Math.random() / 2));
  }

  function sendMessage(text: string): boolean {
    const clientId = randomId();
    if (bytes({ type: 'message', clientId, text }) > MAX_FRAME_BYTES) {
      dispatch({ type: 'notice', key: 'tooLong' });
      return false;
    }
    const attached = later?.take() ?? [];
    if (!text && !attached.length) return false;
    stopTyping();
    dispatch({ type: 'send', clientId, text, files: attached });
    view.scrollDown(true);
    send(clientId);
    conn.start();
    return true;
  }

  /** Sends a pending message now if it can go: welcomed, and its files uploaded. */
  function send(clientId: string): void {
    const p = s.items.find((i) => isPending(i) && i.clientId === clientId);
    if (ready && p && sendable(p)) conn.send(frameOf(p));
  }

  /** Runs `then` with widget-later.js, loading it first (a script from the widget's origin) if needed. */
  function need(then?: (l: Later) => void): Later | undefined {
    if (later) then?.(later);
    else {
      if (then) loaded.push(then);
      if (!loading) {
        loading = true;
        // It fetches its texts in this language before it announces itself.
        const script = h('script', { src: origin + HANDOFF_LATER, 'data-lang': (loadedIn = spoken) });
        // Run, it is not needed in the page any more; not run (offline, blocked), it is tried again when next asked for.
        script.onload = () => script.remove();
        script.onerror = () => {
          script.remove();
          loading = false;
          dispatch({ type: 'notice', key: 'laterFailed' });
        };
        document.head.append(script);
      }
    }
    return later;
  }

  addEventListener(LATER_EVENT, (e) => {
    if (later) return;
    later = (e as CustomEvent<LaterSetup>).detail({
      origin,
      shadow: view.shadow,
      tray: view.tray,
      token(fresh) {
        if (fresh) conn.reconnect();
        conn.start();
        return new Promise((resolve) => {
          const give = () => resolve(storage.get(TOKEN_KEY) ?? '');
          if (ready && !fresh) give();
          else welcomed.push(give);
        });
      },
      redraw: () => view.render(s),
      done(key, file) {
        const p = s.items.find((i) => i.files?.some((f) => f.key === key));
        dispatch({ type: 'file', key, file });
        if (p) send(p.clientId!);
      },
    });
    // The language changed while it was loading: its texts follow.
    if (loadedIn !== spoken) later.setLanguage(spoken);
    for (const then of loaded.splice(0)) then(later);
    view.render(s);
  });

  function typed(hasText: boolean): void {
    if (!ready) return;
    if (!typingSent && hasText) typingSent = conn.send({ type: 'typing', typing: true });
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
    if (f.type === 'welcome' || f.type === 'state') {
      const id = f.type === 'welcome' ? f.conversationId : s.conversationId;
      const saved = { seen: Number(recall(SEEN_KEY, ':', id)) || 0, email: recall(EMAIL_KEY, '|', id) || null, rated: Number(recall(RATED_KEY, '|', id)) || 0 };
      if (f.type === 'welcome') {
        storage.set(TOKEN_KEY, f.token);
        reopen = null; // used once: the visitor token from now on
        ready = true;
        conn.healthy();
        clearTimeout(offlineTimer);
      }
      dispatch({ ...f, saved });
      // A rating belongs to one resolution: reopened, the conversation asks again.
      if (s.state !== 'resolved' && saved.rated) storage.remove(RATED_KEY);
      if (f.type === 'welcome') {
        resendPending();
        for (const frame of outbox.splice(0)) conn.send(frame);
        for (const give of welcomed.splice(0)) give();
      }
      return;
    }
    if (f.type === 'ack') retryDelay = 0;
    if (f.type === 'typing' && f.role !== 'customer') {
      clearTimeout(typingHide);
      // A lost "stopped typing" frame must not leave the indicator up forever.
      if (f.typing) typingHide = setTimeout(() => dispatch({ ...f, typing: false }), 20_000);
    }
    dispatch(f);
    if (f.type === 'error' && RETRYABLE.has(f.code) && s.items.some((i) => isPending(i) && (!f.clientId || i.clientId === f.clientId))) retryLater();
  }

  function setOffline(value: boolean): void {
    if (!value) clearTimeout(offlineTimer);
    if (value !== s.offline) dispatch({ type: 'offline', offline: value });
  }

  // ---- Opening and closing ---------------------------------------------------------------------
  function open(focus = true): void {
    if (s.open) return;
    dispatch({ type: 'open' });
    tabStorage.set(OPEN_KEY, '1');
    conn.start();
    view.scrollDown(true);
    if (focus) view.focus();
  }

  function close(): void {
    if (!s.open) return;
    stopTyping();
    dispatch({ type: 'close' });
    tabStorage.remove(OPEN_KEY);
  }

  window.addEventListener('offline', () => setOffline(true));
  // A socket that survived a short network blip is still welcomed: nothing to wait for.
  window.addEventListener('online', () => ready && conn.isOpen() && setOffline(false));

  // Messages typed before a reload (or before the server went away) are sent again, same clientId.
  try {
    const saved: unknown = JSON.parse(storage.get(OUTBOX_KEY) ?? '[]');
    if (Array.isArray(saved)) {
      for (const item of saved.slice(-20)) {
        if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string') continue;
        const kept = (Array.isArray(item[2]) ? item[2] : []) as FileView[];
        if (item[1] || kept.length) s = reduce(s, { type: 'send', clientId: item[0], text: item[1], files: kept });
      }
    }
  } catch {
    storage.remove(OUTBOX_KEY);
  }
  view.render(s); // the first render sets what the view built bare; it comes before the host is attached

  /**
   * The config in the language asked for (a late answer for a language since replaced is dropped).
   * The widget has no text of its own: it shows itself, and connects, once the first texts are here.
   */
  function configured(asked: string | null, c: WidgetConfig): void {
    if (asked !== lang) return;
    const first = !spoken;
    spoken = c.lang;
    setTexts(c.lang, c.texts);
    view.config(c);
    later?.setLanguage(c.lang);
    // Hello again in this language: it becomes the conversation's (the server's lines, the agents' translations).
    if (said !== spoken && conn.isOpen()) conn.reconnect();
    if (first) start();
  }
  let asked = false;
  const configure = () => {
    const want = lang;
    asked = true;
    loadConfig(origin, want, (c) => configured(want, c));
  };
  // After the calls the page queued before the script loaded: a queued setLanguage asks for its language alone.
  void Promise.resolve().then(() => asked || configure());

  function start(): void {
    const attach = () => document.body.append(view.host);
    if ((document.body as HTMLElement | null) === null) document.addEventListener('DOMContentLoaded', attach, { once: true });
    else attach();

    // A returning visitor reconnects at once to receive replies; a new one connects when they open the chat.
    // A follow-up email's link opens the chat on its conversation.
    if (reopen) {
      conn.start();
      open(false);
    } else if (storage.get(TOKEN_KEY) || s.items.length) conn.start();
    // The chat stays open while the visitor moves around the site (without taking the page's focus).
    if (tabStorage.get(OPEN_KEY)) open(false);
  }

  return Object.freeze({
    open: () => open(),
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
          dispatch({ type: 'reset' });
        }
        storage.set(USER_KEY, next.userId);
      }
      if (JSON.stringify(next) === JSON.stringify(s.visitor ?? null)) return;
      dispatch({ type: 'identify', visitor: next });
      // The identity travels in hello: say hello again if this socket already said it.
      if (conn.isOpen()) conn.reconnect();
    },
    setPage(url: string, pageTitle?: string): void {
      if (typeof url !== 'string' || !url) return;
      page = typeof pageTitle === 'string' ? { url, title: pageTitle } : { url };
      if (ready) conn.send({ type: 'page', ...currentPage() });
    },
    setLanguage(code: string): void {
      if (typeof code !== 'string' || code.length > 35 || code === lang) return;
      lang = code;
      configure();
    },
  });
}
