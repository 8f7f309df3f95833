/**
 * The widget's size budget (widget/budget.ts): the script, built exactly as the server builds it,
 * plus the theme config it fetches before the first message, within 12 KB gzipped. Also checks the
 * bundle defines one global and contains no eval, new Function or innerHTML.
 */
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWidget, type WidgetBundle } from '../src/gateway/widget-bundle';
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
  it('stays within the budget: script and theme config at most 12 KB gzipped', async () => {
    const script = gzipSize(bundle.code);
    const config = gzipSize(await (await fetch(`${t.url}/api/widget/config`)).text());
    expect(config).toBeLessThanOrEqual(CONFIG_ALLOWANCE_BYTES);
    expect(script).toBeLessThanOrEqual(BUDGET_GZIP_BYTES - CONFIG_ALLOWANCE_BYTES);
    expect(script + config).toBeLessThanOrEqual(BUDGET_GZIP_BYTES);
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
    expect(bundle.code).not.toMatch(/\beval\(|new Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
    // One IIFE; the only global it assigns is window.HandoffWidget.
    expect(bundle.code.startsWith('"use strict";(()=>{')).toBe(true);
    expect(bundle.code.match(/window\.\w+\s*=/g)).toEqual(['window.HandoffWidget=']);
  });
});

/** GET /widget.js with exactly these headers (fetch would add and undo its own compression). */
function get(headers: Record<string, string>): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(`${t.url}/widget.js`, { headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}
