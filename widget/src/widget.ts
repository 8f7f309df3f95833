import type { ClientFrame, HelloFrame, ServerFrame, WireAgent, WireQueue, WireState } from '../../src/gateway/protocol';
import type { Theme } from '../../src/gateway/widget-theme';
import { createConnection } from './connection';
import { avatar, h, icon, show } from './dom';
import { I } from './icons';
import { botAvatar, createMessageList, type Pending } from './messages';
import { EMAIL_KEY, OPEN_KEY, OUTBOX_KEY, RATED_KEY, SEEN_KEY, TOKEN_KEY, USER_KEY, randomId, storage, tabStorage } from './storage';
import { headerStatus } from './status';
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

/**
 * The texts admins set in the widget theme (GET /api/widget/config). The handoff message, the agent's
 * introduction and the queued message are settings too, but the server sends them as messages (they
 * belong in the transcript), so the widget shows them once, from there.
 */
interface Texts {
  title: string;
  greeting: string;
}

const MAX_FRAME_BYTES = 16 * 1024 - 512;
const MAX_TEXT = 4000;
const RETRYABLE = new Set(['rate_limited', 'internal', 'unavailable', 'hello_required']);
const EMAIL_RE = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*\.[^\s@.]{2,}$/;
const RATINGS = ['Terrible', 'Bad', 'Okay', 'Good', 'Great'];
/** A socket down this long shows the offline banner (a quick reconnect does not flash it). */
const OFFLINE_AFTER_MS = 1200;

const bytes = (frame: unknown) => new TextEncoder().encode(JSON.stringify(frame)).length;

export function createWidget(origin: string): HandoffWidgetApi {
  const texts: Texts = {
    title: 'Chat with us',
    greeting: 'Hi! How can we help you today?',
  };

  // ---- DOM -------------------------------------------------------------------------------------
  const host = h('div', { 'data-handoff-widget': '' });
  const shadow = host.attachShadow({ mode: 'open' });
  applyStyles(shadow);

  const badge = h('span', { class: 'badge', 'aria-hidden': 'true', hidden: true });
  const launcher = h(
    'button',
    { type: 'button', class: 'launcher', 'aria-label': 'Open chat', 'aria-haspopup': 'dialog', 'aria-expanded': 'false' },
    icon(I.chat),
    badge,
  );

  const headAvatar = h('span', { class: 'hav' }, botAvatar());
  const title = h('h2', { id: 'hw-title', text: texts.title });
  const subText = h('span');
  const dot = h('span', { class: 'dot', 'aria-hidden': 'true' });
  const sub = h('p', { class: 'sub' }, dot, subText);
  const closeBtn = h('button', { type: 'button', class: 'ib', 'aria-label': 'Close' }, icon(I.close));
  const head = h('div', { class: 'head' }, headAvatar, h('div', { class: 'ht' }, title, sub), closeBtn);

  const retryBtn = h('button', { type: 'button', class: 'lnk', text: 'Retry' });
  const offline = h(
    'div',
    { class: 'offline', role: 'status', hidden: true },
    icon(I.offline),
    h('span', { text: "You're offline. Your messages will be sent when the connection is back." }),
    retryBtn,
  );

  const list = createMessageList();
  const typingName = h('span', { class: 'name' });
  const typing = h(
    'div',
    { class: 'm ai typing', 'aria-hidden': 'true', hidden: true },
    botAvatar(),
    h('div', { class: 'col' }, typingName, h('div', { class: 'b' }, h('i'), h('i'), h('i'))),
  );

  // Waiting for an agent.
  const queueText = h('p', { class: 'cs' });
  const waitCard = h(
    'div',
    { class: 'card wait', hidden: true },
    h('span', { class: 'spin', 'aria-hidden': 'true' }),
    h('div', {}, h('p', { class: 'ct', text: 'Waiting for a team member' }), queueText),
  );

  // Nobody available: ask for an email.
  const emailInput = h('input', {
    type: 'email',
    id: 'hw-email',
    'aria-label': 'Email',
    'aria-describedby': 'hw-email-err',
    placeholder: 'you@company.com',
    autocomplete: 'email',
    maxlength: '320',
  });
  const emailErr = h('p', { id: 'hw-email-err', class: 'err', role: 'alert' });
  const emailCard = h(
    'form',
    { class: 'card', novalidate: true, hidden: true },
    h('p', { class: 'ct' }, icon(I.mail), 'Get the reply by email'),
    h('p', { class: 'cs', text: "Leave your email and we'll let you know as soon as someone from the team answers." }),
    h('div', { class: 'field' }, emailInput, h('button', { type: 'submit', class: 'btn', text: 'Notify me' })),
    emailErr,
  );

  // Resolved: a 1–5 rating with an optional comment.
  const rateTitle = h('p', { class: 'ct', id: 'hw-rate' });
  const stars = h('div', { class: 'stars', role: 'group', 'aria-labelledby': 'hw-rate' });
  const starButtons = RATINGS.map((_, i) => {
    const n = i + 1;
    const b = h('button', { type: 'button', 'aria-label': `${n} star${n > 1 ? 's' : ''}`, 'aria-pressed': 'false' }, icon(I.star));
    b.addEventListener('click', () => pickScore(n));
    b.addEventListener('mouseenter', () => paintStars(n));
    stars.append(b);
    return b;
  });
  stars.addEventListener('mouseleave', () => paintStars(score));
  const rateHint = h('p', { class: 'cs hint', text: 'Choose 1 to 5 stars' });
  const comment = h('textarea', { 'aria-label': 'Comment (optional)', placeholder: 'Anything we could do better? (optional)', rows: '2', maxlength: '2000' });
  const rateForm = h('form', { class: 'rf', hidden: true }, comment, h('button', { type: 'submit', class: 'btn', text: 'Submit rating' }));
  const rateCard = h('div', { class: 'card rate', hidden: true }, rateTitle, stars, rateHint, rateForm);
  const rateThanks = h('div', { class: 'card ok', hidden: true });

  const scroller = h(
    'div',
    { class: 'scroll', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Conversation', tabindex: '0' },
    list.el,
    typing,
    waitCard,
    emailCard,
    rateCard,
    rateThanks,
  );

  const notice = h('p', { class: 'notice', role: 'alert', hidden: true });
  const humanBtn = h('button', { type: 'button', class: 'chip' }, icon(I.person), 'Talk to a person');
  const input = h('textarea', { 'aria-label': 'Message', placeholder: 'Write a message…', rows: '1', maxlength: String(MAX_TEXT), enterkeyhint: 'send' });
  const sendBtn = h('button', { type: 'button', class: 'send', 'aria-label': 'Send' }, icon(I.send));
  const foot = h(
    'div',
    { class: 'foot' },
    notice,
    humanBtn,
    h('div', { class: 'compose' }, input, sendBtn),
    h('p', { class: 'brand', text: 'Powered by Handoff' }),
  );

  const panel = h('div', { class: 'panel', role: 'dialog', 'aria-labelledby': 'hw-title', hidden: true }, head, offline, scroller, foot);
  const root = h('div', { class: 'root' }, launcher, panel);
  shadow.append(root);

  // ---- State -----------------------------------------------------------------------------------
  let isOpen = false;
  let ready = false; // welcomed on the current socket
  let isOffline = false;
  let conversationId: string | null = null;
  let state: WireState = 'ai';
  let agent: WireAgent | undefined;
  let queue: WireQueue | undefined;
  let seenSeq = 0;
  let unread = 0;
  let humanAsked = false;
  let emailGiven: string | null = null;
  let rated = 0; // the score given, once rated
  let score = 0;
  let visitor: Visitor | undefined;
  let page: Page | undefined;
  let typingSent = false;
  let typingIdle: ReturnType<typeof setTimeout> | undefined;
  let typingHide: ReturnType<typeof setTimeout> | undefined;
  let noticeTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = 0; // grows while the server keeps refusing messages, back to 0 at an ack
  let offlineTimer: ReturnType<typeof setTimeout> | undefined;
  let follow = true; // the reader has not scrolled up: new content is brought into view
  let ownScroll = false; // the next scroll event is ours, not the reader's
  let shownCard: HTMLElement | undefined;
  const outbox: ClientFrame[] = []; // non-message frames waiting for the next welcome
  let reopen = takeReopenToken();

  const conn = createConnection(`${origin.replace(/^http/, 'ws')}/widget/ws`, {
    open: sendHello,
    frame: onFrame,
    closed() {
      ready = false;
      clearTimeout(offlineTimer);
      offlineTimer = setTimeout(() => setOffline(true), navigator.onLine === false ? 0 : OFFLINE_AFTER_MS);
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
    if (reopen) hello.reopen = reopen;
    if (list.lastSeq > 0) hello.lastSeq = list.lastSeq;
    if (visitor) hello.visitor = { ...visitor };
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

  function saveOutbox(): void {
    if (list.pending.length) storage.set(OUTBOX_KEY, JSON.stringify(list.pending.map((p) => [p.clientId, p.text])));
    else storage.remove(OUTBOX_KEY);
  }

  function resendPending(): void {
    clearTimeout(retryTimer);
    retryTimer = undefined;
    if (!ready) return;
    for (const p of list.pending) conn.send({ type: 'message', clientId: p.clientId, text: p.text });
  }

  /** Sends the pending messages again after a jittered delay: 1–2 s, doubling up to 15–30 s. */
  function retryLater(): void {
    if (retryTimer) return;
    retryDelay = Math.min(30_000, retryDelay * 2 || 2000);
    retryTimer = setTimeout(resendPending, retryDelay * (0.5 + Math.random() / 2));
  }

  function sendMessage(): void {
    const text = input.value.trim().slice(0, MAX_TEXT);
    if (!text) return;
    const frame: ClientFrame = { type: 'message', clientId: randomId(), text };
    if (bytes(frame) > MAX_FRAME_BYTES) return setNotice('That message is too long.');
    input.value = '';
    resizeInput();
    stopTyping();
    list.addPending(frame.clientId, text);
    saveOutbox();
    scrollDown(true);
    if (ready) conn.send(frame);
    conn.start();
  }

  function requestHuman(): void {
    humanAsked = true;
    sendFrame({ type: 'request_human' });
    render();
    input.focus(); // the pressed button is gone: keep keyboard focus in the chat
  }

  function submitEmail(event: Event): void {
    event.preventDefault();
    const email = emailInput.value.trim();
    if (!EMAIL_RE.test(email) || email.length > 320) return emailError('Please enter a valid email address, like name@example.com.');
    emailInput.removeAttribute('aria-invalid');
    emailErr.textContent = '';
    emailGiven = email;
    if (conversationId) storage.set(EMAIL_KEY, `${conversationId}|${email}`);
    sendFrame({ type: 'email', email });
    render();
    input.focus();
  }

  function emailError(text: string): void {
    emailGiven = null;
    storage.remove(EMAIL_KEY);
    render();
    emailInput.setAttribute('aria-invalid', 'true');
    emailErr.textContent = text;
    emailInput.focus();
    reveal(emailCard);
  }

  function paintStars(upTo: number): void {
    starButtons.forEach((b, i) => b.classList.toggle('on', i < upTo));
    rateHint.textContent = upTo ? `${upTo} of 5 · ${RATINGS[upTo - 1]}` : 'Choose 1 to 5 stars';
  }

  function pickScore(n: number): void {
    score = n;
    starButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(i + 1 === n)));
    paintStars(n);
    show(rateForm, true);
    comment.focus();
    reveal(rateCard);
  }

  function submitRating(event: Event): void {
    event.preventDefault();
    if (!score) return;
    const text = comment.value.trim().slice(0, 2000);
    sendFrame(text ? { type: 'rate', score, comment: text } : { type: 'rate', score });
    rated = score;
    if (conversationId) storage.set(RATED_KEY, `${conversationId}|${score}`);
    render();
    input.focus();
  }

  function onInput(): void {
    resizeInput();
    if (!ready) return;
    if (!typingSent && input.value.trim()) typingSent = conn.send({ type: 'typing', typing: true });
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
        reopen = null; // used once: the visitor token from now on
        if (conversationId !== f.conversationId) {
          if (conversationId) list.reset();
          conversationId = f.conversationId;
          const [seenId, seen] = (storage.get(SEEN_KEY) ?? '').split(':');
          seenSeq = seenId === f.conversationId ? Number(seen) || 0 : 0;
          const [emailId, email] = (storage.get(EMAIL_KEY) ?? '').split('|');
          emailGiven = emailId === f.conversationId && email ? email : null;
          rated = ratedHere();
        }
        ready = true;
        conn.healthy();
        setOffline(false);
        setState(f.state, f.agent, undefined);
        resendPending();
        for (const frame of outbox.splice(0)) conn.send(frame);
        return;
      }
      case 'ack': {
        const p = list.pendingFor(f.clientId);
        retryDelay = 0;
        if (p) settle(p, f.seq);
        return;
      }
      case 'message':
        return onMessage(f);
      case 'message_updated':
        return list.update(f.seq, f.text);
      case 'message_deleted':
        return list.remove(f.seq);
      case 'state':
        return setState(f.state, f.agent, f.queue);
      case 'typing': {
        if (f.role === 'customer') return;
        clearTimeout(typingHide);
        const byAgent = f.role === 'agent' && agent;
        typing.replaceChild(byAgent ? avatar(agent!.name, agent!.avatarUrl) : botAvatar(), typing.firstChild!);
        typingName.textContent = byAgent ? agent!.name : 'AI assistant';
        show(typing, f.typing);
        if (f.typing && follow) reveal(typing);
        // A lost "stopped typing" frame must not leave the indicator up forever.
        if (f.typing) typingHide = setTimeout(() => show(typing, false), 20_000);
        return;
      }
      case 'error': {
        // A refused message is named by its clientId: that one is marked, not the whole chat.
        const p = list.pendingFor(f.clientId);
        const again = RETRYABLE.has(f.code);
        if (p) {
          if (again) {
            list.retrying(p);
            retryLater();
          } else {
            list.fail(p);
            saveOutbox();
          }
          return;
        }
        if (f.clientId) return; // about a message already stored (a resend): nothing to show
        if (again && list.pending.length) retryLater();
        if (f.code === 'invalid_email') return emailError(f.message || 'Please check your email address.');
        setNotice(f.message || 'Something went wrong.');
        return;
      }
    }
  }

  function onMessage(f: MessageFrame): void {
    if (list.has(f.seq)) return;
    const mine = list.pendingFor(f.clientId);
    if (mine) return settle(mine, f.seq);
    const el = list.add(f.seq, f.role, f.text, f.at, f.agent);
    if (f.role === 'agent' && f.agent) agent = f.agent;
    if (f.role !== 'customer') show(typing, false);
    if (!el) return;
    // A long answer is read from its start: show its top (and the question above it), not its end.
    if (f.role !== 'customer' && follow) scrollTo(Math.min(el.offsetTop - 72, scroller.scrollHeight));
    else scrollDown(false);
    if (f.role !== 'customer' && !isOpen && f.seq > seenSeq) {
      unread++;
      paintUnread();
    }
    if (isOpen) markSeen();
  }

  function settle(p: Pending, seq: number): void {
    list.settle(p, seq);
    saveOutbox();
  }

  /** The score this browser gave the current conversation since it was last resolved (0: none). */
  function ratedHere(): number {
    const [id, given] = (storage.get(RATED_KEY) ?? '').split('|');
    return id === conversationId ? Number(given) || 0 : 0;
  }

  function setState(next: WireState, who: WireAgent | undefined, q: WireQueue | undefined): void {
    if (next !== state && next === 'resolved') {
      rated = ratedHere();
      score = 0;
      paintStars(0);
      starButtons.forEach((b) => b.setAttribute('aria-pressed', 'false'));
      comment.value = '';
      show(rateForm, false);
    }
    if (next !== 'resolved' && rated) {
      rated = 0;
      storage.remove(RATED_KEY);
    }
    if (next !== 'ai') humanAsked = false;
    state = next;
    if (who) agent = who;
    queue = next === 'waiting' ? (q ?? queue) : undefined;
    render();
  }

  // ---- View ------------------------------------------------------------------------------------
  /** Header, cards and buttons for the current state. */
  function render(): void {
    const human = state === 'human' && agent;
    headAvatar.replaceChildren(human ? avatar(agent!.name, agent!.avatarUrl) : botAvatar());
    root.classList.toggle('is-off', isOffline);
    list.labelPending(isOffline ? 'Waiting for connection…' : 'Sending…');
    const [status, presence] = headerStatus(state, isOffline, agent?.name);
    subText.textContent = status;
    dot.dataset.presence = presence;

    show(humanBtn, (state === 'ai' || state === 'resolved') && !humanAsked);

    show(waitCard, state === 'waiting');
    const parts: string[] = [];
    if (queue?.position) parts.push(queue.position === 1 ? "You're next in line" : `You're number ${queue.position} in line`);
    if (queue?.etaSeconds) parts.push(queue.etaSeconds < 60 ? 'less than a minute' : `about ${Math.round(queue.etaSeconds / 60)} min`);
    queueText.textContent = parts.length ? parts.join(' · ') : 'A team member will be with you shortly.';

    show(emailCard, state === 'queued' && !emailGiven && !visitor?.email);

    rateTitle.textContent = agent?.name ? `How was your conversation with ${agent.name}?` : 'How was your conversation?';
    show(rateCard, state === 'resolved' && !rated);
    show(rateThanks, state === 'resolved' && rated > 0);
    if (rated) rateThanks.replaceChildren(icon(I.check), `You rated this conversation ${rated} out of 5.`);
    input.placeholder = state === 'resolved' ? 'Anything else? Write a message…' : 'Write a message…';
    const card = [waitCard, emailCard, rateCard, rateThanks].find((c) => !c.hidden);
    if (card && card !== shownCard && follow) reveal(card);
    shownCard = card;
  }

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

  function setOffline(value: boolean): void {
    if (!value) clearTimeout(offlineTimer);
    if (value === isOffline) return;
    isOffline = value;
    show(offline, value);
    render();
  }

  function setNotice(text: string): void {
    clearTimeout(noticeTimer);
    notice.textContent = text;
    show(notice, Boolean(text));
    if (text) noticeTimer = setTimeout(() => setNotice(''), 6000);
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

  function paintUnread(): void {
    show(badge, unread > 0);
    badge.textContent = unread > 9 ? '9+' : String(unread);
    launcher.setAttribute('aria-label', unread ? `Open chat, ${unread} new message${unread > 1 ? 's' : ''}` : 'Open chat');
  }

  function markSeen(): void {
    seenSeq = list.lastSeq;
    unread = 0;
    paintUnread();
    if (conversationId) storage.set(SEEN_KEY, `${conversationId}:${seenSeq}`);
  }

  /** Tab and Shift+Tab stay inside the open chat; Escape closes it. */
  function onPanelKey(e: KeyboardEvent): void {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
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

  // ---- Wiring ----------------------------------------------------------------------------------
  function open(focus = true): void {
    if (isOpen) return;
    isOpen = true;
    shownCard = undefined;
    show(panel, true);
    show(launcher, false);
    launcher.setAttribute('aria-expanded', 'true');
    tabStorage.set(OPEN_KEY, '1');
    markSeen();
    conn.start();
    scrollDown(true);
    if (focus) input.focus();
  }

  function close(): void {
    if (!isOpen) return;
    const hadFocus = shadow.activeElement !== null;
    isOpen = false;
    stopTyping();
    show(panel, false);
    show(launcher, true);
    launcher.setAttribute('aria-expanded', 'false');
    tabStorage.remove(OPEN_KEY);
    if (hadFocus) launcher.focus();
  }

  launcher.addEventListener('click', () => open());
  closeBtn.addEventListener('click', close);
  retryBtn.addEventListener('click', () => conn.reconnectNow());
  sendBtn.addEventListener('click', () => {
    sendMessage();
    input.focus();
  });
  humanBtn.addEventListener('click', requestHuman);
  emailCard.addEventListener('submit', submitEmail);
  rateForm.addEventListener('submit', submitRating);
  input.addEventListener('input', onInput);
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      sendMessage();
    }
  });
  comment.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      rateForm.requestSubmit();
    }
  });
  panel.addEventListener('keydown', onPanelKey);
  scroller.addEventListener('scroll', () => {
    if (ownScroll) ownScroll = false;
    else follow = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;
  });
  window.addEventListener('offline', () => setOffline(true));
  // A socket that survived a short network blip is still welcomed: nothing to wait for.
  window.addEventListener('online', () => ready && conn.isOpen() && setOffline(false));

  list.greeting(texts.greeting);
  render();

  loadConfig(origin, (config) => {
    if (config.title) title.textContent = texts.title = config.title;
    if (config.greeting !== undefined) list.greeting((texts.greeting = config.greeting));
    const theme = config.theme;
    if (theme) {
      root.style.setProperty('--p', theme.primary);
      root.style.setProperty('--on', theme.onPrimary);
      root.style.setProperty('--pt', theme.primaryText);
    }
    render();
  });

  // Messages typed before a reload (or before the server went away) are sent again, same clientId.
  try {
    const saved: unknown = JSON.parse(storage.get(OUTBOX_KEY) ?? '[]');
    if (Array.isArray(saved)) {
      for (const item of saved.slice(-20)) {
        if (Array.isArray(item) && typeof item[0] === 'string' && typeof item[1] === 'string') list.addPending(item[0], item[1]);
      }
    }
  } catch {
    storage.remove(OUTBOX_KEY);
  }

  const attach = () => document.body.append(host);
  if ((document.body as HTMLElement | null) === null) document.addEventListener('DOMContentLoaded', attach, { once: true });
  else attach();

  // A returning visitor reconnects at once to receive replies; a new one connects when they open the chat.
  // A follow-up email's link opens the chat on its conversation.
  if (reopen) {
    conn.start();
    open(false);
  } else if (storage.get(TOKEN_KEY) || list.pending.length) conn.start();
  // The chat stays open while the visitor moves around the site (without taking the page's focus).
  if (tabStorage.get(OPEN_KEY)) open(false);

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
          list.reset();
        }
        storage.set(USER_KEY, next.userId);
      }
      if (JSON.stringify(next) === JSON.stringify(visitor ?? null)) return;
      visitor = next;
      render();
      // The identity travels in hello: say hello again if this socket already said it.
      if (conn.isOpen()) conn.reconnectNow();
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
  /** Computed by the server from the admins' colour (src/gateway/widget-theme.ts). */
  theme?: Theme;
}

/** GET /api/widget/config; every field optional, anything odd ignored. */
function loadConfig(origin: string, apply: (config: WidgetConfig) => void): void {
  fetch(`${origin}/api/widget/config`, { credentials: 'omit' })
    .then((res) => (res.ok ? res.json() : null))
    .then((raw: unknown) => {
      if (!raw || typeof raw !== 'object') return;
      const c = raw as Record<string, unknown>;
      const str = (v: unknown, max: number) => (typeof v === 'string' && v.trim() ? v.slice(0, max) : undefined);
      apply({
        title: str(c.title, 80),
        greeting: typeof c.greeting === 'string' ? c.greeting.slice(0, 1000) : undefined,
        theme: colours(c.theme),
      });
    })
    .catch(() => {
      // The defaults are fine; the chat works without its theme.
    });
}

/** The server's theme, when each of its colours is a #rrggbb hex (nothing else reaches a style). */
function colours(raw: unknown): Theme | undefined {
  const t = raw as Theme | null;
  const hex = (v: unknown) => typeof v === 'string' && /^#[0-9a-f]{6}$/i.test(v);
  return t && hex(t.primary) && hex(t.onPrimary) && hex(t.primaryText) ? t : undefined;
}

/**
 * The signed, expiring token of a follow-up email's link (`?handoff_reopen=…`), taken out of the
 * address bar at once so it is not kept in history or shared by copying the URL.
 */
function takeReopenToken(): string | null {
  try {
    const url = new URL(location.href);
    const token = url.searchParams.get('handoff_reopen');
    if (!token) return null;
    url.searchParams.delete('handoff_reopen');
    history.replaceState(history.state, '', url.toString());
    return token.length <= 512 ? token : null;
  } catch {
    return null;
  }
}
