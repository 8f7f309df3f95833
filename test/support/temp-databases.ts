import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { openDatabase, type SqliteDatabase } from '../../src/db/database';

/**
 * Temporary folders and database files for a test file, closed and removed after each test.
 * `open()` without a file opens a fresh `handoff.db` in a new folder.
 */
export function tempDatabases(prefix: string): { tmp(): string; open(file?: string): SqliteDatabase } {
  const dirs: string[] = [];
  const dbs: SqliteDatabase[] = [];
  const tmp = (): string => {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const db of dbs.splice(0)) db.close();
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  return {
    tmp,
    open(file = path.join(tmp(), "handoff.db")): SqliteDatabase {
      const db = openDatabase(file);
      dbs.push(db);
      return db;
    },
  };
}
