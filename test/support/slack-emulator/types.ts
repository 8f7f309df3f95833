/** The emulator's public types: what tests seed, inspect and script. */
/* eslint-disable @typescript-eslint/no-explicit-any */

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

/**
 * A file as the emulator keeps it. `state`: `reserved` (files.getUploadURLExternal gave its upload URL),
 * `uploaded` (its bytes came, files.completeUploadExternal not called yet), `complete` (shared or private,
 * visible to files.info and its URLs) or `deleted`.
 */
export interface EmulatedFile {
  id: string;
  name: string;
  title: string;
  mimetype: string;
  filetype: string;
  /** The byte count (what getUploadURLExternal announced, for a file still reserved). */
  size: number;
  /** Who uploaded it (the bot user for API uploads). */
  user: string;
  created: number;
  state: 'reserved' | 'uploaded' | 'complete' | 'deleted';
  /** Where it was shared, oldest first. */
  shares: { channel: string; ts: string; thread_ts?: string }[];
}

/** A file a test user posts (see postFileAsUser). */
export interface FileSeed {
  name: string;
  bytes: Buffer | Uint8Array | string;
  /** Default: guessed from the name, as Slack does. */
  mimetype?: string;
  title?: string;
}

/** One POST to an upload URL or GET of a file URL, as the emulator answered it. */
export interface FileTransfer {
  kind: 'upload' | 'download';
  /** The file it was for (undefined when the URL named none the emulator knows). */
  fileId?: string;
  status: number;
  bytes: number;
  /** The token it carried (downloads), if any. */
  token?: string;
  at: number;
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
  /** Only for calls whose `channel` argument is this (e.g. a 429 storm on one channel); default: any call. */
  channel?: string;
}

/**
 * A rate limit on a method: at most `limit` calls per `windowMs` (per channel when `perChannel`).
 * With `burst`, a token bucket instead (Slack's "one message per second per channel, short bursts
 * allowed"): `burst` calls at once, then `limit` per `windowMs` as the bucket refills.
 */
export interface RateLimitRule {
  limit: number;
  windowMs?: number;
  perChannel?: boolean;
  burst?: number;
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
