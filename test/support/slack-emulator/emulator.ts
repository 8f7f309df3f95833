/**
 * The running emulator: an HTTP server on 127.0.0.1 for the Web API (`/api/…`), response_urls and the Socket Mode
 * websocket, plus what tests script and inspect there (faults, rate limits, tokens, recorded calls, waiting).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { TokenAuth } from './auth';
import { FaultPlan } from './faults';
import { FileUrls } from './file-urls';
import { SocketMode } from './socket-mode';
import type {
  ApiCall,
  EmulatedMessage,
  EphemeralMessage,
  RateLimitRule,
  SlackEmulatorOptions,
  SlackFault,
  SocketDelivery,
  SocketEnvelopeOptions,
  SocketEnvelopeRecord,
  SocketEnvelopeType,
  SocketModeConnectionInfo,
} from './types';
import { send, summarizeArgs } from './util';
import { type CallCounters, WebApi } from './web-api/dispatch';
import { SlackWorkspaceEmulator } from './workspace-api';

/** The running emulator. Create it with startSlackEmulator(). */
export class SlackEmulator extends SlackWorkspaceEmulator {
  /** Web API base, e.g. `http://127.0.0.1:PORT/api/` (give it to the app as SLACK_API_URL). */
  apiUrl = '';
  private readonly server: http.Server;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly auth: TokenAuth;
  private readonly faults: FaultPlan;
  private readonly socketMode: SocketMode;
  private readonly webApi: WebApi;
  private readonly fileUrls: FileUrls;

  /** @internal use startSlackEmulator() */
  constructor(opts: SlackEmulatorOptions = {}) {
    super(opts);
    this.auth = new TokenAuth(this.space, opts);
    this.faults = new FaultPlan(this.space);
    for (const [method, rule] of Object.entries(opts.rateLimits ?? {})) this.faults.setRateLimit(method, rule);
    if (opts.postMessagePerChannelPerSecond !== undefined) {
      this.faults.setRateLimit('chat.postMessage', { limit: opts.postMessagePerChannelPerSecond, windowMs: 1000, perChannel: true });
    }
    this.socketMode = new SocketMode(this.space, opts.socketMode);
    this.webApi = new WebApi(
      { space: this.space, log: this.log, views: this.viewState, socket: this.socketMode, files: this.fileLibrary },
      this.auth,
      this.faults,
      this.timers,
    );
    this.fileUrls = new FileUrls(this.space, this.fileLibrary, this.faults, this.timers, (token) => this.auth.fileAccess(token));
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.space.log(`emulator crashed on ${req.url}: ${(e as Error)?.stack ?? String(e)}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`slack emulator internal error: ${String(e)}`);
      });
    });
    this.server.keepAliveTimeout = 1000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    this.server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => this.socketMode.handleUpgrade(req, socket, head));
  }

  /** `http://127.0.0.1:PORT`. */
  get baseUrl(): string {
    return this.space.baseUrl;
  }

  get port(): number {
    return this.space.port;
  }

  /** @internal */
  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = this.server.address() as AddressInfo;
    this.space.port = port;
    this.space.baseUrl = `http://127.0.0.1:${port}`;
    this.apiUrl = `${this.space.baseUrl}/api/`;
  }

  /** Stop the server, drop open connections and pending timers. Idempotent. */
  async close(): Promise<void> {
    if (this.space.closed) return;
    this.space.closed = true;
    this.faults.releaseAll();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.socketMode.close();
    const done = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    for (const s of this.sockets) s.destroy();
    await done;
    this.space.wakeAll();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://emulator');
    // File bytes stay bytes: uploads and file URLs before the body is read as text.
    if (await this.fileUrls.handle(req, res, url, body)) return;
    const raw = body.toString('utf8');
    if (url.pathname.startsWith('/api/')) return this.webApi.handle(req, res, url, raw);
    if (url.pathname.startsWith('/response_url/')) return this.responseUrls.handle(req, res, url, raw);
    send(res, 404, { ok: false, error: 'not_found' });
  }

  // ─────────────────────────────── tokens, faults, rate limits ───────────────────────────────

  /** Revoke the bot token: every call then fails with `token_revoked` (pass false to restore). */
  revokeToken(revoked = true): void {
    this.auth.botRevoked = revoked;
  }

  /** Set (or clear, with null) a rate limit on a method. */
  setRateLimit(method: string, rule: RateLimitRule | null): void {
    this.faults.setRateLimit(method, rule);
  }

  /**
   * Script a failure for the next `times` calls to `method` ('*' = any method). Faults queue up in order.
   * Examples: `{status: 429, retryAfter: 1}`, `{status: 500}`, `{delayMs: 4000}`, `{reset: true}`,
   * `{error: 'channel_not_found'}`.
   */
  failNext(method: string, fault: SlackFault, times = 1): void {
    this.faults.failNext(method, fault, times);
  }

  /**
   * Hold the next call to `method` whose arguments match: it is answered as usual only once `release()` is
   * called (or the emulator closes). `arrived` resolves when that call has reached the emulator, so a test can
   * act while the app is waiting for Slack (e.g. kill the app in the middle of a listener) without guessing times.
   */
  holdNext(method: string, match: (args: Record<string, any>) => boolean = () => true): { arrived: Promise<void>; release(): void } {
    return this.faults.holdNext(method, match);
  }

  /** Drop all scripted faults. */
  clearFaults(): void {
    this.faults.clearFaults();
  }

  // ─────────────────────────────── recorded calls ───────────────────────────────

  /** Every Web API call so far, in the order they were answered. */
  get calls(): readonly ApiCall[] {
    return this.webApi.calls;
  }

  /** Calls to one method. */
  callsTo(method: string): ApiCall[] {
    return this.webApi.calls.filter((c) => c.method === method);
  }

  /** The last call to a method, or undefined. */
  lastCall(method: string): ApiCall | undefined {
    return this.callsTo(method).at(-1);
  }

  /** Number of calls to `method` (all methods when omitted), including failed and rate-limited ones. */
  count(method?: string): number {
    return method === undefined ? this.webApi.calls.length : this.callsTo(method).length;
  }

  /** Per-method counters: calls, ok answers, error answers, 429s from the rate limiter, scripted faults. */
  get counters(): Record<string, CallCounters> {
    return Object.fromEntries([...this.webApi.counters].map(([k, v]) => [k, { ...v }]));
  }

  /** Forget recorded calls, response_url posts and counters (state stays). */
  clearCalls(): void {
    this.webApi.clear();
    this.responseUrls.posts.length = 0;
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
      if (left <= 0 || this.space.closed) break;
      await this.space.nextChange(Math.min(25, left));
    }
    const recent = this.webApi.calls
      .slice(-10)
      .map((c) => `  ${c.method} ${summarizeArgs(c.args)} -> ${c.status} ${c.ok ? 'ok' : (c.error ?? '')}`)
      .join('\n');
    const why = lastError instanceof Error ? `\nLast predicate error: ${lastError.message}` : '';
    throw new Error(`Slack emulator: timed out after ${timeoutMs} ms waiting for ${description}.${why}\nLast Slack API calls:\n${recent || '  (none)'}`);
  }

  /** Wait for a (successful, unless `ok: false` given) call to `method` matching `match`; resolves with it. */
  waitForCall(method: string, match: (c: ApiCall) => boolean = () => true, timeoutMs = 3000): Promise<ApiCall> {
    return this.waitFor(() => this.webApi.calls.find((c) => c.method === method && match(c)), timeoutMs, `a ${method} call`);
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
    return this.auth.appToken;
  }

  /** Revoke the app-level token: apps.connections.open then fails with `token_revoked` (pass false to restore). */
  revokeAppToken(revoked = true): void {
    this.auth.appRevoked = revoked;
  }

  /** True while at least one Socket Mode connection is open and has been sent its `hello`. */
  socketModeConnected(): boolean {
    return this.socketMode.openSocket() !== undefined;
  }

  /** Wait until an app is connected over Socket Mode (hello sent); resolves with that connection. */
  async waitForSocketMode(timeoutMs = 5000): Promise<SocketModeConnectionInfo> {
    const conn = await this.waitFor(() => this.socketMode.openSocket(), timeoutMs, 'a Socket Mode connection');
    return { ...conn.info };
  }

  /** Every Socket Mode connection so far (open and closed), oldest first. */
  socketConnections(): SocketModeConnectionInfo[] {
    return this.socketMode.conns.map((c) => ({ ...c.info, disconnects: [...c.info.disconnects] }));
  }

  /** Every envelope sent over Socket Mode, with its ack when it came. */
  get socketEnvelopes(): readonly SocketEnvelopeRecord[] {
    return this.socketMode.envelopes;
  }

  /** Messages the app sent over Socket Mode that acked no known envelope (or were not JSON). */
  get strayAckMessages(): readonly any[] {
    return this.socketMode.strayAcks;
  }

  /**
   * Deliver an envelope over Socket Mode, as Slack does instead of an HTTP request, and resolve with the app's ack
   * `{ envelope_id, payload? }`. Rejects when no app is connected or no ack comes within `timeoutMs` (3 s).
   * For events_api the payload is the Events API `event_callback` body; for slash_commands the command fields
   * (as an object); for interactive the interaction payload (block_actions, view_submission, …).
   */
  sendSocketEnvelope(type: SocketEnvelopeType, payload: Record<string, any>, opts: SocketEnvelopeOptions = {}): Promise<SocketDelivery> {
    return this.socketMode.send(type, payload, opts);
  }

  /**
   * Send Slack's `disconnect` message on every open connection (or one), as Slack does before recycling a
   * connection: `refresh_requested`, `warning` (about 10 s before) or `link_disabled`. The client closes the
   * socket and, unless it is shutting down, opens a new one through apps.connections.open. Returns the count.
   */
  disconnectSocketMode(reason: 'refresh_requested' | 'warning' | 'link_disabled' | string = 'refresh_requested', connectionId?: string): number {
    return this.socketMode.disconnect(reason, connectionId);
  }

  /** Cut every open Socket Mode connection (or one) without a close frame, like a network failure. Returns the count. */
  dropSocketMode(connectionId?: string): number {
    return this.socketMode.drop(connectionId);
  }
}

/** Start an emulator on 127.0.0.1 (random port) with the default workspace. Remember to `close()` it. */
export async function startSlackEmulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const emu = new SlackEmulator(opts);
  await emu.listen();
  return emu;
}
