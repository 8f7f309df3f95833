/**
 * A faithful, stateful local emulation of Slack's Web API for tests (no network).
 *
 *   const slack = await startSlackEmulator();
 *   // give the app SLACK_API_URL=slack.apiUrl, SLACK_BOT_TOKEN=slack.bot.token
 *   ...
 *   const card = await slack.waitForMessage('C0SUPPORT', (m) => m.text.includes('refund'));
 *   await slack.close();
 *
 * It answers `POST {apiUrl}{method}` like slack.com/api does (form or JSON bodies, `Authorization: Bearer`),
 * with the response shapes of /work/shared/slack-samples/api and the error names Slack uses, and keeps the
 * workspace state (users, channels, messages and threads, ephemerals, views, trigger_ids) that tests assert on.
 * It also serves `response_url`s (`/response_url/...`) so Bolt's `respond()` lands somewhere observable.
 *
 * Deliberately faithful details worth knowing:
 * - a private channel the bot is not in does not exist for it (`channel_not_found`); a public one it is not in
 *   gives `not_in_channel` unless the token has `chat:write.public` (off by default);
 * - chat.* Block Kit violations give `invalid_blocks` with `errors` and `response_metadata.messages`
 *   (`"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"`); views.* violations give
 *   `invalid_arguments` with the same `response_metadata.messages` (what Slack does for views) plus `errors`;
 * - text over 40 000 characters gives `msg_too_long`;
 * - a trigger_id is good once (`exchanged_trigger_id` after) and for 3 s (`expired_trigger_id`); an unknown one
 *   gives `invalid_trigger_id`;
 * - `conversations.history`/`replies` return `metadata` only with `include_all_metadata=true`;
 * - blocks without `block_id` and elements without `action_id` get generated (deterministic) ids, as Slack does.
 *
 * Socket Mode (an app started with an app-level token `xapp-…` instead of a signing secret):
 * - `apps.connections.open` takes only the app-level token (DEFAULT_APP_TOKEN; a bot token gives
 *   `not_allowed_token_type`, an unknown one `invalid_auth`) and answers a one-time
 *   `ws://127.0.0.1:PORT/socket-mode?ticket=…&app_id=…` URL; the app token is refused by every bot method
 *   (`not_allowed_token_type`);
 * - the websocket speaks the protocol @slack/socket-mode expects: a `hello` first (`num_connections`,
 *   `debug_info.approximate_connection_time`, `connection_info.app_id`), then envelopes
 *   `{envelope_id, type: events_api|slash_commands|interactive, payload, accepts_response_payload[, retry_attempt,
 *   retry_reason]}` that the app acks with `{envelope_id, payload?}`; `disconnect` messages; websocket pings both ways;
 * - `sendSocketEnvelope(type, payload)` resolves with the app's ack (rejects when none comes in time);
 *   `disconnectSocketMode()` / `dropSocketMode()` play Slack recycling or losing the connection.
 *
 *   const { ack } = await slack.sendSocketEnvelope('slash_commands', { command: '/handoff', text: 'help', ... });
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { createHash, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

// ───────────────────────────────────────────── public types ─────────────────────────────────────────────

/** Block Kit JSON, loosely typed on purpose so tests can poke into it. */
export type SlackBlock = { type: string; block_id?: string; [key: string]: any };

/** A view (modal or Home tab) as Slack returns it from views.*. */
export type SlackView = { id: string; type: 'modal' | 'home'; blocks: SlackBlock[]; hash: string; [key: string]: any };

/** The `bot_profile` Slack attaches to a bot's messages. */
export interface BotProfile {
  id: string;
  deleted: boolean;
  name: string;
  updated: number;
  app_id: string;
  icons: { image_36: string; image_48: string; image_72: string };
  team_id: string;
}

/** A message in Slack's own shape (what conversations.history/replies return). */
export interface SlackMessage {
  type: 'message';
  ts: string;
  text: string;
  user?: string;
  bot_id?: string;
  app_id?: string;
  team?: string;
  bot_profile?: BotProfile;
  subtype?: string;
  blocks?: SlackBlock[];
  attachments?: any[];
  thread_ts?: string;
  parent_user_id?: string;
  reply_count?: number;
  reply_users?: string[];
  reply_users_count?: number;
  latest_reply?: string;
  username?: string;
  icons?: Record<string, string>;
  metadata?: { event_type: string; event_payload: Record<string, any> };
  edited?: { user: string; ts: string };
  client_msg_id?: string;
  root?: Record<string, any>;
  [key: string]: any;
}

/** A stored message as the inspection API returns it: Slack's shape plus the `channel` it is in. */
export interface EmulatedMessage extends SlackMessage {
  channel: string;
}

/** An ephemeral message shown to one user (chat.postEphemeral, a response_url, or a slash command's ack body). */
export interface EphemeralMessage {
  channel: string;
  user: string;
  ts: string;
  text: string;
  blocks?: SlackBlock[];
  attachments?: any[];
  thread_ts?: string;
  username?: string;
  icons?: Record<string, string>;
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
}

/** A workspace member. `display_name` '' means "not set" (Slack then shows real_name). */
export interface EmulatedUser {
  id: string;
  team_id: string;
  name: string;
  real_name: string;
  display_name: string;
  first_name: string;
  last_name: string;
  title: string;
  email?: string;
  image_72: string;
  is_admin: boolean;
  is_owner: boolean;
  is_primary_owner: boolean;
  is_restricted: boolean;
  is_bot: boolean;
  bot_id?: string;
  app_id?: string;
  presence: 'active' | 'away';
  deleted: boolean;
  tz: string;
  tz_label: string;
  tz_offset: number;
  updated: number;
}

/** What addUser accepts: anything of EmulatedUser, plus channels to join. */
export type UserSeed = Partial<Omit<EmulatedUser, 'team_id'>> & { channels?: string[] };

/** A conversation: public/private channel, DM (`is_im`) or group DM (`is_mpim`). */
export interface EmulatedChannel {
  id: string;
  name: string;
  is_private: boolean;
  is_im: boolean;
  is_mpim: boolean;
  is_archived: boolean;
  is_general: boolean;
  /** Member user ids; contains the bot user id when the bot is in the channel. */
  members: string[];
  created: number;
  creator: string;
  topic: string;
  purpose: string;
  /** For a DM: the other user. */
  user?: string;
}

/** What addChannel accepts. `botMember` defaults to true (the bot is invited). */
export interface ChannelSeed {
  id?: string;
  name: string;
  is_private?: boolean;
  is_archived?: boolean;
  is_general?: boolean;
  members?: string[];
  botMember?: boolean;
  topic?: string;
  purpose?: string;
}

/** A view the app opened/pushed/published, with emulator bookkeeping. `view` is what Slack would return now. */
export interface EmulatedViewRecord {
  id: string;
  user: string;
  type: 'modal' | 'home';
  /** Modals: still on the user's screen. Home tabs: always true. */
  open: boolean;
  view: SlackView;
  /** Last `response_action: errors` the app answered to a submission. */
  errors?: Record<string, string>;
  /** Earlier versions of the view (before each update). */
  history: SlackView[];
}

/** One Web API request as the emulator saw and answered it. */
export interface ApiCall {
  method: string;
  /** Arguments as sent; JSON-encoded fields (blocks, attachments, metadata, view) are decoded. Form values stay strings. */
  args: Record<string, any>;
  token?: string;
  /** Arrival time (ms since epoch, from the emulator clock). */
  at: number;
  /** HTTP status answered (0 when the connection was reset). */
  status: number;
  ok: boolean;
  error?: string;
  response?: any;
  fault?: SlackFault;
}

/** A scripted failure for the next call to a method (see failNext). Fields combine: delay first, then the rest. */
export interface SlackFault {
  /** HTTP status to answer with (429 adds `Retry-After` and `{"ok":false,"error":"ratelimited"}`). */
  status?: number;
  /** Seconds for the `Retry-After` header of a 429 (default 1). */
  retryAfter?: number;
  /** Wait this long before answering (the call is then processed normally unless other fields say otherwise). */
  delayMs?: number;
  /** Destroy the connection without answering (ECONNRESET for the client). */
  reset?: boolean;
  /** Answer HTTP 200 `{"ok":false,"error":<error>, ...extra}` without doing anything. */
  error?: string;
  extra?: Record<string, unknown>;
  /** Answer HTTP 200 with exactly this JSON body. */
  body?: unknown;
}

/** A rate limit on a method: at most `limit` calls per `windowMs` (per channel when `perChannel`). */
export interface RateLimitRule {
  limit: number;
  windowMs?: number;
  perChannel?: boolean;
  /** Retry-After to answer; default: seconds until the window frees a slot (at least 1). */
  retryAfterSec?: number;
}

/** What a response_url belongs to. */
export interface ResponseUrlContext {
  kind: 'command' | 'block_actions' | 'message_action';
  user: string;
  channel?: string;
  messageTs?: string;
  threadTs?: string;
  isEphemeral?: boolean;
}

/** One POST the app made to a response_url. */
export interface ResponseUrlPost {
  url: string;
  body: any;
  at: number;
  status: number;
  context?: ResponseUrlContext;
}

/** Origin of a stored message, for onMessagePosted listeners. */
export type MessageSource = 'api' | 'user' | 'response_url' | 'ack';

/** The kinds of Socket Mode envelopes Slack sends. */
export type SocketEnvelopeType = 'events_api' | 'slash_commands' | 'interactive';

/** A Socket Mode envelope as Slack sends it over the websocket. */
export interface SocketEnvelope {
  envelope_id: string;
  type: SocketEnvelopeType;
  payload: Record<string, any>;
  accepts_response_payload: boolean;
  /** events_api only: 0 for a first delivery. */
  retry_attempt?: number;
  /** events_api only: '' for a first delivery, else e.g. 'timeout'. */
  retry_reason?: string;
}

/** What the app sent back for an envelope: `{ envelope_id, payload? }` (payload is `{}` for a bare ack()). */
export interface SocketAck {
  envelope_id: string;
  payload?: any;
  [key: string]: any;
}

/** Options for sendSocketEnvelope. */
export interface SocketEnvelopeOptions {
  /** Default: a fresh UUID. */
  envelopeId?: string;
  /** Default: true for slash_commands, view_submission and block_suggestion, else false (as Slack sets it). */
  acceptsResponsePayload?: boolean;
  /** events_api: retry_attempt (default 0). */
  retryAttempt?: number;
  /** events_api: retry_reason (default '' on a first delivery, 'timeout' on a retry). */
  retryReason?: string;
  /** Reject when no ack arrives within this long (default 3000 ms, Slack's deadline). */
  timeoutMs?: number;
  /** Send over this connection (an id from socketConnections()); default: the newest open one. */
  connectionId?: string;
}

/** What sendSocketEnvelope resolves with. */
export interface SocketDelivery {
  envelope: SocketEnvelope;
  /** The app's ack message as sent. */
  ack: SocketAck;
  /** `ack.payload`, `{}` when the app sent none. */
  payload: Record<string, any>;
  /** Time from sending the envelope to the ack. */
  ackMs: number;
  connectionId: string;
}

/** One Socket Mode websocket connection as the emulator saw it. */
export interface SocketModeConnectionInfo {
  id: string;
  ticket: string;
  openedAt: number;
  open: boolean;
  closedAt?: number;
  closeCode?: number;
  /** Websocket pings the app's client sent (the emulator answers each with a pong). */
  clientPings: number;
  /** Pings the emulator sent, and pongs the client answered. */
  serverPings: number;
  pongs: number;
  /** `disconnect` messages sent on this connection. */
  disconnects: string[];
}

/** One envelope sent over Socket Mode, with its ack once it came. */
export interface SocketEnvelopeRecord {
  connectionId: string;
  envelope: SocketEnvelope;
  sentAt: number;
  ack?: SocketAck;
  ackedAt?: number;
  /** The ack did not come in time (sendSocketEnvelope rejected); a late ack is still recorded. */
  timedOut?: boolean;
}

/** Socket Mode tuning for startSlackEmulator. */
export interface SocketModeOptions {
  /** Websocket ping from the emulator every this many ms (0 = never). Default 10 000. */
  pingIntervalMs?: number;
  /** `debug_info.approximate_connection_time` in `hello` (seconds). Default 18 060, what Slack reports. */
  approximateConnectionTimeSec?: number;
  /** Open connections allowed at once (Slack: 10); more are refused with HTTP 429 at the upgrade. */
  maxConnections?: number;
}

/** Options for startSlackEmulator. All optional. */
export interface SlackEmulatorOptions {
  /** The valid bot token (default DEFAULT_BOT_TOKEN). */
  botToken?: string;
  team?: Partial<{ id: string; name: string; domain: string }>;
  bot?: Partial<{ userId: string; botId: string; appId: string; name: string; realName: string }>;
  /** Scopes granted to the bot token (default DEFAULT_SCOPES). */
  scopes?: string[];
  /** Add `chat:write.public` (post in public channels without being a member). Default false. */
  chatWritePublic?: boolean;
  /** Seed the default users and channels (default true). */
  defaults?: boolean;
  /** Rate limits per method, e.g. `{ 'chat.postMessage': { limit: 1, windowMs: 1000, perChannel: true } }`. */
  rateLimits?: Record<string, RateLimitRule>;
  /** Sugar for rateLimits['chat.postMessage'] = { limit: n, windowMs: 1000, perChannel: true }. */
  postMessagePerChannelPerSecond?: number;
  /** trigger_id lifetime (default 3000 ms). */
  triggerTtlMs?: number;
  /** Clock in ms since epoch (default Date.now); drives ts values, trigger expiry and rate windows. */
  now?: () => number;
  /** Print each call to stderr (also on when SLACK_EMULATOR_LOG=1). */
  log?: boolean;
  /** The valid app-level token for Socket Mode (default DEFAULT_APP_TOKEN). */
  appToken?: string;
  /** Scopes of the app-level token (default `connections:write`). */
  appTokenScopes?: string[];
  socketMode?: SocketModeOptions;
}

// ───────────────────────────────────────────── defaults ─────────────────────────────────────────────

/** The bot token the emulator accepts by default. */
export const DEFAULT_BOT_TOKEN = 'xoxb-1000000001-2000000002-handoffTestBotToken';

/** The app-level token (Socket Mode) the emulator accepts by default. */
export const DEFAULT_APP_TOKEN = 'xapp-1-A0HANDOFF-1-test';

/** Web API methods that take the app-level token (and refuse a bot token). */
const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

/** Scopes granted by default (no `chat:write.public`). */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze([
  'app_mentions:read',
  'channels:history',
  'channels:join',
  'channels:read',
  'chat:write',
  'chat:write.customize',
  'commands',
  'groups:history',
  'groups:read',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'mpim:write',
  'team:read',
  'users.profile:read',
  'users:read',
  'users:read.email',
]);

/** Ids of the default workspace. */
export const SLACK_IDS = Object.freeze({
  team: 'T0HANDOFF',
  botUser: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0HANDOFF',
  /** #support: public, bot invited, all default humans are members. */
  support: 'C0SUPPORT',
  /** #general: public, bot NOT a member. */
  general: 'C0GENERAL',
  /** #secret: private, bot NOT a member. */
  secret: 'C0SECRET',
  /** Ada Lovelace, display name "Ada", workspace admin. */
  ada: 'U0ADA',
  /** Grace Hopper, display name "Grace". */
  grace: 'U0GRACE',
  /** Linus Torvalds, no display name. */
  linus: 'U0LINUS',
});

const DEFAULT_TEAM = { id: SLACK_IDS.team, name: 'Handoff Test', domain: 'handoff-test' };
const DEFAULT_BOT = { userId: SLACK_IDS.botUser, botId: SLACK_IDS.botId, appId: SLACK_IDS.appId, name: 'handoff', realName: 'Handoff' };
const AVATAR_BASE = 'https://avatars.slack-emulator.test';

const DEFAULT_HUMANS: UserSeed[] = [
  { id: SLACK_IDS.ada, name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada', email: 'ada@example.com', is_admin: true, title: 'Support lead' },
  { id: SLACK_IDS.grace, name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace', email: 'grace@example.com', title: 'Support engineer' },
  { id: SLACK_IDS.linus, name: 'linus', real_name: 'Linus Torvalds', display_name: '', email: 'linus@example.com', title: '' },
];

// ───────────────────────────────────────────── helpers ─────────────────────────────────────────────

class SlackApiError extends Error {
  constructor(
    readonly error: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(error);
  }
}

const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'unfurls', 'user_auth_blocks']);

function clone<T>(v: T): T {
  return v === undefined ? v : structuredClone(v);
}

function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function bool(v: unknown): boolean {
  return v === true || v === 'true' || v === '1' || v === 1;
}

function int(v: unknown, dflt: number): number {
  const n = typeof v === 'number' ? v : Number.parseInt(String(v ?? ''), 10);
  return Number.isFinite(n) ? n : dflt;
}

function missing(field: string): SlackApiError {
  return new SlackApiError('invalid_arguments', { response_metadata: { messages: [`[ERROR] missing required field: ${field}`] } });
}

function tsToMicros(ts: string): number {
  const [s, f = '0'] = ts.split('.');
  return Number(s) * 1e6 + Number(f.padEnd(6, '0').slice(0, 6));
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64');
}

function decodeCursor(cursor: unknown): number {
  if (typeof cursor !== 'string' || cursor === '') return 0;
  const m = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString('utf8'));
  if (!m) throw new SlackApiError('invalid_cursor');
  return Number(m[1]);
}

function paginate<T>(items: T[], args: Record<string, any>, dfltLimit: number): { page: T[]; next: string } {
  const offset = decodeCursor(args.cursor);
  const limit = Math.max(1, Math.min(int(args.limit, dfltLimit) || dfltLimit, 1000));
  const page = items.slice(offset, offset + limit);
  const next = offset + limit < items.length ? encodeCursor(offset + limit) : '';
  return { page, next };
}

function shortId(seed: string, len = 5): string {
  return createHash('sha1').update(seed).digest('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, len);
}

function sleep(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      timers.delete(t);
      resolve();
    }, ms);
    timers.add(t);
  });
}

// ─────────────────────────────────────── Block Kit validation ───────────────────────────────────────

const BLOCK_TYPES = new Set([
  'actions', 'call', 'context', 'context_actions', 'divider', 'file', 'header', 'image', 'input', 'markdown',
  'rich_text', 'section', 'table', 'video',
]);
const INTERACTIVE_ELEMENTS = new Set([
  'button', 'checkboxes', 'channels_select', 'conversations_select', 'datepicker', 'datetimepicker',
  'email_text_input', 'external_select', 'feedback_buttons', 'file_input', 'icon_button', 'multi_channels_select',
  'multi_conversations_select', 'multi_external_select', 'multi_static_select', 'multi_users_select', 'number_input',
  'overflow', 'plain_text_input', 'radio_buttons', 'rich_text_input', 'static_select', 'timepicker', 'url_text_input',
  'users_select', 'workflow_button',
]);

/** Limits Slack documents for Block Kit (the ones the emulator enforces). */
export const BLOCK_KIT_LIMITS = Object.freeze({
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionField: 2000,
  sectionFields: 10,
  headerText: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  actionsElements: 25,
  contextElements: 10,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  externalId: 255,
  messageText: 40000,
  markdownText: 12000,
  inputLabel: 2000,
  placeholder: 150,
  optionText: 75,
  optionValue: 150,
  selectOptions: 100,
  attachments: 100,
});

class BlockValidator {
  readonly errors: string[] = [];
  private readonly blockIds = new Set<string>();
  private readonly actionIds = new Set<string>();
  private generated = 0;

  constructor(private readonly seed: string) {}

  private err(msg: string, path: string): void {
    this.errors.push(`${msg} [json-pointer:${path}]`);
  }

  private gen(): string {
    this.generated += 1;
    return shortId(`${this.seed}#${this.generated}`);
  }

  private maxLen(v: unknown, max: number, path: string): void {
    if (typeof v === 'string' && v.length > max) this.err(`must be less than ${max + 1} characters`, path);
  }

  text(v: any, path: string, max: number, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (v === undefined || v === null) {
      if (opts.required) this.err('must provide an object', path);
      return;
    }
    if (typeof v !== 'object' || Array.isArray(v)) return this.err('must provide an object', path);
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') return this.err('must be either plain_text or mrkdwn', `${path}/type`);
    if (opts.plainOnly && v.type !== 'plain_text') return this.err('must be a plain_text text object', `${path}/type`);
    if (typeof v.text !== 'string') return this.err('must provide a string', `${path}/text`);
    if (v.text.length === 0) this.err('must be more than 0 characters', `${path}/text`);
    this.maxLen(v.text, max, `${path}/text`);
  }

  private option(o: any, path: string): void {
    if (!o || typeof o !== 'object') return this.err('must provide an object', path);
    this.text(o.text, `${path}/text`, BLOCK_KIT_LIMITS.optionText, { required: true });
    if (typeof o.value === 'string') this.maxLen(o.value, BLOCK_KIT_LIMITS.optionValue, `${path}/value`);
  }

  private options(list: unknown, path: string, max: number, min = 0): void {
    if (list === undefined) return;
    if (!Array.isArray(list)) return this.err('must provide an array', path);
    if (list.length < min) this.err(`must provide at least ${min} items`, path);
    if (list.length > max) this.err(`no more than ${max} items allowed`, path);
    list.forEach((o, i) => this.option(o, `${path}/${i}`));
  }

  element(el: any, path: string): any {
    if (!el || typeof el !== 'object' || Array.isArray(el)) {
      this.err('must provide an object', path);
      return el;
    }
    const out = { ...el };
    if (typeof el.type !== 'string') {
      this.err('must provide a string', `${path}/type`);
      return out;
    }
    if (el.type === 'image') {
      if (typeof el.image_url !== 'string' && !el.slack_file) this.err('must provide either image_url or slack_file', path);
      this.maxLen(el.image_url, BLOCK_KIT_LIMITS.url, `${path}/image_url`);
      if (typeof el.alt_text !== 'string') this.err('must provide a string', `${path}/alt_text`);
      return out;
    }
    if (!INTERACTIVE_ELEMENTS.has(el.type)) {
      this.err(`unsupported type: ${el.type}`, `${path}/type`);
      return out;
    }
    if (el.action_id === undefined) out.action_id = this.gen();
    else if (typeof el.action_id !== 'string' || el.action_id.length === 0) this.err('must provide a non-empty string', `${path}/action_id`);
    else {
      this.maxLen(el.action_id, BLOCK_KIT_LIMITS.actionId, `${path}/action_id`);
      if (this.actionIds.has(el.action_id)) this.err(`duplicate action_id "${el.action_id}"`, `${path}/action_id`);
      this.actionIds.add(el.action_id);
    }
    if (el.placeholder !== undefined) this.text(el.placeholder, `${path}/placeholder`, BLOCK_KIT_LIMITS.placeholder, { plainOnly: true });
    switch (el.type) {
      case 'button':
        this.text(el.text, `${path}/text`, BLOCK_KIT_LIMITS.buttonText, { plainOnly: true, required: true });
        if (el.value !== undefined) {
          if (typeof el.value !== 'string') this.err('must provide a string', `${path}/value`);
          else this.maxLen(el.value, BLOCK_KIT_LIMITS.buttonValue, `${path}/value`);
        }
        this.maxLen(el.url, BLOCK_KIT_LIMITS.url, `${path}/url`);
        if (el.style !== undefined && el.style !== 'primary' && el.style !== 'danger') this.err('must be one of: primary, danger', `${path}/style`);
        break;
      case 'static_select':
      case 'multi_static_select':
        if (el.options === undefined && el.option_groups === undefined) this.err('must provide either options or option_groups', path);
        this.options(el.options, `${path}/options`, BLOCK_KIT_LIMITS.selectOptions);
        break;
      case 'overflow':
        this.options(el.options, `${path}/options`, 5, 1);
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.options(el.options, `${path}/options`, 10, 1);
        break;
      case 'plain_text_input':
        if (el.max_length !== undefined && (el.max_length < 1 || el.max_length > 3000)) this.err('must be between 1 and 3000', `${path}/max_length`);
        if (el.min_length !== undefined && (el.min_length < 0 || el.min_length > 3000)) this.err('must be between 0 and 3000', `${path}/min_length`);
        break;
      default:
        break;
    }
    return out;
  }

  block(b: any, path: string): any {
    if (!b || typeof b !== 'object' || Array.isArray(b)) {
      this.err('must provide an object', path);
      return b;
    }
    const out = { ...b };
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) {
      this.err(`unsupported type: ${String(b.type)}`, `${path}/type`);
      return out;
    }
    if (b.block_id === undefined) out.block_id = this.gen();
    else if (typeof b.block_id !== 'string' || b.block_id.length === 0) this.err('must provide a non-empty string', `${path}/block_id`);
    else {
      this.maxLen(b.block_id, BLOCK_KIT_LIMITS.blockId, `${path}/block_id`);
      if (this.blockIds.has(b.block_id)) this.err(`duplicate block_id "${b.block_id}"`, `${path}/block_id`);
      this.blockIds.add(b.block_id);
    }
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.err('must provide either text or fields', path);
        this.text(b.text, `${path}/text`, BLOCK_KIT_LIMITS.sectionText);
        if (b.fields !== undefined) {
          if (!Array.isArray(b.fields)) this.err('must provide an array', `${path}/fields`);
          else {
            if (b.fields.length > BLOCK_KIT_LIMITS.sectionFields) this.err(`no more than ${BLOCK_KIT_LIMITS.sectionFields} items allowed`, `${path}/fields`);
            b.fields.forEach((f: any, i: number) => this.text(f, `${path}/fields/${i}`, BLOCK_KIT_LIMITS.sectionField, { required: true }));
          }
        }
        if (b.accessory !== undefined) out.accessory = this.element(b.accessory, `${path}/accessory`);
        break;
      case 'header':
        this.text(b.text, `${path}/text`, BLOCK_KIT_LIMITS.headerText, { plainOnly: true, required: true });
        break;
      case 'markdown':
        if (typeof b.text !== 'string') this.err('must provide a string', `${path}/text`);
        else this.maxLen(b.text, BLOCK_KIT_LIMITS.markdownText, `${path}/text`);
        break;
      case 'context':
        if (!Array.isArray(b.elements) || b.elements.length === 0) this.err('must provide a non-empty array', `${path}/elements`);
        else {
          if (b.elements.length > BLOCK_KIT_LIMITS.contextElements) this.err(`no more than ${BLOCK_KIT_LIMITS.contextElements} items allowed`, `${path}/elements`);
          out.elements = b.elements.map((e: any, i: number) =>
            e && e.type === 'image' ? this.element(e, `${path}/elements/${i}`) : (this.text(e, `${path}/elements/${i}`, BLOCK_KIT_LIMITS.sectionText, { required: true }), e),
          );
        }
        break;
      case 'actions':
        if (!Array.isArray(b.elements) || b.elements.length === 0) this.err('must provide a non-empty array', `${path}/elements`);
        else {
          if (b.elements.length > BLOCK_KIT_LIMITS.actionsElements) this.err(`no more than ${BLOCK_KIT_LIMITS.actionsElements} items allowed`, `${path}/elements`);
          out.elements = b.elements.map((e: any, i: number) => this.element(e, `${path}/elements/${i}`));
        }
        break;
      case 'input':
        this.text(b.label, `${path}/label`, BLOCK_KIT_LIMITS.inputLabel, { plainOnly: true, required: true });
        if (b.hint !== undefined) this.text(b.hint, `${path}/hint`, BLOCK_KIT_LIMITS.inputLabel, { plainOnly: true });
        if (b.element === undefined) this.err('must provide an object', `${path}/element`);
        else out.element = this.element(b.element, `${path}/element`);
        break;
      case 'image':
        if (typeof b.image_url !== 'string' && !b.slack_file) this.err('must provide either image_url or slack_file', path);
        this.maxLen(b.image_url, BLOCK_KIT_LIMITS.url, `${path}/image_url`);
        if (typeof b.alt_text !== 'string') this.err('must provide a string', `${path}/alt_text`);
        if (b.title !== undefined) this.text(b.title, `${path}/title`, 2000, { plainOnly: true });
        break;
      default:
        break;
    }
    return out;
  }

  blocks(v: unknown, path: string, max: number): SlackBlock[] {
    if (!Array.isArray(v)) {
      this.err('must provide an array', path);
      return [];
    }
    if (v.length > max) this.err(`no more than ${max} items allowed`, path);
    return v.map((b, i) => this.block(b, `${path}/${i}`));
  }
}

// ───────────────────────────────────────────── the emulator ─────────────────────────────────────────────

interface TriggerRecord {
  user?: string;
  issuedAt: number;
  used: boolean;
}

interface ResponseUrlRecord {
  context: ResponseUrlContext;
  issuedAt: number;
  uses: number;
}

type Listener<A extends unknown[]> = (...args: A) => void;

interface SocketConnection {
  info: SocketModeConnectionInfo;
  ws: WebSocket;
  ready: boolean;
  pinger?: NodeJS.Timeout;
}

interface PendingAck {
  record: SocketEnvelopeRecord;
  resolve: (d: SocketDelivery) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The running emulator. Create it with startSlackEmulator(). */
export class SlackEmulator {
  /** Web API base, e.g. `http://127.0.0.1:PORT/api/` (give it to the app as SLACK_API_URL). */
  apiUrl = '';
  /** `http://127.0.0.1:PORT`. */
  baseUrl = '';
  port = 0;
  readonly team: { id: string; name: string; domain: string };
  readonly bot: { userId: string; botId: string; appId: string; name: string; realName: string; token: string };

  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private readonly nowFn: () => number;
  private readonly triggerTtlMs: number;
  private readonly logging: boolean;
  private scopes: Set<string>;
  private tokenState: 'valid' | 'revoked' = 'valid';

  private readonly users = new Map<string, EmulatedUser>();
  private readonly channels = new Map<string, EmulatedChannel>();
  private readonly store = new Map<string, EmulatedMessage[]>();
  private readonly deleted: EmulatedMessage[] = [];
  private readonly ephemeralList: EphemeralMessage[] = [];
  private readonly viewRecords = new Map<string, EmulatedViewRecord>();
  private readonly modalStacks = new Map<string, string[]>();
  private readonly triggers = new Map<string, TriggerRecord>();
  private readonly responseUrls = new Map<string, ResponseUrlRecord>();
  private readonly callLog: ApiCall[] = [];
  private readonly responseLog: ResponseUrlPost[] = [];
  private readonly faults = new Map<string, SlackFault[]>();
  private readonly holds: { method: string; match: (args: Record<string, any>) => boolean; arrive: () => void; until: Promise<void>; release: () => void }[] = [];
  private readonly rateLimits = new Map<string, RateLimitRule>();
  private readonly rateHits = new Map<string, number[]>();
  private readonly counterMap = new Map<string, { calls: number; ok: number; errors: number; rateLimited: number; faults: number }>();
  private readonly postedListeners = new Set<Listener<[EmulatedMessage, MessageSource]>>();
  private readonly changedListeners = new Set<Listener<[EmulatedMessage, EmulatedMessage]>>();
  private readonly deletedListeners = new Set<Listener<[EmulatedMessage]>>();
  private readonly waiters = new Set<() => void>();
  private lastMicros = 0;
  private seq = 0;
  private readonly appToken: string;
  private appTokenScopes: Set<string>;
  private appTokenState: 'valid' | 'revoked' = 'valid';
  private readonly socketOpts: Required<SocketModeOptions>;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  private readonly socketTickets = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly socketConns: SocketConnection[] = [];
  private readonly socketLog: SocketEnvelopeRecord[] = [];
  private readonly pendingAcks = new Map<string, PendingAck>();
  private readonly strayAcks: any[] = [];

  /** @internal use startSlackEmulator() */
  constructor(opts: SlackEmulatorOptions = {}) {
    this.nowFn = opts.now ?? Date.now;
    this.triggerTtlMs = opts.triggerTtlMs ?? 3000;
    this.logging = opts.log ?? process.env.SLACK_EMULATOR_LOG === '1';
    this.team = { ...DEFAULT_TEAM, ...opts.team };
    this.bot = { ...DEFAULT_BOT, ...opts.bot, token: opts.botToken ?? DEFAULT_BOT_TOKEN };
    this.scopes = new Set(opts.scopes ?? DEFAULT_SCOPES);
    if (opts.chatWritePublic) this.scopes.add('chat:write.public');
    for (const [method, rule] of Object.entries(opts.rateLimits ?? {})) this.rateLimits.set(method, rule);
    if (opts.postMessagePerChannelPerSecond !== undefined) {
      this.rateLimits.set('chat.postMessage', { limit: opts.postMessagePerChannelPerSecond, windowMs: 1000, perChannel: true });
    }
    this.appToken = opts.appToken ?? DEFAULT_APP_TOKEN;
    this.appTokenScopes = new Set(opts.appTokenScopes ?? ['connections:write']);
    this.socketOpts = {
      pingIntervalMs: opts.socketMode?.pingIntervalMs ?? 10_000,
      approximateConnectionTimeSec: opts.socketMode?.approximateConnectionTimeSec ?? 18_060,
      maxConnections: opts.socketMode?.maxConnections ?? 10,
    };
    this.seed(opts.defaults ?? true);
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.log(`emulator crashed on ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`slack emulator internal error: ${String(e)}`);
      });
    });
    this.server.keepAliveTimeout = 1000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.handleUpgrade(req, socket, head));
  }

  /** @internal */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.baseUrl}/api/`;
  }

  /** Stop the server, drop open connections and pending timers. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.holds.splice(0)) h.release();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const p of [...this.pendingAcks.values()]) {
      clearTimeout(p.timer);
      p.reject(new Error(`Slack emulator closed before the ack of envelope ${p.record.envelope.envelope_id}`));
    }
    this.pendingAcks.clear();
    for (const c of this.socketConns) {
      if (c.pinger) clearInterval(c.pinger);
      c.ws.terminate();
    }
    this.wss.close();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await done;
    for (const w of this.waiters) w();
  }

  // ─────────────────────────────── workspace set-up ───────────────────────────────

  private seed(withDefaults: boolean): void {
    this.addUser({
      id: this.bot.userId,
      name: this.bot.name,
      real_name: this.bot.realName,
      display_name: '',
      is_bot: true,
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
    });
    if (!withDefaults) return;
    for (const u of DEFAULT_HUMANS) this.addUser(u);
    const humans = DEFAULT_HUMANS.map((u) => u.id as string);
    this.addChannel({ id: SLACK_IDS.support, name: 'support', members: humans, botMember: true, purpose: 'Customer handoffs' });
    this.addChannel({ id: SLACK_IDS.general, name: 'general', members: humans, botMember: false, is_general: true });
    this.addChannel({ id: SLACK_IDS.secret, name: 'secret', is_private: true, members: [SLACK_IDS.ada], botMember: false });
  }

  /** Add (or replace) a user. Defaults: active, not admin, avatar URLs derived from the id. */
  addUser(seed: UserSeed): EmulatedUser {
    const id = seed.id ?? `U0USER${String(this.users.size).padStart(3, '0')}`;
    const realName = seed.real_name ?? seed.name ?? id;
    const [first = '', ...rest] = realName.split(' ');
    const user: EmulatedUser = {
      id,
      team_id: this.team.id,
      name: seed.name ?? realName.toLowerCase().replace(/[^a-z0-9]+/g, '.'),
      real_name: realName,
      display_name: seed.display_name ?? '',
      first_name: seed.first_name ?? first,
      last_name: seed.last_name ?? rest.join(' '),
      title: seed.title ?? '',
      email: seed.is_bot ? seed.email : (seed.email ?? `${(seed.name ?? id).toLowerCase()}@example.com`),
      image_72: seed.image_72 ?? `${AVATAR_BASE}/${id}_72.png`,
      is_admin: seed.is_admin ?? false,
      is_owner: seed.is_owner ?? false,
      is_primary_owner: seed.is_primary_owner ?? false,
      is_restricted: seed.is_restricted ?? false,
      is_bot: seed.is_bot ?? false,
      bot_id: seed.bot_id,
      app_id: seed.app_id,
      presence: seed.presence ?? 'active',
      deleted: seed.deleted ?? false,
      tz: seed.tz ?? 'Europe/London',
      tz_label: seed.tz_label ?? 'Greenwich Mean Time',
      tz_offset: seed.tz_offset ?? 0,
      updated: seed.updated ?? Math.floor(this.nowFn() / 1000),
    };
    this.users.set(id, user);
    for (const c of seed.channels ?? []) this.joinChannel(id, c);
    this.changed();
    return clone(user);
  }

  /** Change fields of a user (e.g. display_name, is_admin, deleted). */
  updateUser(id: string, patch: Partial<Omit<EmulatedUser, 'id' | 'team_id'>>): EmulatedUser {
    const u = this.mustUser(id);
    Object.assign(u, patch, { updated: Math.floor(this.nowFn() / 1000) });
    this.changed();
    return clone(u);
  }

  /** Set a user's presence as users.getPresence reports it. */
  setPresence(user: string, presence: 'active' | 'away'): void {
    this.mustUser(user).presence = presence;
    this.changed();
  }

  /** Add a channel. The bot is a member unless `botMember: false`. */
  addChannel(seed: ChannelSeed): EmulatedChannel {
    const id = seed.id ?? `C0CHAN${String(this.channels.size).padStart(3, '0')}`;
    const members = [...new Set([...(seed.members ?? []), ...(seed.botMember === false ? [] : [this.bot.userId])])];
    const ch: EmulatedChannel = {
      id,
      name: seed.name.replace(/^#/, ''),
      is_private: seed.is_private ?? false,
      is_im: false,
      is_mpim: false,
      is_archived: seed.is_archived ?? false,
      is_general: seed.is_general ?? false,
      members,
      created: Math.floor(this.nowFn() / 1000) - 86400,
      creator: members.find((m) => m !== this.bot.userId) ?? this.bot.userId,
      topic: seed.topic ?? '',
      purpose: seed.purpose ?? '',
    };
    this.channels.set(id, ch);
    this.store.set(id, this.store.get(id) ?? []);
    this.changed();
    return clone(ch);
  }

  /** Put a user (or the bot, with bot.userId) in a channel. */
  joinChannel(user: string, channel: string): void {
    const ch = this.mustChannel(channel);
    if (!ch.members.includes(user)) ch.members.push(user);
    this.changed();
  }

  /** Take a user (or the bot) out of a channel. */
  leaveChannel(user: string, channel: string): void {
    const ch = this.mustChannel(channel);
    ch.members = ch.members.filter((m) => m !== user);
    this.changed();
  }

  /** Invite the bot to a channel. */
  inviteBot(channel: string): void {
    this.joinChannel(this.bot.userId, channel);
  }

  /** Remove the bot from a channel. */
  removeBot(channel: string): void {
    this.leaveChannel(this.bot.userId, channel);
  }

  /** Archive (or unarchive) a channel: posting then fails with `is_archived`. */
  archiveChannel(channel: string, archived = true): void {
    this.mustChannel(channel).is_archived = archived;
  }

  /** Replace the bot token's scopes (missing ones give `missing_scope`). */
  setScopes(scopes: string[]): void {
    this.scopes = new Set(scopes);
  }

  /** Revoke the bot token: every call then fails with `token_revoked` (pass false to restore). */
  revokeToken(revoked = true): void {
    this.tokenState = revoked ? 'revoked' : 'valid';
  }

  /** Set (or clear, with null) a rate limit on a method. */
  setRateLimit(method: string, rule: RateLimitRule | null): void {
    if (rule) this.rateLimits.set(method, rule);
    else this.rateLimits.delete(method);
    for (const k of [...this.rateHits.keys()]) if (k.startsWith(`${method}:`) || k === method) this.rateHits.delete(k);
  }

  /**
   * Script a failure for the next `times` calls to `method` ('*' = any method). Faults queue up in order.
   * Examples: `{status: 429, retryAfter: 1}`, `{status: 500}`, `{delayMs: 4000}`, `{reset: true}`,
   * `{error: 'channel_not_found'}`.
   */
  failNext(method: string, fault: SlackFault, times = 1): void {
    const q = this.faults.get(method) ?? [];
    for (let i = 0; i < times; i++) q.push({ ...fault });
    this.faults.set(method, q);
  }

  /**
   * Hold the next call to `method` whose arguments match: it is answered as usual only once `release()` is
   * called (or the emulator closes). `arrived` resolves when that call has reached the emulator, so a test can
   * act while the app is waiting for Slack (e.g. kill the app in the middle of a listener) without guessing times.
   */
  holdNext(method: string, match: (args: Record<string, any>) => boolean = () => true): { arrived: Promise<void>; release(): void } {
    let arrive!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    let release!: () => void;
    const until = new Promise<void>((r) => (release = r));
    const hold = { method, match, arrive, until, release };
    this.holds.push(hold);
    return {
      arrived,
      release: () => {
        const i = this.holds.indexOf(hold);
        if (i >= 0) this.holds.splice(i, 1);
        release();
      },
    };
  }

  /** Drop all scripted faults. */
  clearFaults(): void {
    this.faults.clear();
  }

  // ─────────────────────────────── lookups ───────────────────────────────

  /** A user by id (copy), or undefined. */
  user(id: string): EmulatedUser | undefined {
    return clone(this.users.get(id));
  }

  /** All users including the bot (copies). */
  allUsers(): EmulatedUser[] {
    return [...this.users.values()].map(clone);
  }

  /** A channel by id, `#name`/name, or user id (their DM with the bot, if open). */
  channel(ref: string): EmulatedChannel | undefined {
    return clone(this.lookupChannel(ref));
  }

  /** The DM channel id between the bot and `user`, opening it if needed. */
  dmChannelFor(user: string): string {
    this.mustUser(user);
    return this.openDm(user).id;
  }

  // ─────────────────────────────── inspection ───────────────────────────────

  /** Every Web API call so far, in the order they were answered. */
  get calls(): readonly ApiCall[] {
    return this.callLog;
  }

  /** Calls to one method. */
  callsTo(method: string): ApiCall[] {
    return this.callLog.filter((c) => c.method === method);
  }

  /** The last call to a method, or undefined. */
  lastCall(method: string): ApiCall | undefined {
    return this.callsTo(method).at(-1);
  }

  /** Number of calls to `method` (all methods when omitted), including failed and rate-limited ones. */
  count(method?: string): number {
    return method === undefined ? this.callLog.length : this.callsTo(method).length;
  }

  /** Per-method counters: calls, ok answers, error answers, 429s from the rate limiter, scripted faults. */
  get counters(): Record<string, { calls: number; ok: number; errors: number; rateLimited: number; faults: number }> {
    return Object.fromEntries([...this.counterMap].map(([k, v]) => [k, { ...v }]));
  }

  /** Forget recorded calls, response_url posts and counters (state stays). */
  clearCalls(): void {
    this.callLog.length = 0;
    this.responseLog.length = 0;
    this.counterMap.clear();
  }

  /**
   * Messages in a channel (id, `#name`, or a user id for their DM), oldest first, as copies.
   * Like conversations.history: top-level messages and thread broadcasts; pass `includeReplies` for all.
   */
  messages(channel: string, opts: { includeReplies?: boolean } = {}): EmulatedMessage[] {
    const ch = this.lookupChannel(channel);
    if (!ch) return [];
    const all = this.store.get(ch.id) ?? [];
    return (opts.includeReplies ? all : all.filter((m) => this.isTopLevel(m))).map(clone);
  }

  /** One message by channel and ts (copy), or undefined. */
  message(channel: string, ts: string): EmulatedMessage | undefined {
    const ch = this.lookupChannel(channel);
    return ch ? clone(this.find(ch.id, ts)) : undefined;
  }

  /** The last top-level message in a channel, or undefined. */
  lastMessage(channel: string): EmulatedMessage | undefined {
    return this.messages(channel).at(-1);
  }

  /** A thread like conversations.replies: the parent first, then replies oldest first (copies). */
  thread(channel: string, ts: string): EmulatedMessage[] {
    const ch = this.lookupChannel(channel);
    if (!ch) return [];
    const parent = this.find(ch.id, ts);
    if (!parent) return [];
    const root = parent.thread_ts ?? parent.ts;
    return (this.store.get(ch.id) ?? []).filter((m) => m.ts === root || m.thread_ts === root).map(clone);
  }

  /** Replies of a thread only (no parent). */
  replies(channel: string, ts: string): EmulatedMessage[] {
    return this.thread(channel, ts).slice(1);
  }

  /** Messages deleted so far (as they were just before deletion). */
  deletedMessages(channel?: string): EmulatedMessage[] {
    const ch = channel === undefined ? undefined : this.lookupChannel(channel);
    return this.deleted.filter((m) => !ch || m.channel === ch.id).map(clone);
  }

  /** Ephemeral messages, optionally only those shown to `user`. */
  ephemerals(user?: string): EphemeralMessage[] {
    return this.ephemeralList.filter((e) => user === undefined || e.user === user).map(clone);
  }

  /** All views ever opened/pushed/published, with their current content. */
  get views(): EmulatedViewRecord[] {
    return [...this.viewRecords.values()].map(clone);
  }

  /** One view record by id. */
  view(id: string): EmulatedViewRecord | undefined {
    return clone(this.viewRecords.get(id));
  }

  /** The Home tab published for `user`, or undefined. */
  homeTab(user: string): SlackView | undefined {
    const rec = [...this.viewRecords.values()].find((r) => r.type === 'home' && r.user === user);
    return clone(rec?.view);
  }

  /** The user's open modal stack, root first. */
  modalStack(user: string): SlackView[] {
    return (this.modalStacks.get(user) ?? []).map((id) => clone(this.viewRecords.get(id)!.view));
  }

  /** The modal currently on top for `user`, or undefined. */
  openModal(user: string): SlackView | undefined {
    return this.modalStack(user).at(-1);
  }

  /** Everything the app POSTed to response_urls. */
  get responses(): readonly ResponseUrlPost[] {
    return this.responseLog;
  }

  /**
   * Find the newest message holding an interactive element with `actionId` (optionally in one channel, optionally
   * with a given value). Used by the driver to build block_actions payloads.
   */
  findAction(
    actionId: string,
    opts: { channel?: string; value?: string } = {},
  ): { message: EmulatedMessage; block: SlackBlock; element: any } | undefined {
    const chans = opts.channel ? [this.lookupChannel(opts.channel)?.id].filter((c): c is string => !!c) : [...this.store.keys()];
    const candidates = chans.flatMap((c) => this.store.get(c) ?? []).sort((a, b) => tsToMicros(b.ts) - tsToMicros(a.ts));
    for (const m of candidates) {
      const hit = findElement(m.blocks ?? [], actionId, opts.value);
      if (hit) return { message: clone(m), ...hit };
    }
    return undefined;
  }

  // ─────────────────────────────── waiting ───────────────────────────────

  /**
   * Poll `predicate(emulator)` until it returns a truthy value (resolved with it) or `timeoutMs` passes
   * (rejects with `description`, the predicate's last error and the last API calls). A predicate that throws
   * counts as "not yet", so `expect(...)` inside it works.
   */
  async waitFor<T>(predicate: (emu: SlackEmulator) => T | Promise<T>, timeoutMs = 3000, description = 'condition'): Promise<NonNullable<T>> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      try {
        const v = await predicate(this);
        if (v) return v as NonNullable<T>;
        lastError = undefined;
      } catch (e) {
        lastError = e;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.closed) break;
      await new Promise<void>((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          this.waiters.delete(finish);
          resolve();
        };
        const timer = setTimeout(finish, Math.min(25, left));
        this.waiters.add(finish);
      });
    }
    const recent = this.callLog
      .slice(-10)
      .map((c) => `  ${c.method} ${summarizeArgs(c.args)} -> ${c.status} ${c.ok ? 'ok' : (c.error ?? '')}`)
      .join('\n');
    const why = lastError instanceof Error ? `\nLast predicate error: ${lastError.message}` : '';
    throw new Error(`Slack emulator: timed out after ${timeoutMs} ms waiting for ${description}.${why}\nLast Slack API calls:\n${recent || '  (none)'}`);
  }

  /** Wait for a (successful, unless `ok: false` given) call to `method` matching `match`; resolves with it. */
  waitForCall(method: string, match: (c: ApiCall) => boolean = () => true, timeoutMs = 3000): Promise<ApiCall> {
    return this.waitFor(() => this.callLog.find((c) => c.method === method && match(c)), timeoutMs, `a ${method} call`);
  }

  /** Wait for a message in `channel` (replies included) matching `match`; resolves with it. */
  waitForMessage(channel: string, match: (m: EmulatedMessage) => boolean = () => true, timeoutMs = 3000): Promise<EmulatedMessage> {
    return this.waitFor(() => this.messages(channel, { includeReplies: true }).find(match), timeoutMs, `a message in ${channel}`);
  }

  /** Wait for an ephemeral message to `user` matching `match`. */
  waitForEphemeral(user: string, match: (e: EphemeralMessage) => boolean = () => true, timeoutMs = 3000): Promise<EphemeralMessage> {
    return this.waitFor(() => this.ephemerals(user).find(match), timeoutMs, `an ephemeral message to ${user}`);
  }

  // ─────────────────────────────── Socket Mode ───────────────────────────────

  /** The app-level token apps.connections.open accepts. */
  get appLevelToken(): string {
    return this.appToken;
  }

  /** Revoke the app-level token: apps.connections.open then fails with `token_revoked` (pass false to restore). */
  revokeAppToken(revoked = true): void {
    this.appTokenState = revoked ? 'revoked' : 'valid';
  }

  /** True while at least one Socket Mode connection is open and has been sent its `hello`. */
  socketModeConnected(): boolean {
    return this.socketConns.some((c) => c.ready && c.ws.readyState === WebSocket.OPEN);
  }

  /** Wait until an app is connected over Socket Mode (hello sent); resolves with that connection. */
  async waitForSocketMode(timeoutMs = 5000): Promise<SocketModeConnectionInfo> {
    const conn = await this.waitFor(() => this.openSocket(), timeoutMs, 'a Socket Mode connection');
    return { ...conn.info };
  }

  /** Every Socket Mode connection so far (open and closed), oldest first. */
  socketConnections(): SocketModeConnectionInfo[] {
    return this.socketConns.map((c) => ({ ...c.info, disconnects: [...c.info.disconnects] }));
  }

  /** Every envelope sent over Socket Mode, with its ack when it came. */
  get socketEnvelopes(): readonly SocketEnvelopeRecord[] {
    return this.socketLog;
  }

  /** Messages the app sent over Socket Mode that acked no known envelope (or were not JSON). */
  get strayAckMessages(): readonly any[] {
    return this.strayAcks;
  }

  /**
   * Deliver an envelope over Socket Mode, as Slack does instead of an HTTP request, and resolve with the app's ack
   * `{ envelope_id, payload? }`. Rejects when no app is connected or no ack comes within `timeoutMs` (3 s).
   * For events_api the payload is the Events API `event_callback` body; for slash_commands the command fields
   * (as an object); for interactive the interaction payload (block_actions, view_submission, …).
   */
  sendSocketEnvelope(type: SocketEnvelopeType, payload: Record<string, any>, opts: SocketEnvelopeOptions = {}): Promise<SocketDelivery> {
    const conn = opts.connectionId ? this.socketConns.find((c) => c.info.id === opts.connectionId && c.info.open) : this.openSocket();
    if (!conn) {
      return Promise.reject(new Error(`Slack emulator: no open Socket Mode connection${opts.connectionId ? ` ${opts.connectionId}` : ''} to send a ${type} envelope on`));
    }
    const envelopeId = opts.envelopeId ?? randomUUID();
    if (this.pendingAcks.has(envelopeId)) return Promise.reject(new Error(`Slack emulator: envelope ${envelopeId} is already waiting for its ack`));
    const defaultAccepts =
      type === 'slash_commands' || (type === 'interactive' && (payload.type === 'view_submission' || payload.type === 'block_suggestion'));
    const envelope: SocketEnvelope = {
      envelope_id: envelopeId,
      payload: clone(payload),
      type,
      accepts_response_payload: opts.acceptsResponsePayload ?? defaultAccepts,
    };
    if (type === 'events_api') {
      envelope.retry_attempt = opts.retryAttempt ?? 0;
      envelope.retry_reason = opts.retryReason ?? (opts.retryAttempt ? 'timeout' : '');
    }
    const record: SocketEnvelopeRecord = { connectionId: conn.info.id, envelope, sentAt: this.nowFn() };
    this.socketLog.push(record);
    const timeoutMs = opts.timeoutMs ?? 3000;
    return new Promise<SocketDelivery>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        record.timedOut = true;
        reject(new Error(`Slack emulator: the app did not ack ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, { record, resolve, reject, timer });
      if (this.logging) this.log(`socket ${conn.info.id} -> ${type} ${envelopeId}`);
      conn.ws.send(JSON.stringify(envelope), (err) => {
        if (!err) return;
        clearTimeout(timer);
        this.pendingAcks.delete(envelopeId);
        reject(new Error(`Slack emulator: could not send envelope ${envelopeId}: ${err.message}`));
      });
    });
  }

  /**
   * Send Slack's `disconnect` message on every open connection (or one), as Slack does before recycling a
   * connection: `refresh_requested`, `warning` (about 10 s before) or `link_disabled`. The client closes the
   * socket and, unless it is shutting down, opens a new one through apps.connections.open. Returns the count.
   */
  disconnectSocketMode(reason: 'refresh_requested' | 'warning' | 'link_disabled' | string = 'refresh_requested', connectionId?: string): number {
    let n = 0;
    for (const c of this.socketConns) {
      if (!c.info.open || (connectionId && c.info.id !== connectionId)) continue;
      c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: this.socketHost() } }));
      c.info.disconnects.push(reason);
      n += 1;
    }
    return n;
  }

  /** Cut every open Socket Mode connection (or one) without a close frame, like a network failure. Returns the count. */
  dropSocketMode(connectionId?: string): number {
    let n = 0;
    for (const c of this.socketConns) {
      if (!c.info.open || (connectionId && c.info.id !== connectionId)) continue;
      c.ws.terminate();
      n += 1;
    }
    return n;
  }

  private openSocket(): SocketConnection | undefined {
    for (let i = this.socketConns.length - 1; i >= 0; i--) {
      const c = this.socketConns[i]!;
      if (c.ready && c.ws.readyState === WebSocket.OPEN) return c;
    }
    return undefined;
  }

  private socketHost(): string {
    return `applink-emulator-${this.port}`;
  }

  private handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      if (this.logging) this.log(`socket upgrade ${req.url} refused: ${status}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      socket.destroy();
    };
    if (this.closed) return refuse(503, 'Service Unavailable');
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== '/socket-mode') return refuse(404, 'Not Found');
    const ticket = url.searchParams.get('ticket') ?? '';
    const rec = this.socketTickets.get(ticket);
    // A ticket from apps.connections.open is good for one connection.
    if (!rec || rec.used) return refuse(401, 'Unauthorized');
    if (this.socketConns.filter((c) => c.info.open).length >= this.socketOpts.maxConnections) return refuse(429, 'Too Many Requests');
    rec.used = true;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocketConnection(ws, ticket));
  }

  private onSocketConnection(ws: WebSocket, ticket: string): void {
    this.seq += 1;
    const conn: SocketConnection = {
      ws,
      ready: false,
      info: { id: `sm${this.seq}`, ticket, openedAt: this.nowFn(), open: true, clientPings: 0, serverPings: 0, pongs: 0, disconnects: [] },
    };
    this.socketConns.push(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onSocketMessage(conn, data, isBinary));
    ws.on('ping', () => {
      conn.info.clientPings += 1;
    });
    ws.on('pong', () => {
      conn.info.pongs += 1;
    });
    ws.on('error', (err: Error) => {
      if (this.logging) this.log(`socket ${conn.info.id} error: ${err.message}`);
    });
    ws.on('close', (code: number) => {
      conn.info.open = false;
      conn.info.closedAt = this.nowFn();
      conn.info.closeCode = code;
      if (conn.pinger) clearInterval(conn.pinger);
      if (this.logging) this.log(`socket ${conn.info.id} closed (${code})`);
      this.changed();
    });
    if (this.socketOpts.pingIntervalMs > 0) {
      conn.pinger = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        conn.info.serverPings += 1;
        ws.ping(Buffer.from(`ping from emulator ${conn.info.serverPings}`));
      }, this.socketOpts.pingIntervalMs);
      conn.pinger.unref();
    }
    const hello = {
      type: 'hello',
      num_connections: this.socketConns.filter((c) => c.info.open).length,
      debug_info: { host: this.socketHost(), build_number: 1, approximate_connection_time: this.socketOpts.approximateConnectionTimeSec },
      connection_info: { app_id: this.bot.appId },
    };
    // Frames go out in order, so anything sent from now on reaches the client after its hello.
    ws.send(JSON.stringify(hello));
    conn.ready = true;
    if (this.logging) this.log(`socket ${conn.info.id} connected (hello sent)`);
    this.changed();
  }

  private onSocketMessage(conn: SocketConnection, data: RawData, isBinary: boolean): void {
    const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
    let msg: any;
    try {
      msg = isBinary ? undefined : JSON.parse(text);
    } catch {
      msg = undefined;
    }
    if (!msg || typeof msg !== 'object' || typeof msg.envelope_id !== 'string') {
      this.strayAcks.push(msg ?? text);
      this.changed();
      return;
    }
    const pending = this.pendingAcks.get(msg.envelope_id);
    const record = pending?.record ?? this.socketLog.find((r) => r.envelope.envelope_id === msg.envelope_id && !r.ack);
    if (!record) {
      this.strayAcks.push(msg);
      this.changed();
      return;
    }
    record.ack = msg as SocketAck;
    record.ackedAt = this.nowFn();
    if (this.logging) this.log(`socket ${conn.info.id} <- ack ${msg.envelope_id} ${JSON.stringify(msg.payload ?? {}).slice(0, 80)}`);
    if (pending) {
      clearTimeout(pending.timer);
      this.pendingAcks.delete(msg.envelope_id);
      pending.resolve({
        envelope: record.envelope,
        ack: msg as SocketAck,
        payload: msg.payload && typeof msg.payload === 'object' ? msg.payload : {},
        ackMs: record.ackedAt - record.sentAt,
        connectionId: conn.info.id,
      });
    }
    this.changed();
  }

  // ─────────────────────────────── listeners ───────────────────────────────

  /** Called for every new message (bot posts via the API, postAsUser, response_url in_channel). Returns unsubscribe. */
  onMessagePosted(cb: (message: EmulatedMessage, source: MessageSource) => void): () => void {
    this.postedListeners.add(cb);
    return () => this.postedListeners.delete(cb);
  }

  /** Called when a message is edited (chat.update, editAsUser, replace_original). Returns unsubscribe. */
  onMessageChanged(cb: (message: EmulatedMessage, previous: EmulatedMessage) => void): () => void {
    this.changedListeners.add(cb);
    return () => this.changedListeners.delete(cb);
  }

  /** Called when a message is deleted. Returns unsubscribe. */
  onMessageDeleted(cb: (previous: EmulatedMessage) => void): () => void {
    this.deletedListeners.add(cb);
    return () => this.deletedListeners.delete(cb);
  }

  // ─────────────────────────────── acting as Slack users / Slack itself ───────────────────────────────

  /** A fresh Slack-format ts, unique and strictly increasing across the workspace ("1700000000.000100"). */
  nextTs(): string {
    let m = Math.floor(this.nowFn() * 1000);
    if (m <= this.lastMicros) m = this.lastMicros + 1;
    this.lastMicros = m;
    return `${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, '0')}`;
  }

  /** Issue a trigger_id (valid once, for triggerTtlMs), as Slack does with each interaction. */
  issueTriggerId(user?: string): string {
    this.seq += 1;
    const id = `${1000000000 + this.seq}.${this.team.id.replace(/\D/g, '') || '1'}${this.seq}.${createHash('md5').update(`trigger${this.seq}${this.port}`).digest('hex')}`;
    this.triggers.set(id, { user, issuedAt: this.nowFn(), used: false });
    return id;
  }

  /** Issue a response_url (5 uses in 30 minutes) bound to an interaction's context. */
  issueResponseUrl(context: ResponseUrlContext): string {
    this.seq += 1;
    const id = `${this.team.id}/${1000000 + this.seq}/${shortId(`resp${this.seq}`, 24)}`;
    this.responseUrls.set(id, { context, issuedAt: this.nowFn(), uses: 0 });
    return `${this.baseUrl}/response_url/${id}`;
  }

  /**
   * A human posts a message (what the Slack client would do). Stores it with a fresh ts and returns it; deliver
   * the matching event with the driver. A public channel is joined if needed; `thread_ts` must exist.
   */
  postAsUser(user: string, channel: string, text: string, opts: { thread_ts?: string; blocks?: SlackBlock[]; reply_broadcast?: boolean } = {}): EmulatedMessage {
    const u = this.mustUser(user);
    const ch = this.lookupChannel(channel) ?? (this.users.has(channel) ? this.openDm(channel) : undefined);
    if (!ch) throw new Error(`postAsUser: no channel ${channel}`);
    if (!ch.members.includes(u.id)) {
      if (ch.is_private || ch.is_im || ch.is_mpim) throw new Error(`postAsUser: ${u.id} is not a member of private conversation ${ch.id}`);
      ch.members.push(u.id);
    }
    let root: EmulatedMessage | undefined;
    if (opts.thread_ts) {
      const target = this.find(ch.id, opts.thread_ts);
      if (!target) throw new Error(`postAsUser: thread ${opts.thread_ts} not found in ${ch.id}`);
      root = target.thread_ts && target.thread_ts !== target.ts ? this.find(ch.id, target.thread_ts) : target;
    }
    const ts = this.nextTs();
    const msg: EmulatedMessage = {
      channel: ch.id,
      client_msg_id: uuidFrom(`${ts}${user}`),
      type: 'message',
      text,
      user: u.id,
      ts,
      blocks: opts.blocks ?? richTextBlocks(text, shortId(`rt${ts}`)),
      team: this.team.id,
    };
    if (root) {
      msg.thread_ts = root.ts;
      msg.parent_user_id = root.user ?? root.bot_id;
      if (opts.reply_broadcast) msg.subtype = 'thread_broadcast';
    }
    this.insert(msg, 'user');
    return clone(msg);
  }

  /** A human edits their message. Returns the new and previous versions. */
  editAsUser(channel: string, ts: string, text: string): { message: EmulatedMessage; previous: EmulatedMessage } {
    const ch = this.mustChannel(channel);
    const msg = this.find(ch.id, ts);
    if (!msg) throw new Error(`editAsUser: message ${ts} not found in ${ch.id}`);
    const previous = clone(msg);
    msg.text = text;
    if (!msg.bot_id) msg.blocks = richTextBlocks(text, shortId(`rt${ts}${text}`));
    msg.edited = { user: msg.user ?? '', ts: this.nextTs() };
    this.emitChanged(msg, previous);
    return { message: clone(msg), previous };
  }

  /** A human deletes a message. Returns it as it was. */
  deleteAsUser(channel: string, ts: string): EmulatedMessage {
    const ch = this.mustChannel(channel);
    const msg = this.find(ch.id, ts);
    if (!msg) throw new Error(`deleteAsUser: message ${ts} not found in ${ch.id}`);
    return this.remove(msg);
  }

  /**
   * Apply what an app answered in the HTTP body of a slash command (Slack shows a non-empty ack body to the
   * user: ephemeral, or in channel with `response_type: in_channel`). Used by the driver.
   */
  applyCommandAck(context: { user: string; channel: string }, body: unknown): void {
    if (body === undefined || body === null || body === '') return;
    const payload = typeof body === 'string' ? { text: body } : (body as Record<string, any>);
    if (!payload.text && !payload.blocks) return;
    this.deliverResponse({ kind: 'command', user: context.user, channel: context.channel }, payload, 'ack');
  }

  /**
   * Apply an app's answer to a view_submission (HTTP status + body), as Slack does: close the view on an empty
   * answer, `clear` the stack, `update`/`push` a view, or keep it open with `errors`. Used by the driver.
   */
  applyViewSubmissionAck(viewId: string, status: number, body: unknown): void {
    const rec = this.viewRecords.get(viewId);
    if (!rec || rec.type !== 'modal' || status !== 200) return;
    const stack = this.modalStacks.get(rec.user) ?? [];
    const answer = (body && typeof body === 'object' ? body : {}) as Record<string, any>;
    switch (answer.response_action) {
      case 'errors':
        rec.errors = answer.errors ?? {};
        break;
      case 'update': {
        const v = this.validateView(answer.view, 'modal', rec.id);
        rec.history.push(rec.view);
        rec.view = { ...rec.view, ...v, id: rec.id, hash: this.newHash(), root_view_id: rec.view.root_view_id, previous_view_id: rec.view.previous_view_id };
        rec.errors = undefined;
        break;
      }
      case 'push': {
        if (stack.length >= 3) break;
        const v = this.validateView(answer.view, 'modal');
        this.createModal(rec.user, v, stack);
        break;
      }
      case 'clear':
        this.closeModal(rec.user, undefined);
        break;
      default:
        this.closeModal(rec.user, rec.id);
    }
    this.changed();
  }

  /** Close a modal as the user would (the whole stack with `clear`). */
  closeView(viewId: string, opts: { clear?: boolean } = {}): void {
    const rec = this.viewRecords.get(viewId);
    if (!rec || rec.type !== 'modal') return;
    this.closeModal(rec.user, opts.clear ? undefined : viewId);
  }

  /** A message event payload (Events API `event`) for a stored message, as Slack would deliver it. */
  toMessageEvent(message: EmulatedMessage): Record<string, any> {
    const { channel, ...rest } = clone(message);
    const ev: Record<string, any> = { ...rest, channel, event_ts: message.ts, channel_type: this.channelType(channel) };
    delete ev.reply_count;
    delete ev.reply_users;
    delete ev.reply_users_count;
    delete ev.latest_reply;
    delete ev.subscribed;
    return ev;
  }

  /** Events API `channel_type` for a channel: channel | group | im | mpim. */
  channelType(channel: string): 'channel' | 'group' | 'im' | 'mpim' {
    const ch = this.lookupChannel(channel);
    if (!ch) return 'channel';
    if (ch.is_im) return 'im';
    if (ch.is_mpim) return 'mpim';
    return ch.is_private ? 'group' : 'channel';
  }

  // ─────────────────────────────── HTTP ───────────────────────────────

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname.startsWith('/api/')) return this.handleApi(req, res, url, raw);
    if (url.pathname.startsWith('/response_url/')) return this.handleResponseUrl(req, res, url, raw);
    send(res, 404, { ok: false, error: 'not_found' });
  }

  private parseArgs(req: http.IncomingMessage, url: URL, raw: string): { args: Record<string, any>; token?: string; parseError?: string } {
    const args: Record<string, any> = Object.fromEntries(url.searchParams);
    const ctype = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    let bodyToken: string | undefined;
    if (raw.length > 0) {
      if (ctype === 'application/json') {
        try {
          const parsed = JSON.parse(raw);
          if (parsed && typeof parsed === 'object') Object.assign(args, parsed);
          delete args.token; // Slack ignores a token in a JSON body; it must be in Authorization.
        } catch {
          return { args, parseError: 'invalid_json' };
        }
      } else if (ctype === 'application/x-www-form-urlencoded' || ctype === '' || ctype === 'text/plain') {
        const form = new URLSearchParams(raw);
        for (const [k, v] of form) args[k] = v;
        bodyToken = form.get('token') ?? undefined;
        delete args.token;
      } else {
        return { args, parseError: 'invalid_post_type' };
      }
    } else if (url.searchParams.has('token')) {
      bodyToken = url.searchParams.get('token') ?? undefined;
      delete args.token;
    }
    const auth = req.headers.authorization;
    const headerToken = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const decoded: Record<string, any> = {};
    for (const [k, v] of Object.entries(args)) {
      if (JSON_FIELDS.has(k) && typeof v === 'string') {
        try {
          decoded[k] = JSON.parse(v);
        } catch {
          decoded[k] = v;
        }
      } else decoded[k] = v;
    }
    return { args: decoded, token: headerToken || bodyToken };
  }

  private async handleApi(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string): Promise<void> {
    const method = decodeURIComponent(url.pathname.slice('/api/'.length));
    const at = this.nowFn();
    const { args, token, parseError } = this.parseArgs(req, url, raw);
    const counter = this.counterMap.get(method) ?? { calls: 0, ok: 0, errors: 0, rateLimited: 0, faults: 0 };
    this.counterMap.set(method, counter);
    counter.calls += 1;
    const record = (status: number, response: any, fault?: SlackFault): void => {
      const ok = !!response && response.ok === true;
      if (status !== 0 && status !== 429) {
        if (ok) counter.ok += 1;
        else counter.errors += 1;
      }
      const call: ApiCall = { method, args, token, at, status, ok, response, fault };
      if (!ok) call.error = response?.error ?? (status === 0 ? 'connection_reset' : `http_${status}`);
      this.callLog.push(call);
      if (this.logging) this.log(`${method} ${summarizeArgs(args)} -> ${status} ${ok ? 'ok' : call.error}`);
      this.changed();
    };

    const held = this.holds.find((h) => h.method === method && h.match(args));
    if (held) {
      // One call per hold: later calls go through while this one waits.
      this.holds.splice(this.holds.indexOf(held), 1);
      held.arrive();
      await held.until;
      if (this.closed) return;
    }

    const fault = this.takeFault(method);
    if (fault) {
      counter.faults += 1;
      if (fault.delayMs) await sleep(fault.delayMs, this.timers);
      if (this.closed) return;
      if (fault.reset) {
        record(0, undefined, fault);
        req.socket.destroy();
        return;
      }
      if (fault.status === 429) {
        const body = { ok: false, error: 'ratelimited' };
        res.setHeader('retry-after', String(fault.retryAfter ?? 1));
        send(res, 429, body);
        counter.rateLimited += 1;
        record(429, body, fault);
        return;
      }
      if (fault.status !== undefined && fault.status !== 200) {
        const body = (fault.body as any) ?? { ok: false, error: 'fatal_error' };
        send(res, fault.status, body);
        record(fault.status, body, fault);
        return;
      }
      if (fault.error) {
        const body = { ok: false, error: fault.error, ...fault.extra };
        send(res, 200, body);
        record(200, body, fault);
        return;
      }
      if (fault.body !== undefined) {
        send(res, 200, fault.body);
        record(200, fault.body, fault);
        return;
      }
    }

    const isAppToken = token !== undefined && token === this.appToken;
    const tokenScopes = isAppToken ? this.appTokenScopes : this.scopes;
    const scopesHeader = [...tokenScopes].join(',');
    res.setHeader('x-oauth-scopes', scopesHeader);
    res.setHeader('x-slack-req-id', shortId(`req${at}${this.callLog.length}`, 16));
    let body: Record<string, any>;
    let status = 200;
    try {
      if (parseError) throw new SlackApiError(parseError);
      const handler = this.methods[method];
      if (!handler) throw new SlackApiError('unknown_method', { req_method: method });
      if (!token) throw new SlackApiError('not_authed');
      const appMethod = APP_TOKEN_METHODS.has(method);
      if (isAppToken) {
        // An app-level token is good for apps.connections.* only; a bot token is not good for those.
        if (!appMethod) throw new SlackApiError('not_allowed_token_type');
        if (this.appTokenState === 'revoked') throw new SlackApiError('token_revoked');
      } else {
        if (token !== this.bot.token) throw new SlackApiError('invalid_auth');
        if (appMethod) throw new SlackApiError('not_allowed_token_type');
        if (this.tokenState === 'revoked') throw new SlackApiError('token_revoked');
      }
      const needed = this.requiredScope(method, args);
      if (needed) res.setHeader('x-accepted-oauth-scopes', needed);
      if (needed && !tokenScopes.has(needed)) throw new SlackApiError('missing_scope', { needed, provided: scopesHeader });
      const retryAfter = this.checkRateLimit(method, args);
      if (retryAfter !== null) {
        res.setHeader('retry-after', String(retryAfter));
        counter.rateLimited += 1;
        status = 429;
        throw new SlackApiError('ratelimited');
      }
      body = { ok: true, ...handler(args) };
    } catch (e) {
      if (!(e instanceof SlackApiError)) throw e;
      body = { ok: false, error: e.error, ...e.extra };
    }
    send(res, status, body);
    record(status, body);
  }

  private takeFault(method: string): SlackFault | undefined {
    for (const key of [method, '*']) {
      const q = this.faults.get(key);
      if (q && q.length > 0) return q.shift();
    }
    return undefined;
  }

  private checkRateLimit(method: string, args: Record<string, any>): number | null {
    const rule = this.rateLimits.get(method);
    if (!rule) return null;
    const windowMs = rule.windowMs ?? 1000;
    let key = method;
    if (rule.perChannel) {
      const ref = str(args.channel) ?? '';
      key = `${method}:${this.lookupChannel(ref)?.id ?? ref}`;
    }
    const now = this.nowFn();
    const hits = (this.rateHits.get(key) ?? []).filter((t) => t > now - windowMs);
    this.rateHits.set(key, hits);
    if (hits.length >= rule.limit) {
      return rule.retryAfterSec ?? Math.max(1, Math.ceil((hits[0]! + windowMs - now) / 1000));
    }
    hits.push(now);
    return null;
  }

  private requiredScope(method: string, args: Record<string, any>): string | null {
    const kind = (): 'channels' | 'groups' | 'im' | 'mpim' => {
      const ch = this.lookupChannel(str(args.channel) ?? '');
      if (!ch) return 'channels';
      if (ch.is_im) return 'im';
      if (ch.is_mpim) return 'mpim';
      return ch.is_private ? 'groups' : 'channels';
    };
    switch (method) {
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.delete':
      case 'chat.postEphemeral':
        return 'chat:write';
      case 'conversations.info':
      case 'conversations.members':
        return `${kind()}:read`;
      case 'conversations.history':
      case 'conversations.replies':
        return `${kind()}:history`;
      case 'conversations.open':
        return String(args.users ?? '').includes(',') ? 'mpim:write' : 'im:write';
      case 'conversations.join':
        return 'channels:join';
      case 'conversations.list':
        return 'channels:read';
      case 'users.info':
      case 'users.list':
      case 'users.getPresence':
        return 'users:read';
      case 'users.lookupByEmail':
        return 'users:read.email';
      case 'users.profile.get':
        return 'users.profile:read';
      case 'team.info':
        return 'team:read';
      case 'apps.connections.open':
        return 'connections:write';
      default:
        return null;
    }
  }

  private async handleResponseUrl(req: http.IncomingMessage, res: http.ServerResponse, url: URL, raw: string): Promise<void> {
    const id = url.pathname.slice('/response_url/'.length);
    const rec = this.responseUrls.get(id);
    const fullUrl = `${this.baseUrl}${url.pathname}`;
    let body: any;
    try {
      const ctype = String(req.headers['content-type'] ?? '');
      body = ctype.includes('x-www-form-urlencoded') ? JSON.parse(new URLSearchParams(raw).get('payload') ?? '{}') : JSON.parse(raw || '{}');
    } catch {
      body = raw;
    }
    const answer = (status: number, payload: Record<string, any>): void => {
      this.responseLog.push({ url: fullUrl, body, at: this.nowFn(), status, context: rec ? clone(rec.context) : undefined });
      send(res, status, payload);
      this.changed();
    };
    if (req.method !== 'POST') return answer(405, { ok: false, error: 'method_not_allowed' });
    if (!rec) return answer(404, { ok: false, error: 'no_such_url' });
    if (this.nowFn() - rec.issuedAt > 30 * 60 * 1000) return answer(404, { ok: false, error: 'expired_url' });
    if (rec.uses >= 5) return answer(404, { ok: false, error: 'used_url' });
    if (!body || typeof body !== 'object') return answer(400, { ok: false, error: 'invalid_payload' });
    rec.uses += 1;
    try {
      this.deliverResponse(rec.context, body, 'response_url');
    } catch (e) {
      if (e instanceof SlackApiError) return answer(400, { ok: false, error: e.error, ...e.extra });
      throw e;
    }
    answer(200, { ok: true });
  }

  /** Apply a response_url post or a command ack: delete/replace the original, post in channel, or ephemeral. */
  private deliverResponse(ctx: ResponseUrlContext, body: Record<string, any>, via: 'response_url' | 'ack'): void {
    const original = ctx.channel && ctx.messageTs && !ctx.isEphemeral ? this.find(ctx.channel, ctx.messageTs) : undefined;
    // An ephemeral message can be deleted or replaced through the response_url of a click on it, only for its user.
    const ephemeralIndex = ctx.isEphemeral && ctx.messageTs ? this.ephemeralList.findIndex((e) => e.ts === ctx.messageTs && e.user === ctx.user) : -1;
    if (bool(body.delete_original)) {
      if (original) this.remove(original);
      if (ephemeralIndex !== -1) {
        this.ephemeralList.splice(ephemeralIndex, 1);
        this.changed();
      }
      return;
    }
    const text = str(body.text) ?? '';
    let blocks: SlackBlock[] | undefined;
    if (body.blocks !== undefined) {
      const v = new BlockValidator(`resp${this.seq++}`);
      blocks = v.blocks(body.blocks, '/blocks', BLOCK_KIT_LIMITS.messageBlocks);
      if (v.errors.length) throw new SlackApiError('invalid_blocks', { errors: v.errors });
    }
    if (bool(body.replace_original) && ephemeralIndex !== -1) {
      const e = this.ephemeralList[ephemeralIndex]!;
      e.text = text;
      if (blocks) e.blocks = blocks;
      else delete e.blocks;
      this.changed();
      return;
    }
    if (bool(body.replace_original) && original) {
      const previous = clone(original);
      original.text = text;
      if (blocks) original.blocks = blocks;
      else delete original.blocks;
      original.edited = { user: this.bot.botId, ts: this.nextTs() };
      this.emitChanged(original, previous);
      return;
    }
    if (body.response_type === 'in_channel' && ctx.channel) {
      const ch = this.lookupChannel(ctx.channel);
      if (!ch) return;
      const threadTs = str(body.thread_ts) ?? ctx.threadTs;
      const msg = this.botMessage(ch.id, text, blocks, body.attachments);
      const root = threadTs ? this.find(ch.id, threadTs) : undefined;
      if (root) {
        msg.thread_ts = root.thread_ts ?? root.ts;
        msg.parent_user_id = root.user;
      }
      this.insert(msg, via);
      return;
    }
    this.ephemeralList.push({
      channel: ctx.channel ?? '',
      user: ctx.user,
      ts: this.nextTs(),
      text,
      ...(blocks ? { blocks } : {}),
      ...(body.attachments ? { attachments: body.attachments } : {}),
      ...(ctx.threadTs ? { thread_ts: ctx.threadTs } : {}),
      via,
    });
    this.changed();
  }

  // ─────────────────────────────── state helpers ───────────────────────────────

  private log(line: string): void {
    process.stderr.write(`[slack-emulator] ${line}\n`);
  }

  private changed(): void {
    for (const w of [...this.waiters]) {
      this.waiters.delete(w);
      w();
    }
  }

  private mustUser(id: string): EmulatedUser {
    const u = this.users.get(id);
    if (!u) throw new Error(`Slack emulator: no user ${id}`);
    return u;
  }

  private mustChannel(ref: string): EmulatedChannel {
    const c = this.lookupChannel(ref);
    if (!c) throw new Error(`Slack emulator: no channel ${ref}`);
    return c;
  }

  private lookupChannel(ref: string): EmulatedChannel | undefined {
    if (!ref) return undefined;
    const direct = this.channels.get(ref);
    if (direct) return direct;
    if (this.users.has(ref)) return [...this.channels.values()].find((c) => c.is_im && c.user === ref);
    const name = ref.replace(/^#/, '');
    return [...this.channels.values()].find((c) => !c.is_im && !c.is_mpim && c.name === name);
  }

  private openDm(user: string): EmulatedChannel {
    const existing = [...this.channels.values()].find((c) => c.is_im && c.user === user);
    if (existing) return existing;
    const ch: EmulatedChannel = {
      id: `D${user.replace(/^[UW]/, '')}`,
      name: user,
      is_private: true,
      is_im: true,
      is_mpim: false,
      is_archived: false,
      is_general: false,
      members: [user, this.bot.userId],
      created: Math.floor(this.nowFn() / 1000),
      creator: this.bot.userId,
      topic: '',
      purpose: '',
      user,
    };
    this.channels.set(ch.id, ch);
    this.store.set(ch.id, []);
    return ch;
  }

  private find(channel: string, ts: string): EmulatedMessage | undefined {
    return this.store.get(channel)?.find((m) => m.ts === ts);
  }

  private isTopLevel(m: EmulatedMessage): boolean {
    return !m.thread_ts || m.thread_ts === m.ts || m.subtype === 'thread_broadcast';
  }

  private insert(msg: EmulatedMessage, source: MessageSource): void {
    const list = this.store.get(msg.channel) ?? [];
    const last = list.at(-1);
    list.push(msg);
    // New messages nearly always come last: sort only when one does not (a busy channel would
    // otherwise re-sort thousands of messages per post).
    if (last && tsToMicros(last.ts) > tsToMicros(msg.ts)) list.sort((a, b) => tsToMicros(a.ts) - tsToMicros(b.ts));
    this.store.set(msg.channel, list);
    if (msg.thread_ts && msg.thread_ts !== msg.ts) {
      this.refreshThread(msg.channel, msg.thread_ts);
      const root = this.find(msg.channel, msg.thread_ts);
      if (msg.subtype === 'thread_broadcast' && root) msg.root = this.rootSnapshot(root);
    }
    const copy = clone(msg);
    for (const cb of this.postedListeners) cb(clone(copy), source);
    this.changed();
  }

  private remove(msg: EmulatedMessage): EmulatedMessage {
    const list = this.store.get(msg.channel) ?? [];
    const previous = clone(msg);
    const hasReplies = (msg.reply_count ?? 0) > 0;
    if (hasReplies) {
      // Slack keeps a tombstone for a deleted thread parent that still has replies.
      const tomb: EmulatedMessage = {
        channel: msg.channel,
        type: 'message',
        subtype: 'tombstone',
        text: 'This message was deleted.',
        user: 'USLACKBOT',
        hidden: true,
        ts: msg.ts,
        thread_ts: msg.ts,
        reply_count: msg.reply_count,
        reply_users: msg.reply_users,
        reply_users_count: msg.reply_users_count,
        latest_reply: msg.latest_reply,
      };
      list.splice(list.indexOf(msg), 1, tomb);
    } else {
      list.splice(list.indexOf(msg), 1);
    }
    this.deleted.push(previous);
    if (msg.thread_ts && msg.thread_ts !== msg.ts) this.refreshThread(msg.channel, msg.thread_ts);
    for (const cb of this.deletedListeners) cb(clone(previous));
    this.changed();
    return previous;
  }

  private emitChanged(msg: EmulatedMessage, previous: EmulatedMessage): void {
    for (const cb of this.changedListeners) cb(clone(msg), clone(previous));
    this.changed();
  }

  private refreshThread(channel: string, rootTs: string): void {
    const list = this.store.get(channel) ?? [];
    const root = list.find((m) => m.ts === rootTs);
    if (!root) return;
    const replies = list.filter((m) => m.thread_ts === rootTs && m.ts !== rootTs);
    if (replies.length === 0) {
      for (const k of ['thread_ts', 'reply_count', 'reply_users', 'reply_users_count', 'latest_reply', 'subscribed', 'is_locked']) delete root[k];
      return;
    }
    const users = [...new Set(replies.map((r) => r.user ?? r.bot_id ?? ''))];
    root.thread_ts = rootTs;
    root.reply_count = replies.length;
    root.reply_users = users;
    root.reply_users_count = users.length;
    root.latest_reply = replies.at(-1)!.ts;
    root.is_locked = false;
    root.subscribed = false;
  }

  private rootSnapshot(root: EmulatedMessage): Record<string, any> {
    const { channel: _c, blocks: _b, ...rest } = clone(root);
    return rest;
  }

  private botProfile(): BotProfile {
    return {
      id: this.bot.botId,
      deleted: false,
      name: this.bot.name,
      updated: 1700000000,
      app_id: this.bot.appId,
      icons: {
        image_36: `${AVATAR_BASE}/${this.bot.botId}_36.png`,
        image_48: `${AVATAR_BASE}/${this.bot.botId}_48.png`,
        image_72: `${AVATAR_BASE}/${this.bot.botId}_72.png`,
      },
      team_id: this.team.id,
    };
  }

  private botMessage(channel: string, text: string, blocks: SlackBlock[] | undefined, attachments: unknown): EmulatedMessage {
    const msg: EmulatedMessage = {
      channel,
      user: this.bot.userId,
      type: 'message',
      ts: this.nextTs(),
      bot_id: this.bot.botId,
      app_id: this.bot.appId,
      text,
      team: this.team.id,
      bot_profile: this.botProfile(),
    };
    if (blocks) msg.blocks = blocks;
    if (Array.isArray(attachments)) msg.attachments = attachments.map((a, i) => ({ id: i + 1, ...a }));
    return msg;
  }

  private newHash(): string {
    this.seq += 1;
    return `${Math.floor(this.nowFn() / 1000)}.${shortId(`hash${this.seq}`, 8)}`;
  }

  /** Strip emulator-only fields for an API answer. */
  private out(m: EmulatedMessage, opts: { metadata?: boolean } = {}): Record<string, any> {
    const { channel: _c, ...rest } = clone(m);
    if (opts.metadata === false) delete rest.metadata;
    return rest;
  }

  private closeModal(user: string, viewId: string | undefined): void {
    const stack = this.modalStacks.get(user) ?? [];
    const idx = viewId === undefined ? 0 : stack.indexOf(viewId);
    if (idx < 0) return;
    for (const id of stack.splice(idx)) {
      const r = this.viewRecords.get(id);
      if (r) r.open = false;
    }
    this.changed();
  }

  private createModal(user: string, v: Record<string, any>, stack: string[]): EmulatedViewRecord {
    this.seq += 1;
    const id = `V0${String(this.seq).padStart(8, '0')}`;
    const view: SlackView = {
      ...v,
      id,
      team_id: this.team.id,
      type: 'modal',
      blocks: v.blocks,
      hash: this.newHash(),
      root_view_id: stack[0] ?? id,
      previous_view_id: stack.at(-1) ?? null,
      app_id: this.bot.appId,
      app_installed_team_id: this.team.id,
      bot_id: this.bot.botId,
    };
    const rec: EmulatedViewRecord = { id, user, type: 'modal', open: true, view, history: [] };
    this.viewRecords.set(id, rec);
    stack.push(id);
    this.modalStacks.set(user, stack);
    this.changed();
    return rec;
  }

  // ─────────────────────────────── validation ───────────────────────────────

  private messageContent(args: Record<string, any>, seed: string, opts: { requireContent: boolean }): {
    text?: string;
    blocks?: SlackBlock[];
    attachments?: any[];
    metadata?: SlackMessage['metadata'];
  } {
    const text = str(args.text);
    if (opts.requireContent && !text && args.blocks === undefined && args.attachments === undefined) throw new SlackApiError('no_text');
    if (text !== undefined && text.length > BLOCK_KIT_LIMITS.messageText) throw new SlackApiError('msg_too_long');
    let blocks: SlackBlock[] | undefined;
    if (args.blocks !== undefined && args.blocks !== '') {
      if (!Array.isArray(args.blocks)) throw new SlackApiError('invalid_blocks_format');
      const v = new BlockValidator(seed);
      blocks = v.blocks(args.blocks, '/blocks', BLOCK_KIT_LIMITS.messageBlocks);
      if (v.errors.length) {
        throw new SlackApiError('invalid_blocks', { errors: v.errors, response_metadata: { messages: v.errors.map((e) => `[ERROR] ${e}`) } });
      }
    }
    let attachments: any[] | undefined;
    if (args.attachments !== undefined && args.attachments !== '') {
      if (!Array.isArray(args.attachments)) throw new SlackApiError('invalid_attachments');
      if (args.attachments.length > BLOCK_KIT_LIMITS.attachments) throw new SlackApiError('too_many_attachments');
      attachments = args.attachments.map((a: any, i: number) => ({ id: i + 1, ...a }));
    }
    let metadata: SlackMessage['metadata'];
    if (args.metadata !== undefined && args.metadata !== '') {
      const md = args.metadata;
      if (!md || typeof md !== 'object' || typeof md.event_type !== 'string' || (md.event_payload !== undefined && typeof md.event_payload !== 'object')) {
        throw new SlackApiError('invalid_metadata_format');
      }
      metadata = { event_type: md.event_type, event_payload: md.event_payload ?? {} };
    }
    return { text, blocks, attachments, metadata };
  }

  private validateView(raw: unknown, expectType: 'modal' | 'home', seed = `view${this.seq}`): Record<string, any> {
    const errors: string[] = [];
    if (raw === undefined || raw === null || raw === '') throw missing('view');
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] invalid `view` [json-pointer:/view]'] } });
    }
    const view = raw as Record<string, any>;
    const v = new BlockValidator(seed);
    if (view.type !== expectType) errors.push(`must be ${expectType} [json-pointer:/view/type]`);
    const limit = (field: string, max: number): void => {
      if (view[field] !== undefined && (typeof view[field] !== 'string' || view[field].length > max)) {
        errors.push(`must be a string of less than ${max + 1} characters [json-pointer:/view/${field}]`);
      }
    };
    if (expectType === 'modal') {
      if (view.title === undefined) errors.push('must provide an object [json-pointer:/view/title]');
      v.text(view.title, '/view/title', BLOCK_KIT_LIMITS.viewTitle, { plainOnly: true });
      v.text(view.submit, '/view/submit', BLOCK_KIT_LIMITS.viewButton, { plainOnly: true });
      v.text(view.close, '/view/close', BLOCK_KIT_LIMITS.viewButton, { plainOnly: true });
    }
    limit('private_metadata', BLOCK_KIT_LIMITS.privateMetadata);
    limit('callback_id', BLOCK_KIT_LIMITS.callbackId);
    limit('external_id', BLOCK_KIT_LIMITS.externalId);
    const blocks = v.blocks(view.blocks, '/view/blocks', BLOCK_KIT_LIMITS.viewBlocks);
    if (expectType === 'modal' && view.submit === undefined && blocks.some((b) => b?.type === 'input')) {
      errors.push('must provide submit when the view has input blocks [json-pointer:/view/submit]');
    }
    errors.push(...v.errors);
    if (errors.length) {
      throw new SlackApiError('invalid_arguments', { errors, response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) } });
    }
    return {
      type: expectType,
      ...(expectType === 'modal' ? { title: view.title, submit: view.submit ?? null, close: view.close ?? null } : { title: view.title, close: null, submit: null }),
      blocks,
      private_metadata: view.private_metadata ?? '',
      callback_id: view.callback_id ?? '',
      external_id: view.external_id ?? '',
      state: { values: {} },
      clear_on_close: !!view.clear_on_close,
      notify_on_close: !!view.notify_on_close,
      submit_disabled: !!view.submit_disabled,
    };
  }

  private consumeTrigger(args: Record<string, any>): TriggerRecord {
    const id = str(args.trigger_id) ?? str(args.interactivity_pointer);
    if (!id) throw missing('trigger_id');
    const t = this.triggers.get(id);
    if (!t) throw new SlackApiError('invalid_trigger_id');
    if (t.used) throw new SlackApiError('exchanged_trigger_id');
    if (this.nowFn() - t.issuedAt > this.triggerTtlMs) throw new SlackApiError('expired_trigger_id');
    t.used = true;
    return t;
  }

  private checkExternalId(externalId: string, exceptView?: string): void {
    if (!externalId) return;
    for (const r of this.viewRecords.values()) {
      if (r.id !== exceptView && r.view.external_id === externalId) throw new SlackApiError('duplicate_external_id');
    }
  }

  /** Channel the bot can read (history, replies, members, info). */
  private readable(ref: unknown, opts: { requireMember: boolean }): EmulatedChannel {
    const id = str(ref);
    if (!id) throw missing('channel');
    const ch = this.lookupChannel(id);
    if (!ch || ((ch.is_private || ch.is_im || ch.is_mpim) && !ch.members.includes(this.bot.userId))) throw new SlackApiError('channel_not_found');
    if (opts.requireMember && !ch.members.includes(this.bot.userId)) throw new SlackApiError('not_in_channel');
    return ch;
  }

  /** Channel the bot can post in (chat.postMessage / postEphemeral). A user id means their DM. */
  private postable(ref: unknown): EmulatedChannel {
    const id = str(ref);
    if (!id) throw missing('channel');
    let ch = this.lookupChannel(id);
    if (!ch && /^[UW]/.test(id) && this.users.has(id)) {
      const u = this.users.get(id)!;
      if (u.deleted) throw new SlackApiError('user_disabled');
      if (u.is_bot) throw new SlackApiError('cannot_dm_bot');
      ch = this.openDm(id);
    }
    if (!ch) throw new SlackApiError('channel_not_found');
    const member = ch.members.includes(this.bot.userId);
    if (!member && (ch.is_private || ch.is_im || ch.is_mpim)) throw new SlackApiError('channel_not_found');
    if (ch.is_archived) throw new SlackApiError('is_archived');
    if (!member && !this.scopes.has('chat:write.public')) throw new SlackApiError('not_in_channel');
    return ch;
  }

  // ─────────────────────────────── API objects ───────────────────────────────

  private userObject(u: EmulatedUser, opts: { locale?: boolean } = {}): Record<string, any> {
    const img = (size: number): string => u.image_72.replace(/_72(\.\w+)$/, `_${size}$1`);
    const profile: Record<string, any> = {
      title: u.title,
      phone: '',
      skype: '',
      real_name: u.real_name,
      real_name_normalized: u.real_name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
      display_name: u.display_name,
      display_name_normalized: u.display_name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''),
      status_text: '',
      status_emoji: '',
      status_emoji_display_info: [],
      status_expiration: 0,
      avatar_hash: shortId(`avatar${u.id}`, 12).toLowerCase(),
      first_name: u.first_name,
      last_name: u.last_name,
      image_24: img(24),
      image_32: img(32),
      image_48: img(48),
      image_72: u.image_72,
      image_192: img(192),
      image_512: img(512),
      status_text_canonical: '',
      team: this.team.id,
    };
    if (u.email && this.scopes.has('users:read.email')) profile.email = u.email;
    if (u.is_bot) {
      profile.bot_id = u.bot_id;
      profile.api_app_id = u.app_id;
      profile.always_active = true;
    }
    const obj: Record<string, any> = {
      id: u.id,
      team_id: u.team_id,
      name: u.name,
      deleted: u.deleted,
      color: shortId(`color${u.id}`, 6).toLowerCase().replace(/[^0-9a-f]/g, '9'),
      real_name: u.real_name,
      tz: u.tz,
      tz_label: u.tz_label,
      tz_offset: u.tz_offset,
      profile,
      is_admin: u.is_admin,
      is_owner: u.is_owner,
      is_primary_owner: u.is_primary_owner,
      is_restricted: u.is_restricted,
      is_ultra_restricted: false,
      is_bot: u.is_bot,
      is_app_user: false,
      updated: u.updated,
      is_email_confirmed: !u.is_bot,
      who_can_share_contact_card: 'EVERYONE',
    };
    if (opts.locale) obj.locale = 'en-GB';
    return obj;
  }

  private channelObject(ch: EmulatedChannel, opts: { numMembers?: boolean } = {}): Record<string, any> {
    if (ch.is_im) {
      const latest = (this.store.get(ch.id) ?? []).at(-1);
      return {
        id: ch.id,
        created: ch.created,
        is_archived: false,
        is_im: true,
        is_org_shared: false,
        context_team_id: this.team.id,
        updated: ch.created * 1000,
        user: ch.user,
        last_read: '0000000000.000000',
        latest: latest ? this.out(latest) : null,
        unread_count: 0,
        unread_count_display: 0,
        is_open: true,
        priority: 0,
      };
    }
    const obj: Record<string, any> = {
      id: ch.id,
      name: ch.name,
      is_channel: !ch.is_private && !ch.is_mpim,
      is_group: ch.is_private && !ch.is_mpim,
      is_im: false,
      is_mpim: ch.is_mpim,
      is_private: ch.is_private,
      created: ch.created,
      is_archived: ch.is_archived,
      is_general: ch.is_general,
      unlinked: 0,
      name_normalized: ch.name,
      is_shared: false,
      is_org_shared: false,
      is_pending_ext_shared: false,
      pending_shared: [],
      context_team_id: this.team.id,
      updated: ch.created * 1000,
      creator: ch.creator,
      is_ext_shared: false,
      shared_team_ids: [this.team.id],
      pending_connected_team_ids: [],
      is_member: ch.members.includes(this.bot.userId),
      last_read: '0000000000.000000',
      topic: { value: ch.topic, creator: ch.topic ? ch.creator : '', last_set: ch.topic ? ch.created : 0 },
      purpose: { value: ch.purpose, creator: ch.purpose ? ch.creator : '', last_set: ch.purpose ? ch.created : 0 },
      previous_names: [],
    };
    if (opts.numMembers) obj.num_members = ch.members.length;
    return obj;
  }

  private viewOut(rec: EmulatedViewRecord): SlackView {
    return clone(rec.view);
  }

  // ─────────────────────────────── Web API methods ───────────────────────────────

  private readonly methods: Record<string, (args: Record<string, any>) => Record<string, any>> = {
    'api.test': (args) => ({ args: Object.keys(args).length ? args : undefined }),

    'apps.connections.open': () => {
      this.seq += 1;
      const ticket = uuidFrom(`ticket${this.seq}${this.port}${this.nowFn()}`);
      this.socketTickets.set(ticket, { issuedAt: this.nowFn(), used: false });
      return { url: `ws://127.0.0.1:${this.port}/socket-mode?ticket=${ticket}&app_id=${this.bot.appId}` };
    },

    'auth.test': () => ({
      url: `https://${this.team.domain}.slack.com/`,
      team: this.team.name,
      user: this.bot.name,
      team_id: this.team.id,
      user_id: this.bot.userId,
      bot_id: this.bot.botId,
      is_enterprise_install: false,
    }),

    'team.info': () => ({
      team: {
        id: this.team.id,
        name: this.team.name,
        url: `https://${this.team.domain}.slack.com/`,
        domain: this.team.domain,
        email_domain: 'example.com',
        icon: {
          image_default: true,
          image_34: `${AVATAR_BASE}/team_34.png`,
          image_44: `${AVATAR_BASE}/team_44.png`,
          image_68: `${AVATAR_BASE}/team_68.png`,
          image_88: `${AVATAR_BASE}/team_88.png`,
          image_102: `${AVATAR_BASE}/team_102.png`,
          image_132: `${AVATAR_BASE}/team_132.png`,
          image_230: `${AVATAR_BASE}/team_230.png`,
        },
        avatar_base_url: `${AVATAR_BASE}/`,
        is_verified: false,
        lob_sales_home_enabled: false,
        is_sfdc_auto_slack: false,
      },
    }),

    'chat.postMessage': (args) => {
      const ch = this.postable(args.channel);
      const ts = this.nextTs();
      const content = this.messageContent(args, `msg${ts}`, { requireContent: true });
      let root: EmulatedMessage | undefined;
      const threadTs = str(args.thread_ts);
      if (threadTs) {
        const target = this.find(ch.id, threadTs);
        if (!target || target.subtype === 'tombstone') throw new SlackApiError('thread_not_found');
        root = target.thread_ts && target.thread_ts !== target.ts ? this.find(ch.id, target.thread_ts) : target;
        if (!root) throw new SlackApiError('thread_not_found');
      }
      const msg: EmulatedMessage = {
        channel: ch.id,
        user: this.bot.userId,
        type: 'message',
        ts,
        bot_id: this.bot.botId,
        app_id: this.bot.appId,
        text: content.text ?? '',
        team: this.team.id,
        bot_profile: this.botProfile(),
      };
      if (content.blocks) msg.blocks = content.blocks;
      if (content.attachments) msg.attachments = content.attachments;
      if (content.metadata) msg.metadata = content.metadata;
      if (this.scopes.has('chat:write.customize')) {
        if (str(args.username)) msg.username = str(args.username);
        if (str(args.icon_emoji)) msg.icons = { emoji: str(args.icon_emoji)! };
        else if (str(args.icon_url)) msg.icons = { image_36: str(args.icon_url)!, image_48: str(args.icon_url)!, image_72: str(args.icon_url)! };
      }
      if (root) {
        msg.thread_ts = root.ts;
        msg.parent_user_id = root.user ?? root.bot_id;
        if (bool(args.reply_broadcast)) msg.subtype = 'thread_broadcast';
      }
      this.insert(msg, 'api');
      return { channel: ch.id, ts, message: this.out(msg) };
    },

    'chat.update': (args) => {
      const chId = str(args.channel);
      if (!chId) throw missing('channel');
      const ts = str(args.ts);
      if (!ts) throw missing('ts');
      const ch = this.lookupChannel(chId);
      if (!ch || ((ch.is_private || ch.is_im || ch.is_mpim) && !ch.members.includes(this.bot.userId))) throw new SlackApiError('channel_not_found');
      const msg = this.find(ch.id, ts);
      if (!msg || msg.subtype === 'tombstone') throw new SlackApiError('message_not_found');
      if (msg.bot_id !== this.bot.botId) throw new SlackApiError('cant_update_message');
      if (ch.is_archived) throw new SlackApiError('is_archived');
      const content = this.messageContent(args, `upd${ts}${this.nextTs()}`, { requireContent: false });
      if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) throw new SlackApiError('no_text');
      const previous = clone(msg);
      if (content.text !== undefined) msg.text = content.text;
      if (content.blocks !== undefined) {
        if (content.blocks.length) msg.blocks = content.blocks;
        else delete msg.blocks;
      }
      if (content.attachments !== undefined) {
        if (content.attachments.length) msg.attachments = content.attachments;
        else delete msg.attachments;
      }
      if (content.metadata) msg.metadata = content.metadata;
      msg.edited = { user: this.bot.botId, ts: this.nextTs() };
      this.emitChanged(msg, previous);
      const { ts: _ts, ...message } = this.out(msg);
      return { channel: ch.id, ts, text: msg.text, message };
    },

    'chat.delete': (args) => {
      const chId = str(args.channel);
      if (!chId) throw missing('channel');
      const ts = str(args.ts);
      if (!ts) throw missing('ts');
      const ch = this.lookupChannel(chId);
      if (!ch || ((ch.is_private || ch.is_im || ch.is_mpim) && !ch.members.includes(this.bot.userId))) throw new SlackApiError('channel_not_found');
      const msg = this.find(ch.id, ts);
      if (!msg || msg.subtype === 'tombstone') throw new SlackApiError('message_not_found');
      if (msg.bot_id !== this.bot.botId) throw new SlackApiError('cant_delete_message');
      this.remove(msg);
      return { channel: ch.id, ts };
    },

    'chat.postEphemeral': (args) => {
      const userId = str(args.user);
      if (!userId) throw missing('user');
      const ch = this.postable(args.channel);
      const u = this.users.get(userId);
      if (!u) throw new SlackApiError('user_not_found');
      if (!ch.members.includes(userId)) throw new SlackApiError('user_not_in_channel');
      const ts = this.nextTs();
      const content = this.messageContent(args, `eph${ts}`, { requireContent: true });
      const e: EphemeralMessage = { channel: ch.id, user: userId, ts, text: content.text ?? '', via: 'chat.postEphemeral' };
      if (content.blocks) e.blocks = content.blocks;
      if (content.attachments) e.attachments = content.attachments;
      if (str(args.thread_ts)) e.thread_ts = str(args.thread_ts);
      if (this.scopes.has('chat:write.customize')) {
        if (str(args.username)) e.username = str(args.username);
        if (str(args.icon_emoji)) e.icons = { emoji: str(args.icon_emoji)! };
        else if (str(args.icon_url)) e.icons = { image_48: str(args.icon_url)! };
      }
      this.ephemeralList.push(e);
      this.changed();
      return { message_ts: ts };
    },

    'chat.getPermalink': (args) => {
      const chId = str(args.channel);
      if (!chId) throw missing('channel');
      const ts = str(args.message_ts);
      if (!ts) throw missing('message_ts');
      const ch = this.readable(chId, { requireMember: false });
      const msg = this.find(ch.id, ts);
      if (!msg) throw new SlackApiError('message_not_found');
      let permalink = `https://${this.team.domain}.slack.com/archives/${ch.id}/p${ts.replace('.', '')}`;
      if (msg.thread_ts && msg.thread_ts !== msg.ts) permalink += `?thread_ts=${msg.thread_ts}&cid=${ch.id}`;
      return { channel: ch.id, permalink };
    },

    'conversations.info': (args) => {
      const ch = this.readable(args.channel, { requireMember: false });
      return { channel: this.channelObject(ch, { numMembers: bool(args.include_num_members) }) };
    },

    'conversations.open': (args) => {
      const chRef = str(args.channel);
      if (chRef) {
        const ch = this.lookupChannel(chRef);
        if (!ch || !(ch.is_im || ch.is_mpim) || !ch.members.includes(this.bot.userId)) throw new SlackApiError('channel_not_found');
        return { no_op: true, already_open: true, channel: bool(args.return_im) ? this.channelObject(ch) : { id: ch.id } };
      }
      const usersArg = str(args.users);
      if (!usersArg) throw new SlackApiError('users_list_not_supplied');
      const ids = usersArg.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of ids) {
        const u = this.users.get(id);
        if (!u) throw new SlackApiError('user_not_found');
        if (u.deleted) throw new SlackApiError('user_disabled');
        if (u.is_bot) throw new SlackApiError('cannot_dm_bot');
      }
      if (ids.length === 1) {
        const existed = !!this.lookupChannel(ids[0]!);
        const ch = this.openDm(ids[0]!);
        return { no_op: existed, already_open: existed, channel: bool(args.return_im) ? this.channelObject(ch) : { id: ch.id } };
      }
      if (ids.length > 8) throw new SlackApiError('too_many_users');
      const members = [...new Set([...ids, this.bot.userId])].sort();
      const existing = [...this.channels.values()].find((c) => c.is_mpim && [...c.members].sort().join() === members.join());
      if (existing) return { no_op: true, already_open: true, channel: { id: existing.id } };
      this.seq += 1;
      const ch: EmulatedChannel = {
        id: `G0MPIM${this.seq}`,
        name: `mpdm-${members.map((m) => this.users.get(m)?.name ?? m).join('--')}-1`,
        is_private: true,
        is_im: false,
        is_mpim: true,
        is_archived: false,
        is_general: false,
        members,
        created: Math.floor(this.nowFn() / 1000),
        creator: this.bot.userId,
        topic: '',
        purpose: '',
      };
      this.channels.set(ch.id, ch);
      this.store.set(ch.id, []);
      return { no_op: false, already_open: false, channel: { id: ch.id } };
    },

    'conversations.join': (args) => {
      const id = str(args.channel);
      if (!id) throw missing('channel');
      const ch = this.lookupChannel(id);
      if (!ch || ((ch.is_private || ch.is_im || ch.is_mpim) && !ch.members.includes(this.bot.userId))) throw new SlackApiError('channel_not_found');
      if (ch.is_im || ch.is_mpim || ch.is_private) throw new SlackApiError('method_not_supported_for_channel_type');
      if (ch.is_archived) throw new SlackApiError('is_archived');
      const already = ch.members.includes(this.bot.userId);
      if (!already) ch.members.push(this.bot.userId);
      return { channel: this.channelObject(ch), ...(already ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } } : {}) };
    },

    'conversations.list': (args) => {
      const types = new Set((str(args.types) ?? 'public_channel').split(',').map((t) => t.trim()));
      const excludeArchived = bool(args.exclude_archived);
      const all = [...this.channels.values()].filter((c) => {
        if (excludeArchived && c.is_archived) return false;
        const member = c.members.includes(this.bot.userId);
        if (c.is_im) return types.has('im');
        if (c.is_mpim) return types.has('mpim') && member;
        if (c.is_private) return types.has('private_channel') && member;
        return types.has('public_channel');
      });
      const { page, next } = paginate(all, args, 100);
      return { channels: page.map((c) => this.channelObject(c)), response_metadata: { next_cursor: next } };
    },

    'conversations.history': (args) => {
      const ch = this.readable(args.channel, { requireMember: true });
      const latest = str(args.latest);
      const oldest = str(args.oldest);
      const inclusive = bool(args.inclusive);
      const withMeta = bool(args.include_all_metadata);
      const msgs = (this.store.get(ch.id) ?? [])
        .filter((m) => this.isTopLevel(m))
        .filter((m) => {
          const t = tsToMicros(m.ts);
          if (latest && (inclusive ? t > tsToMicros(latest) : t >= tsToMicros(latest))) return false;
          if (oldest && (inclusive ? t < tsToMicros(oldest) : t <= tsToMicros(oldest))) return false;
          return true;
        })
        .reverse();
      const { page, next } = paginate(msgs, args, 100);
      return {
        messages: page.map((m) => this.out(m, { metadata: withMeta })),
        has_more: next !== '',
        pin_count: 0,
        channel_actions_ts: null,
        channel_actions_count: 0,
        response_metadata: { next_cursor: next },
      };
    },

    'conversations.replies': (args) => {
      const ch = this.readable(args.channel, { requireMember: true });
      const ts = str(args.ts);
      if (!ts) throw missing('ts');
      const target = this.find(ch.id, ts);
      if (!target) throw new SlackApiError('thread_not_found');
      const rootTs = target.thread_ts ?? target.ts;
      const latest = str(args.latest);
      const oldest = str(args.oldest);
      const inclusive = args.inclusive === undefined ? true : bool(args.inclusive);
      const withMeta = bool(args.include_all_metadata);
      const msgs = (this.store.get(ch.id) ?? []).filter((m) => m.ts === rootTs || m.thread_ts === rootTs).filter((m) => {
        if (m.ts === rootTs) return true;
        const t = tsToMicros(m.ts);
        if (latest && (inclusive ? t > tsToMicros(latest) : t >= tsToMicros(latest))) return false;
        if (oldest && (inclusive ? t < tsToMicros(oldest) : t <= tsToMicros(oldest))) return false;
        return true;
      });
      const { page, next } = paginate(msgs, args, 1000);
      return {
        messages: page.map((m) => this.out(m, { metadata: withMeta })),
        has_more: next !== '',
        response_metadata: { next_cursor: next },
      };
    },

    'conversations.members': (args) => {
      const ch = this.readable(args.channel, { requireMember: false });
      const members = ch.members.filter((m) => !this.users.get(m)?.deleted);
      const { page, next } = paginate(members, args, 100);
      return { members: page, response_metadata: { next_cursor: next } };
    },

    'users.info': (args) => {
      const id = str(args.user);
      if (!id) throw missing('user');
      const u = this.users.get(id);
      if (!u) throw new SlackApiError('user_not_found');
      return { user: this.userObject(u, { locale: bool(args.include_locale) }) };
    },

    'users.list': (args) => {
      const { page, next } = paginate([...this.users.values()], args, 100);
      return {
        members: page.map((u) => this.userObject(u, { locale: bool(args.include_locale) })),
        cache_ts: Math.floor(this.nowFn() / 1000),
        response_metadata: { next_cursor: next },
      };
    },

    'users.getPresence': (args) => {
      const id = str(args.user) ?? this.bot.userId;
      const u = this.users.get(id);
      if (!u) throw new SlackApiError('user_not_found');
      if (id !== this.bot.userId) return { presence: u.presence };
      return { presence: u.presence, online: u.presence === 'active', auto_away: false, manual_away: false, connection_count: 1, last_activity: Math.floor(this.nowFn() / 1000) };
    },

    'users.lookupByEmail': (args) => {
      const email = str(args.email);
      if (!email) throw missing('email');
      const u = [...this.users.values()].find((x) => !x.deleted && x.email?.toLowerCase() === email.toLowerCase());
      if (!u) throw new SlackApiError('users_not_found');
      return { user: this.userObject(u) };
    },

    'users.profile.get': (args) => {
      const id = str(args.user) ?? this.bot.userId;
      const u = this.users.get(id);
      if (!u) throw new SlackApiError('user_not_found');
      return { profile: this.userObject(u).profile };
    },

    'views.open': (args) => {
      const v = this.validateView(args.view, 'modal');
      this.checkExternalId(v.external_id);
      const trigger = this.consumeTrigger(args);
      const user = trigger.user ?? this.bot.userId;
      this.closeModal(user, undefined);
      const rec = this.createModal(user, v, []);
      return { view: this.viewOut(rec) };
    },

    'views.push': (args) => {
      const v = this.validateView(args.view, 'modal');
      this.checkExternalId(v.external_id);
      const trigger = this.consumeTrigger(args);
      const user = trigger.user ?? this.bot.userId;
      const stack = this.modalStacks.get(user) ?? [];
      if (stack.length >= 3) throw new SlackApiError('push_limit_reached');
      const rec = this.createModal(user, v, stack);
      return { view: this.viewOut(rec) };
    },

    'views.update': (args) => {
      const viewId = str(args.view_id);
      const externalId = str(args.external_id);
      if (!viewId && !externalId) throw missing('view_id');
      const rec = viewId ? this.viewRecords.get(viewId) : [...this.viewRecords.values()].find((r) => r.view.external_id === externalId);
      if (!rec || (rec.type === 'modal' && !rec.open)) throw new SlackApiError('not_found');
      const hash = str(args.hash);
      if (hash && hash !== rec.view.hash) throw new SlackApiError('hash_conflict');
      const v = this.validateView(args.view, rec.type, `${rec.id}${this.seq}`);
      this.checkExternalId(v.external_id, rec.id);
      rec.history.push(rec.view);
      rec.view = { ...rec.view, ...v, id: rec.id, hash: this.newHash() };
      rec.errors = undefined;
      this.changed();
      return { view: this.viewOut(rec) };
    },

    'views.publish': (args) => {
      const userId = str(args.user_id);
      if (!userId) throw missing('user_id');
      const u = this.users.get(userId);
      if (!u || u.deleted) throw new SlackApiError('user_not_found');
      const v = this.validateView(args.view, 'home');
      let rec = [...this.viewRecords.values()].find((r) => r.type === 'home' && r.user === userId);
      const hash = str(args.hash);
      if (rec && hash && hash !== rec.view.hash) throw new SlackApiError('hash_conflict');
      this.checkExternalId(v.external_id, rec?.id);
      if (rec) {
        rec.history.push(rec.view);
        rec.view = { ...rec.view, ...v, id: rec.id, hash: this.newHash() };
      } else {
        this.seq += 1;
        const id = `V0HOME${String(this.seq).padStart(5, '0')}`;
        rec = {
          id,
          user: userId,
          type: 'home',
          open: true,
          history: [],
          view: {
            ...v,
            id,
            team_id: this.team.id,
            type: 'home',
            blocks: v.blocks,
            hash: this.newHash(),
            root_view_id: id,
            previous_view_id: null,
            app_id: this.bot.appId,
            app_installed_team_id: this.team.id,
            bot_id: this.bot.botId,
          },
        };
        this.viewRecords.set(id, rec);
      }
      this.changed();
      return { view: this.viewOut(rec) };
    },
  };
}

// ───────────────────────────────────────────── module helpers ─────────────────────────────────────────────

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function summarizeArgs(args: Record<string, any>): string {
  const keep: Record<string, unknown> = {};
  for (const k of ['channel', 'ts', 'thread_ts', 'user', 'users', 'user_id', 'view_id', 'trigger_id', 'text']) {
    if (args[k] !== undefined) keep[k] = typeof args[k] === 'string' && args[k].length > 60 ? `${args[k].slice(0, 57)}...` : args[k];
  }
  return JSON.stringify(keep);
}

function richTextBlocks(text: string, blockId: string): SlackBlock[] {
  return [{ type: 'rich_text', block_id: blockId, elements: [{ type: 'rich_text_section', elements: [{ type: 'text', text }] }] }];
}

function uuidFrom(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function findElement(blocks: SlackBlock[], actionId: string, value?: string): { block: SlackBlock; element: any } | undefined {
  for (const block of blocks) {
    const els: any[] = [];
    if (Array.isArray(block.elements)) els.push(...block.elements);
    if (block.accessory) els.push(block.accessory);
    if (block.element) els.push(block.element);
    for (const el of els) {
      if (el && el.action_id === actionId && (value === undefined || el.value === value || el.options?.some((o: any) => o.value === value))) {
        return { block, element: el };
      }
    }
  }
  return undefined;
}

/** Start an emulator on 127.0.0.1 (random port) with the default workspace. Remember to `close()` it. */
export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const emu = new SlackEmulator(opts);
  await emu.listen();
  return emu;
}
