import pg from 'pg';
import { decodePeerNote, encodePeerNote, type PeerChannel, type PeerNote } from '../../core/peers';
import type { Logger } from '../../logger';

/** The LISTEN/NOTIFY channel every instance of one deployment shares. */
export const PEER_CHANNEL = 'handoff_peers';

/** The `from` of the resync a channel hands its own subscribers after reconnecting (never an instance's id). */
export const RECONNECTED = 'peer-channel:reconnected';

export interface PostgresPeerChannelOptions {
  channel?: string;
  /** Shown in pg_stat_activity (default handoff-peers). */
  applicationName?: string;
  /** Waits between connection attempts: doubling from baseMs up to maxMs (default 100 ms to 5 s). */
  backoff?: { baseMs: number; maxMs: number };
  /** Notes kept while disconnected and sent on reconnection (default 1000); past that the others are asked to resync. */
  maxBuffered?: number;
}

export interface PostgresPeerChannel extends PeerChannel {
  /** Resolves once the channel is listening (now, or when its connection is next up). */
  listening(): Promise<void>;
}

/**
 * The PeerChannel of instances sharing a PostgreSQL database: one asynchronous pg connection
 * (not the synchronous bridge: notifications arrive on their own) LISTENs on one channel, and
 * notes go out with pg_notify on it. Notifications from this connection's own backend are its own
 * notes and are not handed back.
 *
 * The connection may drop (a restart, pg_terminate_backend, the network): it is opened again with
 * backoff, and never takes the process down (errors are logged). Notes published meanwhile are
 * kept and sent on reconnection; if any could not be sent, the others are told to resync. Notes sent
 * by the others meanwhile are lost to this instance, so after a reconnection the subscribers get a
 * `resync` note: drop every cache, bring the sockets up to date from the tables.
 */
export function createPostgresPeerChannel(url: string, logger: Logger, options: PostgresPeerChannelOptions = {}): PostgresPeerChannel {
  const channel = options.channel ?? PEER_CHANNEL;
  const backoff = options.backoff ?? { baseMs: 100, maxMs: 5_000 };
  const maxBuffered = options.maxBuffered ?? 1_000;
  const subscribers = new Set<(note: PeerNote) => void>();
  const buffered: { text: string; from: string }[] = [];
  /** A note could not be sent (its `from`, for the resync asked of the others instead). */
  let missedFrom: string | null = null;
  let client: pg.Client | null = null;
  let ownPid: number | null = null;
  let up = false;
  let everUp = false;
  let closed = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | null = null;
  let waiters: (() => void)[] = [];

  const deliver = (note: PeerNote) => {
    for (const fn of subscribers) {
      try {
        fn(note);
      } catch (err) {
        logger.error({ err, note: note.t }, 'a peer note subscriber failed');
      }
    }
  };

  // One query at a time on the connection (pg deprecates queueing them): notes published while one
  // is on its way go together in the next, in order (one statement, one transaction: delivered in
  // the order sent).
  let outgoing: { text: string; from: string }[] = [];
  let sending = false;
  const send = (c: pg.Client, text: string, from: string) => {
    outgoing.push({ text, from });
    if (!sending) void sendAll(c);
  };
  const sendAll = async (c: pg.Client) => {
    sending = true;
    try {
      while (outgoing.length) {
        const batch = outgoing;
        outgoing = [];
        try {
          await c.query('select pg_notify($1, t) from unnest($2::text[]) as t', [channel, batch.map((n) => n.text)]);
        } catch (err) {
          // The connection went down under it: whether it was sent is unknown, so the others resync.
          missedFrom = batch.at(-1)!.from;
          logger.warn({ err, notes: batch.length }, 'peer notes may not have reached the other instances');
        }
      }
    } finally {
      sending = false;
    }
  };

  const dropped = (c: pg.Client, err?: unknown) => {
    if (c !== client) return; // an older connection, already replaced
    client = null;
    up = false;
    ownPid = null;
    if (err) logger.error({ err }, 'the peer channel lost its PostgreSQL connection; reconnecting');
    c.removeAllListeners('notification');
    c.end().catch(() => {});
    schedule();
  };

  const schedule = () => {
    if (closed || timer) return;
    const wait = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 16));
    attempt++;
    timer = setTimeout(() => {
      timer = null;
      void connect();
    }, wait * (0.8 + Math.random() * 0.4));
    timer.unref();
  };

  const connect = async () => {
    if (closed || client) return;
    const c = new pg.Client({ connectionString: url, keepAlive: true, application_name: options.applicationName ?? 'handoff-peers' });
    client = c;
    // Without these a dropped connection is an unhandled 'error' event: the process would exit.
    c.on('error', (err) => dropped(c, err));
    c.on('end', () => dropped(c, new Error('connection ended')));
    c.on('notification', (msg) => {
      if (msg.channel !== channel || msg.processId === ownPid || !msg.payload) return;
      const note = decodePeerNote(msg.payload);
      if (note) deliver(note);
      else logger.warn({ bytes: msg.payload.length }, 'ignored a peer note that is not one');
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (err) {
      if (client === c) logger.error({ err, attempt }, 'the peer channel could not connect to PostgreSQL; trying again');
      dropped(c);
      return;
    }
    if (client !== c) return;
    if (closed) {
      await c.end().catch(() => {});
      return;
    }
    ownPid = (c as unknown as { processID: number | null }).processID;
    up = true;
    attempt = 0;
    for (const { text, from } of buffered.splice(0)) send(c, text, from);
    if (missedFrom !== null) {
      send(c, encodePeerNote({ t: 'resync', from: missedFrom }), missedFrom);
      missedFrom = null;
    }
    if (everUp) {
      logger.info('the peer channel is connected again; resyncing');
      deliver({ t: 'resync', from: RECONNECTED });
    }
    everUp = true;
    const ready = waiters;
    waiters = [];
    for (const w of ready) w();
  };

  void connect();

  return {
    publish(note) {
      const text = encodePeerNote(note);
      if (closed) return;
      if (up && client) return send(client, text, note.from);
      if (buffered.length < maxBuffered) buffered.push({ text, from: note.from });
      else missedFrom = note.from;
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
    listening() {
      if (up) return Promise.resolve();
      return new Promise((resolve) => waiters.push(resolve));
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      timer = null;
      subscribers.clear();
      const c = client;
      client = null;
      up = false;
      if (c) await c.end().catch(() => {});
    },
  };
}
