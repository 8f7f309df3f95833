import path from 'node:path';
import { loadConfigOrExit } from '../config';
import { backupDatabase } from '../db/backup';

/**
 * `npm run backup [file]`: an online backup of DATABASE_PATH while the app runs. Without a file it
 * writes backups/handoff-<time>.db next to the database. Restoring is described in the README.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const destination =
    process.argv[2] ?? path.join(path.dirname(path.resolve(config.databasePath)), 'backups', `handoff-${stamp}.db`);
  const { file, pages } = await backupDatabase(config.databasePath, destination);
  console.log(`Backed up ${config.databasePath} to ${file} (${pages} pages, integrity ok).`);
}

main().catch((err: unknown) => {
  console.error(`Backup failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
