import { afterEach, describe, expect, it } from 'vitest';
import { ACTION, BLOCK } from '../src/slack/ids';
import { History, seedHistory } from './support/analytics-history';
import { SLACK_IDS } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { movableClock } from './support/movable-clock';

const C = SLACK_IDS.support;
const { ada: ADA, grace: GRACE } = SLACK_IDS;

/** A clock that runs with real time (timers stay sane) and that the test moves. */
let s: SlackStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

async function start(clockAt: string, options: { available?: string[]; env?: Record<string, string> } = {}) {
  const clock = movableClock(clockAt);
  s = await startSlackStack(options.env ?? {}, { app: { clock }, ...(options.available ? { available: options.available } : {}) });
  return { s, clock };
}

function eventsOf(stack: SlackStack, conversationId: string) {
  const { db } = stack.t.app;
  return db
    .all(db.q.selectFrom('conversation_events').select(['type', 'detail']).where('conversation_id', '=', conversationId).orderBy('id'))
    .map((r) => ({ type: r.type, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}

const types = (stack: SlackStack, id: string) => eventsOf(stack, id).map((e) => e.type);

/**
 * The history behind the numbers (all within the last 7 days of 2026-03-10 09:00 UTC): 10
 * conversations, 3 handed off — 30% (not met); claims after 60, 120 and 300 s — median 2m 00s,
 * p90 5m 00s; first replies after 90, 150, 400 s — median 2m 30s (met); 2 of 3 resolved, one of
 * them reopened within 24 h — 33.3% (not met); ratings 5 and 4 — 4.50 (not met).
 */
function seedNumbers(stack: SlackStack): History {
  const h = new History(Date.parse('2026-03-05T00:00:00.000Z')).quiet(7, 3600);
  h.add({ id: 'c_a', start: 10_000, teamId: 'billing', messages: [[10_001, 'How do I export invoices?']], handoffs: [{ at: 10_010, reason: 'no_match', agent: ADA, claimAfter: 60, replyAfter: 90, resolveAfter: 600, rating: 5 }] });
  h.add({ id: 'c_b', start: 20_000, teamId: 'billing', messages: [[20_001, 'export invoices, please']], handoffs: [{ at: 20_010, reason: 'no_match', agent: ADA, claimAfter: 120, replyAfter: 150, resolveAfter: 600, reopenAfter: 3600, rating: 4, comment: '=HYPERLINK("http://evil.example"), "quoted"' }] });
  h.add({ id: 'c_c', start: 30_000, handoffs: [{ at: 30_010, agent: GRACE, claimAfter: 300, replyAfter: 400 }] });
  seedHistory(stack.t.app.db, h, { billing: 'Billing' });
  return h;
}

describe('every handoff event is recorded at its moment', () => {
  it('escalated, routed, nudged, claimed, first reply, resolved, rated, reopened, handed back, queued, emailed', async () => {
    const { s, clock } = await start('2026-03-10T10:00:00.000Z', { env: { OFFLINE_EMAIL_DELAY_S: '1' } });
    const w = await s.widget();
    const { conversationId: id } = await w.hello({ visitor: { name: 'Jane', email: 'jane@example.com' } });
    w.send({ type: 'message', clientId: 'm1', text: 'I want to talk to a person' });
    expect((await w.next('state')).state).toBe('waiting');
    expect(eventsOf(s, id).slice(0, 3)).toMatchObject([
      { type: 'started' },
      { type: 'escalated', detail: { kind: 'customer_asked', to: 'waiting' } },
      { type: 'routed', detail: { agentIds: [expect.any(String)] } },
    ]);

    clock.advance(150_000);
    await s.t.app.jobs.run('nudges');
    expect(types(s, id).at(-1)).toBe('nudged');

    const card = await s.card(id);
    await s.driver.blockAction(ADA, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'human');
    expect(eventsOf(s, id).at(-1)).toMatchObject({ type: 'claimed', detail: { agentId: ADA } });

    await s.driver.userReply(ADA, C, card.ts, 'Happy to help with that.');
    await w.next('message', (m) => m.text === 'Happy to help with that.');
    await s.driver.userReply(ADA, C, card.ts, 'Anything else?');
    await w.next('message', (m) => m.text === 'Anything else?');
    expect(types(s, id).filter((t) => t === 'first_agent_reply')).toHaveLength(1);

    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.resolve));
    await s.driver.blockAction(ADA, { actionId: ACTION.resolve, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'resolved');
    w.send({ type: 'rate', score: 4, comment: 'ok' });
    await w.next('message', (m) => /feedback/i.test(m.text));
    w.send({ type: 'message', clientId: 'm2', text: 'How do I reset my password?' });
    await w.next('state', (f) => f.state === 'ai');
    await w.next('message', (m) => m.role === 'ai' && /password/i.test(m.text));
    expect(eventsOf(s, id).slice(-3)).toMatchObject([
      { type: 'resolved', detail: { agentId: ADA } },
      { type: 'rated', detail: { score: 4, comment: 'ok' } },
      { type: 'reopened' },
    ]);

    // Escalated again, claimed by Grace, handed back to the AI.
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'waiting');
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(`"${ACTION.claim}"`));
    await s.driver.blockAction(GRACE, { actionId: ACTION.claim, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'human');
    await s.emulator.waitFor(() => JSON.stringify(s.emulator.message(C, card.ts)!.blocks).includes(ACTION.handBack));
    await s.driver.blockAction(GRACE, { actionId: ACTION.handBack, message: s.emulator.message(C, card.ts)!, channel: C });
    await w.next('state', (f) => f.state === 'ai');
    expect(types(s, id).slice(-4)).toEqual(['escalated', 'routed', 'claimed', 'handed_back']);

    // Nobody available: queued. An agent answers; the customer has left: emailed.
    for (const agent of [ADA, GRACE, SLACK_IDS.linus]) await s.driver.slashCommand(agent, 'offline');
    w.send({ type: 'request_human' });
    await w.next('state', (f) => f.state === 'queued');
    expect(eventsOf(s, id).slice(-2)).toMatchObject([{ type: 'escalated', detail: { kind: 'customer_asked', to: 'queued' } }, { type: 'queued' }]);
    w.close();
    await new Promise((r) => setTimeout(r, 100));
    await s.driver.userReply(ADA, C, card.ts, 'Sorry for the wait, here is the answer.');
    await s.emulator.waitFor(() => types(s, id).at(-1) === 'first_agent_reply');
    clock.advance(5_000);
    await s.t.app.jobs.run('offline-email');
    // The reply claimed the conversation first: the introduction and the reply, in one email.
    expect(eventsOf(s, id).at(-1)).toMatchObject({ type: 'emailed', detail: { replies: 2 } });

    // What the analytics make of it: three handoffs of one conversation.
    const rows = (await (await fetch(`${s.t.url}/api/stats.csv?period=today`, { headers: { authorization: `Bearer ${apiToken(s)}` } })).text()).trim().split('\r\n');
    // The customer came back within 24 h of the resolution: reopened, not resolved.
    expect(rows.slice(1).map((r) => r.split(',')).map((c) => [c[2], c[5], c[12], c[14], c[16], c[17], c[18]])).toEqual([
      ['customer_asked', ADA, 'reopened', '4', 'false', '1', 'false'],
      ['customer_asked', GRACE, 'handed_back', '', 'false', '0', 'false'],
      ['customer_asked', ADA, 'open', '', 'true', '0', 'true'],
    ]);
  });
});

function apiToken(stack: SlackStack): string {
  const { db } = stack.t.app;
  return db.first(db.q.selectFrom('secrets').select('value').where('name', '=', 'analytics_api_token'))!.value;
}

describe('/handoff stats', () => {
  it('answers only the caller with every number against its target; admins learn about the API', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    seedNumbers(s);
    const res = await s.driver.slashCommand(ADA, 'stats 30d');
    expect(res.status).toBe(200);
    expect(res.body.response_type).toBe('ephemeral');
    const all = JSON.stringify(res.body.blocks);
    expect(all).toContain('Handoff performance — last 30 days');
    expect(all).toContain('⚠️ *Handoff rate:* 30%');
    expect(all).toContain('3 of 10 conversations');
    expect(all).toContain('✅ *Response time:* 2m 30s');
    expect(all).toContain('claim: median 2m 00s · p90 5m 00s (3)');
    expect(all).toContain('⚠️ *Resolution:* 33.3%');
    expect(all).toContain('⚠️ *CSAT after handoff:* 4.50/5');
    expect(all).toContain('*Ada*');
    expect(all).toContain('*Grace*');
    expect(all).toContain('*Billing*');
    expect(all).toContain('No knowledge-base match');
    expect(all).toContain('\\"export invoices\\" (2)');
    expect(all).toContain('/handoff stats api');
    const shown = s.emulator.ephemerals(ADA).filter((e) => e.via === 'ack');
    expect(shown.at(-1)!.text).toContain('Handoff rate 30% ⚠️');
    // Nothing was posted in the channel for it.
    expect(s.emulator.callsTo('chat.postMessage').filter((c) => JSON.stringify(c.args).includes('Handoff performance'))).toEqual([]);

    // Not an admin: the same numbers, nothing about the API; the token is refused.
    const grace = await s.driver.slashCommand(GRACE, 'stats');
    expect(JSON.stringify(grace.body.blocks)).toContain('last 7 days');
    expect(JSON.stringify(grace.body.blocks)).not.toContain('/api/stats');
    expect((await s.driver.slashCommand(GRACE, 'stats api')).body.text).toBe('Only admins can see the analytics API token.');

    const api = await s.driver.slashCommand(ADA, 'stats api');
    expect(JSON.stringify(api.body.blocks)).toContain(apiToken(s));

    expect((await s.driver.slashCommand(ADA, 'stats yearly')).body.text).toMatch(/^Usage: `\/handoff stats \[today\|7d\|30d\]`/);
    const today = await s.driver.slashCommand(ADA, 'stats today');
    expect(JSON.stringify(today.body.blocks)).toContain('No data for this period yet');
  });

  it('shows the team performance in the App Home', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    seedNumbers(s);
    await s.driver.appHomeOpened(ADA);
    const view = await s.emulator.waitFor(() => {
      const home = s.emulator.homeTab(ADA);
      expect(JSON.stringify(home?.blocks ?? [])).toContain('Team performance (7 days)');
      return home!;
    });
    const stats = view.blocks.find((b) => b.block_id === BLOCK.homeStats)!;
    expect(JSON.stringify(stats)).toContain('30% · target &lt; 30%');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });
});

describe('the daily digest', () => {
  const digests = (stack: SlackStack) => stack.emulator.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('Daily handoff digest'));

  it('is posted once a day at the digest time, in the handoff channel, with the likely fixes', async () => {
    const { s, clock } = await start('2026-03-10T08:59:30.000Z');
    seedNumbers(s);
    expect((await s.t.app.jobs.run('digest')).status).toBe('done');
    expect(digests(s)).toEqual([]);

    clock.set('2026-03-10T09:00:05.000Z');
    const run = await s.t.app.jobs.run('digest');
    expect(run).toMatchObject({ status: 'done', result: '2026-03-10' });
    const msg = await s.emulator.waitForMessage(C, (m) => m.text.startsWith('Daily handoff digest'));
    const all = JSON.stringify(msg.blocks);
    expect(msg.text).toContain('missed Handoff rate, Resolution, CSAT after handoff');
    expect(all).toContain('*Likely fixes*');
    expect(all).toContain('Improve the knowledge base');
    expect(all).toContain('\\"export invoices\\" (2)');
    expect(all).toContain('awkward transitions');
    expect(all).not.toMatch(/<@U/);

    // Later the same day, and after a restart: not again.
    clock.set('2026-03-10T15:00:00.000Z');
    expect((await s.t.app.jobs.run('digest')).status).toBe('done');
    await s.restart();
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ status: 'done', result: null });
    await new Promise((r) => setTimeout(r, 200));
    expect(digests(s)).toHaveLength(1);

    // The next day at the (changed) time.
    s.t.app.settings.update({ digestTime: '10:30' }, null);
    clock.set('2026-03-11T10:00:00.000Z');
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ result: null });
    clock.set('2026-03-11T10:30:00.000Z');
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ result: '2026-03-11' });
    await s.emulator.waitFor(() => digests(s).length === 2);
  });

  it('follows the business-hours time zone and can be turned off', async () => {
    const { s, clock } = await start('2026-03-10T09:00:00.000Z');
    const hours = s.t.app.settings.get().businessHours;
    s.t.app.settings.update({ businessHours: { ...hours, timezone: 'America/New_York' } }, null);
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ result: null }); // 05:00 in New York
    clock.set('2026-03-10T13:00:00.000Z'); // 09:00 EDT
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ result: '2026-03-10' });
    s.t.app.settings.update({ digestTime: 'off' }, null);
    clock.set('2026-03-11T13:00:00.000Z');
    expect(await s.t.app.jobs.run('digest')).toMatchObject({ result: null });
  });
});

describe('GET /api/stats and /api/stats.csv', () => {
  it('answer 401 without the token or with a wrong one', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    for (const path of ['/api/stats', '/api/stats.csv?period=30d']) {
      for (const headers of [{}, { authorization: 'Bearer wrong' }, { authorization: `Basic ${apiToken(s)}` }, { authorization: `Bearer ${apiToken(s)}x` }] as Record<string, string>[]) {
        const res = await fetch(`${s.t.url}${path}`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.json()).toEqual({ ok: false, error: 'unauthorized' });
      }
    }
  });

  it('admins rotate and revoke the token from Slack: the old one is refused at once, audited, and a revocation survives a restart', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    const status = (token: string) => fetch(`${s.t.url}/api/stats`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    const first = apiToken(s);
    expect(await status(first)).toBe(200);

    // Not an admin: refused, nothing changes.
    expect((await s.driver.slashCommand(GRACE, 'stats api rotate')).body.text).toBe('Only admins can rotate or revoke the analytics API token.');
    expect((await s.driver.slashCommand(GRACE, 'stats api revoke')).body.text).toBe('Only admins can rotate or revoke the analytics API token.');
    expect(apiToken(s)).toBe(first);

    const rotated = await s.driver.slashCommand(ADA, 'stats api rotate');
    expect(rotated.body.response_type).toBe('ephemeral');
    const second = apiToken(s);
    expect(second).not.toBe(first);
    expect(JSON.stringify(rotated.body.blocks)).toContain(second);
    expect(JSON.stringify(rotated.body.blocks)).toContain('the old one no longer works');
    expect(await status(first)).toBe(401);
    expect(await status(second)).toBe(200);

    expect((await s.driver.slashCommand(ADA, 'stats api revoke')).body.text).toMatch(/revoked: the API answers 401/);
    expect(await status(second)).toBe(401);
    expect((await fetch(`${s.t.url}/api/stats.csv`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(401);
    expect((await s.driver.slashCommand(ADA, 'stats api')).body.text).toMatch(/no analytics API token: it was revoked/);
    await s.restart();
    expect((await s.driver.slashCommand(ADA, 'stats api')).body.text).toMatch(/no analytics API token/);
    expect(await status(second)).toBe(401);

    await s.driver.slashCommand(ADA, 'stats api rotate');
    const third = apiToken(s);
    expect([first, second]).not.toContain(third);
    expect(await status(third)).toBe(200);

    const { db } = s.t.app;
    const audit = db.all(db.q.selectFrom('admin_audit').select(['actor', 'action', 'target', 'detail']).orderBy('id'));
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      [ADA, 'api_token.rotate', 'analytics_api_token'],
      [ADA, 'api_token.revoke', 'analytics_api_token'],
      [ADA, 'api_token.rotate', 'analytics_api_token'],
    ]);
    for (const token of [first, second, third]) expect(JSON.stringify(audit)).not.toContain(token);
  });

  it('GET /api/stats: the report as JSON', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    seedNumbers(s);
    const auth = { authorization: `Bearer ${apiToken(s)}` };
    const res = await fetch(`${s.t.url}/api/stats?period=30d`, { headers: auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = await res.json();
    expect(body).toMatchObject({
      ok: true,
      name: '30d',
      label: 'last 30 days',
      period: { from: expect.stringMatching(/^2026-02-08T09:00/), to: expect.stringMatching(/^2026-03-10T09:00/) },
      overall: {
        handoffs: 3,
        handoffRate: { escalated: 3, conversations: 10, rate: 0.3 },
        timeToClaim: { count: 3, medianSeconds: 120, p90Seconds: 300 },
        timeToFirstReply: { count: 3, medianSeconds: 150, p90Seconds: 400 },
        resolution: { total: 3, resolved: 1, reopened: 1, open: 1 },
        csat: { count: 2, average: 4.5 },
      },
      targets: {
        handoffRate: { status: 'missed', label: '< 30%' },
        responseTime: { status: 'met', label: '< 3 min' },
        resolutionRate: { status: 'missed', label: '> 90%' },
        csat: { status: 'missed', label: '> 4.5/5' },
      },
      timezone: 'UTC',
      topics: [{ phrase: 'export invoices', handoffs: 2 }],
    });
    expect(body.byAgent.map((b: { label: string; handoffs: number }) => [b.label, b.handoffs])).toEqual([
      ['Ada', 2],
      ['Grace', 1],
    ]);
    expect(body.byTeam.map((b: { label: string }) => b.label)).toEqual(['Billing']);
    expect(body.byReason.map((b: { key: string }) => b.key)).toEqual(['no_match', 'customer_asked']);
    expect(body.hourly).toHaveLength(24);
    expect(body.fixes.map((f: { kind: string }) => f.kind)).toEqual(['too_many_handoffs', 'reopened_after_resolve', 'awkward_transitions']);

    expect((await fetch(`${s.t.url}/api/stats`, { headers: auth }).then((r) => r.json())).name).toBe('7d');
    const bad = await fetch(`${s.t.url}/api/stats?period=1y`, { headers: auth });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ ok: false, error: 'bad_period' });
  });

  it('GET /api/stats.csv: one row per handoff, escaped and formula-guarded', async () => {
    const { s } = await start('2026-03-10T09:00:00.000Z');
    const h = seedNumbers(s);
    const res = await fetch(`${s.t.url}/api/stats.csv?period=30d`, { headers: { authorization: `Bearer ${apiToken(s)}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="handoffs-30d-2026-03-10.csv"');
    const text = await res.text();
    const lines = text.split('\r\n');
    expect(lines[0]).toBe(
      'conversation_id,escalated_at,reason,reason_detail,team,agent_id,agent,claimed_at,seconds_to_claim,first_reply_at,seconds_to_first_reply,resolved_at,outcome,reopened_at,rating,rating_comment,queued,nudges,emailed',
    );
    expect(lines).toHaveLength(5); // header, 3 rows, and the final line break
    expect(lines[1]).toBe(`c_a,${h.iso(10_010)},no_match,,Billing,${ADA},Ada,${h.iso(10_070)},60,${h.iso(10_100)},90,${h.iso(10_610)},resolved,,5,,false,0,false`);
    expect(lines[2]).toBe(
      `c_b,${h.iso(20_010)},no_match,,Billing,${ADA},Ada,${h.iso(20_130)},120,${h.iso(20_160)},150,${h.iso(20_610)},reopened,${h.iso(24_210)},4,"'=HYPERLINK(""http://evil.example""), ""quoted""",false,0,false`,
    );
    expect(lines[3]).toBe(`c_c,${h.iso(30_010)},customer_asked,,,${GRACE},Grace,${h.iso(30_310)},300,${h.iso(30_410)},400,,open,,,,false,0,false`);
  });
});
