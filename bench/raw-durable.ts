/**
 * Benchmark 1's durable raw servers: what a lean hand-written server pays to ack a message only
 * once it is on disk, with the SQLite work on the main thread (`raw-durable`) or on a writer thread
 * (`raw-durable-worker`). Both speak the widget protocol like the raw echo (welcome on hello; on a
 * message, the echo to the customer's socket and the ack, corked into one write as the app does)
 * and store exactly as benchmark 5's batched raw loop: the app's schema (its migrations, by its
 * migrator, on a fresh file in WAL mode), the same INSERT per message (idempotency by the unique
 * key), the next seq in memory, each conversation's row updated once per batch, one transaction
 * per tick committed with synchronous=NORMAL, the WAL then fsync'd on the thread pool (one fsync at
 * a time, covering every batch committed before it) and only then the acks.
 *
 * The main thread parses, validates (the app's hand-written check of the `message` frame), assigns
 * the seq and the message id, and acks. The worker variant posts each tick's batch to the writer in
 * one postMessage as flat arrays (structured clone, no per-message objects): ~1 µs of main-thread
 * CPU per message (measured with batches of 200), against the ~15 µs the main thread spends on a
 * message anyway and the ~20 µs of the writer's; a SharedArrayBuffer ring would have to encode the
 * texts itself and still needs a wake-up message or a waiting thread, to save part of that 1 µs.
 *
 * Unlike the app, a socket's messages are pipelined (the next is taken before the previous is
 * durable): their order is kept by the seq given on arrival and by acking batches in commit order.
 * A copy (a clientId already stored) takes a seq that is then not used: seqs stay increasing, not
 * gapless, which a baseline may allow itself.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { WebSocketServer, type WebSocket } from 'ws';

/** One tick's writes, in flat arrays so the clone to the writer thread makes no object per message. */
export interface Batch {
  id: number;
  now: string;
  /** New conversations: [visitor id, conversation id] repeated. */
  convs: string[];
  /** Messages: [conversation id, seq, message id, text, clientId] repeated (MSG_FIELDS each). */
  msgs: (string | number)[];
}
export const MSG_FIELDS = 5;
/** A message whose clientId its conversation already had: nothing stored; acked with the stored row. */
export type Conflict = [index: number, id: string, seq: number];

/** The writer's counters (a SharedArrayBuffer's view: the main thread reads a writer thread's). */
export const STAT = { commits: 0, messages: 1, commitNs: 2, fsyncs: 3, fsyncNs: 4 } as const;
export const newStats = () => new Float64Array(new SharedArrayBuffer(8 * Object.keys(STAT).length));

/** The writer: owns its connection; commits batches in one transaction, fsyncs the WAL apart. */
export function openWriter(file: string, stats: Float64Array = newStats()) {
  const add = (i: number, v: number) => (stats[i] = stats[i]! + v);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('journal_mode = WAL');
  // Set once (bench 5 switches per batch: it shares the app's connection): the commit writes the
  // WAL without an fsync, and nothing is acked before the fsync of the WAL that follows.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  const insertVisitor = sqlite.prepare('INSERT INTO visitors (id, created_at, last_seen_at) VALUES (?, ?, ?)');
  const insertConv = sqlite.prepare('INSERT INTO conversations (id, visitor_id, created_at, updated_at) VALUES (?, ?, ?, ?)');
  // The idempotency index is partial (customer messages only): the conflict target names its predicate.
  const insert = sqlite.prepare(
    'INSERT INTO messages (id, conversation_id, seq, role, text, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING',
  );
  const stored = sqlite.prepare('SELECT id, seq FROM messages WHERE conversation_id = ? AND client_id = ?');
  const bump = sqlite.prepare('UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?');
  const commit = sqlite.transaction((batches: Batch[]) =>
    batches.map((b) => {
      const conflicts: Conflict[] = [];
      const { convs, msgs, now } = b;
      for (let i = 0; i < convs.length; i += 2) {
        insertVisitor.run(convs[i], now, now);
        insertConv.run(convs[i + 1], convs[i], now, now);
      }
      const touched = new Map<string, number>();
      for (let i = 0; i < msgs.length; i += MSG_FIELDS) {
        const conv = msgs[i] as string;
        const seq = msgs[i + 1] as number;
        if (insert.run(msgs[i + 2], conv, seq, 'customer', msgs[i + 3], msgs[i + 4], now).changes) touched.set(conv, seq);
        else {
          const row = stored.get(conv, msgs[i + 4]) as { id: string; seq: number };
          conflicts.push([i / MSG_FIELDS, row.id, row.seq]);
        }
      }
      for (const [conv, seq] of touched) bump.run(seq, now, conv);
      return conflicts;
    }),
  );
  let fd: number | null = null;
  let syncing = false;
  let unsynced: (() => void)[] = [];
  const syncLog = () => {
    if (syncing || !unsynced.length) return;
    const covered = unsynced;
    unsynced = [];
    syncing = true;
    fd ??= fs.openSync(`${file}-wal`, 'r');
    const t0 = process.hrtime.bigint();
    fs.fsync(fd, (err) => {
      if (err) throw err;
      add(STAT.fsyncs, 1);
      add(STAT.fsyncNs, Number(process.hrtime.bigint() - t0));
      syncing = false;
      for (const done of covered) done();
      syncLog();
    });
  };
  return {
    commit(batches: Batch[]): Conflict[][] {
      const t0 = process.hrtime.bigint();
      const conflicts = commit(batches);
      add(STAT.commitNs, Number(process.hrtime.bigint() - t0));
      add(STAT.commits, 1);
      for (const b of batches) add(STAT.messages, b.msgs.length / MSG_FIELDS);
      return conflicts;
    },
    /** `done` runs once everything committed so far is on disk. */
    afterSync(done: () => void) {
      unsynced.push(done);
      syncLog();
    },
    close() {
      if (fd !== null) fs.closeSync(fd);
      sqlite.close();
    },
  };
}

/** This thread's kernel id (/proc/thread-self names it). */
function ownTid(): number {
  return Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
}

// The writer thread: batches that arrive while it commits or waits for the disk are committed together.
if (!isMainThread && workerData?.rawDurableWriter) {
  const writer = openWriter(workerData.file as string, workerData.stats as Float64Array);
  const port = parentPort!;
  let queue: Batch[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    const batches = queue;
    queue = [];
    const conflicts = writer.commit(batches);
    writer.afterSync(() => port.postMessage({ ids: batches.map((b) => b.id), conflicts }));
  };
  port.on('message', (b: Batch | 'close') => {
    if (b === 'close') {
      writer.close();
      port.close();
      return;
    }
    queue.push(b);
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  });
  port.postMessage({ tid: ownTid() });
}

export interface RawDurableServer {
  url: string;
  /** Its database (removed by stop). */
  file: string;
  /** The writer thread's kernel id (worker variant), for its CPU time. */
  writerTid: number | null;
  /** The writer's counters so far (STAT's names). */
  stats(): Record<keyof typeof STAT, number>;
  stop(): Promise<void>;
}

interface Tick {
  batch: Batch;
  /** The socket of each message in `batch.msgs`. */
  sockets: WebSocket[];
  welcomes: { ws: WebSocket; conv: string }[];
}

export async function startRawDurable(withWorker: boolean): Promise<RawDurableServer> {
  // Loaded here only: a writer thread needs none of the app's modules.
  const [{ openDatabase }, { migrate }, { parseMessageFrame }, { newId }] = await Promise.all([
    import('../src/db/database'),
    import('../src/db/migrator'),
    import('../src/gateway/protocol'),
    import('../src/core/ids'),
  ]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-raw-durable-'));
  const file = path.join(dir, 'handoff.db');
  const db = openDatabase(file);
  migrate(db);
  db.close();

  const stats = newStats();
  let batchIds = 0;
  let tick: Tick | null = null;
  let submit: (t: Tick) => void;
  let writerTid: number | null = null;
  let closeWriter: () => Promise<void>;
  if (withWorker) {
    // Node 20 does not apply tsx's hooks (given by --import) to a worker's entry: it registers them itself first.
    const entry = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(entry, { eval: true, workerData: { rawDurableWriter: true, file, stats } });
    const inflight = new Map<number, Tick>();
    writerTid = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: { tid: number }) => resolve(m.tid));
    });
    worker.on('message', (m: { ids: number[]; conflicts: Conflict[][] }) => {
      m.ids.forEach((id, i) => {
        const t = inflight.get(id)!;
        inflight.delete(id);
        durable(t, m.conflicts[i]!);
      });
    });
    submit = (t) => {
      inflight.set(t.batch.id, t);
      worker.postMessage(t.batch);
    };
    closeWriter = async () => {
      worker.postMessage('close');
      await new Promise<void>((r) => worker.once('exit', () => r()));
    };
  } else {
    const writer = openWriter(file, stats);
    submit = (t) => {
      const [conflicts] = writer.commit([t.batch]);
      writer.afterSync(() => durable(t, conflicts!));
    };
    closeWriter = async () => writer.close();
  }

  const flushTick = () => {
    const t = tick!;
    tick = null;
    submit(t);
  };
  const current = (): Tick => {
    if (!tick) {
      tick = { batch: { id: ++batchIds, now: new Date().toISOString(), convs: [], msgs: [] }, sockets: [], welcomes: [] };
      setImmediate(flushTick);
    }
    return tick;
  };

  function durable(t: Tick, conflicts: Conflict[]): void {
    for (const { ws, conv } of t.welcomes) {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'welcome', token: randomUUID(), conversationId: conv, state: 'ai' }));
    }
    const { msgs, now } = t.batch;
    let c = 0;
    for (let i = 0; i < t.sockets.length; i++) {
      const o = i * MSG_FIELDS;
      const clientId = msgs[o + 4];
      const ws = t.sockets[i]!;
      // A copy (its clientId already stored) is acked with the stored message and not echoed again.
      if (conflicts[c]?.[0] === i) {
        const [, id, seq] = conflicts[c++]!;
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ type: 'ack', clientId, id, seq }));
        continue;
      }
      if (ws.readyState !== ws.OPEN) continue;
      const id = msgs[o + 2];
      const seq = msgs[o + 1];
      cork(ws);
      ws.send(JSON.stringify({ type: 'message', id, seq, role: 'customer', text: msgs[o + 3], at: now, clientId }));
      ws.send(JSON.stringify({ type: 'ack', clientId, id, seq }));
    }
  }

  const server = http.createServer((_req, res) => res.end('raw-durable'));
  const wss = new WebSocketServer({ server, path: '/widget/ws', perMessageDeflate: false });
  wss.on('connection', (ws) => {
    let conv: string | null = null;
    let seq = 0;
    ws.on('message', (data) => {
      let json: unknown;
      try {
        json = JSON.parse(String(data));
      } catch {
        return ws.send(JSON.stringify({ type: 'error', code: 'bad_frame', message: 'Frames must be valid JSON.' }));
      }
      const type = (json as { type?: unknown } | null)?.type;
      if (type === 'hello' && !conv) {
        conv = newId('c');
        const t = current();
        t.batch.convs.push(newId('v'), conv);
        t.welcomes.push({ ws, conv });
        return;
      }
      const frame = type === 'message' ? parseMessageFrame(json as object) : null;
      if (!frame || !conv) return ws.send(JSON.stringify({ type: 'error', code: 'bad_frame', message: 'Only hello, then messages.' }));
      const t = current();
      // The app's ids (time first: the key index grows at its end).
      t.batch.msgs.push(conv, ++seq, newId('m'), frame.text, frame.clientId);
      t.sockets.push(ws);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    file,
    writerTid,
    stats: () => Object.fromEntries(Object.entries(STAT).map(([k, i]) => [k, stats[i]!])) as Record<keyof typeof STAT, number>,
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise<void>((r) => wss.close(() => r()));
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await closeWriter();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** As the app's registry: a socket's frames of one tick leave in one write (echo and ack together). */
type Corkable = { cork(): void; uncork(): void };
const corked = new WeakSet<Corkable>();
function cork(ws: WebSocket): void {
  const tcp = (ws as unknown as { _socket?: Corkable })._socket;
  if (!tcp || corked.has(tcp)) return;
  tcp.cork();
  corked.add(tcp);
  process.nextTick(() => {
    corked.delete(tcp);
    tcp.uncork();
  });
}
