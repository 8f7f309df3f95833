import Ajv2020Module from 'ajv/dist/2020';
import addFormatsModule from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationParams, exportQuery, listQuery } from '../src/gateway/api-v1/schemas';
import { openApiPath } from '../src/gateway/api-v1/openapi';
import { startTestApp, type TestApp } from './support/app-harness';

/**
 * The OpenAPI document (issue 21) is generated from the schemas the routes validate with: every
 * /api/v1 route is in it, with its security and error responses, and its parameter schemas accept
 * and refuse what the server does. Also: scopes enforced (a read key on the erase route is a 403).
 */

const Ajv2020 = ((Ajv2020Module as unknown as { default?: unknown }).default ?? Ajv2020Module) as typeof Ajv2020Module;
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as typeof addFormatsModule;

let t: TestApp;
let doc: any;
let readKey: string;
let eraseKey: string;

beforeAll(async () => {
  t = await startTestApp();
  const res = await fetch(`${t.url}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  doc = await res.json();
  const read = t.app.apiKeys.create({ name: 'read', scope: 'read', by: 'U0ADMIN01' });
  const erase = t.app.apiKeys.create({ name: 'erase', scope: 'read+erase', by: 'U0ADMIN01' });
  if (!read.ok || !erase.ok) throw new Error('keys');
  readKey = read.key;
  eraseKey = erase.key;
});

afterAll(async () => {
  await t?.stop();
});

/** Every /api/v1 route the server has, read from Fastify's own route tree (not from our records). */
function serverRoutes(): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const parents: string[] = [];
  for (const line of t.app.server.printRoutes({ commonPrefix: false }).split('\n')) {
    const at = line.indexOf('── ');
    if (at === -1) continue;
    // Each level of the tree is indented by four characters; a child's path continues its parent's.
    const depth = Math.round(at / 4);
    const m = /^(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 3).trim());
    if (!m) continue;
    const url = (depth > 0 ? (parents[depth - 1] ?? '') : '') + m[1]!;
    parents[depth] = url;
    parents.length = depth + 1;
    if (!m[2] || !url.startsWith('/api/v1/')) continue;
    for (const method of m[2].split(/,\s*/)) if (method !== 'HEAD') out.push({ method, url });
  }
  return out;
}

describe('GET /api/v1/openapi.json', () => {
  it('is OpenAPI 3.1 with the bearer security scheme, and needs no key', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/api/v1/openapi.json'].get.security).toEqual([]);
  });

  it('lists every route registered under /api/v1, documented, with its error responses', () => {
    const routes = serverRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(4);
    expect(routes).toEqual(expect.arrayContaining([{ method: 'GET', url: '/api/v1/conversations' }, { method: 'GET', url: '/api/v1/conversations/export' }, { method: 'GET', url: '/api/v1/conversations/:id' }]));
    for (const r of routes) {
      const op = doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()];
      expect(op, `${r.method} ${r.url}`).toBeDefined();
      expect(op['x-undocumented'], `${r.method} ${r.url}`).toBeUndefined();
      expect(op.summary).toBeTruthy();
      expect(op.responses['200'] ?? op.responses['201'] ?? op.responses['202'], `${r.method} ${r.url}`).toBeDefined();
      if (op.security?.length === 0) continue;
      for (const status of ['401', '403']) expect(op.responses[status], `${r.method} ${r.url} ${status}`).toBeDefined();
      if (op.parameters.length || op.requestBody) expect(op.responses['400'], `${r.method} ${r.url} 400`).toBeDefined();
    }
    // No more in the document than the server serves.
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${path}`));
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${openApiPath(r.url)}`).sort());
    const get = doc.paths['/api/v1/conversations/{id}'].get;
    expect(get.responses['404']).toBeDefined();
    expect(get.parameters).toEqual([expect.objectContaining({ name: 'id', in: 'path', required: true })]);
    expect(doc.paths['/api/v1/conversations'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['agent', 'cursor', 'from', 'limit', 'state', 'to']);
  });

  it("the document's parameter schemas accept and refuse what the server's validation does", async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats(ajv);
    const list = doc.paths['/api/v1/conversations'].get.parameters as { name: string; schema: object }[];
    const exp = doc.paths['/api/v1/conversations/export'].get.parameters as { name: string; schema: object }[];
    const cases: [string, string, boolean][] = [
      ['state', 'human', true], ['state', 'open', false], ['state', 'AI', false],
      ['agent', 'U0ADA0001', true], ['agent', 'ada', false], ['agent', 'U1', false],
      ['from', '2026-11-01T00:00:00Z', true], ['from', '2026-11-01T00:00:00+02:00', true], ['from', '2026-11-01', false], ['from', 'yesterday', false], ['from', '2026-02-30T00:00:00Z', false],
      ['limit', '1', true], ['limit', '100', true], ['limit', '50', true], ['limit', '0', false], ['limit', '101', false], ['limit', 'abc', false], ['limit', '1.5', false], ['limit', '-3', false], ['limit', '010', false],
      ['cursor', '', false], ['cursor', 'a'.repeat(601), false],
    ];
    for (const [name, value, valid] of cases) {
      const schema = list.find((p) => p.name === name)!.schema;
      expect(ajv.validate(schema, value), `document ${name}=${value}`).toBe(valid);
      expect(listQuery.safeParse({ [name]: value }).success, `validator ${name}=${value}`).toBe(valid);
      const res = await fetch(`${t.url}/api/v1/conversations?${new URLSearchParams({ [name]: value })}`, { headers: { authorization: `Bearer ${readKey}` } });
      // A well-formed cursor can still be refused (it was not issued here): only refusals are compared for it.
      if (name !== 'cursor' || !valid) expect(res.status, `server ${name}=${value}`).toBe(valid ? 200 : 400);
    }
    for (const [value, valid] of [['csv', true], ['jsonl', true], ['xml', false], ['CSV', false]] as const) {
      expect(ajv.validate(exp.find((p) => p.name === 'format')!.schema, value)).toBe(valid);
      expect(exportQuery.safeParse({ format: value }).success).toBe(valid);
    }
    const id = doc.paths['/api/v1/conversations/{id}'].get.parameters[0].schema;
    for (const [value, valid] of [['c_abc-DEF_1', true], ['c 1', false], ['c;1', false], ['x'.repeat(101), false]] as const) {
      expect(ajv.validate(id, value)).toBe(valid);
      expect(conversationParams.safeParse({ id: value }).success).toBe(valid);
    }
    // Unknown parameters: refused by both.
    const listObject = { type: 'object', properties: Object.fromEntries(list.map((p) => [p.name, p.schema])), additionalProperties: false };
    expect(ajv.validate(listObject, { page: '2' })).toBe(false);
    expect(listQuery.safeParse({ page: '2' }).success).toBe(false);
  });
});

describe('scopes', () => {
  it('a read key may read but not erase (403); a read+erase key passes the scope check', async () => {
    const erase = (key: string) =>
      fetch(`${t.url}/api/v1/visitors/erase`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({}) });
    const refused = await erase(readKey);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ error: 'forbidden', message: expect.stringMatching(/read\+erase/) });
    // Past the scope check, the empty body is the next thing refused.
    expect((await erase(eraseKey)).status).toBe(400);
    expect((await fetch(`${t.url}/api/v1/conversations`, { headers: { authorization: `Bearer ${eraseKey}` } })).status).toBe(200);
    const revoked = t.app.apiKeys.list().find((k) => k.name === 'erase')!;
    t.app.apiKeys.revoke(revoked.id, 'U0ADMIN01');
    expect((await erase(eraseKey)).status).toBe(401);
  });
});
