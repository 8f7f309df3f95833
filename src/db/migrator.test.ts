import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrate } from './migrator';
import { tempDatabases } from '../../test/support/temp-databases';

const { tmp, open } = tempDatabases('handoff-mig-');

describe('migrate', () => {
  it('creates the schema on a fresh file, in a folder it creates, and records each migration', () => {
    const file = path.join(tmp(), 'nested', 'dir', 'handoff.db');
    const db = open(file);
    const applied = migrate(db);
    expect(applied.length).toBe(fs.readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).length);
    const tables = db.sqlite.prepare("SELECT name FROM sqlite_master WHERE type='table'").all().map((r) => (r as { name: string }).name);
    expect(tables).toEqual(expect.arrayContaining(['visitors', 'conversations', 'messages', 'settings', 'kb_passages', 'schema_migrations']));
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.sqlite.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('does nothing when re-run, also after a restart', () => {
    const file = path.join(tmp(), 'h.db');
    const first = open(file);
    expect(migrate(first).length).toBeGreaterThan(0);
    expect(migrate(first)).toEqual([]);
    first.close();
    expect(migrate(open(file))).toEqual([]);
  });

  it('rolls back a failing migration, records nothing of it and throws naming it', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, '20260101000000_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    fs.writeFileSync(path.join(dir, '20260102000000_bad.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nope VALUES (1);');
    const db = open(path.join(tmp(), 'h.db'));
    let error: unknown;
    try {
      migrate(db, dir);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(MigrationError);
    expect((error as MigrationError).migration).toBe('20260102000000_bad.sql');
    const names = db.sqlite.prepare('SELECT name FROM schema_migrations').all().map((r) => (r as { name: string }).name);
    expect(names).toEqual(['20260101000000_ok.sql']);
    // The half of the bad file that ran was rolled back with it.
    expect(db.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'b'").get()).toEqual({ n: 0 });
  });

  it('refuses migration files that are not timestamp-named', () => {
    const dir = tmp();
    fs.writeFileSync(path.join(dir, 'init.sql'), 'CREATE TABLE a (x INTEGER);');
    expect(() => migrate(open(path.join(tmp(), 'h.db')), dir)).toThrow(MigrationError);
  });
});
