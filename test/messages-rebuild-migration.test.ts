import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationFiles, MIGRATIONS_DIR } from '../src/db/migrator';
import { openPostgres } from '../src/db/postgres/database';
import { migratePostgres } from '../src/db/postgres/migrator';
import { startPostgres, type PostgresServer } from './support/postgres-server';
import { tempDatabases } from './support/temp-databases';

/**
 * Migration 20261207190000 rebuilds `messages` so that its idempotency index is partial (customer
 * messages only), setting slack_relays aside around it. On a database with data, on both engines:
 * nothing is lost (messages, their Slack relays), the relays still cascade, and a customer message
 * sent twice is still refused by the index.
 */
const REBUILD = '20261207190000_messages_idempotency_partial.sql';
const { tmp, open } = tempDatabases('handoff-rebuild-');

/** A folder with the migrations before the rebuild: the database as an older version left it. */
function migrationsBefore(): string {
  const dir = tmp();
  for (const f of migrationFiles().filter((f) => f < REBUILD)) fs.copyFileSync(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
  return dir;
}

const NOW = '2026-12-07T10:00:00.000Z';
const SEED = [
  `INSERT INTO visitors (id, created_at, last_seen_at) VALUES ('v1', '${NOW}', '${NOW}')`,
  `INSERT INTO conversations (id, visitor_id, last_seq, created_at, updated_at) VALUES ('c1', 'v1', 3, '${NOW}', '${NOW}')`,
  `INSERT INTO messages (id, conversation_id, seq, role, text, client_id, created_at) VALUES ('m1', 'c1', 1, 'customer', 'hello', 'k1', '${NOW}')`,
  `INSERT INTO messages (id, conversation_id, seq, role, text, confidence, created_at) VALUES ('m2', 'c1', 2, 'ai', 'hi there', 0.8, '${NOW}')`,
  `INSERT INTO messages (id, conversation_id, seq, role, text, agent_name, emailed_at, files, created_at) VALUES ('m3', 'c1', 3, 'agent', 'a file', 'Ana', '${NOW}', '[{"id":"f_1"}]', '${NOW}')`,
  `INSERT INTO slack_relays (channel, ts, message_id) VALUES ('C1', '1.000100', 'm3')`,
];
const MESSAGES = 'SELECT id, seq, role, text, client_id, agent_name, confidence, emailed_at, files FROM messages ORDER BY seq';
const EXPECTED = [
  { id: 'm1', seq: 1, role: 'customer', text: 'hello', client_id: 'k1', agent_name: null, confidence: null, emailed_at: null, files: null },
  { id: 'm2', seq: 2, role: 'ai', text: 'hi there', client_id: null, agent_name: null, confidence: 0.8, emailed_at: null, files: null },
  { id: 'm3', seq: 3, role: 'agent', text: 'a file', client_id: null, agent_name: 'Ana', confidence: null, emailed_at: NOW, files: '[{"id":"f_1"}]' },
];
const AGAIN = `INSERT INTO messages (id, conversation_id, seq, role, text, client_id, created_at) VALUES ('m4', 'c1', 4, 'customer', 'hello', 'k1', '${NOW}')
  ON CONFLICT (conversation_id, client_id) WHERE client_id IS NOT NULL DO NOTHING`;

describe('the messages rebuild (partial idempotency index)', () => {
  it('SQLite: keeps every message and relay; a resent clientId is still refused; relays still cascade', () => {
    const db = open();
    migrate(db, migrationsBefore());
    for (const s of SEED) db.sqlite.exec(s);
    expect(migrate(db)).toEqual([REBUILD, ...migrationFiles().filter((f) => f > REBUILD)]);
    expect(db.sqlite.prepare(MESSAGES).all()).toEqual(EXPECTED);
    expect(db.sqlite.prepare('SELECT channel, ts, message_id FROM slack_relays').all()).toEqual([{ channel: 'C1', ts: '1.000100', message_id: 'm3' }]);
    expect(db.sqlite.prepare(AGAIN).run().changes).toBe(0);
    // AI, agent and system rows have no entry in the idempotency index: it is partial.
    const index = db.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'messages_client'").get() as { sql: string };
    expect(index.sql).toMatch(/WHERE client_id IS NOT NULL/);
    expect(db.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'messages'").get()).toEqual({ n: 4 });
    expect(db.sqlite.pragma('foreign_key_check')).toEqual([]);
    db.sqlite.exec("DELETE FROM messages WHERE id = 'm3'");
    expect(db.sqlite.prepare('SELECT count(*) AS n FROM slack_relays').get()).toEqual({ n: 0 });
  });

  describe('PostgreSQL', () => {
    let server: PostgresServer;
    beforeAll(async () => {
      server = await startPostgres();
    }, 120_000);
    afterAll(async () => {
      await server?.stop();
    });

    it('keeps every message and relay; a resent clientId is still refused; relays still cascade', async () => {
      const db = openPostgres(await server.createDatabase());
      try {
        await migratePostgres(db.q, migrationsBefore());
        for (const s of SEED) await sql.raw(s).execute(db.q);
        expect(await migratePostgres(db.q)).toEqual([REBUILD, ...migrationFiles().filter((f) => f > REBUILD)]);
        const rows = (await sql.raw(MESSAGES).execute(db.q)).rows.map((r) => ({ ...(r as object), seq: Number((r as { seq: number }).seq) }));
        expect(rows).toEqual(EXPECTED);
        expect((await sql.raw('SELECT channel, ts, message_id FROM slack_relays').execute(db.q)).rows).toEqual([{ channel: 'C1', ts: '1.000100', message_id: 'm3' }]);
        expect(Number((await sql.raw(AGAIN).execute(db.q)).numAffectedRows)).toBe(0);
        const index = await sql.raw<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE indexname = 'messages_client'").execute(db.q);
        expect(index.rows[0]!.indexdef).toMatch(/WHERE \(client_id IS NOT NULL\)/);
        await sql.raw("DELETE FROM messages WHERE id = 'm3'").execute(db.q);
        expect((await sql.raw('SELECT count(*)::int AS n FROM slack_relays').execute(db.q)).rows).toEqual([{ n: 0 }]);
      } finally {
        await db.close();
      }
    });
  });
});
