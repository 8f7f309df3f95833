/** The driver's public types: how to sign and send, what comes back, and the SlackDriver interface. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { EmulatedMessage, EmulatedViewRecord, EphemeralMessage, SlackEmulator, SlackView, SocketAck, SocketEnvelope } from '../slack-emulator';

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
