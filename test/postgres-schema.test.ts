import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { migrate, migrationFiles, MigrationError } from '../src/db/migrator';
import { openPostgres, type PostgresDatabase } from '../src/db/postgres/database';
import { migratePostgres } from '../src/db/postgres/migrator';
import { startPostgres, type PostgresServer } from './support/postgres-server';
import { tempDatabases } from './support/temp-databases';

/**
 * The PostgreSQL schema comes from the same migrations as SQLite's (src/db/postgres/sqlite-to-postgres.ts
 * translates them): every table has the same columns, in the same order, with the same nullability
 * and a matching type. The documented differences:
 *  - kb_passages (FTS5 in SQLite) has PostgreSQL's `rowid` (SQLite's implicit one, made explicit)
 *    and `search` (the tsvector) columns, and no FTS5 shadow tables;
 *  - a PRIMARY KEY column is NOT NULL in PostgreSQL; SQLite would accept a NULL in a TEXT primary
 *    key (a legacy quirk; the app never writes one), so SQLite's side counts pk columns as NOT NULL.
 */

/** `dflt`: the column's DEFAULT as SQL text (PostgreSQL's `'x'::text` casts removed), null for none. */
type Column = { name: string; type: 'text' | 'integer' | 'real'; notNull: boolean; dflt: string | null };

const SQLITE_TYPES: Record<string, Column['type']> = { TEXT: 'text', INTEGER: 'integer', REAL: 'real', '': 'text' };
const PG_TYPES: Record<string, Column['type']> = { text: 'text', integer: 'integer', bigint: 'integer', 'double precision': 'real' };
const FTS_TABLES = ['kb_passages'];

let server: PostgresServer;
const opened: PostgresDatabase[] = [];
const open = (url: string, max?: number) => {
  const db = openPostgres(url, { max });
  opened.push(db);
  return db;
};

beforeAll(async () => {
  server = await startPostgres();
}, 120_000);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((db) => db.close()));
});
afterAll(async () => {
  await server?.stop();
});

const { tmp, open: openSqlite } = tempDatabases('handoff-pgschema-');

function sqliteSchema(): { columns: Map<string, Column[]>; indexes: string[] } {
  const db = openSqlite();
  migrate(db);
  const tables = (db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[])
    .map((r) => r.name)
    .filter((name) => !FTS_TABLES.some((fts) => name.startsWith(`${fts}_`))); // FTS5's shadow tables
  const columns = new Map<string, Column[]>();
  for (const table of tables) {
    const info = db.sqlite.pragma(`table_info(${table})`) as { name: string; type: string; notnull: number; pk: number; dflt_value: string | null }[];
    columns.set(
      table,
      info.map((c) => {
        const type = SQLITE_TYPES[c.type.toUpperCase()];
        if (!type) throw new Error(`${table}.${c.name}: SQLite type ${c.type} has no counterpart in this test`);
        return { name: c.name, type, notNull: c.notnull === 1 || c.pk > 0, dflt: c.dflt_value };
      }),
    );
  }
  const indexes = (db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL").all() as { name: string }[]).map(
    (r) => r.name,
  );
  return { columns, indexes };
}

async function postgresSchema(db: PostgresDatabase): Promise<{ columns: Map<string, Column[]>; indexes: string[] }> {
  const rows = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; column_default: string | null }>`
    SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
     WHERE table_schema = 'public' ORDER BY table_name, ordinal_position`.execute(db.q);
  const columns = new Map<string, Column[]>();
  for (const r of rows.rows) {
    if (FTS_TABLES.includes(r.table_name) && ['rowid', 'search'].includes(r.column_name)) continue; // documented above
    const type = PG_TYPES[r.data_type];
    if (!type) throw new Error(`${r.table_name}.${r.column_name}: PostgreSQL type ${r.data_type} has no counterpart in SQLite`);
    const list = columns.get(r.table_name) ?? [];
    const dflt = r.column_default?.replace(/::[a-z ]+$/, '') ?? null;
    list.push({ name: r.column_name, type, notNull: r.is_nullable === 'NO', dflt });
    columns.set(r.table_name, list);
  }
  const indexes = await sql<{ indexname: string }>`SELECT indexname FROM pg_indexes WHERE schemaname = 'public'`.execute(db.q);
  return { columns, indexes: indexes.rows.map((r) => r.indexname) };
}

describe('the PostgreSQL schema', () => {
  it('all migrations apply to a fresh database, once', async () => {
    const db = open(await server.createDatabase());
    expect(await migratePostgres(db.q)).toEqual(migrationFiles());
    expect(await migratePostgres(db.q)).toEqual([]);
    const recorded = await sql<{ name: string }>`SELECT name FROM schema_migrations ORDER BY name`.execute(db.q);
    expect(recorded.rows.map((r) => r.name)).toEqual(migrationFiles());
  });

  it("has SQLite's tables, columns (order, type, nullability, default) and named indexes", async () => {
    const db = open(await server.createDatabase());
    await migratePostgres(db.q);
    const lite = sqliteSchema();
    const pg = await postgresSchema(db);
    expect([...pg.columns.keys()].sort()).toEqual([...lite.columns.keys()].sort());
    for (const [table, columns] of lite.columns) expect(pg.columns.get(table), table).toEqual(columns);
    expect(pg.columns.get('conversations')!.find((c) => c.name === 'state')).toEqual({ name: 'state', type: 'text', notNull: true, dflt: "'ai'" });
    // PostgreSQL adds indexes for its primary keys and UNIQUE constraints (SQLite's unnamed autoindexes) and the FTS one.
    expect(pg.indexes).toEqual(expect.arrayContaining(lite.indexes));
    const extra = pg.indexes.filter((i) => !lite.indexes.includes(i) && !/_(pkey|key)$/.test(i));
    expect(extra).toEqual(FTS_TABLES.map((t) => `${t}_search`));
  });

  it('keeps what the migrations insert, defaults included, and searches the FTS translation', async () => {
    const db = open(await server.createDatabase());
    await migratePostgres(db.q);
    const rules = await sql<{ id: string; created_at: string }>`SELECT id, created_at FROM rules ORDER BY position`.execute(db.q);
    expect(rules.rows.map((r) => r.id)).toEqual(['rule_default_sensitive', 'rule_default_enterprise', 'rule_default_after_hours']);
    expect(rules.rows[0]!.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await sql`INSERT INTO kb_passages (article_id, title, heading, body, tags) VALUES ('a.md', 'Refunds', 'How', 'We refund orders within 30 days', '[]')`.execute(db.q);
    const hit = await sql<{ rowid: string }>`SELECT rowid FROM kb_passages WHERE search @@ plainto_tsquery('english', 'refunding')`.execute(db.q);
    expect(hit.rows).toHaveLength(1);
  });

  it('instances starting together migrate once, and both succeed', async () => {
    const url = await server.createDatabase();
    const [a, b] = [open(url, 2), open(url, 2)];
    const [doneA, doneB] = await Promise.all([migratePostgres(a.q), migratePostgres(b.q)]);
    // One applied everything, the other waited on the lock and found nothing pending.
    expect([doneA, doneB].map((d) => d.length).sort((x, y) => x - y)).toEqual([0, migrationFiles().length]);
    const counts = await sql<{ name: string; n: number }>`SELECT name, count(*)::int AS n FROM schema_migrations GROUP BY name`.execute(a.q);
    expect(counts.rows).toHaveLength(migrationFiles().length);
    expect(counts.rows.every((r) => r.n === 1)).toBe(true);
  });

  it('rolls back a failing migration, records nothing of it and throws naming it', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '20260101000000_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    fs.writeFileSync(path.join(dir, '20260102000000_bad.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);');
    const db = open(await server.createDatabase());
    const error = await migratePostgres(db.q, dir).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe('20260102000000_bad.sql');
    const tables = await sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`.execute(db.q);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['a', 'schema_migrations']);
    const recorded = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(db.q);
    expect(recorded.rows.map((r) => r.name)).toEqual(['20260101000000_ok.sql']);
  });

  it('refuses a migration it cannot translate before applying anything', async () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '20260101000000_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    fs.writeFileSync(path.join(dir, '20260102000000_sqlite_only.sql'), 'CREATE TABLE b (x TEXT COLLATE NOCASE);');
    const db = open(await server.createDatabase());
    await expect(migratePostgres(db.q, dir)).rejects.toThrow(/20260102000000_sqlite_only\.sql.*COLLATE NOCASE/);
    const tables = await sql<{ n: number }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'a'`.execute(db.q);
    expect(tables.rows[0]!.n).toBe(0);
  });
});
