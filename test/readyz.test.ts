import { afterEach, describe, expect, it } from 'vitest';
import { startTestApp, removeDir, type TestApp } from './support/app-harness';
import { startSlackStack, type SlackStack } from './support/slack-stack';

async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/readyz`);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('GET /readyz', () => {
  let s: SlackStack | null = null;
  let t: TestApp | null = null;
  afterEach(async () => {
    await s?.close();
    s = null;
    if (t) {
      await t.stop();
      removeDir(t.dir);
      t = null;
    }
  });

  it('is ready with the database migrated and Slack answering auth.test', async () => {
    s = await startSlackStack();
    expect(await readyz(s.t.url)).toEqual({ status: 200, body: { ready: true, checks: { database: 'ok', migrations: 'ok', slack: 'ok' } } });
    expect(s.emulator.count('auth.test')).toBeGreaterThanOrEqual(1);
    // Asked once: readiness probes do not call Slack again once it has answered.
    const asked = s.emulator.count('auth.test');
    await readyz(s.t.url);
    expect(s.emulator.count('auth.test')).toBe(asked);
  });

  it('is ready without Slack when Slack is not configured', async () => {
    t = await startTestApp();
    expect(await readyz(t.url)).toEqual({ status: 200, body: { ready: true, checks: { database: 'ok', migrations: 'ok', slack: 'not configured' } } });
  });

  it("answers 503 naming Slack when auth.test fails, and asks again on the next probe", async () => {
    s = await startSlackStack({ SLACK_BOT_TOKEN: 'xoxb-not-the-workspace-token' });
    const before = s.emulator.count('auth.test');
    const { status, body } = await readyz(s.t.url);
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, missing: ['slack auth.test: invalid_auth'], checks: { database: 'ok', migrations: 'ok', slack: 'auth.test: invalid_auth' } });
    expect(s.emulator.count('auth.test')).toBeGreaterThan(before);
    const again = s.emulator.count('auth.test');
    expect((await readyz(s.t.url)).status).toBe(503);
    expect(s.emulator.count('auth.test')).toBeGreaterThan(again);
  });

  it('answers 503 naming the migrations when one is not applied', async () => {
    t = await startTestApp();
    const { db } = t.app;
    const newest = db.all(db.q.selectFrom('schema_migrations' as never).select('name' as never).orderBy('name' as never, 'desc').limit(1)) as unknown as { name: string }[];
    db.run(db.q.deleteFrom('schema_migrations' as never).where('name' as never, '=', newest[0]!.name as never));
    const { status, body } = await readyz(t.url);
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, missing: [`migrations pending: ${newest[0]!.name}`] });
  });

  it('answers 503 naming the database when it does not answer', async () => {
    t = await startTestApp();
    expect((await readyz(t.url)).status).toBe(200);
    t.app.db.close();
    const { status, body } = await readyz(t.url);
    expect(status).toBe(503);
    expect(body).toEqual({ ready: false, missing: ['database: unreachable'], checks: { database: 'unreachable', migrations: 'unknown', slack: 'not configured' } });
    // /healthz says the same, its own way.
    expect((await fetch(`${t.url}/healthz`)).status).toBe(503);
    // Without its database the app cannot stop cleanly (the mailer's last flush reads it): the
    // server and the rest are closed, the error is expected.
    const stopped = t;
    t = null;
    await stopped.stop().catch(() => {});
    removeDir(stopped.dir);
  });
});
