import type { ClientFrame, ServerFrame } from '../../src/gateway/protocol';

export interface ConnectionHandlers {
  /** The socket opened: send hello now. */
  open(): void;
  frame(frame: ServerFrame): void;
  /** The socket closed; a reconnect is scheduled. */
  closed(): void;
}

const MAX_DELAY_MS = 30_000;

/**
 * The widget socket with reconnects: exponential backoff with full jitter, reset once the server
 * welcomes us, and an immediate retry when the browser comes back online.
 */
export class Connection {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private started = false;

  constructor(
    private readonly url: string,
    private readonly on: ConnectionHandlers,
  ) {
    window.addEventListener('online', () => {
      if (this.started && !this.ws) this.reconnectNow();
    });
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Call once the server welcomed us: the connection is healthy. */
  healthy(): void {
    this.attempt = 0;
  }

  send(frame: ClientFrame): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** Drops the current socket and opens a new one at once (e.g. to say hello with a new identity). */
  reconnectNow(): void {
    if (!this.started) return;
    clearTimeout(this.timer);
    const old = this.ws;
    this.ws = null;
    if (old) {
      old.onclose = null;
      old.close();
      this.on.closed();
    }
    this.connect();
  }

  private connect(): void {
    let ws: WebSocket;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.schedule();
      return;
    }
    this.ws = ws;
    ws.onopen = () => this.on.open();
    ws.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof frame.type === 'string') this.on.frame(frame);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.on.closed();
      this.schedule();
    };
  }

  private schedule(): void {
    clearTimeout(this.timer);
    const ceiling = Math.min(MAX_DELAY_MS, 500 * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 10);
    // Full jitter, with a small floor so a flapping server is not hammered.
    const delay = 250 + Math.random() * ceiling;
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
