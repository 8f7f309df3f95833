import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { freshPostgresDatabase, testEngine } from './test-engine';

export interface TestApp {
  app: App;
  url: string;
  dir: string;
  dbPath: string;
  stop(): Promise<void>;
}

/**
 * Starts the real app in-process on a random port with a real SQLite file in a fresh temp folder.
 * `env` is the environment as an operator would give it (strings), merged over test defaults.
 */
export async function startTestApp(
  env: Record<string, string> = {},
  options: Omit<AppOptions, 'config' | 'logger'> & { dir?: string; logDestination?: { write(s: string): void } } = {},
): Promise<TestApp> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-test-'));
  const dbPath = path.join(dir, 'handoff.db');
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    DATABASE_PATH: dbPath,
    ...(testEngine() === 'postgres' ? { DATABASE_URL: await postgresFor(dir) } : {}),
    KB_DIR: path.resolve('kb'),
    FILES_DIR: path.join(dir, 'files'),
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...env,
  });
  // Scheduled jobs are driven by hand in tests (app.jobs.run) unless a test asks for them.
  const { logDestination, ...appOptions } = options;
  const app = await createApp({ jobs: false, ...appOptions, config, logger: createLogger(config.logLevel, logDestination) });
  const url = await app.start();
  return {
    app,
    url,
    dir,
    dbPath,
    async stop() {
      await app.stop();
    },
  };
}

/**
 * The PostgreSQL database of a test folder: created at its first app, the same again when the test
 * restarts the app on that folder (like the SQLite file in it).
 */
async function postgresFor(dir: string): Promise<string> {
  const file = path.join(dir, 'postgres-url');
  if (fs.existsSync(file)) return fs.readFileSync(file, 'utf8');
  const url = await freshPostgresDatabase();
  fs.writeFileSync(file, url);
  return url;
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
