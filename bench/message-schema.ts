/**
 * Which shape of the `messages` table stores a message cheapest? `npx tsx bench/message-schema.ts`
 * (not part of `npm run bench`: it informs a schema decision, ~1½ minutes). Each variant starts from
 * the app's migrations on a fresh file and stores the same traffic the lean way (one transaction per
 * batch of 400 messages over 200 conversations, half customer messages with an idempotency key,
 * half AI answers without one), timing only the statements and the commit (synchronous=NORMAL; the
 * fsync is the same for all and happens off the main thread in the app). Prints µs per message,
 * median (min–max) of 5 runs, and the ratio to the schema before issue 19.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openDatabase } from '../src/db/database';
import { migrate } from '../src/db/migrator';
import { newId } from '../src/core/ids';
import { median, RUNS } from './lib';

const COLUMNS = `conversation_id TEXT NOT NULL, seq INTEGER NOT NULL, role TEXT NOT NULL, text TEXT NOT NULL, client_id TEXT,
  agent_name TEXT, agent_avatar_url TEXT, confidence REAL, created_at TEXT NOT NULL, edited_at TEXT, deleted_at TEXT, emailed_at TEXT, files TEXT`;
const UNEMAILED = `CREATE INDEX messages_unemailed_agent ON messages(conversation_id, seq) WHERE role = 'agent' AND emailed_at IS NULL;`;

interface Variant {
  name: string;
  /** Replaces the table (undefined: the app's own, as its migrations leave it). */
  table?: string;
  /** Ids made as before issue 19: 128 random bits, so every insert lands on a random page of the id index. */
  randomIds?: boolean;
  /** The seq read from the conversation's row and the row written for every message, as before. */
  seqFromRow?: boolean;
  /** The conflict target when the idempotency index is partial. */
  partialClientIndex?: boolean;
}

/** The table before migration 20261207190000: the idempotency key as a table constraint (every row indexed). */
const FULL_INDEX = `CREATE TABLE messages (id TEXT PRIMARY KEY, ${COLUMNS}, UNIQUE (conversation_id, seq), UNIQUE (conversation_id, client_id)); ${UNEMAILED}`;

const VARIANTS: Variant[] = [
  { name: 'before issue 19: random ids, seq from the row, row written per message', table: FULL_INDEX, randomIds: true, seqFromRow: true },
  { name: 'time-ordered ids', table: FULL_INDEX, seqFromRow: true },
  { name: '… + seq in memory, row written once per batch', table: FULL_INDEX },
  {
    name: '… + integer primary key (id a unique text column)',
    table: `CREATE TABLE messages (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ${COLUMNS}, UNIQUE (conversation_id, seq), UNIQUE (conversation_id, client_id)); ${UNEMAILED}`,
  },
  { name: 'ours (the app\'s table): … + the idempotency index partial (no entry for AI/agent rows)', partialClientIndex: true },
  {
    name: '… + integer primary key as well',
    table: `CREATE TABLE messages (key INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, ${COLUMNS}, UNIQUE (conversation_id, seq));
      CREATE UNIQUE INDEX messages_client ON messages(conversation_id, client_id) WHERE client_id IS NOT NULL; ${UNEMAILED}`,
    partialClientIndex: true,
  },
  {
    name: '… clustered by (conversation, seq) instead (WITHOUT ROWID, full idempotency index)',
    table: `CREATE TABLE messages (id TEXT NOT NULL UNIQUE, ${COLUMNS}, PRIMARY KEY (conversation_id, seq), UNIQUE (conversation_id, client_id)) WITHOUT ROWID; ${UNEMAILED}`,
  },
];

const CONVERSATIONS = 200;
const BATCH = 400;
const BATCHES = 80;
const WARMUP_BATCHES = 25;

function runOnce(v: Variant): number {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-schema-'));
  const db = openDatabase(path.join(dir, 'h.db'));
  try {
    migrate(db);
    const sqlite = db.sqlite;
    if (v.table) {
      sqlite.pragma('foreign_keys = OFF');
      sqlite.exec(`DROP TABLE slack_relays; DROP TABLE messages; ${v.table}`);
    }
    sqlite.pragma('synchronous = NORMAL');
    const now = new Date().toISOString();
    const convs: string[] = [];
    for (let i = 0; i < CONVERSATIONS; i++) {
      const c = newId('c');
      sqlite.prepare('INSERT INTO visitors (id, created_at, last_seen_at) VALUES (?, ?, ?)').run(`v${i}`, now, now);
      sqlite.prepare('INSERT INTO conversations (id, visitor_id, created_at, updated_at) VALUES (?, ?, ?, ?)').run(c, `v${i}`, now, now);
      convs.push(c);
    }
    const target = v.partialClientIndex ? '(conversation_id, client_id) WHERE client_id IS NOT NULL' : '(conversation_id, client_id)';
    const cols = 'id, conversation_id, seq, role, text, client_id, created_at';
    const insertFromRow = sqlite.prepare(
      `INSERT INTO messages (${cols}) VALUES (?, ?, (SELECT last_seq + 1 FROM conversations WHERE id = ?), ?, ?, ?, ?) ON CONFLICT ${target} DO NOTHING RETURNING seq`,
    );
    const insertAt = sqlite.prepare(`INSERT INTO messages (${cols}) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT ${target} DO NOTHING RETURNING seq`);
    const bump = sqlite.prepare('UPDATE conversations SET last_seq = last_seq + 1, updated_at = ? WHERE id = ?');
    const write = sqlite.prepare('UPDATE conversations SET last_seq = ?, updated_at = ? WHERE id = ?');
    const seqs = new Map(convs.map((c) => [c, 0]));
    const id = () => (v.randomIds ? `m_${randomBytes(16).toString('base64url')}` : newId('m'));
    const batch = sqlite.transaction((k: number) => {
      const at = new Date().toISOString();
      const touched = new Set<string>();
      for (let j = 0; j < BATCH; j++) {
        const c = convs[(k * BATCH + j) % CONVERSATIONS]!;
        const customer = j % 2 === 0;
        const text = customer ? `How do I export my data? (${k}.${j})` : `You can export it from Settings → Data. (${k}.${j})`;
        const clientId = customer ? `k${k}-${j}` : null;
        if (v.seqFromRow) {
          if (insertFromRow.get(id(), c, c, customer ? 'customer' : 'ai', text, clientId, at)) bump.run(at, c);
        } else {
          const seq = seqs.get(c)! + 1;
          if (insertAt.get(id(), c, seq, customer ? 'customer' : 'ai', text, clientId, at)) {
            seqs.set(c, seq);
            touched.add(c);
          }
        }
      }
      for (const c of touched) write.run(seqs.get(c), at, c);
    });
    for (let k = 0; k < WARMUP_BATCHES; k++) batch(k);
    const t0 = process.hrtime.bigint();
    for (let k = WARMUP_BATCHES; k < WARMUP_BATCHES + BATCHES; k++) batch(k);
    return Number(process.hrtime.bigint() - t0) / 1e3 / (BATCHES * BATCH);
  } finally {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

// Runs alternate between variants, so a busy moment of the machine is shared by all.
const runs = VARIANTS.map(() => [] as number[]);
for (let r = 0; r < RUNS; r++) VARIANTS.forEach((v, i) => runs[i]!.push(runOnce(v)));
const base = median(runs[0]!);
console.log(`µs per message (statements + commit), median (min–max) of ${RUNS} runs; ${os.loadavg()[0]!.toFixed(1)} load\n`);
VARIANTS.forEach((v, i) => {
  const m = median(runs[i]!);
  console.log(
    `${m.toFixed(1).padStart(6)} (${Math.min(...runs[i]!).toFixed(1)}–${Math.max(...runs[i]!).toFixed(1)})  ${(m / base).toFixed(2)}×  ${v.name}`,
  );
});
