import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Config } from './config';
import { DatabaseOpenError } from './db/database';

/**
 * What stops `npm start` before it serves anyone, said the way the configuration errors are: one
 * line per problem, naming the variable to fix, no stack trace (the entry point exits 1).
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/**
 * The checks that are quick and catch the usual first-run mistakes before the slow work (migrating,
 * indexing, building the widget): KB_DIR must be a folder, PORT must be free. Throws StartupError
 * naming every problem found.
 */
export async function checkBeforeStart(config: Pick<Config, 'kbDir' | 'host' | 'port'>): Promise<void> {
  const problems = [knowledgeBaseProblem(config.kbDir), await portProblem(config.host, config.port)].filter(
    (p): p is string => p !== null,
  );
  if (problems.length) throw new StartupError(problems);
}

/**
 * A missing KB_DIR is refused rather than indexed as empty: it is almost always a typo or the wrong
 * working folder, and the AI would then hand every question to a person without saying why. An
 * existing but empty folder is a fresh knowledge base: the app starts and warns.
 */
export function knowledgeBaseProblem(dir: string): string | null {
  const where = path.resolve(dir) === dir ? '' : ` (looked for ${path.resolve(dir)})`;
  try {
    if (!fs.statSync(dir).isDirectory()) return `KB_DIR: ${dir} is not a folder${where}; set KB_DIR to the folder of Markdown articles`;
    fs.readdirSync(dir);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return `KB_DIR: ${dir} does not exist${where}; set KB_DIR to the folder of Markdown articles`;
    return `KB_DIR: ${dir} cannot be read (${code ?? String(err)})`;
  }
}

/** Binds and releases host:port to see that the server will be able to (port 0 is always free). */
async function portProblem(host: string, port: number): Promise<string | null> {
  if (port === 0) return null;
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port, exclusive: true }, resolve);
    });
    return null;
  } catch (err) {
    return listenProblem(err, host, port);
  } finally {
    await new Promise<void>((resolve) => (probe.listening ? probe.close(() => resolve()) : resolve()));
  }
}

/** The one-line problem for a failure to listen on host:port, or null when the error is something else. */
export function listenProblem(err: unknown, host: string, port: number): string | null {
  const e = err as (NodeJS.ErrnoException & { hostname?: string }) | undefined;
  const fromListen = e?.syscall === 'listen' || (e?.syscall === 'getaddrinfo' && e.hostname === host);
  if (!fromListen) return null;
  switch (e.code) {
    case 'EADDRINUSE':
      return `PORT: ${port} is already in use on ${host} (another Handoff, or another program?); stop it or set PORT to a free port`;
    case 'EACCES':
      return `PORT: ${port} needs privileges to listen on (ports below 1024); set PORT to 1024 or above`;
    case 'EADDRNOTAVAIL':
      return `HOST: ${host} is not an address of this machine; use 0.0.0.0 (all interfaces) or one of its addresses`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST: ${host} cannot be resolved to an address; use 0.0.0.0 (all interfaces) or one of its addresses`;
    default:
      return null;
  }
}

/**
 * The lines to print for a failure to create the app that is the operator's to fix (a check above,
 * the database file), or null for anything else (a bug: keep its stack).
 */
export function startupProblems(err: unknown): string[] | null {
  if (err instanceof StartupError) return err.problems;
  if (err instanceof DatabaseOpenError) return [`${err.variable}: ${err.message}`];
  return null;
}
