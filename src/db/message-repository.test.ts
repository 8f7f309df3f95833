import { spawn } from 'node:child_process';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { newConversation, type Message } from '../core/types';
import { createConversationRepository } from './conversation-repository';
import { createMessageRepository } from './message-repository';
import { freshPostgresDatabase, openTestDatabase, raw, rows, testEngine } from '../../test/support/test-engine';
import { openPostgresDatabase } from './postgres/sync-database';
import type { Database } from './database';

function message(id: string, clientId: string | null, createdAt: string): Omit<Message, 'seq'> {
  return { id, conversationId: 'c1', role: 'customer', text: `text of ${id}`, clientId, agent: null, confidence: null, createdAt, editedAt: null, deletedAt: null };
}

function seed(db: Database, at: string) {
  db.run(raw(db, sql`INSERT INTO visitors (id, created_at, last_seen_at) VALUES ('v1', ${at}, ${at})`));
  const conversations = createConversationRepository(db);
  conversations.insert(newConversation('c1', 'v1', at));
  return { conversations, messages: createMessageRepository(db) };
}

const row = (db: Database) => rows<{ last_seq: number; updated_at: string }>(db, sql`SELECT last_seq, updated_at FROM conversations WHERE id = 'c1'`)[0]!;
const seqs = (db: Database) => rows<{ seq: number; id: string }>(db, sql`SELECT seq, id FROM messages WHERE conversation_id = 'c1' ORDER BY seq`).map((r) => [Number(r.seq), r.id]);

describe('message repository: a message and its seq without a planned seq', () => {
  it("takes the conversation's next seq and moves its last_seq and updated_at there, in the same transaction; a message sent again takes none", () => {
    const db = openTestDatabase();
    const { conversations, messages } = seed(db, '2026-12-07T10:00:00.000Z');
    const first = db.tx(() => messages.insertNext(message('m1', 'k1', '2026-12-07T10:00:01.000Z')));
    expect(first).toBe(1);
    expect(row(db)).toMatchObject({ last_seq: 1, updated_at: '2026-12-07T10:00:01.000Z' });
    // The same key again: nothing stored, the row untouched.
    expect(db.tx(() => messages.insertNext(message('m1-again', 'k1', '2026-12-07T10:00:02.000Z')))).toBeNull();
    expect(row(db)).toMatchObject({ last_seq: 1, updated_at: '2026-12-07T10:00:01.000Z' });
    expect(db.tx(() => messages.insertNext(message('m2', null, '2026-12-07T10:00:03.000Z')))).toBe(2);
    expect(row(db)).toMatchObject({ last_seq: 2, updated_at: '2026-12-07T10:00:03.000Z' });
    // Rolled back with its transaction: message and seq both.
    expect(() =>
      db.tx(() => {
        messages.insertNext(message('m3', 'k3', '2026-12-07T10:00:04.000Z'));
        throw new Error('roll back');
      }),
    ).toThrow('roll back');
    expect(row(db).last_seq).toBe(2);
    expect(seqs(db)).toEqual([
      [1, 'm1'],
      [2, 'm2'],
    ]);
    // The repository's cached row follows once the store says the seq moved (as MessageLog does).
    conversations.get('c1');
    db.tx(() => {
      const seq = messages.insertNext(message('m4', 'k4', '2026-12-07T10:00:05.000Z'))!;
      conversations.seqMoved('c1', seq, '2026-12-07T10:00:05.000Z');
    });
    expect(conversations.get('c1')).toMatchObject({ lastSeq: 3, updatedAt: '2026-12-07T10:00:05.000Z' });
  });

  it.runIf(testEngine() === 'postgres')(
    "PostgreSQL: while another instance holds the conversation's row, the insert waits for its commit and takes the seq after the one it stored",
    async () => {
      const url = await freshPostgresDatabase();
      const db = openPostgresDatabase(url);
      try {
        const { messages } = seed(db, '2026-12-07T10:00:00.000Z');
        expect(db.tx(() => messages.insertNext(message('m1', 'k1', '2026-12-07T10:00:01.000Z')))).toBe(1);
        // Another instance: its transaction takes seq 2 (row locked by its UPDATE), then commits a moment later.
        const other = spawn(
          process.execPath,
          [
            '-e',
            `const pg = require('pg');
             (async () => {
               const c = new pg.Client({ connectionString: process.argv[1] });
               await c.connect();
               await c.query('BEGIN');
               const { rows } = await c.query("UPDATE conversations SET last_seq = last_seq + 1 WHERE id = 'c1' RETURNING last_seq");
               await c.query("INSERT INTO messages (id, conversation_id, seq, role, text, created_at) VALUES ('other', 'c1', $1, 'customer', 'from B', '2026-12-07T10:00:02.000Z')", [rows[0].last_seq]);
               console.log('locked');
               await new Promise((r) => setTimeout(r, 400));
               await c.query('COMMIT');
               await c.end();
             })().catch((e) => { console.error(e); process.exit(1); });`,
            url,
          ],
          { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
        );
        const exited = new Promise<number | null>((resolve) => other.on('exit', resolve));
        await new Promise<void>((resolve, reject) => {
          other.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
          other.on('exit', (code) => reject(new Error(`the other instance ended first (${code})`)));
        });
        // Blocks (synchronous store) until B commits, then reads the row as B left it.
        const seq = db.tx(() => messages.insertNext(message('m3', 'k3', '2026-12-07T10:00:03.000Z')));
        expect(await exited).toBe(0);
        expect(seq).toBe(3);
        expect(row(db)).toMatchObject({ last_seq: 3, updated_at: '2026-12-07T10:00:03.000Z' });
        expect(seqs(db)).toEqual([
          [1, 'm1'],
          [2, 'other'],
          [3, 'm3'],
        ]);
      } finally {
        db.close();
      }
    },
  );
});
