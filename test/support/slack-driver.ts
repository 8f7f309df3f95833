/**
 * Plays Slack sending requests to our app's `/slack/events` endpoint: Events API envelopes (JSON), slash commands
 * (form), interactivity payloads (`payload=<json>` form), all signed with the real scheme
 * (X-Slack-Request-Timestamp + X-Slack-Signature). It works hand in hand with the Slack emulator: user messages
 * are stored there first (fresh ts), trigger_ids and response_urls come from it, and what the app answers
 * (command ack bodies, view_submission response_actions) is applied to it as Slack would.
 *
 *   const driver = createSlackDriver({ appUrl: `${app.url}/slack/events`, signingSecret, emulator });
 *   const { ts } = await driver.userReply('U0ADA', 'C0SUPPORT', card.ts, 'Hi, I can help');
 *   const res = await driver.event(ev, { signature: 'stale' });   // expect(res.status).toBe(401)
 *
 * With `socketMode: true` (no appUrl or signing secret) the same events, commands and interactions go to an app
 * connected to the emulator over Socket Mode, as envelopes (`emulator.sendSocketEnvelope`); the app's ack comes back
 * as the answer: status 200, `body` = the ack's payload ('' for a bare ack), `socket` = envelope and ack.
 *
 *   const driver = createSlackDriver({ emulator, socketMode: true });
 *   const res = await driver.slashCommand('U0ADA', 'help');        // res.body.text, res.socket.ack
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { EmulatedMessage, EmulatedViewRecord, EphemeralMessage, SlackBlock, SlackEmulator, SlackView, SocketAck, SocketEnvelope, SocketEnvelopeType } from './slack-emulator';
import { nowSeconds, signSlackRequest } from './slack-signing';

/** How to sign a request: correctly (default) or in one of the ways a forged/replayed request would be. */
export type SignatureMode =
  /** correct signature, current timestamp */
  | 'valid'
  /** no X-Slack-Signature header */
  | 'missing'
  /** no X-Slack-Request-Timestamp header (signature still sent) */
  | 'missing_timestamp'
  /** signed with another secret */
  | 'wrong_secret'
  /** `v1=<hex>` instead of `v0=` */
  | 'malformed'
  /** correctly signed, timestamp 6 minutes old */
  | 'stale'
  /** correctly signed, timestamp 6 minutes ahead */
  | 'future'
  /** correctly signed, then the body changed (one trailing space) */
  | 'tampered';

/** Options every sending method accepts. */
export interface SendOptions {
  signature?: SignatureMode;
  /** X-Slack-Request-Timestamp to use (seconds); the signature is computed with it. */
  timestamp?: number;
  /** Change the body after signing (signature then no longer matches unless you return it unchanged). */
  alterBody?: (body: string) => string;
  /** Extra/overriding headers. */
  headers?: Record<string, string>;
  /** Give up waiting for the app after this long (default 10 s). In Socket Mode: no ack within it rejects. */
  timeoutMs?: number;
}

/** Options for Events API deliveries. */
export interface EventOptions extends SendOptions {
  /** Reuse an event_id (Slack keeps it across retries). Default: a fresh one. */
  eventId?: string;
  /** Adds X-Slack-Retry-Num (1..3) like a Slack retry. */
  retryNum?: number;
  /** X-Slack-Retry-Reason (default 'http_timeout' when retryNum is set). */
  retryReason?: string;
  /** Deliver even if Slack would not (the bot is not in the channel). */
  force?: boolean;
}

/** What our app answered. `body` is parsed JSON when possible, else the text ('' when empty). */
export interface AppResponse {
  status: number;
  body: any;
  text: string;
  headers: Record<string, string>;
  /** Socket Mode only: the envelope sent and the app's ack. */
  socket?: { envelope: SocketEnvelope; ack: SocketAck; ackMs: number };
}

/** Result of a message event delivery. */
export interface MessageDelivery {
  ts: string;
  eventId: string;
  message: EmulatedMessage;
  event: Record<string, any>;
  response: AppResponse;
}

/** State values for viewSubmission: `{ [block_id]: { [action_id]: value } }`. A string/array is turned into the
 * element's real state shape (value, selected_option, selected_user(s), selected_date…); an object is sent as is. */
export type ViewValues = Record<string, Record<string, string | string[] | number | null | Record<string, any>>>;

/** What blockAction needs. Without `message`/`view`, the newest message holding `actionId` is used. */
export interface BlockActionOptions extends SendOptions {
  actionId: string;
  /** The element's value (default: the element's own value). For selects: the chosen option value. */
  value?: string;
  blockId?: string;
  /** The message the button is on (an emulator message, or {channel, ts}). */
  message?: EmulatedMessage | { channel: string; ts: string };
  /** Where to look for the message when `message` is not given. */
  channel?: string;
  /** A view (modal/Home) the element is in: id, view, or emulator view record. */
  view?: string | SlackView | EmulatedViewRecord;
  /** An ephemeral message the element is in (shown to `user`): Slack sends no `message`, and its response_url can delete or replace it. */
  ephemeral?: EphemeralMessage;
  /** Override the container object. */
  container?: Record<string, any>;
  /** Fields merged into the action (selected_option, selected_user, …). */
  action?: Record<string, any>;
  /** `state.values` to send (view or message inputs). */
  state?: ViewValues;
}

/** Options for createSlackDriver. */
export interface SlackDriverOptions {
  /** Full URL of the app's Slack endpoint, e.g. http://127.0.0.1:PORT/slack/events (HTTP mode). */
  appUrl?: string;
  /** The app's signing secret (HTTP mode). */
  signingSecret?: string;
  emulator: SlackEmulator;
  /** Deliver over the emulator's Socket Mode connection instead of signed HTTP requests. */
  socketMode?: boolean;
  /** The legacy verification token Slack still puts in payloads (apps must not rely on it). */
  verificationToken?: string;
}

/** The driver. Every sending method resolves with (or includes) the app's answer; none throws on non-2xx. */
export interface SlackDriver {
  /** '' in Socket Mode. */
  readonly appUrl: string;
  readonly socketMode: boolean;
  /** Deliver an Events API `event_callback` envelope around `event` (event_ts filled if missing). */
  event(event: Record<string, any>, opts?: EventOptions): Promise<AppResponse & { eventId: string; envelope: Record<string, any> }>;
  /** A user posts `text` in `channel` (top level, or in a thread with `thread_ts`): stored in the emulator, then the `message` event is delivered. */
  message(user: string, channel: string, text: string, opts?: EventOptions & { thread_ts?: string; reply_broadcast?: boolean }): Promise<MessageDelivery>;
  /** A user replies in a thread: postAsUser + `message` event with thread_ts and parent_user_id. */
  userReply(user: string, channel: string, threadTs: string, text: string, opts?: EventOptions): Promise<MessageDelivery>;
  /** A user edits their message: emulator updated, then `message_changed` delivered. */
  messageChanged(channel: string, ts: string, text: string, opts?: EventOptions): Promise<AppResponse & { eventId: string; event: Record<string, any> }>;
  /** A user deletes a message: emulator updated, then `message_deleted` delivered. */
  messageDeleted(channel: string, ts: string, opts?: EventOptions): Promise<AppResponse & { eventId: string; event: Record<string, any> }>;
  /** Deliver the `message` event for a message already in the emulator (e.g. one the bot posted). */
  deliverMessage(message: EmulatedMessage, opts?: EventOptions): Promise<AppResponse & { eventId: string; event: Record<string, any> }>;
  /** From now on, feed the bot's own posts (and edits/deletions, unless disabled) back to the app as message events with `bot_id`, like Slack does. Returns a stop function. */
  echoBotMessages(opts?: { edits?: boolean; deletes?: boolean }): () => void;
  /** Resolve once all echo deliveries started so far have been answered. */
  idle(): Promise<void>;
  /** `/handoff <text>` (or `opts.command`) from `user` in `opts.channel` (default #support). The ack body is applied to the emulator (ephemeral / in_channel). */
  slashCommand(user: string, text: string, opts?: SendOptions & { channel?: string; command?: string }): Promise<AppResponse & { triggerId: string; responseUrl: string; payload: Record<string, string> }>;
  /** A `block_actions` interaction (button click, select…). */
  blockAction(user: string, opts: BlockActionOptions): Promise<AppResponse & { triggerId: string; responseUrl?: string; payload: Record<string, any> }>;
  /** Submit a modal with `values`; the app's answer (response_action) is applied to the emulator's view stack. */
  viewSubmission(user: string, view: string | SlackView | EmulatedViewRecord, values?: ViewValues, opts?: SendOptions): Promise<AppResponse & { triggerId: string; payload: Record<string, any> }>;
  /** The user closes a modal (emulator closes it; the `view_closed` payload is sent, as Slack does when notify_on_close). */
  viewClosed(user: string, view: string | SlackView | EmulatedViewRecord, opts?: SendOptions & { isCleared?: boolean }): Promise<AppResponse & { payload: Record<string, any> }>;
  /** A message shortcut (`message_action`) on `message`. */
  messageShortcut(user: string, callbackId: string, message: EmulatedMessage | { channel: string; ts: string }, channel?: string, opts?: SendOptions): Promise<AppResponse & { triggerId: string; responseUrl: string; payload: Record<string, any> }>;
  /** The user opens the app's Home (default) or Messages tab. */
  appHomeOpened(user: string, opts?: EventOptions & { tab?: 'home' | 'messages' }): Promise<AppResponse & { eventId: string }>;
  /** Slack's URL verification handshake (HTTP mode only: Socket Mode has none). */
  urlVerification(challenge: string, opts?: SendOptions): Promise<AppResponse>;
  /** Send any body (string or object → JSON) with Slack's signing, or broken signing per `opts.signature` (HTTP mode only). */
  raw(body: string | Record<string, any>, opts?: SendOptions & { contentType?: string }): Promise<AppResponse>;
  /** The headers Slack would send for `body` (signature + timestamp), honouring `opts.signature`. */
  signedHeaders(body: string, opts?: SendOptions): { headers: Record<string, string>; body: string };
}

let eventCounter = 0;

/** A fresh Events API event_id (unique within the test process). */
export function newEventId(): string {
  eventCounter += 1;
  return `Ev0${eventCounter.toString(36).toUpperCase().padStart(8, '0')}`;
}

const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

/** Create a driver sending to `appUrl`, signing with `signingSecret`, backed by `emulator`. */
export function createSlackDriver(options: SlackDriverOptions): SlackDriver {
  const { emulator } = options;
  const socketMode = options.socketMode === true;
  const appUrl = options.appUrl ?? '';
  const signingSecret = options.signingSecret ?? '';
  if (!socketMode && (!appUrl || !signingSecret)) throw new Error('Slack driver: appUrl and signingSecret are required unless socketMode is true');
  const verificationToken = options.verificationToken ?? 'legacyVerificationToken00';
  const pending = new Set<Promise<unknown>>();

  const teamObj = (): Record<string, any> => ({ id: emulator.team.id, domain: emulator.team.domain });
  const userObj = (id: string): Record<string, any> => {
    const u = emulator.user(id);
    if (!u) throw new Error(`Slack driver: no user ${id} in the emulator`);
    return { id: u.id, username: u.name, name: u.name, team_id: u.team_id };
  };
  const channelObj = (id: string): Record<string, any> => {
    const ch = emulator.channel(id);
    if (!ch) throw new Error(`Slack driver: no channel ${id} in the emulator`);
    return { id: ch.id, name: ch.is_im ? 'directmessage' : ch.is_mpim ? 'mpdm' : ch.name };
  };
  const strip = (m: EmulatedMessage): Record<string, any> => {
    const { channel: _c, ...rest } = m;
    return rest;
  };

  function signedHeaders(body: string, opts: SendOptions = {}): { headers: Record<string, string>; body: string } {
    const mode = opts.signature ?? 'valid';
    const now = nowSeconds();
    const ts = opts.timestamp ?? (mode === 'stale' ? now - 6 * 60 : mode === 'future' ? now + 6 * 60 : now);
    let signature = signSlackRequest(mode === 'wrong_secret' ? `${signingSecret}-not` : signingSecret, ts, body);
    if (mode === 'malformed') signature = `v1=${signature.slice(3)}`;
    const headers: Record<string, string> = {};
    if (mode !== 'missing_timestamp') headers['x-slack-request-timestamp'] = String(ts);
    if (mode !== 'missing') headers['x-slack-signature'] = signature;
    let sent = mode === 'tampered' ? `${body} ` : body;
    if (opts.alterBody) sent = opts.alterBody(sent);
    return { headers, body: sent };
  }

  async function post(body: string, contentType: string, opts: SendOptions & { extraHeaders?: Record<string, string> } = {}): Promise<AppResponse> {
    const signed = signedHeaders(body, opts);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': SLACK_USER_AGENT,
      accept: '*/*',
      ...signed.headers,
      ...opts.extraHeaders,
      ...opts.headers,
    };
    const res = await fetch(appUrl, {
      method: 'POST',
      headers,
      body: signed.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    let parsed: any = text;
    if (text) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, body: parsed, text, headers: Object.fromEntries(res.headers.entries()) };
  }

  const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

  /** Socket Mode: the same payload as an envelope; the ack stands for the HTTP answer. */
  async function viaSocket(
    type: SocketEnvelopeType,
    payload: Record<string, any>,
    opts: SendOptions & { retryNum?: number; retryReason?: string } = {},
  ): Promise<AppResponse> {
    if (opts.signature && opts.signature !== 'valid') throw new Error(`Slack driver: signature "${opts.signature}" means nothing in Socket Mode (nothing is signed)`);
    const d = await emulator.sendSocketEnvelope(type, payload, {
      timeoutMs: opts.timeoutMs ?? 10_000,
      retryAttempt: opts.retryNum,
      retryReason: opts.retryReason,
    });
    const empty = Object.keys(d.payload).length === 0;
    return { status: 200, body: empty ? '' : d.payload, text: empty ? '' : JSON.stringify(d.payload), headers: {}, socket: { envelope: d.envelope, ack: d.ack, ackMs: d.ackMs } };
  }

  function httpOnly(what: string): Promise<never> {
    return Promise.reject(new Error(`Slack driver: ${what} exists only in HTTP mode`));
  }

  async function sendInteraction(payload: Record<string, any>, opts: SendOptions = {}): Promise<AppResponse> {
    if (socketMode) return viaSocket('interactive', payload, opts);
    return post(form({ payload: JSON.stringify(payload) }), 'application/x-www-form-urlencoded', opts);
  }

  async function event(ev: Record<string, any>, opts: EventOptions = {}) {
    const eventId = opts.eventId ?? newEventId();
    const eventTs = ev.event_ts ?? emulator.nextTs();
    const envelope = {
      token: verificationToken,
      team_id: emulator.team.id,
      context_team_id: emulator.team.id,
      context_enterprise_id: null,
      api_app_id: emulator.bot.appId,
      event: { ...ev, event_ts: eventTs },
      type: 'event_callback',
      event_id: eventId,
      event_time: Math.floor(Number(eventTs)),
      authorizations: [{ enterprise_id: null, team_id: emulator.team.id, user_id: emulator.bot.userId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${Buffer.from(JSON.stringify({ e: ev.type, t: emulator.team.id, c: ev.channel ?? '' })).toString('base64url')}`,
    };
    if (socketMode) {
      const response = await viaSocket('events_api', envelope, { ...opts, retryReason: opts.retryNum !== undefined ? (opts.retryReason ?? 'timeout') : undefined });
      return { ...response, eventId, envelope };
    }
    const extraHeaders: Record<string, string> = {};
    if (opts.retryNum !== undefined) {
      extraHeaders['x-slack-retry-num'] = String(opts.retryNum);
      extraHeaders['x-slack-retry-reason'] = opts.retryReason ?? 'http_timeout';
    }
    const response = await post(JSON.stringify(envelope), 'application/json', { ...opts, extraHeaders });
    return { ...response, eventId, envelope };
  }

  function assertDeliverable(channel: string, opts: EventOptions): void {
    if (opts.force) return;
    const ch = emulator.channel(channel);
    if (ch && !ch.members.includes(emulator.bot.userId)) {
      throw new Error(`Slack driver: Slack would not deliver message events from ${ch.id} (the bot is not a member); pass {force: true} to send anyway`);
    }
  }

  async function deliverMessage(message: EmulatedMessage, opts: EventOptions = {}) {
    assertDeliverable(message.channel, opts);
    const ev = emulator.toMessageEvent(message);
    const r = await event(ev, opts);
    return { ...r, event: r.envelope.event as Record<string, any> };
  }

  async function message(user: string, channel: string, text: string, opts: EventOptions & { thread_ts?: string; reply_broadcast?: boolean } = {}): Promise<MessageDelivery> {
    const ch = emulator.channel(channel);
    if (ch) assertDeliverable(ch.id, opts);
    const msg = emulator.postAsUser(user, channel, text, { thread_ts: opts.thread_ts, reply_broadcast: opts.reply_broadcast });
    const r = await deliverMessage(msg, { ...opts, force: true });
    return { ts: msg.ts, eventId: r.eventId, message: msg, event: r.event, response: r };
  }

  function changedEvent(msg: EmulatedMessage, previous: EmulatedMessage): Record<string, any> {
    const ts = emulator.nextTs();
    return {
      type: 'message',
      subtype: 'message_changed',
      message: { ...strip(msg), ...(msg.user && !msg.bot_id ? { source_team: emulator.team.id, user_team: emulator.team.id } : {}) },
      previous_message: strip(previous),
      channel: msg.channel,
      hidden: true,
      ts,
      event_ts: ts,
      channel_type: emulator.channelType(msg.channel),
    };
  }

  function deletedEvent(previous: EmulatedMessage): Record<string, any> {
    const ts = emulator.nextTs();
    return {
      type: 'message',
      subtype: 'message_deleted',
      previous_message: strip(previous),
      channel: previous.channel,
      hidden: true,
      deleted_ts: previous.ts,
      ts,
      event_ts: ts,
      channel_type: emulator.channelType(previous.channel),
    };
  }

  const track = (p: Promise<unknown>): void => {
    const q = p.catch(() => undefined).finally(() => pending.delete(q));
    pending.add(q);
  };

  function resolveMessage(ref: EmulatedMessage | { channel: string; ts: string }): EmulatedMessage {
    const m = emulator.message(ref.channel, ref.ts);
    if (!m) throw new Error(`Slack driver: message ${ref.ts} not found in ${ref.channel}`);
    return m;
  }

  function resolveView(ref: string | SlackView | EmulatedViewRecord): EmulatedViewRecord {
    const id = typeof ref === 'string' ? ref : ref.id;
    const rec = emulator.view(id);
    if (!rec) throw new Error(`Slack driver: no view ${id} in the emulator`);
    return rec;
  }

  function stateValues(blocks: SlackBlock[], values: ViewValues = {}): Record<string, Record<string, any>> {
    const out: Record<string, Record<string, any>> = {};
    const elementFor = (blockId: string, actionId: string): any => {
      const b = blocks.find((x) => x.block_id === blockId);
      if (!b) return undefined;
      const els = [b.element, b.accessory, ...(Array.isArray(b.elements) ? b.elements : [])];
      return els.find((e) => e && e.action_id === actionId);
    };
    // Slack sends every input block's state, with the element's initial value when untouched.
    for (const b of blocks) {
      if (b.type !== 'input' || !b.element || !b.block_id) continue;
      (out[b.block_id] ??= {})[b.element.action_id] = elementState(b.element, undefined);
    }
    for (const [blockId, actions] of Object.entries(values)) {
      for (const [actionId, v] of Object.entries(actions)) {
        (out[blockId] ??= {})[actionId] = elementState(elementFor(blockId, actionId), v);
      }
    }
    return out;
  }

  const driver: SlackDriver = {
    appUrl,
    socketMode,

    event,

    message,

    userReply(user, channel, threadTs, text, opts = {}) {
      return message(user, channel, text, { ...opts, thread_ts: threadTs });
    },

    async messageChanged(channel, ts, text, opts = {}) {
      const ch = emulator.channel(channel);
      if (ch) assertDeliverable(ch.id, opts);
      const { message: msg, previous } = emulator.editAsUser(channel, ts, text);
      const ev = changedEvent(msg, previous);
      const r = await event(ev, opts);
      return { ...r, event: ev };
    },

    async messageDeleted(channel, ts, opts = {}) {
      const ch = emulator.channel(channel);
      if (ch) assertDeliverable(ch.id, opts);
      const previous = emulator.deleteAsUser(channel, ts);
      const ev = deletedEvent(previous);
      const r = await event(ev, opts);
      return { ...r, event: ev };
    },

    deliverMessage,

    echoBotMessages(opts = {}) {
      const isBot = (m: EmulatedMessage): boolean => m.bot_id === emulator.bot.botId;
      const offs = [
        emulator.onMessagePosted((m) => {
          if (isBot(m)) track(deliverMessage(m, { force: true }));
        }),
      ];
      if (opts.edits !== false) {
        offs.push(emulator.onMessageChanged((m, prev) => {
          if (isBot(m)) track(event(changedEvent(m, prev)));
        }));
      }
      if (opts.deletes !== false) {
        offs.push(emulator.onMessageDeleted((prev) => {
          if (isBot(prev)) track(event(deletedEvent(prev)));
        }));
      }
      return () => offs.forEach((off) => off());
    },

    async idle() {
      while (pending.size > 0) await Promise.all([...pending]);
    },

    async slashCommand(user, text, opts = {}) {
      const channel = opts.channel ?? (emulator.channel('C0SUPPORT') ? 'C0SUPPORT' : emulator.dmChannelFor(user));
      const ch = channelObj(channel);
      const u = userObj(user);
      const triggerId = emulator.issueTriggerId(user);
      const responseUrl = emulator.issueResponseUrl({ kind: 'command', user, channel: ch.id });
      const payload: Record<string, string> = {
        token: verificationToken,
        team_id: emulator.team.id,
        team_domain: emulator.team.domain,
        channel_id: ch.id,
        channel_name: ch.name,
        user_id: u.id,
        user_name: u.name,
        command: opts.command ?? '/handoff',
        text,
        api_app_id: emulator.bot.appId,
        is_enterprise_install: 'false',
        response_url: responseUrl,
        trigger_id: triggerId,
      };
      const response = socketMode ? await viaSocket('slash_commands', payload, opts) : await post(form(payload), 'application/x-www-form-urlencoded', opts);
      if (response.status === 200) emulator.applyCommandAck({ user, channel: ch.id }, response.body);
      return { ...response, triggerId, responseUrl, payload };
    },

    async blockAction(user, opts) {
      const triggerId = emulator.issueTriggerId(user);
      const actionTs = emulator.nextTs();
      const base: Record<string, any> = {
        type: 'block_actions',
        user: userObj(user),
        api_app_id: emulator.bot.appId,
        token: verificationToken,
        trigger_id: triggerId,
        team: teamObj(),
        enterprise: null,
        is_enterprise_install: false,
      };
      let element: any;
      let blockId = opts.blockId;
      let responseUrl: string | undefined;
      if (opts.view !== undefined) {
        const rec = resolveView(opts.view);
        const hit = findIn(rec.view.blocks, opts.actionId);
        element = hit?.element;
        blockId ??= hit?.block.block_id;
        base.container = opts.container ?? { type: 'view', view_id: rec.id };
        base.view = { ...rec.view, state: { values: stateValues(rec.view.blocks, opts.state) } };
      } else if (opts.ephemeral !== undefined) {
        const eph = opts.ephemeral;
        if (eph.user !== user) throw new Error(`Slack driver: the ephemeral message ${eph.ts} is shown to ${eph.user}, not ${user}`);
        const hit = findIn(eph.blocks ?? [], opts.actionId, opts.value);
        element = hit?.element;
        blockId ??= hit?.block.block_id;
        responseUrl = emulator.issueResponseUrl({ kind: 'block_actions', user, channel: eph.channel, messageTs: eph.ts, threadTs: eph.thread_ts, isEphemeral: true });
        base.container = opts.container ?? {
          type: 'message',
          message_ts: eph.ts,
          channel_id: eph.channel,
          is_ephemeral: true,
          ...(eph.thread_ts ? { thread_ts: eph.thread_ts } : {}),
        };
        base.channel = channelObj(eph.channel);
        base.state = { values: stateValues(eph.blocks ?? [], opts.state) };
        base.response_url = responseUrl;
      } else {
        let msg: EmulatedMessage | undefined;
        if (opts.message) msg = resolveMessage(opts.message);
        else {
          const found = emulator.findAction(opts.actionId, { channel: opts.channel, value: opts.value });
          if (!found) throw new Error(`Slack driver: no message with action_id "${opts.actionId}"${opts.channel ? ` in ${opts.channel}` : ''}; pass {message} or {view}`);
          msg = found.message;
        }
        const hit = findIn(msg.blocks ?? [], opts.actionId, opts.value);
        element = hit?.element;
        blockId ??= hit?.block.block_id;
        const inThread = !!msg.thread_ts && msg.thread_ts !== msg.ts;
        responseUrl = emulator.issueResponseUrl({ kind: 'block_actions', user, channel: msg.channel, messageTs: msg.ts, threadTs: msg.thread_ts });
        base.container = opts.container ?? {
          type: 'message',
          message_ts: msg.ts,
          channel_id: msg.channel,
          is_ephemeral: false,
          ...(inThread ? { thread_ts: msg.thread_ts } : {}),
        };
        base.channel = channelObj(msg.channel);
        base.message = strip(msg);
        base.state = { values: stateValues(msg.blocks ?? [], opts.state) };
        base.response_url = responseUrl;
      }
      const action: Record<string, any> = { action_id: opts.actionId, block_id: blockId ?? '', type: element?.type ?? 'button', action_ts: actionTs };
      if (element?.text) action.text = element.text;
      if (element?.style) action.style = element.style;
      if (action.type === 'button') action.value = opts.value ?? element?.value;
      else if (opts.value !== undefined) Object.assign(action, elementState(element, opts.value));
      Object.assign(action, opts.action);
      if (action.value === undefined) delete action.value;
      base.actions = [action];
      const response = await sendInteraction(base, opts);
      return { ...response, triggerId, responseUrl, payload: base };
    },

    async viewSubmission(user, viewRef, values = {}, opts = {}) {
      const rec = resolveView(viewRef);
      if (rec.type !== 'modal' || !rec.open) throw new Error(`Slack driver: view ${rec.id} is not an open modal`);
      if (rec.user !== user) throw new Error(`Slack driver: view ${rec.id} is open for ${rec.user}, not ${user}`);
      const triggerId = emulator.issueTriggerId(user);
      const payload: Record<string, any> = {
        type: 'view_submission',
        team: teamObj(),
        user: userObj(user),
        api_app_id: emulator.bot.appId,
        token: verificationToken,
        trigger_id: triggerId,
        view: { ...rec.view, state: { values: stateValues(rec.view.blocks, values) } },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      const response = await sendInteraction(payload, opts);
      emulator.applyViewSubmissionAck(rec.id, response.status, response.body);
      return { ...response, triggerId, payload };
    },

    async viewClosed(user, viewRef, opts = {}) {
      const rec = resolveView(viewRef);
      emulator.closeView(rec.id, { clear: opts.isCleared });
      const payload: Record<string, any> = {
        type: 'view_closed',
        team: teamObj(),
        user: userObj(user),
        api_app_id: emulator.bot.appId,
        token: verificationToken,
        view: { ...rec.view, state: { values: stateValues(rec.view.blocks) } },
        is_cleared: !!opts.isCleared,
        is_enterprise_install: false,
        enterprise: null,
      };
      const response = await sendInteraction(payload, opts);
      return { ...response, payload };
    },

    async messageShortcut(user, callbackId, messageRef, channel, opts = {}) {
      const msg = resolveMessage(channel ? { channel, ts: messageRef.ts } : messageRef);
      const triggerId = emulator.issueTriggerId(user);
      const responseUrl = emulator.issueResponseUrl({ kind: 'message_action', user, channel: msg.channel, messageTs: msg.ts, threadTs: msg.thread_ts });
      const payload: Record<string, any> = {
        type: 'message_action',
        token: verificationToken,
        action_ts: emulator.nextTs(),
        team: teamObj(),
        user: { id: user, name: userObj(user).name, team_id: emulator.team.id },
        channel: channelObj(msg.channel),
        is_enterprise_install: false,
        enterprise: null,
        callback_id: callbackId,
        trigger_id: triggerId,
        response_url: responseUrl,
        message_ts: msg.ts,
        message: strip(msg),
      };
      const response = await sendInteraction(payload, opts);
      return { ...response, triggerId, responseUrl, payload };
    },

    async appHomeOpened(user, opts = {}) {
      const tab = opts.tab ?? 'home';
      const home = emulator.homeTab(user);
      const ev: Record<string, any> = { type: 'app_home_opened', user, channel: emulator.dmChannelFor(user), tab };
      if (tab === 'home' && home) ev.view = home;
      const r = await event(ev, opts);
      return r;
    },

    urlVerification(challenge, opts = {}) {
      if (socketMode) return httpOnly('url_verification');
      const body = JSON.stringify({ token: verificationToken, challenge, type: 'url_verification' });
      return post(body, 'application/json', opts);
    },

    raw(body, opts = {}) {
      if (socketMode) return httpOnly('raw() (use emulator.sendSocketEnvelope)');
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      const contentType = opts.contentType ?? (text.trimStart().startsWith('{') ? 'application/json' : 'application/x-www-form-urlencoded');
      return post(text, contentType, opts);
    },

    signedHeaders,
  };
  return driver;
}

function findIn(blocks: SlackBlock[], actionId: string, value?: string): { block: SlackBlock; element: any } | undefined {
  let fallback: { block: SlackBlock; element: any } | undefined;
  for (const block of blocks) {
    const els = [block.element, block.accessory, ...(Array.isArray(block.elements) ? block.elements : [])];
    for (const el of els) {
      if (!el || el.action_id !== actionId) continue;
      if (value === undefined || el.value === value || el.options?.some((o: any) => o.value === value)) return { block, element: el };
      fallback ??= { block, element: el };
    }
  }
  return fallback;
}

function optionFor(element: any, value: string): Record<string, any> {
  const opts: any[] = [...(element?.options ?? []), ...(element?.option_groups ?? []).flatMap((g: any) => g.options ?? [])];
  const o = opts.find((x) => x.value === value);
  return o ? { text: o.text, value: o.value } : { text: { type: 'plain_text', text: value, emoji: true }, value };
}

/** The state shape Slack sends for an element given a simple value (undefined = untouched: initial value). */
function elementState(element: any, v: unknown): Record<string, any> {
  const type: string = element?.type ?? 'plain_text_input';
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return { type, ...(v as Record<string, any>) };
  const list = Array.isArray(v) ? v.map(String) : v === undefined || v === null ? undefined : [String(v)];
  const one = list?.[0];
  switch (type) {
    case 'static_select':
    case 'external_select':
      return { type, selected_option: one !== undefined ? optionFor(element, one) : (element?.initial_option ?? null) };
    case 'radio_buttons':
      return { type, selected_option: one !== undefined ? optionFor(element, one) : (element?.initial_option ?? null) };
    case 'multi_static_select':
    case 'multi_external_select':
    case 'checkboxes':
      return { type, selected_options: list ? list.map((x) => optionFor(element, x)) : (element?.initial_options ?? []) };
    case 'users_select':
      return { type, selected_user: one ?? element?.initial_user ?? null };
    case 'multi_users_select':
      return { type, selected_users: list ?? element?.initial_users ?? [] };
    case 'conversations_select':
      return { type, selected_conversation: one ?? element?.initial_conversation ?? null };
    case 'multi_conversations_select':
      return { type, selected_conversations: list ?? element?.initial_conversations ?? [] };
    case 'channels_select':
      return { type, selected_channel: one ?? element?.initial_channel ?? null };
    case 'multi_channels_select':
      return { type, selected_channels: list ?? element?.initial_channels ?? [] };
    case 'datepicker':
      return { type, selected_date: one ?? element?.initial_date ?? null };
    case 'timepicker':
      return { type, selected_time: one ?? element?.initial_time ?? null };
    case 'number_input':
      return { type, value: one ?? element?.initial_value ?? null };
    default:
      return { type, value: one ?? element?.initial_value ?? null };
  }
}
