/**
 * Issue 16, several instances as one deployment: three app processes on one PostgreSQL database
 * with the Slack emulation. Customers' sockets are spread over the instances; Slack's requests go
 * to random instances, some events twice at once; two agents claim each card on two instances at
 * once. Mid-burst the instance holding the Slack outbox's lane (a post in flight) is killed with
 * SIGKILL: its customers reconnect elsewhere with their token and lastSeq and send again what was
 * not acked, the others take over its lane within 30 s, and it is started again. In the end every
 * message is in Slack and in the widget once and in order, seqs have no gaps, each conversation
 * has one owner (losers told), and a scheduled job's tick ran once across the three (one email).
 *
 * Nothing waits a fixed time: every step waits for its condition, with generous deadlines.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { connectionBreach, Customer, shownBySeq } from './support/cluster-customer';
import { startInstances, type Instance } from './support/cluster-instances';
import { SlackSide } from './support/cluster-slack';
import { Traffic, type Conversation } from './support/cluster-traffic';
import { startPostgres, type PostgresServer } from './support/postgres-server';
import { ROOT } from './support/run-process';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator } from './support/slack-emulator';
import { threadLines } from './support/thread-lines';
import { startSmtpSink } from './support/smtp-sink';

const C = SLACK_IDS.support;
const AGENTS = [SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus];
const SECRET = 'cluster-signing-secret';
/** Customers chatting (their sockets round robin over the instances), plus one who leaves and is emailed. */
const CHATTERS = 7;
const MAIL_TO = 'away@example.com';
/** The outbox's lane lease lasts 15 s: a killed holder's lane must be going again well within this. */
const TAKEOVER_MS = 30_000;

let server: PostgresServer;
let db: pg.Client;
let emulator: SlackEmulator;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let dir: string;
let instances: Instance[] = [];
const customers: Customer[] = [];
const notes: string[] = [];
const seed = Number(process.env.CLUSTER_SEED) || Date.now() % 1_000_000;

/** mulberry32: the run's random choices follow from its seed (printed when the test fails). */
function seeded(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const note = (line: string) => notes.push(`${new Date().toISOString().slice(11, 23)} ${line}`);

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const rows = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> => (await db.query(sql, params)).rows as T[];

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase();
  db = new pg.Client({ connectionString: url });
  await db.connect();
  emulator = await startSlackEmulator();
  // A mail server that takes its time to accept: the instances' mail workers overlap while it does.
  smtp = await startSmtpSink({ acceptDelayMs: 2_500 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-cluster-'));
  // Three processes start together on an empty database: they migrate it once between them.
  instances = await startInstances(3, {
    HOST: '127.0.0.1',
    DATABASE_URL: url,
    KB_DIR: path.join(ROOT, 'kb'),
    SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: emulator.apiUrl,
    SLACK_HANDOFF_CHANNEL: C,
    SMTP_URL: smtp.url,
    OFFLINE_EMAIL_DELAY_S: '1',
    LOG_LEVEL: 'info',
  }, dir);
}, 90_000);

afterAll(async () => {
  for (const c of customers) c.leave();
  await Promise.all(instances.map((x) => x.kill9()));
  await db?.end();
  await emulator?.close();
  await smtp?.close();
  await server?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('three instances on one PostgreSQL database', () => {
  it('deliver every message once and in order through claims, duplicate events and a kill -9 mid-burst', async () => {
    onTestFailed(() => {
      console.error(`cluster test seed ${seed} (CLUSTER_SEED=${seed} repeats its choices)\n${notes.join('\n')}`);
      for (const x of instances) console.error(x.tail(80));
    });
    const started = Date.now();
    const random = seeded(seed);
    const slack = new SlackSide(emulator, instances, SECRET, C, random);
    /** The next live instance after `previous`, in ring order: a dropped socket's customers spread. */
    const route = (previous: Instance) => {
      const at = instances.indexOf(previous);
      for (let k = 1; k <= instances.length; k++) {
        const x = instances[(at + k) % instances.length]!;
        if (x.alive && x !== previous) return x;
      }
      return previous;
    };

    // ---- Customers ask for a person, each on its instance (round robin). -------------------------
    for (let i = 0; i <= CHATTERS; i++) {
      const mail = i === CHATTERS;
      customers.push(new Customer({ name: mail ? 'away' : `c${i}`, route, log: note }));
    }
    await Promise.all(
      customers.map(async (c, i) => {
        await c.connect(instances[i % instances.length]!);
        if (i === CHATTERS) {
          c.send({ type: 'email', email: MAIL_TO });
          await c.client.next('message', (m) => m.text.includes(MAIL_TO), 20_000);
        }
        c.send({ type: 'request_human' });
        await c.client.next('state', (f) => f.state === 'waiting', 20_000);
      }),
    );
    const cards = await Promise.all(
      customers.map((c) =>
        emulator.waitForMessage(C, (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(c.conversationId), 20_000),
      ),
    );
    note(`cards posted after ${Date.now() - started} ms`);

    // ---- Two agents click Claim on each card at once, on two instances. -----------------------
    const owners: string[] = [];
    const losses: { loser: string; owner: string }[] = [];
    await Promise.all(
      customers.map(async (c, i) => {
        if (i === CHATTERS) {
          expect(await slack.claim(SLACK_IDS.linus, cards[i]!.ts, slack.pick())).toBe(200);
          return;
        }
        const pair = [AGENTS[i % 3]!, AGENTS[(i + 1) % 3]!];
        const statuses = await Promise.all(pair.map((agent, k) => slack.claim(agent, cards[i]!.ts, instances[(i + k) % instances.length]!)));
        expect(statuses).toEqual([200, 200]);
      }),
    );
    for (const [i, c] of customers.entries()) {
      await until(async () => (await rows('SELECT owner_id FROM conversations WHERE id = $1 AND owner_id IS NOT NULL', [c.conversationId])).length === 1, `an owner for ${c.o.name}`);
      const owner_id = (await rows<{ owner_id: string }>('SELECT owner_id FROM conversations WHERE id = $1', [c.conversationId]))[0]!.owner_id;
      owners[i] = owner_id;
      if (i < CHATTERS) {
        const pair = [AGENTS[i % 3]!, AGENTS[(i + 1) % 3]!];
        expect(pair).toContain(owner_id);
        losses.push({ loser: pair.find((a) => a !== owner_id)!, owner: owner_id });
      }
    }
    note(`claimed after ${Date.now() - started} ms: ${owners.join(' ')}`);

    // ---- The emailed customer leaves; its owner answers; a scheduled tick emails it once. --------
    const away = customers[CHATTERS]!;
    await away.client.next('message', (m) => m.role === 'agent', 20_000); // the introduction, seen
    away.leave();
    await away.client.waitClosed(10_000);
    await slack.reply(owners[CHATTERS]!, cards[CHATTERS]!.ts, 'Your refund went out today.');

    // ---- Traffic: customers write, owners reply (some events twice); kill -9 mid-burst. ---------
    const chatters = customers.slice(0, CHATTERS);
    const talks: Conversation[] = chatters.map((customer, i) => ({ customer, owner: owners[i]!, threadTs: cards[i]!.ts, replies: [] }));
    const traffic = new Traffic(slack, talks, random);
    /** Until every customer has written `more` messages beyond `marks` and is connected. */
    const wroteMore = async (marks: number[], more: number, what: string) => {
      await until(() => chatters.every((c, i) => c.written.length >= marks[i]! + more), what);
      await Promise.all(chatters.map((c) => c.settled()));
    };

    // The post of one customer message is held in flight in Slack: whoever sends it holds the lane.
    // (Waiting customer messages merge into one post: it is the post that carries the line.)
    const hold = emulator.holdNext('chat.postMessage', (a) => typeof a.text === 'string' && a.text.split('\n').includes('c1 m3'));
    for (const t of talks) for (let k = 0; k < 4; k++) traffic.write(t);
    traffic.start();
    await Promise.race([hold.arrived, new Promise((_, reject) => setTimeout(() => reject(new Error('the held post never reached Slack')), 30_000))]);
    const [lease] = await rows<{ owner: string }>('SELECT owner FROM slack_outbox_leases WHERE lane = $1', [C]);
    const victim = instances.find((x) => lease && x.pid === Number(lease.owner.split('/')[1]));
    if (!victim) throw new Error(`the lane's lease is held by ${JSON.stringify(lease)}, none of ${instances.map((x) => x.pid).join(', ')}`);
    const leftOver = await rows<{ id: number }>("SELECT id FROM slack_outbox WHERE status IN ('pending', 'sending')");
    // In flight as it dies: its customers' latest messages, and Slack events sent to it.
    for (const t of talks) if (t.customer.instance === victim) for (let k = 0; k < 3; k++) traffic.write(t);
    const doomed = talks.slice(0, 3).map((t) => traffic.reply(t, victim));
    await victim.kill9();
    const killedAt = Date.now();
    // Slack carries out the call it had received; the answer goes nowhere.
    hold.release();
    const unacked = talks.filter((t) => t.customer.connections.at(-1)!.instance === victim.name).map((t) => `${t.customer.o.name} ${t.customer.pending.size}`);
    note(`killed ${victim.name} (lease holder) after ${killedAt - started} ms with ${leftOver.length} Slack posts to send; unacked: ${unacked.join(', ')}`);

    // ---- While it is down: its customers reconnect and write on, Slack goes to the others. -----
    await wroteMore(chatters.map((c) => c.written.length), 4, 'writing while an instance is down');
    await traffic.stop();
    await Promise.all(doomed);
    const ids = leftOver.map((r) => r.id);
    await until(
      async () => (await rows("SELECT id FROM slack_outbox WHERE id = ANY($1) AND status <> 'sent'", [ids])).length === 0,
      "the killed instance's Slack posts sent by the others",
      TAKEOVER_MS - (Date.now() - killedAt),
    );
    expect(victim.alive).toBe(false);
    note(`its lane taken over, posts sent ${Date.now() - killedAt} ms after the kill`);

    // ---- It comes back; one of its customers reloads onto it; everyone keeps going. ------------
    await victim.start();
    note(`${victim.name} restarted after ${Date.now() - started} ms`);
    const returning = chatters.find((_, i) => instances[i % instances.length] === victim)!;
    await returning.reload(victim);
    traffic.start();
    await wroteMore(chatters.map((c) => c.written.length), 3, 'writing after the restart');
    await traffic.stop();
    const replies = talks.map((t) => t.replies);

    // ---- Everything arrives, once and in order. ---------------------------------------------
    await until(async () => (await rows("SELECT id FROM slack_outbox WHERE status IN ('pending', 'sending')")).length === 0, 'every Slack post sent');
    await until(async () => (await rows('SELECT id FROM slack_inbox')).length === 0, 'every Slack event processed');
    for (const [i, c] of chatters.entries()) {
      const expected = [...c.written.map((w) => w.text)];
      // The database: seqs 1..N, each customer message once in the order written, each reply once.
      await until(async () => {
        const stored = await rows<{ text: string }>("SELECT text FROM messages WHERE conversation_id = $1 AND role IN ('customer', 'agent')", [c.conversationId]);
        return expected.concat(replies[i]!).every((t) => stored.some((m) => m.text === t));
      }, `${c.o.name}'s messages stored`);
      const stored = await rows<{ seq: number; role: string; text: string; client_id: string | null }>(
        'SELECT seq, role, text, client_id, created_at FROM messages WHERE conversation_id = $1 ORDER BY seq',
        [c.conversationId],
      );
      expect(stored.map((m) => m.seq), `${c.o.name}'s seqs`).toEqual(stored.map((_, k) => k + 1));
      const [conv] = await rows<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE id = $1', [c.conversationId]);
      expect(conv!.last_seq).toBe(stored.length);
      expect(stored.filter((m) => m.role === 'customer').map((m) => m.text), `${c.o.name}'s messages in the database: ${JSON.stringify(stored)}`).toEqual(expected);
      expect(stored.filter((m) => m.role === 'customer').map((m) => m.client_id)).toEqual(c.written.map((w) => w.clientId));
      for (const r of replies[i]!) expect(stored.filter((m) => m.text === r), r).toHaveLength(1);

      // Slack: the thread has each customer message once, in order, and no post twice.
      // Customer messages still waiting for Slack merge into one post: a message is a line.
      await until(() => threadLines(emulator, C, cards[i]!.ts, { customer: true }).length >= expected.length, `${c.o.name}'s thread`);
      const thread = emulator.replies(C, cards[i]!.ts);
      expect(threadLines(emulator, C, cards[i]!.ts, { customer: true }), `${c.o.name}'s thread`).toEqual(expected);
      const outboxIds = thread.map((m) => m.metadata?.event_payload?.outbox_id).filter((x) => x !== undefined);
      expect(new Set(outboxIds).size, `${c.o.name}'s thread has a post twice`).toBe(outboxIds.length);

      // The widget: each connection got each seq once, in order; together they miss none.
      const last = stored.length;
      await until(() => shownBySeq(c).size >= last, `${c.o.name}'s widget at seq ${last}`);
      for (const conn of c.connections) expect(connectionBreach(conn)).toBeNull();
      const shown = shownBySeq(c);
      expect([...shown.keys()].sort((a, b) => a - b), `${c.o.name}'s widget`).toEqual(stored.map((m) => m.seq));
      const agentShown = [...shown.values()].filter((m) => m.role === 'agent').sort((a, b) => a.seq - b.seq).map((m) => m.text);
      expect(agentShown.filter((t) => t.startsWith('Reply ')).sort(), `${c.o.name}'s replies in the widget`).toEqual([...replies[i]!].sort());
      expect(agentShown, 'the widget shows replies in seq order').toEqual(stored.filter((m) => m.role === 'agent').map((m) => m.text));
      expect(c.pending.size, `${c.o.name} has unacked messages`).toBe(0);
      expect(c.faults).toEqual([]);
    }

    // ---- One owner per conversation: one claim recorded, the card says so, the other told. -----
    for (const [i, c] of customers.entries()) {
      expect(await rows("SELECT id FROM conversation_events WHERE conversation_id = $1 AND type = 'claimed'", [c.conversationId])).toHaveLength(1);
      const card = emulator.message(C, cards[i]!.ts)!;
      expect(JSON.stringify(card.blocks)).toContain(`Claimed by <@${owners[i]}>`);
      const intro = shownBySeq(c);
      expect([...intro.values()].filter((m) => m.role === 'agent' && m.text.startsWith('Hi!'))).toHaveLength(1);
    }
    for (const loser of AGENTS) {
      for (const owner of AGENTS) {
        const lost = losses.filter((l) => l.loser === loser && l.owner === owner).length;
        const told = () => emulator.ephemerals(loser).filter((e) => e.text === `<@${owner}> already claimed this conversation.`).length;
        await until(() => told() >= lost, `${loser} told ${lost} times that ${owner} claimed first`);
        expect(told()).toBe(lost);
      }
    }

    // ---- Each tick once: the unseen reply is emailed by one instance, once, over later ticks. ---
    await until(() => smtp.mails.some((m) => m.to.includes(MAIL_TO)), 'the offline email', 40_000);
    const mailedAt = new Date().toISOString();
    // A tick claimed after the email: every instance has had its chance to run (and send) it again.
    await until(
      async () => (await rows("SELECT tick_at FROM job_ticks WHERE job = 'offline-email' AND claimed_at > $1", [mailedAt])).length >= 1,
      'a later offline-email tick',
      40_000,
    );
    await until(async () => (await rows("SELECT id FROM emails WHERE status = 'pending'")).length === 0, 'the mail queue drained');
    expect(smtp.mails.filter((m) => m.to.includes(MAIL_TO))).toHaveLength(1);
    expect(await rows("SELECT id FROM conversation_events WHERE conversation_id = $1 AND type = 'emailed'", [away.conversationId])).toHaveLength(1);
    expect(smtp.mails[0]!.decoded).toContain('Your refund went out today.');
    const ranEmail = instances.map((x) => (x.log.match(/unseen agent replies emailed to the customer/g) ?? []).length);
    expect(ranEmail.reduce((a, b) => a + b, 0), 'runs that emailed, per instance').toBe(1);

    note(`done in ${Date.now() - started} ms; ${slack.redelivered} deliveries sent again elsewhere`);
  }, 120_000);
});
