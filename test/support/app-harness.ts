import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';

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
    KB_DIR: path.resolve('kb'),
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

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
