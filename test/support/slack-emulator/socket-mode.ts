/**
 * Socket Mode as Slack speaks it: one-time tickets from apps.connections.open, the websocket (`hello`, envelopes
 * the app acks, `disconnect`, pings both ways, at most 10 connections), and what a test sends over it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import type {
  SocketAck,
  SocketDelivery,
  SocketEnvelope,
  SocketEnvelopeOptions,
  SocketEnvelopeRecord,
  SocketEnvelopeType,
  SocketModeConnectionInfo,
  SocketModeOptions,
} from './types';
import { clone, uuidFrom } from './util';
import type { Workspace } from './workspace';

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

export class SocketMode {
  /** Every envelope sent, with its ack once it came. */
  readonly envelopes: SocketEnvelopeRecord[] = [];
  /** Messages the app sent that acked no known envelope (or were not JSON). */
  readonly strayAcks: any[] = [];
  readonly conns: SocketConnection[] = [];
  private readonly opts: Required<SocketModeOptions>;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 16 * 1024 * 1024 });
  private readonly tickets = new Map<string, { issuedAt: number; used: boolean }>();
  private readonly pendingAcks = new Map<string, PendingAck>();

  constructor(
    private readonly space: Workspace,
    opts: SocketModeOptions = {},
  ) {
    this.opts = {
      pingIntervalMs: opts.pingIntervalMs ?? 10_000,
      approximateConnectionTimeSec: opts.approximateConnectionTimeSec ?? 18_060,
      maxConnections: opts.maxConnections ?? 10,
    };
  }

  /** apps.connections.open: a websocket URL with a ticket good for one connection. */
  openTicket(): string {
    const seq = this.space.nextSeq();
    const { port, bot } = this.space;
    const ticket = uuidFrom(`ticket${seq}${port}${this.space.now()}`);
    this.tickets.set(ticket, { issuedAt: this.space.now(), used: false });
    return `ws://127.0.0.1:${port}/socket-mode?ticket=${ticket}&app_id=${bot.appId}`;
  }

  /** The newest connection that is open and has been sent its hello. */
  openSocket(): SocketConnection | undefined {
    for (let i = this.conns.length - 1; i >= 0; i--) {
      const c = this.conns[i]!;
      if (c.ready && c.ws.readyState === WebSocket.OPEN) return c;
    }
    return undefined;
  }

  send(type: SocketEnvelopeType, payload: Record<string, any>, opts: SocketEnvelopeOptions = {}): Promise<SocketDelivery> {
    const conn = opts.connectionId ? this.conns.find((c) => c.info.id === opts.connectionId && c.info.open) : this.openSocket();
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
    const record: SocketEnvelopeRecord = { connectionId: conn.info.id, envelope, sentAt: this.space.now() };
    this.envelopes.push(record);
    const timeoutMs = opts.timeoutMs ?? 3000;
    return new Promise<SocketDelivery>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pendingAcks.delete(envelopeId);
        record.timedOut = true;
        reject(new Error(`Slack emulator: the app did not ack ${type} envelope ${envelopeId} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pendingAcks.set(envelopeId, { record, resolve, reject, timer });
      if (this.space.logging) this.space.log(`socket ${conn.info.id} -> ${type} ${envelopeId}`);
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
  disconnect(reason: 'refresh_requested' | 'warning' | 'link_disabled' | string = 'refresh_requested', connectionId?: string): number {
    return this.eachOpen(connectionId, (c) => {
      c.ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: this.socketHost() } }));
      c.info.disconnects.push(reason);
    });
  }

  /** Cut every open Socket Mode connection (or one) without a close frame, like a network failure. Returns the count. */
  drop(connectionId?: string): number {
    return this.eachOpen(connectionId, (c) => c.ws.terminate());
  }

  /** Apply `fn` to every open connection (or the one named); answers how many. */
  private eachOpen(connectionId: string | undefined, fn: (c: SocketConnection) => void): number {
    const hit = this.conns.filter((c) => c.info.open && (!connectionId || c.info.id === connectionId));
    hit.forEach(fn);
    return hit.length;
  }

  private socketHost(): string {
    return `applink-emulator-${this.space.port}`;
  }

  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const refuse = (status: number, text: string): void => {
      if (this.space.logging) this.space.log(`socket upgrade ${req.url} refused: ${status}`);
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
      socket.destroy();
    };
    if (this.space.closed) return refuse(503, 'Service Unavailable');
    const url = new URL(req.url ?? '/', 'http://emulator');
    if (url.pathname !== '/socket-mode') return refuse(404, 'Not Found');
    const ticket = url.searchParams.get('ticket') ?? '';
    const rec = this.tickets.get(ticket);
    // A ticket from apps.connections.open is good for one connection.
    if (!rec || rec.used) return refuse(401, 'Unauthorized');
    if (this.conns.filter((c) => c.info.open).length >= this.opts.maxConnections) return refuse(429, 'Too Many Requests');
    rec.used = true;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocketConnection(ws, ticket));
  }

  private onSocketConnection(ws: WebSocket, ticket: string): void {
    const seq = this.space.nextSeq();
    const conn: SocketConnection = {
      ws,
      ready: false,
      info: { id: `sm${seq}`, ticket, openedAt: this.space.now(), open: true, clientPings: 0, serverPings: 0, pongs: 0, disconnects: [] },
    };
    this.conns.push(conn);
    ws.on('message', (data: RawData, isBinary: boolean) => this.onSocketMessage(conn, data, isBinary));
    ws.on('ping', () => {
      conn.info.clientPings += 1;
    });
    ws.on('pong', () => {
      conn.info.pongs += 1;
    });
    ws.on('error', (err: Error) => {
      if (this.space.logging) this.space.log(`socket ${conn.info.id} error: ${err.message}`);
    });
    ws.on('close', (code: number) => {
      conn.info.open = false;
      conn.info.closedAt = this.space.now();
      conn.info.closeCode = code;
      if (conn.pinger) clearInterval(conn.pinger);
      if (this.space.logging) this.space.log(`socket ${conn.info.id} closed (${code})`);
      this.space.changed();
    });
    if (this.opts.pingIntervalMs > 0) {
      conn.pinger = setInterval(() => {
        if (ws.readyState !== WebSocket.OPEN) return;
        conn.info.serverPings += 1;
        ws.ping(Buffer.from(`ping from emulator ${conn.info.serverPings}`));
      }, this.opts.pingIntervalMs);
      conn.pinger.unref();
    }
    const hello = {
      type: 'hello',
      num_connections: this.conns.filter((c) => c.info.open).length,
      debug_info: { host: this.socketHost(), build_number: 1, approximate_connection_time: this.opts.approximateConnectionTimeSec },
      connection_info: { app_id: this.space.bot.appId },
    };
    // Frames go out in order, so anything sent from now on reaches the client after its hello.
    ws.send(JSON.stringify(hello));
    conn.ready = true;
    if (this.space.logging) this.space.log(`socket ${conn.info.id} connected (hello sent)`);
    this.space.changed();
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
      this.space.changed();
      return;
    }
    const pending = this.pendingAcks.get(msg.envelope_id);
    const record = pending?.record ?? this.envelopes.find((r) => r.envelope.envelope_id === msg.envelope_id && !r.ack);
    if (!record) {
      this.strayAcks.push(msg);
      this.space.changed();
      return;
    }
    record.ack = msg as SocketAck;
    record.ackedAt = this.space.now();
    if (this.space.logging) this.space.log(`socket ${conn.info.id} <- ack ${msg.envelope_id} ${JSON.stringify(msg.payload ?? {}).slice(0, 80)}`);
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
    this.space.changed();
  }

  // ─────────────────────────────── listeners ───────────────────────────────

  /** Close every connection and reject the acks still awaited. */
  close(): void {
    for (const p of [...this.pendingAcks.values()]) {
      clearTimeout(p.timer);
      p.reject(new Error(`Slack emulator closed before the ack of envelope ${p.record.envelope.envelope_id}`));
    }
    this.pendingAcks.clear();
    for (const c of this.conns) {
      if (c.pinger) clearInterval(c.pinger);
      c.ws.terminate();
    }
    this.wss.close();
  }
}
