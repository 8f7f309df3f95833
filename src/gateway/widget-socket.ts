import type { WebSocket, RawData } from 'ws';
import { send, type ConnectionRegistry } from './connection-registry';
import { wireAgent } from './frames';
import { clientFrameSchema, parseMessageFrame, type ClientFrame, type ErrorCode, type ServerFrame } from './protocol';
import type { Rate, SharedRateLimiter } from './rate-limit';
import { DomainError } from '../core/errors';
import type { ConversationService } from '../core/conversation-service';
import type { Metrics } from '../core/metrics';
import type { Logger } from '../logger';

export interface WidgetSocketDeps {
  core: ConversationService;
  registry: ConnectionRegistry;
  logger: Logger;
  /** Frames a socket may send per second on average, and in a burst. */
  rate?: Rate;
  /**
   * Shared by every socket: the frames all sockets of one conversation (one visitor: a visitor has
   * one conversation) may send together, keyed by conversation id. Absent: per socket only.
   */
  conversationRate?: SharedRateLimiter;
  /** Times each customer message from its frame's arrival to its ack (absent: not measured). */
  metrics?: Pick<Metrics, 'ackLatency'>;
  /** Called once when the socket has closed, after it left the registry. */
  onClose?: (connection: WidgetConnection) => void;
}

export const DEFAULT_RATE: Rate = { perSecond: 10, burst: 30 };
const RATE_LIMITED = 'You are sending messages too quickly. Please wait a moment.';

/** Drops `__proto__` keys while parsing so no frame can touch an object's prototype. */
const safeReviver = (key: string, value: unknown) => (key === '__proto__' ? undefined : value);

/** The tail of an idle connection's frame chain: one shared settled promise, not one per socket. */
const SETTLED: Promise<void> = Promise.resolve();

const kConnection = Symbol('widgetConnection');
type ConnectedSocket = WebSocket & { [kConnection]?: WidgetConnection };

/**
 * One widget connection. The message handler is attached before anything is awaited so no frame is
 * lost; frames are handled strictly in arrival order (a promise chain), so a message sent right
 * after `hello` is never processed before the session exists.
 *
 * `deps` is shared by every socket (build it once); `ip` is the address the per-IP limit counted.
 */
export function handleWidgetSocket(socket: WebSocket, deps: WidgetSocketDeps, ip = ''): WidgetConnection {
  const connection = new WidgetConnection(socket, deps, ip);
  (socket as ConnectedSocket)[kConnection] = connection;
  // Shared listeners (`this` is the socket): thousands of idle sockets hold no closures of their own.
  socket.on('message', onSocketMessage);
  socket.on('close', onSocketClose);
  socket.on('error', onSocketError);
  socket.on('pong', onSocketPong);
  return connection;
}

/** The connection handleWidgetSocket made for this socket, if any. */
export function connectionOf(socket: WebSocket): WidgetConnection | undefined {
  return (socket as ConnectedSocket)[kConnection];
}

function onSocketMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  connectionOf(this)?.onMessage(data, isBinary);
}
function onSocketClose(this: WebSocket): void {
  connectionOf(this)?.onClosed();
}
function onSocketError(this: WebSocket, err: Error): void {
  connectionOf(this)?.onError(err);
}
function onSocketPong(this: WebSocket): void {
  const connection = connectionOf(this);
  if (connection) connection.alive = true;
}

/**
 * The state of one widget socket, with its behaviour on the prototype: an idle connection costs
 * this one small object (no per-socket closures or contexts).
 */
export class WidgetConnection {
  /** Set by `hello`; the conversation this socket is registered for. */
  conversationId: string | null = null;
  /** Cleared by each heartbeat ping, set again by the pong that answers it. */
  alive = true;
  /** Token bucket of the per-socket rate limit. */
  private tokens: number;
  private lastRefill: number;
  /** The last frame's handling; the next frame waits for it. */
  private chain: Promise<void> = SETTLED;

  constructor(
    readonly socket: WebSocket,
    private readonly deps: WidgetSocketDeps,
    /** The client address the per-IP socket limit counted this socket under. */
    readonly ip: string,
  ) {
    this.tokens = (deps.rate ?? DEFAULT_RATE).burst;
    this.lastRefill = Date.now();
  }

  /** Half-open sockets never say goodbye: one missed pong since the last ping and the socket is dropped. */
  heartbeat(): void {
    if (!this.alive) {
      this.socket.terminate();
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  onMessage(data: RawData, isBinary: boolean): void {
    // Nothing a client sends may throw out of here: that would take the process down.
    try {
      this.onFrame(data, isBinary);
    } catch (err) {
      this.deps.logger.error({ err }, 'widget frame handling failed');
      this.fail('internal', 'Something went wrong on our side. Please try again.');
    }
  }

  onClosed(): void {
    if (this.conversationId) this.deps.registry.remove(this.conversationId, this.socket);
    this.deps.onClose?.(this);
  }

  /** ws has already begun closing the socket (bad UTF-8, frame too big, reset…): let it go. */
  onError(err: Error): void {
    this.deps.logger.error({ err }, 'widget socket error');
    this.socket.terminate();
  }

  private reply(frame: ServerFrame): void {
    send(this.socket, frame, this.deps.logger);
  }

  private fail(code: ErrorCode, message: string, clientId?: string): void {
    this.reply(clientId ? { type: 'error', code, message, clientId } : { type: 'error', code, message });
  }

  private onFrame(data: RawData, isBinary: boolean): void {
    // The ack latency counts from the frame's arrival: decoding, checks and any wait behind this
    // socket's earlier frames are part of what the customer waits for.
    const arrived = performance.now();
    // Decoded before the rate check so that a refused message frame is refused with its clientId
    // (the widget then knows which message to send again); frames are at most 16 KiB.
    const json = isBinary ? undefined : decodeFrame(data);
    const rate = this.deps.rate ?? DEFAULT_RATE;
    const now = Date.now();
    this.tokens = Math.min(rate.burst, this.tokens + ((now - this.lastRefill) / 1000) * rate.perSecond);
    this.lastRefill = now;
    if (this.tokens < 1) return this.fail('rate_limited', RATE_LIMITED, json?.ok ? rawClientId(json.value) : undefined);
    this.tokens -= 1;

    if (!json) return this.fail('bad_frame', 'Frames must be JSON text.');
    const frame = parseFrame(json);
    if (!frame.ok) return this.fail('bad_frame', frame.message, frame.clientId);
    const value = frame.value;
    // Nothing of this socket's is pending: handled now, not a microtask later (one hop fewer).
    const started = this.chain === SETTLED ? this.handle(value, arrived) : this.chain.then(() => this.handle(value, arrived));
    const link: Promise<void> = started.then(
      () => this.settled(link),
      (err: unknown) => {
        this.failed(err, value);
        this.settled(link);
      },
    );
    this.chain = link;
  }

  /** The last frame is handled: a quiet socket keeps the shared settled promise, none of its own. */
  private settled(link: Promise<void>): void {
    if (this.chain === link) this.chain = SETTLED;
  }

  private failed(err: unknown, frame: ClientFrame): void {
    const { logger } = this.deps;
    if (err instanceof DomainError) {
      this.fail(err.code === 'invalid_email' || err.code === 'not_resolved' ? err.code : 'bad_frame', err.message, clientIdOf(frame));
    } else if (isStorageUnavailable(err)) {
      // Locked by another process, a full or read-only disk: nothing was stored; the widget
      // keeps the message and sends it again with the same clientId.
      logger.error({ err, type: frame.type }, 'the database refused a write');
      this.fail('unavailable', "We couldn't save that just now. It will be sent again in a moment.", clientIdOf(frame));
    } else {
      logger.error({ err, type: frame.type }, 'widget frame failed');
      this.fail('internal', 'Something went wrong on our side. Please try again.', clientIdOf(frame));
    }
  }

  private async handle(frame: ClientFrame, arrived: number): Promise<void> {
    const { core, registry } = this.deps;
    if (frame.type === 'hello') {
      if (this.conversationId) return this.fail('already_started', 'This connection already said hello.');
      // Stored with the next group commit: many customers arriving together share one fsync.
      const session = await core.openSessionGrouped({ token: frame.token, reopen: frame.reopen, visitor: frame.visitor, page: frame.page, lang: frame.lang });
      // Gone while the session was being stored: nothing to register (its close handler already ran).
      if (this.socket.readyState !== this.socket.OPEN) return;
      // Read again now, not from the session: the hello resolves only after its batch's fsync, and
      // a move applied meanwhile (a Claim) emitted its state event before this socket was in the
      // registry. Welcome, replay and registration share this tick, so the state read here is the
      // one every later state event starts from.
      const conversation = core.current(session.conversation);
      const welcome: Extract<ServerFrame, { type: 'welcome' }> = {
        type: 'welcome',
        token: session.token,
        conversationId: conversation.id,
        state: conversation.state,
      };
      const agent = wireAgent(core.agentFor(conversation));
      if (agent) welcome.agent = agent;
      this.reply(welcome);
      // Replay and registration happen in the same tick: nothing committed in between is missed or
      // doubled. The registry counts on from where the replay left the socket.
      const { messages: replay, through, latest } = core.resume(conversation.id, frame.lastSeq ?? 0);
      for (const m of replay) this.reply(registry.messageFrame(m));
      // What was just sent has been seen: it need not be emailed.
      core.markSeen(conversation.id, Math.max(frame.lastSeq ?? 0, replay.at(-1)?.seq ?? 0));
      this.conversationId = conversation.id;
      registry.add(conversation.id, this.socket, { through, latest });
      if (conversation.state === 'waiting') {
        this.reply({ type: 'state', state: 'waiting', queue: core.queueInfo(conversation.id) });
      }
      return;
    }
    const conversationId = this.conversationId;
    if (!conversationId) return this.fail('hello_required', 'Send a hello frame first.', clientIdOf(frame));
    // Checked when the frame's turn comes, not on arrival: frames sent right behind a hello arrive
    // before the conversation is known, and must not slip past the conversation's budget.
    if (this.deps.conversationRate && !this.deps.conversationRate.take(conversationId)) {
      return this.fail('rate_limited', RATE_LIMITED, clientIdOf(frame));
    }
    switch (frame.type) {
      case 'message': {
        // The client address counts the hourly handoff limit a message may trigger (see RequestOrigin).
        const { message } = await core.customerMessage(conversationId, frame.clientId, frame.text, { address: this.ip || undefined }, frame.files);
        this.reply({ type: 'ack', clientId: frame.clientId, id: message.id, seq: message.seq });
        this.deps.metrics?.ackLatency((performance.now() - arrived) / 1000);
        return;
      }
      case 'request_human':
        return core.requestHuman(conversationId, { address: this.ip || undefined });
      case 'email':
        return core.setEmail(conversationId, frame.email);
      case 'page':
        return core.setPage(conversationId, frame.url, frame.title, { address: this.ip || undefined });
      case 'typing':
        return core.typing(conversationId, frame.typing);
      case 'rate':
        return core.rate(conversationId, frame.score, frame.comment);
    }
  }
}

type Parsed = { ok: true; value: ClientFrame } | { ok: false; message: string; clientId?: string };
type Decoded = { ok: true; value: object } | { ok: false; message: string };

function decodeFrame(data: RawData): Decoded {
  const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text, safeReviver);
  } catch {
    return { ok: false, message: 'Frames must be valid JSON.' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, message: 'A frame must be a JSON object with a type.' };
  }
  return { ok: true, value: json };
}

/** The clientId a frame claims, if it is one a valid frame could carry. */
function rawClientId(json: object): string | undefined {
  const clientId = (json as { clientId?: unknown }).clientId;
  return typeof clientId === 'string' && clientId.length >= 1 && clientId.length <= 64 ? clientId : undefined;
}

function parseFrame(decoded: Decoded): Parsed {
  if (!decoded.ok) return decoded;
  const json = decoded.value;
  // Most frames are messages: checked by hand; a bad one goes on to the schema for its complaint.
  if ((json as { type?: unknown }).type === 'message') {
    const message = parseMessageFrame(json);
    if (message) return { ok: true, value: message };
  }
  const result = clientFrameSchema.safeParse(json);
  if (result.success) return { ok: true, value: result.data };
  const obj = json as { type?: unknown };
  const clientId = rawClientId(json);
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
  const message =
    issue?.code === 'invalid_union' || issue?.path[0] === 'type'
      ? 'Unknown frame type.'
      : `Invalid ${String(obj.type)} frame: ${where}${issue?.message ?? 'invalid'}`;
  return clientId ? { ok: false, message, clientId } : { ok: false, message };
}

function clientIdOf(frame: ClientFrame): string | undefined {
  return frame.type === 'message' ? frame.clientId : undefined;
}

/**
 * Storage errors that mean "not now" rather than "never". SQLite: busy, locked, full, read-only,
 * I/O. PostgreSQL: the server cannot be reached (DB_UNAVAILABLE), a connection-class SQLSTATE (08),
 * a shutdown (57P0x), a cancelled statement (57014, the statement timeout), a deadlock or
 * serialization failure (40001, 40P01), a lock not available (55P03), resources (53: disk full,
 * out of memory, too many connections), a read-only server (25006, a replica or failover).
 */
function isStorageUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  return (
    /^SQLITE_(BUSY|LOCKED|FULL|READONLY|IOERR|CANTOPEN)/.test(code) ||
    code === 'DB_UNAVAILABLE' ||
    /^(08|53)[0-9A-Z]{3}$/.test(code) ||
    ['57P01', '57P02', '57P03', '57014', '40001', '40P01', '55P03', '25006'].includes(code)
  );
}
