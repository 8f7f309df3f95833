import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * A synchronous PostgreSQL client, so that the stores stay synchronous as over better-sqlite3: a
 * worker thread (./sync-worker.mjs) holds one pg connection; each call posts the statement to it and
 * blocks on Atomics.wait until the answer is posted back (the synckit pattern). Within a process
 * statements therefore run one at a time, in call order, and a transaction is never interleaved.
 *
 * Rows look like better-sqlite3's: int8 and numeric are numbers, booleans are 1/0.
 *
 * Connection loss: the worker drops a dead connection (server restart, pg_terminate_backend, server
 * stopped) and the next query makes one attempt to reconnect, then runs — unless the connection died
 * inside a transaction: that query throws DatabaseUnavailableError (the transaction is gone) and the
 * one after it reconnects. A query in flight when the connection dies throws
 * DatabaseUnavailableError (whether it ran is unknown: it is never retried here).
 */
export interface SyncPgResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/** The database cannot be reached (refused, gone, timed out): "not now", retry later. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DB_UNAVAILABLE' as const;
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
}

export interface SyncPgOptions {
  /** One connection attempt, including the first (default 5000). */
  connectTimeoutMs?: number;
  /** How long a call waits for its answer (default 15000); the server's statement_timeout is a little less. */
  queryTimeoutMs?: number;
}

/** Time for a new worker to load pg before it can start connecting (only the first call waits for it). */
const WORKER_START_ALLOWANCE_MS = 10_000;
/** How long close() waits for the connection to end politely before terminating the worker. */
const CLOSE_WAIT_MS = 2_000;

interface WorkerError {
  message: string;
  unavailable: boolean;
  stage: 'connect' | 'reconnect' | 'query';
  code?: string;
  [field: string]: unknown;
}
interface Answer {
  id: number;
  rows?: Record<string, unknown>[];
  rowCount?: number;
  error?: WorkerError;
}

/** The URL with its password (in the userinfo or a `password=` parameter) replaced by `***`. */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*):.*@/is, '$1:***@')
    .replace(/([?&]password=)[^&#]*/gi, '$1***');
}

function checkUrl(url: string): void {
  const expected = 'expected postgres://user:password@host:port/database';
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    throw new Error(`invalid PostgreSQL URL ${oneLine(redactUrl(url))}: ${expected}`);
  }
  if (protocol !== 'postgres:' && protocol !== 'postgresql:') {
    throw new Error(`invalid PostgreSQL URL ${oneLine(redactUrl(url))}: ${expected}`);
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

export class SyncPgClient {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** [0]: 1 when an answer was posted; [1]: 1 once the worker has exited. */
  readonly #signal: Int32Array;
  readonly #where: string;
  readonly #queryTimeoutMs: number;
  // One request object, refilled per call: the only per-call allocation is postMessage's copy.
  readonly #request = { id: 0, op: 'query', sql: '', params: undefined as readonly unknown[] | undefined, name: undefined as string | undefined };
  #nextId = 0;
  #connected = false;
  #closed = false;

  /** Connects synchronously; throws a one-line Error naming the URL (password redacted). */
  static connect(url: string, options: SyncPgOptions = {}): SyncPgClient {
    checkUrl(url);
    return new SyncPgClient(url, options.connectTimeoutMs ?? 5_000, options.queryTimeoutMs ?? 15_000);
  }

  private constructor(url: string, connectTimeoutMs: number, queryTimeoutMs: number) {
    this.#where = oneLine(redactUrl(url));
    this.#queryTimeoutMs = queryTimeoutMs;
    this.#signal = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    this.#worker = new Worker(new URL('./sync-worker.mjs', import.meta.url), {
      workerData: { url, port: port2, flag: this.#signal.buffer, connectTimeoutMs, queryTimeoutMs },
      transferList: [port2],
      // Plain JavaScript that needs no loader; the parent's flags (`node -e …`, `--eval`) would make
      // the worker run them instead of its file and never answer.
      execArgv: [],
    });
    // Never what keeps the process alive: a process that is done exits without close().
    this.#worker.unref();
    this.#port.unref();
    // Errors inside the worker are answered through the port; this only keeps an unexpected
    // crash from becoming an uncaught exception of the process (the next call reports it).
    this.#worker.on('error', () => undefined);
    try {
      this.#call('connect', '', undefined, undefined, connectTimeoutMs + WORKER_START_ALLOWANCE_MS);
    } catch (err) {
      void this.#worker.terminate();
      this.#closed = true;
      throw err;
    }
  }

  /** Whether the last contact with the server succeeded. */
  get connected(): boolean {
    return this.#connected;
  }

  /** Runs one statement, params bound as $1..$n; `name` reuses a server-side prepared statement. */
  query(sql: string, params?: readonly unknown[], name?: string): SyncPgResult {
    if (this.#closed) throw new Error('SyncPgClient is closed');
    const answer = this.#call('query', sql, params, name, this.#queryTimeoutMs);
    return { rows: answer.rows ?? [], rowCount: answer.rowCount ?? 0 };
  }

  /** Ends the connection and the worker; later queries throw. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#connected = false;
    try {
      this.#call('close', '', undefined, undefined, CLOSE_WAIT_MS);
    } catch {
      // Ending politely is a courtesy to the server; terminating the worker closes the socket anyway.
    }
    void this.#worker.terminate();
  }

  #call(op: string, sql: string, params: readonly unknown[] | undefined, name: string | undefined, timeoutMs: number): Answer {
    const id = ++this.#nextId;
    const request = this.#request;
    request.id = id;
    request.op = op;
    request.sql = sql;
    request.params = params;
    request.name = name;
    this.#port.postMessage(request);
    request.params = undefined; // not kept alive until the next call
    const answer = this.#await(id, timeoutMs);
    if (!answer.error) {
      this.#connected = true;
      return answer;
    }
    throw this.#toError(answer.error);
  }

  /** Blocks until the worker answers `id`; answers to earlier calls that timed out are skipped. */
  #await(id: number, timeoutMs: number): Answer {
    const signal = this.#signal;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      // Clear, then look, then wait only while still clear: an answer posted after the look sets
      // the flag first, so the wait returns at once and no wake-up is lost.
      Atomics.store(signal, 0, 0);
      const received = receiveMessageOnPort(this.#port);
      if (received) {
        const answer = received.message as Answer;
        if (answer.id === id) return answer;
        continue;
      }
      if (Atomics.load(signal, 1) === 1) {
        this.#connected = false;
        this.#closed = true;
        throw new DatabaseUnavailableError(`the PostgreSQL worker for ${this.#where} has stopped`);
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        this.#connected = false;
        throw new DatabaseUnavailableError(`PostgreSQL at ${this.#where} did not answer within ${timeoutMs} ms`);
      }
      Atomics.wait(signal, 0, 0, remaining);
    }
  }

  #toError(failure: WorkerError): Error {
    if (failure.stage === 'connect') {
      const message = `cannot connect to PostgreSQL at ${this.#where}: ${failure.message}`;
      this.#connected = false;
      return failure.unavailable ? new DatabaseUnavailableError(message) : Object.assign(new Error(message), pick(failure));
    }
    if (failure.unavailable) {
      this.#connected = false;
      const prefix = failure.stage === 'reconnect' ? 'cannot reconnect to' : 'lost the connection to';
      return new DatabaseUnavailableError(`${prefix} PostgreSQL at ${this.#where}: ${failure.message}`);
    }
    // An SQL error: the server answered, so contact succeeded.
    this.#connected = failure.stage !== 'reconnect';
    const message = failure.stage === 'reconnect' ? `cannot reconnect to PostgreSQL at ${this.#where}: ${failure.message}` : failure.message;
    return Object.assign(new Error(message), pick(failure));
  }
}

/** pg's error fields (code, detail, constraint, …) without the transport's own. */
function pick(failure: WorkerError): Record<string, unknown> {
  const { message: _message, unavailable: _unavailable, stage: _stage, ...fields } = failure;
  return fields;
}
