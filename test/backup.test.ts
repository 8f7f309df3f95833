import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({}, { socketRate: { perSecond: 100_000, burst: 100_000 } });
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

describe('backup and the write-ahead log', () => {
  it('npm run backup copies the live database consistently while customers keep writing', async () => {
    const w = await WidgetClient.connect(t.url);
    await w.hello();
    for (let i = 0; i < 50; i++) w.send({ type: 'message', clientId: `b${i}`, text: `before ${i}` });
    for (let i = 0; i < 50; i++) await w.next('ack');
    // Writes go on during the backup.
    for (let i = 0; i < 50; i++) w.send({ type: 'message', clientId: `d${i}`, text: `during ${i}` });
    const file = path.join(t.dir, 'backup', 'copy.db');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', file], {
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: t.dbPath },
    });
    expect(stdout).toMatch(/integrity ok/);
    // Only the backup: no copy.db.partial, no -wal or -shm beside it.
    expect(fs.readdirSync(path.dirname(file))).toEqual(['copy.db']);
    for (let i = 0; i < 50; i++) await w.next('ack');
    w.close();
    const copy = new BetterSqlite3(file, { readonly: true });
    const n = (copy.prepare("SELECT count(*) AS n FROM messages WHERE role = 'customer' AND text LIKE 'before %'").get() as { n: number }).n;
    const migrations = (copy.prepare('SELECT count(*) AS n FROM schema_migrations').get() as { n: number }).n;
    copy.close();
    expect(n).toBe(50);
    expect(migrations).toBeGreaterThan(0);
  });

  it('refuses to back up a missing database with a clear error and exit 1', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/backup.ts', path.join(t.dir, 'x.db')], {
      env: { PATH: process.env.PATH ?? '', DATABASE_PATH: path.join(t.dir, 'nope.db') },
    });
    await expect(run).rejects.toMatchObject({ code: 1, stderr: expect.stringMatching(/No database at/) });
  });

  it('keeps the write-ahead log bounded under a long burst of writes', async () => {
    const w = await WidgetClient.connect(t.url);
    await w.hello();
    const text = 'z'.repeat(3500);
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 500; i++) w.send({ type: 'message', clientId: `w${round}-${i}`, text });
      for (let i = 0; i < 500; i++) await w.next('ack', undefined, 20_000);
    }
    w.close();
    // ~10 MB written; automatic checkpoints keep the log around their 4 MB threshold.
    const wal = fs.statSync(`${t.dbPath}-wal`).size;
    expect(wal).toBeLessThan(8 * 1024 * 1024);
  }, 60_000);
});
