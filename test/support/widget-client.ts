import WebSocket from 'ws';
import type { ClientFrame, ServerFrame } from '../../src/gateway/protocol';

type FrameOf<T extends ServerFrame['type']> = Extract<ServerFrame, { type: T }>;

/**
 * A real websocket client speaking the widget protocol, with helpers to wait for frames.
 * Frames are kept in arrival order; `next` consumes them, `all` shows everything received.
 */
export class WidgetClient {
  readonly all: ServerFrame[] = [];
  private cursor = 0;
  private waiters: (() => void)[] = [];
  closeCode: number | null = null;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      this.all.push(JSON.parse(String(data)) as ServerFrame);
      this.wake();
    });
    ws.on('close', (code) => {
      this.closeCode = code;
      this.wake();
    });
  }

  static connect(baseUrl: string, options: { origin?: string; headers?: Record<string, string> } = {}): Promise<WidgetClient> {
    const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/widget/ws`, {
      headers: { ...options.headers, ...(options.origin ? { origin: options.origin } : {}) },
    });
    const client = new WidgetClient(ws);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(client));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  send(frame: ClientFrame | Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(data: string | Buffer, binary = false): void {
    this.ws.send(data, { binary });
  }

  /** Waits for the next unconsumed frame matching `type` (and `where`), skipping others. */
  async next<T extends ServerFrame['type']>(type: T, where: (f: FrameOf<T>) => boolean = () => true, timeoutMs = 5000): Promise<FrameOf<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.cursor; i < this.all.length; i++) {
        const f = this.all[i]!;
        if (f.type === type && where(f as FrameOf<T>)) {
          this.cursor = i + 1;
          return f as FrameOf<T>;
        }
      }
      if (this.closeCode !== null) throw new Error(`socket closed (${this.closeCode}) while waiting for ${type}`);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`timed out waiting for ${type}; received: ${JSON.stringify(this.all.slice(this.cursor))}`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Frames of a type received so far (consumed or not). */
  frames<T extends ServerFrame['type']>(type: T): FrameOf<T>[] {
    return this.all.filter((f) => f.type === type) as FrameOf<T>[];
  }

  /** Sends hello and returns the welcome. */
  async hello(frame: Omit<Extract<ClientFrame, { type: 'hello' }>, 'type'> = {}): Promise<FrameOf<'welcome'>> {
    this.send({ type: 'hello', ...frame });
    return this.next('welcome');
  }

  async waitClosed(timeoutMs = 5000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.closeCode === null) {
      if (Date.now() > deadline) throw new Error('socket did not close');
      await new Promise((r) => setTimeout(r, 10));
    }
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
