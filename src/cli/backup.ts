import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { backupDatabase } from '../db/backup';
import { dumpPostgres } from '../db/postgres/dump';
import { redactUrl } from '../db/postgres/sync-client';

/**
 * `npm run backup [file]`: an online backup while the app runs. SQLite (DATABASE_PATH): SQLite's
 * backup API, checked, by default backups/handoff-<time>.db next to the database. PostgreSQL
 * (DATABASE_URL): pg_dump's custom format, by default backups/handoff-<time>.dump in the working
 * folder, restored with pg_restore. Restoring is described in the README.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  if (config.databaseUrl) {
    const destination = process.argv[2] ?? path.join('backups', `handoff-${stamp}.dump`);
    const { file, bytes } = await dumpPostgres(config.databaseUrl, destination);
    console.log(`Backed up ${redactUrl(config.databaseUrl)} to ${file} with pg_dump (${bytes} bytes; restore with pg_restore).`);
    return;
  }
  const destination =
    process.argv[2] ?? path.join(path.dirname(path.resolve(config.databasePath)), 'backups', `handoff-${stamp}.db`);
  const { file, pages } = await backupDatabase(config.databasePath, destination);
  console.log(`Backed up ${config.databasePath} to ${file} (${pages} pages, integrity ok).`);
}

main().catch((err: unknown) => {
  console.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
