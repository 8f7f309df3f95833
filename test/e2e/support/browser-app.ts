import { afterAll, beforeAll } from 'vitest';
import type { Browser } from 'playwright-core';
import { removeDir, startTestApp, type TestApp } from '../../support/app-harness';
import { freePort } from '../../support/free-port';
import { launchBrowser, openPage, type Watched } from './browser';

export interface BrowserApp {
  /** The app under test (without Slack); a test may replace it with a restarted one. */
  t: TestApp;
  browser: Browser;
  /** Opens a page (the demo page by default); it is closed after the file's tests. */
  visit(url?: string, viewport?: { width: number; height: number }): Promise<Watched>;
}

/**
 * One app and one Chromium for a test file: started before its tests, and closed after them with
 * every page opened through `visit`. `publicUrl`: the app listens on a known port and PUBLIC_URL
 * names it, so the links it makes (signed file links) work in the browser; `env`: more settings.
 */
export function browserApp(options: { publicUrl?: boolean; env?: Record<string, string> } = {}): BrowserApp {
  const pages: Watched[] = [];
  const env = {
    async visit(url?: string, viewport?: { width: number; height: number }) {
      const w = await openPage(env.browser, url ?? env.t.url, viewport);
      pages.push(w);
      return w;
    },
  } as BrowserApp;
  beforeAll(async () => {
    const port = options.publicUrl ? String(await freePort()) : undefined;
    const appEnv = { ...(port ? { PORT: port, PUBLIC_URL: `http://127.0.0.1:${port}` } : {}), ...options.env };
    [env.t, env.browser] = await Promise.all([startTestApp(appEnv), launchBrowser()]);
  });
  afterAll(async () => {
    for (const w of pages) await w.close().catch(() => {});
    await env.browser?.close();
    await env.t?.stop();
    if (env.t) removeDir(env.t.dir);
  });
  return env;
}
