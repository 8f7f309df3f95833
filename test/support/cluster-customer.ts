/**
 * A customer as the widget behaves (widget/src/controller.ts), over real sockets, for
 * test/cluster.test.ts: messages carry a clientId and stay pending until acked; pending ones are
 * sent again after every welcome and after a retryable error; when the socket drops, the customer
 * connects to another instance with its token and lastSeq (the highest seq acked or received, as
 * the widget counts it). Every connection's frames are kept, so the test can check what the
 * protocol promises: within one connection each seq once and in order, across connections no gap.
 */
import type { ServerFrame } from '../../src/gateway/protocol';
import type { Instance } from './cluster-instances';
import { WidgetClient } from './widget-client';

/** What the widget retries (widget/src/state.ts RETRYABLE). */
const RETRYABLE = new Set(['rate_limited', 'internal', 'unavailable', 'hello_required']);

export interface Connection {
  instance: string;
  client: WidgetClient;
  /** The lastSeq its hello carried (0: none). */
  from: number;
}

export interface CustomerOptions {
  name: string;
  /** Where to connect after a drop: a live instance other than `previous`. */
  route: (previous: Instance) => Instance;
  log: (line: string) => void;
}

export class Customer {
  token: string | null = null;
  conversationId = '';
  lastSeq = 0;
  readonly connections: Connection[] = [];
  /** clientId → text of what was sent and not acked yet, in the order written. */
  readonly pending = new Map<string, string>();
  /** Every message written, in order. */
  readonly written: { clientId: string; text: string }[] = [];
  /** What went wrong that the widget could not have recovered from (the test expects none). */
  readonly faults: string[] = [];
  private current: { instance: Instance; client: WidgetClient; ready: boolean } | null = null;
  private left = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private reconnecting: Promise<void> | null = null;
  private counter = 0;

  constructor(readonly o: CustomerOptions) {}

  get instance(): Instance | undefined {
    return this.current?.instance;
  }

  /** Opens a socket on `instance`, says hello (with the token and lastSeq once known) and sends what is pending. */
  async connect(instance: Instance): Promise<void> {
    const client = await WidgetClient.connect(instance.url);
    const from = this.lastSeq;
    const conn = { instance, client, ready: false };
    this.current = conn;
    this.connections.push({ instance: instance.name, client, from });
    client.ws.on('message', (data) => this.onFrame(conn, JSON.parse(String(data)) as ServerFrame));
    client.ws.on('close', () => this.onClose(conn));
    client.send({
      type: 'hello',
      ...(this.token ? { token: this.token } : { visitor: { name: this.o.name } }),
      ...(from > 0 ? { lastSeq: from } : {}),
    });
    const welcome = await client.next('welcome', () => true, 20_000);
    if (this.conversationId && welcome.conversationId !== this.conversationId) throw new Error(`${this.o.name}: ${this.faults.at(-1)}`);
    this.token = welcome.token;
    this.conversationId = welcome.conversationId;
  }

  /** Writes a message: sent now if welcomed, else with the pending ones after the next welcome. */
  write(text: string): void {
    const clientId = `${this.o.name}-${++this.counter}`;
    this.pending.set(clientId, text);
    this.written.push({ clientId, text });
    if (this.current?.ready) this.current.client.send({ type: 'message', clientId, text });
  }

  /** A control frame (request_human, email) on the current socket. */
  send(frame: Record<string, unknown>): void {
    this.current!.client.send(frame);
  }

  /** The frames of the current connection. */
  get client(): WidgetClient {
    return this.current!.client;
  }

  /** The tab is closed: no reconnect. */
  leave(): void {
    this.left = true;
    clearTimeout(this.retryTimer);
    this.current?.client.close();
  }

  /** A page reload onto `instance`: this socket closes, a new one says hello with the token and lastSeq. */
  async reload(instance: Instance): Promise<void> {
    const old = this.current!;
    this.current = null;
    old.client.close();
    await old.client.waitClosed(10_000);
    await this.connect(instance);
  }

  /** Resolves once any reconnect in progress is done. */
  async settled(): Promise<void> {
    while (this.reconnecting) await this.reconnecting;
  }

  private onFrame(conn: NonNullable<Customer['current']>, f: ServerFrame): void {
    if (f.type === 'welcome') {
      // The token must open the same conversation on every instance (one key shared through the database).
      if (this.conversationId && f.conversationId !== this.conversationId) {
        this.faults.push(`welcomed by ${conn.instance.name} into ${f.conversationId}, not ${this.conversationId}`);
        return;
      }
      conn.ready = true;
      this.resendPending(conn);
      return;
    }
    if (f.type === 'ack' || f.type === 'message') {
      this.lastSeq = Math.max(this.lastSeq, f.seq);
      if (f.type === 'ack') this.pending.delete(f.clientId);
      else if (f.clientId) this.pending.delete(f.clientId);
      return;
    }
    if (f.type === 'error') this.o.log(`${this.o.name} on ${conn.instance.name}: error ${f.code} (${f.clientId ?? '-'}) ${f.message}`);
    if (f.type === 'error' && RETRYABLE.has(f.code) && [...this.pending.keys()].some((id) => !f.clientId || id === f.clientId)) {
      clearTimeout(this.retryTimer);
      this.retryTimer = setTimeout(() => this.current && this.resendPending(this.current), 1_000);
    }
  }

  private resendPending(conn: NonNullable<Customer['current']>): void {
    if (!conn.ready || this.current !== conn) return;
    for (const [clientId, text] of this.pending) conn.client.send({ type: 'message', clientId, text });
  }

  private onClose(conn: NonNullable<Customer['current']>): void {
    if (this.left || this.current !== conn) return;
    this.current = null;
    this.o.log(`${this.o.name}: socket on ${conn.instance.name} dropped`);
    // A reconnect in progress notices (its hello fails, or the socket it got is gone) and goes on.
    if (!this.reconnecting) this.reconnecting = this.reconnect(conn.instance).finally(() => (this.reconnecting = null));
  }

  /** Another instance, tried again until one welcomes us (as the widget's backoff does). */
  private async reconnect(previous: Instance): Promise<void> {
    const deadline = Date.now() + 30_000;
    for (let attempt = 0; ; attempt++) {
      const next = this.o.route(previous);
      try {
        await this.connect(next);
        if (this.current) {
          this.o.log(`${this.o.name}: reconnected to ${next.name} from lastSeq ${this.connections.at(-1)!.from}`);
          return;
        }
      } catch (err) {
        if (Date.now() > deadline) throw new Error(`${this.o.name} could not reconnect: ${String(err)}`);
      }
      if (this.left) return;
      previous = next;
      await new Promise((r) => setTimeout(r, 200 + 100 * attempt));
    }
  }
}

/** Message frames' seqs of one connection, in arrival order. */
export const seqsOf = (c: Connection): number[] => c.client.frames('message').map((m) => m.seq);

/**
 * What the protocol promises a connection: the messages after its hello's lastSeq, each once, in
 * order, none skipped. Returns a description of the first breach, or null.
 */
export function connectionBreach(c: Connection): string | null {
  const seqs = seqsOf(c);
  for (let i = 0; i < seqs.length; i++) {
    if (seqs[i] !== c.from + i + 1) return `on ${c.instance} (hello lastSeq ${c.from}) message seqs ${JSON.stringify(seqs)}`;
  }
  return null;
}

/** Every message the customer was shown, deduplicated by seq across connections (as the widget does). */
export function shownBySeq(customer: Customer): Map<number, Extract<ServerFrame, { type: 'message' }>> {
  const bySeq = new Map<number, Extract<ServerFrame, { type: 'message' }>>();
  for (const c of customer.connections) for (const m of c.client.frames('message')) if (!bySeq.has(m.seq)) bySeq.set(m.seq, m);
  return bySeq;
}
