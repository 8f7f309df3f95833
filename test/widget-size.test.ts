/**
 * The widget's size budget (widget/budget.ts): the script, built exactly as the server builds it,
 * plus the config it fetches before the first message (theme and texts, in each language), within 12 KB gzipped. Also checks the
 * bundle defines one global and contains no eval, new Function or innerHTML; and that what comes
 * later (widget-later.js: attachments, the email and rating cards) is a second script it names by
 * its hash, under the same rules.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WIDGET_LATER_PATH, buildWidget, type WidgetBundle } from '../src/gateway/widget-bundle';
import { LANGUAGES } from '../src/i18n/languages';
import { BUDGET_GZIP_BYTES, CONFIG_ALLOWANCE_BYTES, gzipSize } from '../widget/budget';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';

let bundle: WidgetBundle;
let t: TestApp;

beforeAll(async () => {
  [bundle, t] = await Promise.all([buildWidget(), startTestApp()]);
});
afterAll(async () => {
  await t.stop();
  removeDir(t.dir);
});

describe('widget size', () => {
  it('stays within the budget in every language: script and config (with its texts) at most 12 KB gzipped', async () => {
    const script = gzipSize(bundle.code);
    expect(script).toBeLessThanOrEqual(BUDGET_GZIP_BYTES - CONFIG_ALLOWANCE_BYTES);
    for (const lang of LANGUAGES) {
      const res = await fetch(`${t.url}/api/widget/config?lang=${lang}&langs=en-US,en`);
      const body = await res.text();
      // The config carries that one language's texts, none of another's.
      expect(JSON.parse(body)).toMatchObject({ lang, texts: { send: expect.any(String) } });
      const config = gzipSize(body);
      expect(config, lang).toBeLessThanOrEqual(CONFIG_ALLOWANCE_BYTES);
      expect(script + config, lang).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
    }
  });

  it('has no text of its own: every text comes with the config or /api/widget/texts, in the language in use', () => {
    for (const text of ['Talk to a person', 'Write a message', 'Chat with us', 'Sending…', 'Not sent', 'Drop files to attach', 'How was your conversation', 'Notify me']) {
      expect(bundle.code).not.toContain(text);
      expect(bundle.later.code).not.toContain(text);
    }
  });

  it('is served gzipped to browsers that accept it, and plain to those that do not', async () => {
    const gz = await get({ 'accept-encoding': 'gzip, deflate, br' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers.vary).toContain('Accept-Encoding');
    expect(gz.body.length).toBeLessThanOrEqual(BUDGET_GZIP_BYTES - CONFIG_ALLOWANCE_BYTES);
    expect(gunzipSync(gz.body).toString('utf8')).toBe(bundle.code);
    const plain = await get({});
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString('utf8')).toBe(bundle.code);
  });

  it('runs under a strict CSP: no eval, no new Function, no markup parsing', () => {
    for (const code of [bundle.code, bundle.later.code]) expect(code).not.toMatch(/\beval\(|new Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    // One IIFE; the only global it assigns is window.HandoffWidget.
    expect(bundle.code.startsWith('"use strict";(()=>{')).toBe(true);
    expect(bundle.code.match(/window\.\w+\s*=/g)).toEqual(['window.HandoffWidget=']);
    // widget-later.js assigns no global: it hands itself to widget.js with a window event.
    expect(bundle.later.code.startsWith('"use strict";(()=>{')).toBe(true);
    expect(bundle.later.code).not.toMatch(/window\.\w+\s*=|globalThis|self\.\w+\s*=/);
  });

  it('serves widget-later.js, named by its hash in widget.js, gzipped and cached for good under that name', async () => {
    const hash = bundle.later.etag.slice(1, -1);
    expect(bundle.code).toContain(`"${WIDGET_LATER_PATH}?v=${hash}"`);
    const pinned = await get({ 'accept-encoding': 'gzip' }, `${WIDGET_LATER_PATH}?v=${hash}`);
    expect(pinned.headers['content-encoding']).toBe('gzip');
    expect(pinned.headers['content-type']).toMatch(/^application\/javascript/);
    expect(pinned.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(gunzipSync(pinned.body).toString('utf8')).toBe(bundle.later.code);
    // Any other name (an old hash after a deploy, none): briefly, as widget.js.
    for (const path of [WIDGET_LATER_PATH, `${WIDGET_LATER_PATH}?v=old`]) {
      const other = await get({}, path);
      expect(other.headers['cache-control']).toBe('public, max-age=300');
      expect(other.body.toString('utf8')).toBe(bundle.later.code);
    }
  });
});

/** GET /widget.js (or `path`) with exactly these headers (fetch would add and undo its own compression). */
function get(headers: Record<string, string>, path = '/widget.js'): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${t.url}${path}`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}
