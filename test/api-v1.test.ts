import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent } from '../src/core/types';
import { createAgentRepository } from '../src/db/agent-repository';
import { png } from './support/file-fixtures';
import { onServer, uploadFile } from './support/file-upload';
import { startTestApp, type TestApp } from './support/app-harness';

/**
 * The REST API through the real app (issue 21): API keys, filters, pagination over 120
 * conversations, cursors that cannot be forged or moved to other filters, the streamed exports, and
 * every parameter validated. Keys are made with the app's ApiKeysService here; their life in Slack
 * is test/api-v1-keys.test.ts.
 */

let t: TestApp;
let readKey: string;
/** Stands still unless moved: two conversations may share a creation time (the page key's tie-break is tested). */
let instant = Date.parse('2026-11-01T00:00:00.000Z');
const clock = { now: () => new Date(instant) };
const ada: Agent = { id: 'U0ADA0001', persona: { name: 'Ada' }, isAdmin: false };
const grace: Agent = { id: 'U0GRACE01', persona: { name: 'Grace' }, isAdmin: false };
/** The 120 conversations, oldest first, with their creation times (pairs share a time: the key's tie-break is tested). */
const made: { id: string; createdAt: string; owner: string | null; token: string }[] = [];
let withFile: { id: string; fileId: string };

async function api(path: string, key: string | null = readKey, init: RequestInit = {}) {
  const res = await fetch(`${t.url}${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the export */
  }
  return { status: res.status, body, text, headers: res.headers };
}

beforeAll(async () => {
  t = await startTestApp({}, { clock });
  const agents = createAgentRepository(t.app.db);
  for (const a of [ada, grace]) agents.ensure(a.id, clock.now().toISOString());
  for (let i = 0; i < 120; i++) {
    if (i % 2 === 0) instant += 60_000;
    const s = t.app.core.openSession({ visitor: { name: `Visitor ${i}`, email: `v${i}@example.com` } });
    let owner: string | null = null;
    if (i % 10 === 3) owner = ada.id;
    if (i % 20 === 7) owner = grace.id;
    if (owner) expect(t.app.handoff.claim(s.conversation.id, owner === ada.id ? ada : grace).ok).toBe(true);
    made.push({ id: s.conversation.id, createdAt: s.conversation.createdAt, owner, token: s.token });
  }
  // The newest conversation: customer text that a spreadsheet would run, quotes and a line break, and a file.
  const last = made[made.length - 1]!;
  const up = await uploadFile(t.url, last.token, { name: 'receipt.png', bytes: png() });
  expect(up.status).toBe(201);
  await t.app.core.customerMessage(last.id, 'c1', '=HYPERLINK("http://evil","x"), then "quoted"\nsecond line', {}, [up.body.id!]);
  await t.app.core.customerMessage(made[0]!.id, 'c1', 'Hello from the oldest');
  await t.app.core.idle();
  withFile = { id: last.id, fileId: up.body.id! };
  const created = t.app.apiKeys.create({ name: 'CRM', scope: 'read', by: 'U0ADMIN01' });
  if (!created.ok) throw new Error(created.error);
  readKey = created.key;
}, 60_000);

afterAll(async () => {
  await t?.stop();
});

describe('API keys on /api/v1', () => {
  it('no key, a malformed, unknown or revoked key: 401 with WWW-Authenticate: Bearer, and no data', async () => {
    const other = t.app.apiKeys.create({ name: 'Old', scope: 'read', by: 'U0ADMIN01' });
    if (!other.ok) throw new Error(other.error);
    expect((await api('/api/v1/conversations', other.key)).status).toBe(200);
    const [prefix] = other.key.split('_').slice(1, 2);
    const wrongSecret = `hk_${prefix}_${'A'.repeat(43)}`;
    for (const key of [null, 'nonsense', wrongSecret, `${other.key}x`, readKey.replace(/.$/, (c) => (c === 'a' ? 'b' : 'a'))]) {
      const res = await api('/api/v1/conversations', key);
      expect(res.status, String(key)).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.body.error).toBe('unauthorized');
      expect(res.text).not.toContain('Visitor');
    }
    expect(t.app.apiKeys.revoke(other.info.id, 'U0ADMIN01')).not.toBeNull();
    const revoked = await api('/api/v1/conversations', other.key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.message).toMatch(/unknown or revoked/);
    // Auth comes before validation: a stranger learns nothing of the parameters either.
    expect((await api('/api/v1/conversations?limit=abc', null)).status).toBe(401);
  });

  it('records when a key was last used', async () => {
    expect(t.app.apiKeys.list().find((k) => k.name === 'CRM')!.lastUsedAt).toBeNull();
    expect((await api('/api/v1/conversations?limit=1')).status).toBe(200);
    const used = t.app.apiKeys.list().find((k) => k.name === 'CRM')!;
    expect(used.lastUsedAt).toBe(new Date(instant).toISOString());
  });
});

describe('GET /api/v1/conversations', () => {
  it('pages over all 120 conversations newest first, each exactly once, with the default and a custom limit', async () => {
    for (const limit of [undefined, 7, 100]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const qs = new URLSearchParams({ ...(limit ? { limit: String(limit) } : {}), ...(cursor ? { cursor } : {}) });
        const res = await api(`/api/v1/conversations?${qs}`);
        expect(res.status).toBe(200);
        expect(res.body.data.length).toBeLessThanOrEqual(limit ?? 50);
        seen.push(...res.body.data.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
        pages++;
      } while (cursor);
      expect(seen).toHaveLength(120);
      expect(new Set(seen).size).toBe(120);
      // Newest first (two conversations share each creation time: the id breaks the tie, in the engine's own order).
      const created = new Map(made.map((c) => [c.id, c.createdAt]));
      const times = seen.map((id) => created.get(id)!);
      expect(times).toEqual([...times].sort().reverse());
      expect(pages).toBe(Math.ceil(120 / (limit ?? 50)));
    }
  });

  it('shapes a conversation: state, visitor, agent, times, message count', async () => {
    const res = await api('/api/v1/conversations?limit=1');
    const c = res.body.data[0];
    expect(c).toMatchObject({ id: withFile.id, visitor: { name: 'Visitor 119', email: 'v119@example.com' }, agent: null });
    expect(c.messageCount).toBeGreaterThanOrEqual(1);
    expect(Date.parse(c.createdAt)).not.toBeNaN();
  });

  it('filters by state, agent and time range (and combines them), paging within the filter', async () => {
    const byAda = made.filter((c) => c.owner === ada.id).map((c) => c.id).reverse();
    const res = await api(`/api/v1/conversations?agent=${ada.id}&limit=4`);
    const next = await api(`/api/v1/conversations?agent=${ada.id}&limit=4&cursor=${encodeURIComponent(res.body.nextCursor)}`);
    const last = await api(`/api/v1/conversations?agent=${ada.id}&limit=4&cursor=${encodeURIComponent(next.body.nextCursor)}`);
    expect([...res.body.data, ...next.body.data, ...last.body.data].map((c: { id: string }) => c.id)).toEqual(byAda);
    expect(last.body.nextCursor).toBeNull();

    const human = await api('/api/v1/conversations?state=human&limit=100');
    expect(human.body.data.map((c: { id: string }) => c.id).sort()).toEqual(made.filter((c) => c.owner).map((c) => c.id).sort());
    expect((await api('/api/v1/conversations?state=resolved')).body).toEqual({ data: [], nextCursor: null });

    // [from, to): the conversations of minutes 10 to 19 after the start (two per minute).
    const from = made[20]!.createdAt;
    const to = made[40]!.createdAt;
    const ranged = await api(`/api/v1/conversations?from=${from}&to=${to}&limit=100`);
    expect(ranged.body.data.map((c: { id: string }) => c.id).sort()).toEqual(made.slice(20, 40).map((c) => c.id).sort());
    // The same instant written with an offset selects the same conversations.
    const offset = new Date(Date.parse(from)).toISOString().replace('Z', '+00:00');
    const sameRange = await api(`/api/v1/conversations?from=${encodeURIComponent(offset)}&to=${to}&limit=100`);
    expect(sameRange.body.data).toEqual(ranged.body.data);
    const graceHuman = await api(`/api/v1/conversations?state=human&agent=${grace.id}&from=${made[0]!.createdAt}`);
    expect(graceHuman.body.data.map((c: { id: string }) => c.id).sort()).toEqual(made.filter((c) => c.owner === grace.id).map((c) => c.id).sort());
  });

  it('a tampered, truncated, made-up or swapped cursor is a 400 and reaches nothing', async () => {
    const first = await api(`/api/v1/conversations?agent=${ada.id}&limit=2`);
    const cursor: string = first.body.nextCursor;
    const [payload, mac] = cursor.split('.') as [string, string];
    // A payload pointing elsewhere with the old signature; a forged signature; a cursor of other filters.
    const moved = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), t: '2099-01-01T00:00:00.000Z' })).toString('base64url');
    const other = (await api('/api/v1/conversations?limit=2')).body.nextCursor as string;
    const cases: [string, string, RegExp][] = [
      [`agent=${ada.id}`, `${moved}.${mac}`, /not a cursor this API issued/],
      [`agent=${ada.id}`, `${payload}.${mac.slice(0, -2)}AA`, /not a cursor this API issued/],
      [`agent=${ada.id}`, cursor.slice(0, -1), /not a cursor this API issued/],
      [`agent=${ada.id}`, 'eyJ0IjoiMjA5OSJ9', /not a cursor this API issued/],
      [`agent=${ada.id}`, other, /other filters/],
      ['', cursor, /other filters/],
      [`agent=${grace.id}`, cursor, /other filters/],
      [`agent=${ada.id}&state=human`, cursor, /other filters/],
    ];
    for (const [filters, c, message] of cases) {
      const res = await api(`/api/v1/conversations?${filters}&cursor=${encodeURIComponent(c)}`);
      expect(res.status, `${filters} ${c}`).toBe(400);
      expect(res.body.error).toBe('invalid_request');
      expect(res.body.message).toMatch(/^cursor: /);
      expect(res.body.message).toMatch(message);
    }
    // The same cursor with its own filters (in another order, another page size) works.
    const ok = await api(`/api/v1/conversations?limit=5&agent=${ada.id}&cursor=${encodeURIComponent(cursor)}`);
    expect(ok.status).toBe(200);
    expect(ok.body.data[0].id).toBe(made.filter((c) => c.owner === ada.id).reverse()[2]!.id);
  });

  it('validates every parameter: 400 naming it, nothing else answered', async () => {
    const bad: [string, string][] = [
      ['state=open', 'state'],
      ['state=', 'state'],
      ['state=ai&state=human', 'state'],
      ['agent=ada', 'agent'],
      ['agent=U1', 'agent'],
      ['agent=' + 'U'.repeat(40), 'agent'],
      ['from=yesterday', 'from'],
      ['from=2026-11-01', 'from'],
      ['from=2026-11-01T00:00:00', 'from'],
      ['to=2026-13-01T00:00:00Z', 'to'],
      ['from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z', 'to'],
      ['from=2026-11-01T00:00:00Z&to=2026-11-01T00:00:00Z', 'to'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=-1', 'limit'],
      ['limit=1.5', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=', 'limit'],
      ['limit=010', 'limit'],
      ['cursor=', 'cursor'],
      ['cursor=' + 'a'.repeat(700), 'cursor'],
      ['cursor=x.y', 'cursor'],
      ['page=2', 'page'],
      ['format=csv', 'format'],
    ];
    for (const [qs, name] of bad) {
      const res = await api(`/api/v1/conversations?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.error, qs).toBe('invalid_request');
      expect(res.body.message, qs).toMatch(new RegExp(`^${name}: \\S`));
      expect(res.body.data, qs).toBeUndefined();
    }
  });
});

describe('GET /api/v1/conversations/:id', () => {
  it('gives the conversation with its messages and files (a signed link that downloads the bytes)', async () => {
    const res = await api(`/api/v1/conversations/${withFile.id}`);
    expect(res.status).toBe(200);
    const customer = res.body.messages.find((m: { role: string }) => m.role === 'customer');
    expect(customer).toMatchObject({ seq: 1, text: '=HYPERLINK("http://evil","x"), then "quoted"\nsecond line', files: [withFile.fileId], deletedAt: null, editedAt: null, agent: null });
    expect(res.body.messages.map((m: { seq: number }) => m.seq)).toEqual(res.body.messages.map((_: unknown, i: number) => i + 1));
    expect(res.body.files).toEqual([{ id: withFile.fileId, name: 'receipt.png', mime: 'image/png', size: png().length, url: expect.stringMatching(/\/files\/.+sig=/) }]);
    const bytes = await fetch(onServer(res.body.files[0].url, t.url));
    expect(bytes.status).toBe(200);
    expect(Buffer.from(await bytes.arrayBuffer())).toEqual(png());
  });

  it('404 for an unknown id, 400 for one that cannot be an id', async () => {
    const unknown = await api('/api/v1/conversations/c_doesnotexist');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe('not_found');
    const bad = await api(`/api/v1/conversations/${encodeURIComponent('c_1;drop')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/^id: /);
    expect((await api(`/api/v1/conversations/${withFile.id}?expand=all`)).status).toBe(200);
  });

  it('an unknown route under /api/v1 is a 404 in the API error shape', async () => {
    const res = await api('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error).toBe('not_found');
  });
});

/** RFC 4180: quoted fields with doubled quotes and line breaks, CRLF between records. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else if (ch === '\n' || ch === '\r' || ch === '"') throw new Error(`bare ${JSON.stringify(ch)} at ${i}`);
    else field += ch;
    i++;
  }
  if (field !== '' || row.length) throw new Error('the last record has no CRLF');
  return rows;
}

describe('GET /api/v1/conversations/export', () => {
  it('JSON lines: one conversation a line with its messages, every conversation once, filters applied', async () => {
    const res = await api('/api/v1/conversations/export');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="conversations-.*\.jsonl"/);
    // Streamed in pages as it is read, not built whole first: no length known up front.
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-length')).toBeNull();
    const lines = res.text.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.id).sort()).toEqual(made.map((c) => c.id).sort());
    const oldest = lines.find((l) => l.id === made[0]!.id);
    expect(oldest.messages[0]).toMatchObject({ role: 'customer', text: 'Hello from the oldest' });
    expect(oldest.messages.length).toBe(oldest.messageCount);
    const filtered = await api(`/api/v1/conversations/export?format=jsonl&agent=${grace.id}`);
    expect(filtered.text.trimEnd().split('\n').map((l) => JSON.parse(l).id).sort()).toEqual(made.filter((c) => c.owner === grace.id).map((c) => c.id).sort());
    expect((await api('/api/v1/conversations/export?state=resolved')).text).toBe('');
  });

  it('CSV: one row per message, RFC 4180 quoting, formula cells guarded', async () => {
    const res = await api('/api/v1/conversations/export?format=csv');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const [header, ...rows] = parseCsv(res.text);
    expect(header).toContain('text');
    const col = (name: string) => header!.indexOf(name);
    const total = (await api('/api/v1/conversations/export')).text.trimEnd().split('\n').reduce((n, l) => n + JSON.parse(l).messages.length, 0);
    expect(rows).toHaveLength(total);
    const hostile = rows.find((r) => r[col('conversation_id')] === withFile.id && r[col('role')] === 'customer')!;
    expect(hostile[col('text')]).toBe(`'=HYPERLINK("http://evil","x"), then "quoted"\nsecond line`);
    expect(hostile[col('files')]).toBe(withFile.fileId);
    expect(hostile[col('visitor_email')]).toBe('v119@example.com');
  });

  it('validates its parameters like the list', async () => {
    for (const [qs, name] of [['format=xml', 'format'], ['limit=5', 'limit'], ['cursor=abc', 'cursor'], ['state=x', 'state'], ['from=never', 'from']] as const) {
      const res = await api(`/api/v1/conversations/export?${qs}`);
      expect(res.status, qs).toBe(400);
      expect(res.body.message, qs).toMatch(new RegExp(`^${name}: `));
    }
    expect((await api('/api/v1/conversations/export', null)).status).toBe(401);
  });
});
