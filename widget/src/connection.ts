import type { ClientFrame, ServerFrame } from '../../src/gateway/protocol';

export interface ConnectionHandlers {
  /** The socket opened: send hello now. */
  open(): void;
  frame(frame: ServerFrame): void;
  /** The socket closed (or never opened); a reconnect is scheduled. */
  closed(): void;
}

export interface Connection {
  readonly isOpen: () => boolean;
  start(): void;
  /** Call once the server welcomed us: the connection is healthy, the backoff starts over. */
  healthy(): void;
  send(frame: ClientFrame): boolean;
  /** Drops the current socket and opens a new one at once (the Retry button, a new identity, back online). */
  reconnect(): void;
}

const MAX_DELAY_MS = 30_000;

/**
 * The widget socket with reconnects: exponential backoff with full jitter (so a restarted server is
 * not hit by every widget at once), reset once the server welcomes us, and an immediate retry when
 * the browser comes back online. Closures rather than a class: smaller once minified.
 */
export function createConnection(url: string, on: ConnectionHandlers): Connection {
  let ws: WebSocket | null = null;
  let attempt = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;

  const isOpen = () => ws?.readyState === 1; // WebSocket.OPEN

  function connect(): void {
    let socket: WebSocket;
    try {
      socket = new WebSocket(url);
    } catch {
      schedule();
      return;
    }
    ws = socket;
    socket.onopen = () => on.open();
    socket.onmessage = (event: MessageEvent) => {
      if (typeof event.data !== 'string') return;
      let frame: ServerFrame;
      try {
        frame = JSON.parse(event.data) as ServerFrame;
      } catch {
        return;
      }
      if (frame && typeof frame === 'object' && typeof frame.type === 'string') on.frame(frame);
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      on.closed();
      schedule();
    };
  }

  function schedule(): void {
    clearTimeout(timer);
    const ceiling = Math.min(MAX_DELAY_MS, 500 * 2 ** attempt);
    attempt = Math.min(attempt + 1, 10);
    // Full jitter, with a small floor so a flapping server is not hammered.
    timer = setTimeout(connect, 250 + Math.random() * ceiling);
  }

  function reconnect(): void {
    if (!started) return;
    clearTimeout(timer);
    const old = ws;
    ws = null;
    if (old) {
      old.onclose = null;
      old.close();
      on.closed();
    }
    connect();
  }

  window.addEventListener('online', () => {
    if (started && !isOpen()) reconnect();
  });

  return {
    isOpen,
    start() {
      if (started) return;
      started = true;
      connect();
    },
    healthy() {
      attempt = 0;
    },
    send(frame) {
      if (!ws || !isOpen()) return false;
      ws.send(JSON.stringify(frame));
      return true;
    },
    reconnect,
  };
}
