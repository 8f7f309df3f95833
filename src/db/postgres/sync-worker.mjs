// The worker half of SyncPgClient (./sync-client.ts): holds one pg.Client and answers the main
// thread's requests one at a time. Plain JavaScript so that it runs under tsx, vitest and plain node
// alike: a worker does not always inherit a TypeScript loader.
//
// Protocol: requests arrive on `port` as { id, op: 'connect' | 'query' | 'close', sql, params, name };
// each answer { id, rows, rowCount } or { id, error } is posted on the same port, THEN the shared
// flag is set to 1 and notified, so the main thread, blocked in Atomics.wait, never misses it.
import { workerData } from 'node:worker_threads';

const { url, port, flag, connectTimeoutMs, queryTimeoutMs } = workerData;
const signal = new Int32Array(flag);

// A worker that dies (a bug, out of memory) must not leave the main thread waiting out its deadline
// on every call: slot 1 tells it there is no one left to answer.
process.on('exit', () => {
  Atomics.store(signal, 1, 1);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
});

// Loaded here rather than by a static import so that a missing or broken pg is answered to the
// caller as an error instead of a worker that dies before it can say why.
let pg;
let unusable;
try {
  ({ default: pg } = await import('pg'));
} catch (err) {
  unusable = `the pg package cannot be loaded: ${err?.message ?? err}`;
}

// Rows shaped like better-sqlite3's, so that the same repository code reads both: SQLite has no
// booleans (code compares with 1) and returns integers as numbers.
const PARSERS = {
  20: Number, // int8: count(*), bigint ids
  1700: Number, // numeric: avg(), sum() of integers
  16: (text) => (text === 't' ? 1 : 0), // bool
};
// Per client, not pg.types: the rest of the process (kysely's pg pool, the migrator) keeps pg's defaults.
const types = {
  getTypeParser(oid, format) {
    return (format !== 'binary' && PARSERS[oid]) || pg.types.getTypeParser(oid, format);
  },
};

// The server cancels a slow statement a little before the main thread gives up on it, so that an
// ordinary slow query reports its own error (57014) and leaves the connection usable.
const statementTimeoutMs = Math.max(1, queryTimeoutMs - Math.min(1000, Math.ceil(queryTimeoutMs / 4)));

const UNAVAILABLE_ERRNO = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'ENOENT', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH',
  'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL',
]);
// 57P01 admin shutdown / terminate_backend, 57P02 crash shutdown, 57P03 cannot connect now (starting
// up, shutting down), 53300 too many connections: all "not now".
const UNAVAILABLE_SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGE = /Connection terminated|timeout expired|not queryable|Connection closed/i;

function isUnavailable(err) {
  const code = typeof err?.code === 'string' ? err.code : '';
  if (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.has(code) || code.startsWith('08')) return true;
  return UNAVAILABLE_MESSAGE.test(String(err?.message ?? ''));
}

const ERRNO_TEXT = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOENT: 'no server socket at that path',
  ETIMEDOUT: 'timed out',
  EPIPE: 'connection closed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host lookup failed',
};

/** One line, without the noise of node's "connect ECONNREFUSED 127.0.0.1:5432". */
function reason(err) {
  const code = typeof err?.code === 'string' ? err.code : '';
  if (ERRNO_TEXT[code]) return `${ERRNO_TEXT[code]} (${code})`;
  if (/timeout expired/i.test(String(err?.message))) return `no answer within ${connectTimeoutMs} ms (timed out)`;
  return String(err?.message ?? err).replace(/\s*\n\s*/g, ' ');
}

// pg's DatabaseError loses its fields through postMessage: send them as a plain object.
const ERROR_FIELDS = ['code', 'detail', 'hint', 'constraint', 'severity', 'schema', 'table', 'column', 'dataType', 'where', 'position'];
function describe(err, stage) {
  const out = { message: stage === 'query' ? String(err?.message ?? err) : reason(err), unavailable: isUnavailable(err), stage };
  for (const field of ERROR_FIELDS) if (err?.[field] !== undefined) out[field] = err[field];
  return out;
}

let client = null;
// The transaction status of the last ReadyForQuery: 'I' idle, 'T' in a transaction, 'E' failed one.
let txStatus = 'I';
// The connection died while idle inside a transaction: the next query must say so, not run in a
// fresh session as if the caller's transaction were still open.
let lostInTransaction = false;
let inFlight = false;
let queue = Promise.resolve();

function drop(c) {
  if (c !== client) return;
  client = null;
  if (txStatus !== 'I') lostInTransaction = true;
  txStatus = 'I';
  c.connection.stream.destroy();
}

async function open() {
  const c = new pg.Client({
    connectionString: url,
    types,
    connectionTimeoutMillis: connectTimeoutMs,
    statement_timeout: statementTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'handoff',
  });
  // Without a listener an idle connection's death (server restart, pg_terminate_backend) would
  // crash the worker; with it, the client is dropped and the next query reconnects.
  c.on('error', () => drop(c));
  try {
    await c.connect();
  } catch (err) {
    c.connection.stream.destroy();
    throw err;
  }
  c.connection.on('readyForQuery', (msg) => {
    if (c === client) txStatus = msg.status;
  });
  c.connection.once('end', () => drop(c));
  client = c;
  txStatus = 'I';
  return c;
}

async function run(request) {
  if (unusable) throw { failure: { message: unusable, unavailable: false, stage: 'connect' } };
  if (request.op === 'close') {
    const c = client;
    client = null;
    if (c) await c.end().catch(() => undefined);
    return { rows: [], rowCount: 0 };
  }
  if (request.op === 'connect') {
    await open().catch((err) => Promise.reject({ failure: describe(err, 'connect') }));
    return { rows: [], rowCount: 0 };
  }
  if (!client) {
    if (lostInTransaction) {
      lostInTransaction = false;
      throw { failure: { message: 'the connection to PostgreSQL was lost inside a transaction (the server rolled it back)', unavailable: true, stage: 'query' } };
    }
    // One attempt, bounded by connectTimeoutMs; while the server is down each query fails fast.
    await open().catch((err) => Promise.reject({ failure: describe(err, 'reconnect') }));
  }
  const c = client;
  try {
    const { sql, params, name } = request;
    const config = name ? { name, text: sql, values: params ?? [] } : params?.length ? { text: sql, values: params } : sql;
    const result = await c.query(config);
    // A multi-statement text answers with one result per statement: the last is the caller's.
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return { rows: last?.rows ?? [], rowCount: last?.rowCount ?? 0 };
  } catch (err) {
    const failure = describe(err, 'query');
    if (failure.unavailable) {
      // This answer reports the loss, so the next query must not report it again.
      drop(c);
      lostInTransaction = false;
    }
    throw { failure };
  }
}

async function handle(request) {
  inFlight = true;
  let answer;
  try {
    const { rows, rowCount } = await run(request);
    answer = { id: request.id, rows, rowCount };
  } catch (err) {
    answer = { id: request.id, error: err?.failure ?? describe(err, request.op) };
  }
  // Posting, flagging and clearing inFlight in one synchronous step: the next request can only be
  // dispatched after it, so inFlight is true exactly while the main thread awaits this answer.
  inFlight = false;
  port.postMessage(answer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
  if (request.op === 'close') port.close();
}

port.on('message', (request) => {
  // The main thread only sends while nothing is in flight, unless it gave up waiting: then the
  // connection is stuck (network) or too slow, and the caller was told its work is lost. End it
  // so the abandoned query answers (stale, discarded by id) and this one gets a fresh connection.
  if (inFlight && client) {
    const stuck = client;
    drop(stuck);
    lostInTransaction = false;
  }
  queue = queue.then(() => handle(request));
});
