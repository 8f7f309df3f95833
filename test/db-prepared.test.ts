import { sql, type RawBuilder } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { PreparedQueryError, type Database } from '../src/db/database';
import { dialectOf } from '../src/db/dialect';
import { anotherConnection, openTestDatabase, raw, testEngine } from './support/test-engine';

const T0 = '2026-11-27T20:30:00.000Z';

function conversation(db: Database, id: string): string {
  db.run(raw(db, sql`INSERT INTO visitors (id, created_at, last_seen_at) VALUES (${`v_${id}`}, ${T0}, ${T0})`));
  db.run(raw(db, sql`INSERT INTO conversations (id, visitor_id, created_at, updated_at) VALUES (${id}, ${`v_${id}`}, ${T0}, ${T0})`));
  return id;
}

describe('Database.prepare', () => {
  let db: Database;
  let builds: number;
  /** A raw read, to look at what the prepared statements wrote. */
  const read = <T = unknown>(query: RawBuilder<T>) => db.all(raw(db, query));
  const insertMessage = () =>
    db.prepare((p: { id: string; conversationId: string; seq: number; role: string; text: string; clientId?: string | null }) => {
      builds++;
      return db.q.insertInto('messages').values({
        id: p.id,
        conversation_id: p.conversationId,
        seq: p.seq,
        role: p.role,
        text: p.text,
        client_id: p.clientId,
        agent_name: null,
        agent_avatar_url: null,
        confidence: 0.5,
        created_at: T0,
        edited_at: null,
        deleted_at: null,
      });
    });

  beforeEach(() => {
    db = openTestDatabase();
    builds = 0;
    conversation(db, 'c1');
    conversation(db, 'c2');
  });

  it('binds params by name, whatever order the query uses them in', () => {
    const insert = insertMessage();
    insert.run({ text: 'hello', seq: 1, role: 'customer', id: 'm1', conversationId: 'c1', clientId: 'k1' });
    // Params used in the opposite order of their declaration.
    const find = db.prepare((p: { seq: number; conversationId: string }) =>
      db.q.selectFrom('messages').select(['id', 'text']).where('conversation_id', '=', p.conversationId).where('seq', '=', p.seq),
    );
    expect(find.first({ seq: 1, conversationId: 'c1' })).toEqual({ id: 'm1', text: 'hello' });
    expect(find.first({ seq: 1, conversationId: 'c2' })).toBeUndefined();
    const [a, b] = testEngine() === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    expect(find.sql).toBe(`select "id", "text" from "messages" where "conversation_id" = ${a} and "seq" = ${b}`);
    const destructured = db.prepare(({ id }: { id: string }) => db.q.selectFrom('messages').select('text').where('id', '=', id));
    expect(destructured.first({ id: 'm1' })).toEqual({ text: 'hello' });
  });

  it('keeps the constants written in the build function', () => {
    const insert = insertMessage();
    insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a' });
    insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'ai', text: 'b' });
    const [row] = read(sql`SELECT agent_name, confidence, created_at FROM messages WHERE id = 'm1'`);
    expect(row).toEqual({ agent_name: null, confidence: 0.5, created_at: T0 });
    const customers = db.prepare((p: { conversationId: string }) =>
      db.q.selectFrom('messages').select('id').where('role', '=', 'customer').where('conversation_id', '=', p.conversationId).orderBy('seq'),
    );
    expect(customers.all({ conversationId: 'c1' })).toEqual([{ id: 'm1' }]);
  });

  it('builds and compiles once, and gives the right rows on every later call', () => {
    const insert = insertMessage();
    for (let i = 1; i <= 50; i++) insert.run({ id: `m${i}`, conversationId: i % 2 ? 'c1' : 'c2', seq: i, role: 'customer', text: `text ${i}` });
    expect(builds).toBe(1);
    let afterBuilds = 0;
    const after = db.prepare((p: { conversationId: string; afterSeq: number; limit: number }) => {
      afterBuilds++;
      return db.q
        .selectFrom('messages')
        .select(['seq', 'text'])
        .where('conversation_id', '=', p.conversationId)
        .where('seq', '>', p.afterSeq)
        .orderBy('seq')
        .limit(p.limit);
    });
    expect(after.all({ conversationId: 'c1', afterSeq: 40, limit: 100 })).toEqual([
      { seq: 41, text: 'text 41' },
      { seq: 43, text: 'text 43' },
      { seq: 45, text: 'text 45' },
      { seq: 47, text: 'text 47' },
      { seq: 49, text: 'text 49' },
    ]);
    expect(after.all({ conversationId: 'c2', afterSeq: 44, limit: 2 }).map((r) => r.seq)).toEqual([46, 48]);
    expect(after.all({ conversationId: 'c2', afterSeq: 50, limit: 10 })).toEqual([]);
    expect(after.first({ conversationId: 'c1', afterSeq: 0, limit: 1 })).toEqual({ seq: 1, text: 'text 1' });
    expect(afterBuilds).toBe(1);
  });

  it('binds a param used twice, runs RETURNING through first, and runs raw sql with params', () => {
    const bump = db.prepare((p: { id: string; now: string }) =>
      db.q
        .updateTable('conversations')
        .set({ last_seq: sql<number>`last_seq + 1`, updated_at: p.now, claimed_at: p.now })
        .where('id', '=', p.id)
        .returning('last_seq'),
    );
    expect(bump.first({ id: 'c1', now: T0 })).toEqual({ last_seq: 1 });
    expect(bump.first({ id: 'c1', now: '2026-12-01T00:00:00.000Z' })).toEqual({ last_seq: 2 });
    expect(bump.first({ id: 'nope', now: T0 })).toBeUndefined();
    expect(read(sql`SELECT updated_at, claimed_at FROM conversations WHERE id = 'c1'`)).toEqual([
      { updated_at: '2026-12-01T00:00:00.000Z', claimed_at: '2026-12-01T00:00:00.000Z' },
    ]);
    const seen = db.prepare((p: { id: string; seq: number }) =>
      db.q.updateTable('conversations').set({ last_seen_seq: dialectOf(db).greatest<number>('last_seen_seq', p.seq) }).where('id', '=', p.id),
    );
    expect(seen.run({ id: 'c1', seq: 7 }).changes).toBe(1);
    seen.run({ id: 'c1', seq: 3 });
    expect(read(sql`SELECT last_seen_seq FROM conversations WHERE id = 'c1'`)).toEqual([{ last_seen_seq: 7 }]);
    // all() on a statement that returns nothing runs it and returns no rows.
    expect(seen.all({ id: 'c2', seq: 4 })).toEqual([]);
    expect(read(sql`SELECT last_seen_seq FROM conversations WHERE id = 'c2'`)).toEqual([{ last_seen_seq: 4 }]);
  });

  it('binds undefined as NULL', () => {
    const insert = insertMessage();
    insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a', clientId: undefined });
    insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'customer', text: 'b' });
    expect(read(sql`SELECT id, client_id FROM messages ORDER BY seq`)).toEqual([
      { id: 'm1', client_id: null },
      { id: 'm2', client_id: null },
    ]);
    // `IS $1` is SQLite only; `IS NOT DISTINCT FROM` compares with a bound NULL on both engines.
    const owned = db.prepare((p: { owner?: string | null }) =>
      db.q.selectFrom('conversations').select('id').where('owner_id', 'is not distinct from', p.owner ?? null).orderBy('id'),
    );
    expect(owned.all({})).toEqual([{ id: 'c1' }, { id: 'c2' }]);
    expect(owned.all()).toEqual([{ id: 'c1' }, { id: 'c2' }]);
  });

  it('takes no params for a query without any, and a fixed `in` list captured as constants', () => {
    db.run(raw(db, sql`UPDATE conversations SET state = 'waiting' WHERE id = 'c2'`));
    const count = db.prepare(() =>
      db.q.selectFrom('conversations').select((eb) => eb.fn.countAll<number>().as('n')).where('state', 'in', ['waiting', 'queued']),
    );
    expect(count.first()).toEqual({ n: 1 });
    const from = ['ai', 'queued'] as const;
    const move = db.prepare((p: { id: string; now: string }) =>
      db.q.updateTable('conversations').set({ state: 'waiting', updated_at: p.now }).where('id', '=', p.id).where('state', 'in', from),
    );
    expect(move.run({ id: 'c1', now: T0 }).changes).toBe(1);
    expect(move.run({ id: 'c1', now: T0 }).changes).toBe(0);
    expect(count.first()).toEqual({ n: 2 });
  });

  it('runs inside transactions, and rolls back with them (nested ones as savepoints)', () => {
    const insert = insertMessage();
    expect(() =>
      db.tx(() => {
        insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a' });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    db.tx(() => {
      insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'customer', text: 'b' });
      expect(() =>
        db.tx(() => {
          insert.run({ id: 'm3', conversationId: 'c1', seq: 3, role: 'customer', text: 'c' });
          throw new Error('inner');
        }),
      ).toThrow('inner');
      expect(db.tx(() => 42)).toBe(42);
    });
    expect(read(sql`SELECT id FROM messages`)).toEqual([{ id: 'm2' }]);
    expect(db.inTransaction()).toBe(false);
  });

  it('shares the statement cache with db.run/all/first, which keep working for dynamic queries', () => {
    const insert = insertMessage();
    insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a' });
    insert.run({ id: 'm2', conversationId: 'c2', seq: 1, role: 'customer', text: 'b' });
    const ids = ['m1', 'm2'];
    expect(db.all(db.q.selectFrom('messages').select('id').where('id', 'in', ids).orderBy('id'))).toEqual([{ id: 'm1' }, { id: 'm2' }]);
    expect(db.first(db.q.selectFrom('messages').select('text').where('id', '=', 'm2'))).toEqual({ text: 'b' });
    expect(db.run(db.q.deleteFrom('messages').where('id', '=', 'm1')).changes).toBe(1);
  });

  describe('refuses misuse with a clear error', () => {
    it('a param that ends up in the SQL text (raw SQL, identifiers, literals)', () => {
      const raw = db.prepare((p: { text: string }) => db.q.selectFrom('messages').select('id').where(sql<boolean>`text = ${sql.raw(p.text)}`));
      expect(() => raw.all({ text: 'x' })).toThrow(PreparedQueryError);
      expect(() => raw.all({ text: 'x' })).toThrow(/param "text" ended up in the SQL text/);
      const lit = db.prepare((p: { text: string }) => db.q.selectFrom('messages').select('id').where('text', '=', sql.lit(p.text)));
      expect(() => lit.first({ text: 'x' })).toThrow(/param "text" ended up in the SQL text/);
      const column = db.prepare((p: { column: string }) => db.q.selectFrom('messages').select(sql.ref<string>(p.column).as('v')));
      expect(() => column.all({ column: 'text' })).toThrow(/param "column" ended up in the SQL text/);
    });

    it('a param transformed before binding (concatenated, stringified)', () => {
      const like = db.prepare((p: { text: string }) => db.q.selectFrom('messages').select('id').where('text', 'like', `%${p.text}%`));
      expect(() => like.all({ text: 'x' })).toThrow(/param "text" is transformed inside the build function/);
      const json = db.prepare((p: { at: string }) =>
        db.q.insertInto('conversation_events').values({ conversation_id: 'c1', type: 't', detail: JSON.stringify({ at: p.at }), at: T0 }),
      );
      expect(() => json.run({ at: T0 })).toThrow(/param "at" is transformed inside the build function/);
      // Nothing was written.
      expect(read(sql`SELECT count(*) AS n FROM conversation_events`)).toEqual([{ n: 0 }]);
    });

    it('a param read but not bound as a whole value (derived, or deciding the shape)', () => {
      const flag = db.prepare((p: { id: string; verified: number }) =>
        db.q.updateTable('visitors').set({ verified: p.verified ? 1 : 0 }).where('id', '=', p.id),
      );
      expect(() => flag.run({ id: 'v_c1', verified: 0 })).toThrow(/param "verified" is read by the build function but never bound/);
      const numeric = db.prepare((p: { seq: string }) => db.q.selectFrom('messages').select('id').where('seq', '=', Number(p.seq)));
      expect(() => numeric.all({ seq: '1' })).toThrow(/param "seq" is read by the build function but never bound/);
      const optional = db.prepare((p: { id: string; title?: string }) =>
        db.q
          .updateTable('conversations')
          .set({ updated_at: T0, ...(p.title !== undefined ? {} : { page_title: p.title }) })
          .where('id', '=', p.id),
      );
      expect(() => optional.run({ id: 'c1', title: 'x' })).toThrow(/param "title" is read by the build function but never bound/);
    });

    it('a list or object given at call time, which would be spread over several slots', () => {
      const find = db.prepare((p: { id: string }) => db.q.selectFrom('messages').select('id').where('id', '=', p.id));
      expect(() => find.all({ id: ['m1', 'm2'] as unknown as string })).toThrow(/param "id" is an array; only scalars can be bound/);
      expect(() => find.all({ id: { a: 1 } as unknown as string })).toThrow(/param "id" is an object/);
    });

    it('param types that cannot be bound (as SQLite binds), at compile time', () => {
      const build = () => {
        // @ts-expect-error lists cannot be params: their length is part of the SQL
        db.prepare((p: { ids: string[] }) => db.q.selectFrom('messages').select('id').where('id', 'in', p.ids));
        // @ts-expect-error booleans cannot be bound: pass 0/1
        db.prepare((p: { on: boolean }) => db.q.updateTable('agents').set({ notify_email: p.on ? 1 : 0 }));
      };
      expect(build).not.toThrow(); // nothing is compiled before first use
    });

    it('the build function failing with placeholders', () => {
      const broken = db.prepare((_p: { id: string }) => {
        throw new Error('no query here');
      });
      expect(() => broken.first({ id: 'x' })).toThrow(/Could not build the prepared query with placeholder params: no query here/);
    });
  });

  describe('after close', () => {
    it('fails clearly, whether the query ran before or not', () => {
      const insert = insertMessage();
      insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a' });
      const neverUsed = db.prepare((p: { id: string }) => db.q.selectFrom('messages').select('id').where('id', '=', p.id));
      db.close();
      expect(() => insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'customer', text: 'b' })).toThrow(PreparedQueryError);
      expect(() => insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'customer', text: 'b' })).toThrow(/database is closed/);
      expect(() => neverUsed.first({ id: 'm1' })).toThrow(/database is closed/);
      expect(() => db.first(db.q.selectFrom('messages').select('id'))).toThrow(/not open|database is closed/);
      // close() twice is harmless.
      expect(() => db.close()).not.toThrow();
    });

    it('leaves another connection to the same database unaffected', () => {
      const insert = insertMessage();
      insert.run({ id: 'm1', conversationId: 'c1', seq: 1, role: 'customer', text: 'a' });
      db.close();
      const again = anotherConnection(db);
      const find = again.prepare((p: { id: string }) => again.q.selectFrom('messages').select('text').where('id', '=', p.id));
      expect(find.first({ id: 'm1' })).toEqual({ text: 'a' });
      expect(() => insert.run({ id: 'm2', conversationId: 'c1', seq: 2, role: 'customer', text: 'b' })).toThrow(/database is closed/);
    });
  });
});
