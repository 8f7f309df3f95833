import { sqliteOf } from './support/test-engine';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { WidgetClient } from './support/widget-client';

let t: TestApp;
afterEach(async () => {
  await t?.stop();
  if (t) removeDir(t.dir);
});

const count = (clientId: string) =>
  (sqliteOf(t.app.db).prepare('SELECT count(*) AS n FROM messages WHERE client_id = ?').get(clientId) as { n: number }).n;

/** The ack or error a message got (whichever came), by its clientId. */
async function answerFor(c: WidgetClient, clientId: string) {
  const deadline = Date.now() + 5000;
  for (;;) {
    const f = c.all.find((x) => (x.type === 'ack' || x.type === 'error') && x.clientId === clientId);
    if (f) return f as Extract<typeof f, { type: 'ack' | 'error' }>;
    if (Date.now() > deadline) throw new Error(`no answer for ${clientId}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('storage faults: a clear error, no crash, nothing lost', () => {
  it('a database locked by another process: the message is refused as unavailable, then stored once when resent', async () => {
    t = await startTestApp({}, { busyTimeoutMs: 200 });
    const c = await WidgetClient.connect(t.url);
    await c.hello();
    const other = new BetterSqlite3(t.dbPath);
    other.exec('BEGIN EXCLUSIVE');
    c.send({ type: 'message', clientId: 'locked-1', text: 'hello while locked' });
    expect(await c.next('error')).toMatchObject({ code: 'unavailable', clientId: 'locked-1' });
    other.exec('COMMIT');
    other.close();
    c.send({ type: 'message', clientId: 'locked-1', text: 'hello while locked' });
    expect((await c.next('ack')).clientId).toBe('locked-1');
    expect(count('locked-1')).toBe(1);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('a full disk: refused as unavailable, the process keeps serving, and the message is stored once space is back', async () => {
    t = await startTestApp();
    const c = await WidgetClient.connect(t.url);
    await c.hello();
    const pages = sqliteOf(t.app.db).pragma('page_count', { simple: true }) as number;
    sqliteOf(t.app.db).pragma(`max_page_count = ${pages}`);
    // Fill what space is left until the disk is "full".
    let refused: string | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      c.send({ type: 'message', clientId: `full-${i}`, text: `${i} ${'x'.repeat(3900)}` });
      const answer = await answerFor(c, `full-${i}`);
      if (answer.type === 'error') {
        expect(answer.code).toBe('unavailable');
        refused = `full-${i}`;
      }
    }
    expect(refused).not.toBeNull();
    expect(count(refused!)).toBe(0);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    sqliteOf(t.app.db).pragma('max_page_count = 1073741823');
    c.send({ type: 'message', clientId: refused!, text: 'again' });
    await new Promise((r) => setTimeout(r, 100));
    expect(c.all.some((f) => f.type === 'ack' && f.clientId === refused)).toBe(true);
    expect(count(refused!)).toBe(1);
  });

  it('a read-only database: refused as unavailable; /healthz still answers', async () => {
    t = await startTestApp();
    const c = await WidgetClient.connect(t.url);
    await c.hello();
    sqliteOf(t.app.db).pragma('query_only = ON');
    c.send({ type: 'message', clientId: 'ro-1', text: 'hello' });
    expect(await c.next('error')).toMatchObject({ code: 'unavailable', clientId: 'ro-1' });
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    sqliteOf(t.app.db).pragma('query_only = OFF');
    c.send({ type: 'message', clientId: 'ro-1', text: 'hello' });
    expect((await c.next('ack')).clientId).toBe('ro-1');
  });

  it('/healthz answers 503 once the database is gone', async () => {
    const gone = await startTestApp();
    sqliteOf(gone.app.db).close();
    expect((await fetch(`${gone.url}/healthz`)).status).toBe(503);
    await gone.app.server.close();
    removeDir(gone.dir);
  });
});
