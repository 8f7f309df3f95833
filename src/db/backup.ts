import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';

/**
 * An online backup of the SQLite file (SQLite's backup API through better-sqlite3): consistent
 * while the app keeps writing, then checked with `PRAGMA integrity_check`. Returns the file written.
 */
export async function backupDatabase(source: string, destination: string): Promise<{ file: string; pages: number }> {
  if (source === ':memory:') throw new Error('An in-memory database cannot be backed up.');
  if (!fs.existsSync(source)) throw new Error(`No database at ${source}.`);
  fs.mkdirSync(path.dirname(path.resolve(destination)), { recursive: true });
  const tmp = `${destination}.partial`;
  const db = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  try {
    const result = await db.backup(tmp);
    // The copy says WAL like its source, and a WAL database opened read-only leaves -wal and -shm
    // files behind. A backup is one self-contained file: switch it to a rollback journal (the app
    // turns WAL back on when it opens a restored copy), then check it.
    const check = new BetterSqlite3(tmp, { fileMustExist: true });
    try {
      check.pragma('journal_mode = DELETE');
      const status = check.pragma('integrity_check', { simple: true });
      if (status !== 'ok') throw new Error(`The backup failed its integrity check: ${String(status)}`);
    } finally {
      check.close();
    }
    fs.renameSync(tmp, destination);
    return { file: destination, pages: result.totalPages };
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    db.close();
    for (const side of ['-wal', '-shm', '-journal']) fs.rmSync(`${tmp}${side}`, { force: true });
  }
}
