import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { redactUrl } from './sync-client';

/**
 * A PostgreSQL backup is pg_dump's job: a consistent snapshot of the live database (one
 * transaction) in its custom format, restored with pg_restore. This runs it with the password in
 * PGPASSWORD rather than on the command line (where `ps` would show it), into `file.partial` and
 * renamed when complete, so a failed dump never leaves a file that looks like a backup.
 */
export async function dumpPostgres(url: string, file: string, pgDump = findPgDump()): Promise<{ file: string; bytes: number }> {
  if (!pgDump) {
    throw new Error(
      'pg_dump was not found (install the PostgreSQL client tools of your server\'s version, e.g. apt-get install postgresql-client, or set PG_BIN); ' +
        `or run: pg_dump --format=custom --file=<backup file> "${redactUrl(url)}"`,
    );
  }
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = '';
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial`;
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...(password ? { PGPASSWORD: password } : {}) };
  const stderr = await new Promise<{ code: number | null; text: string }>((resolve, reject) => {
    const child = spawn(pgDump, ['--format=custom', '--no-owner', '--file', partial, '--dbname', parsed.toString()], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let text = '';
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, text }));
  });
  if (stderr.code !== 0) {
    fs.rmSync(partial, { force: true });
    const why = stderr.text.trim().split('\n').pop() ?? `exit ${stderr.code}`;
    throw new Error(`pg_dump of ${redactUrl(url)} failed: ${why}`);
  }
  fs.renameSync(partial, file);
  return { file, bytes: fs.statSync(file).size };
}

/** pg_dump from $PG_BIN, else the newest Debian server's, else the PATH's. */
export function findPgDump(): string | null {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(path.join(process.env.PG_BIN, 'pg_dump'));
  const root = '/usr/lib/postgresql';
  if (fs.existsSync(root)) {
    for (const v of fs.readdirSync(root).sort((a, b) => Number(b) - Number(a))) candidates.push(path.join(root, v, 'bin', 'pg_dump'));
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) candidates.push(path.join(dir, 'pg_dump'));
  return candidates.find((c) => fs.existsSync(c)) ?? null;
}
