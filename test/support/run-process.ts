import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** The project's root (where package.json is), whatever the test's working folder. */
export const ROOT = path.resolve(import.meta.dirname, '../..');
// Absolute, so that the child may run in any working folder (as `npm start` from a deployment's folder).
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface RunningProcess {
  exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  kill(signal?: NodeJS.Signals): void;
}

/**
 * Runs a TypeScript entry point of the project (`src/main.ts` for `npm start`, `src/cli/backup.ts`
 * for `npm run backup`) as its npm script does (tsx), in `cwd`, with exactly `env` (plus PATH and HOME).
 */
export function runEntry(entry: string, options: { cwd: string; env?: Record<string, string>; args?: string[] }): RunningProcess {
  const child = spawn(process.execPath, ['--import', TSX, path.join(ROOT, entry), ...(options.args ?? [])], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  running.add(child);
  void exited.then(() => running.delete(child));
  return { exited, stdout: () => out, stderr: () => err, kill: (signal = 'SIGTERM') => void child.kill(signal) };
}

const running = new Set<ReturnType<typeof spawn>>();

/** For afterEach: a test that failed half-way leaves no process behind. */
export function killLeftovers(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Waits for a condition, polling, up to a generous deadline. */
export async function waitUntil(pred: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
