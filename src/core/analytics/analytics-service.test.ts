import { beforeEach, describe, expect, it } from 'vitest';
import { History, seedHistory, weekReport } from '../../../test/support/analytics-history';
import { createAnalyticsRepository } from '../../db/analytics-repository';
import type { Database } from '../../db/database';
import { openTestDatabase } from '../../../test/support/test-engine';
import { ALWAYS_OPEN, defaultSettings, type Settings } from '../settings';
import { AnalyticsService, parsePeriod, periodRange, startOfLocalDay } from './analytics-service';

const DAY = 24 * 3600;

/** A clock the test moves. */
function testClock(iso: string) {
  let now = Date.parse(iso);
  return {
    now: () => new Date(now),
    set: (at: string) => {
      now = Date.parse(at);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

let db: Database;
let clock: ReturnType<typeof testClock>;
let settings: Settings;

/** An API token store in memory (the app's lives in the secrets table). */
function memoryToken(initial: string | null) {
  let value = initial;
  let n = 0;
  return {
    read: () => value,
    rotate: () => (value = `rotated-${++n}`),
    revoke: () => {
      value = null;
    },
  };
}

function service(): AnalyticsService {
  return new AnalyticsService({
    repo: createAnalyticsRepository(db),
    clock,
    settings: { get: () => settings },
    tx: (fn) => db.tx(fn),
    api: { token: memoryToken('secret-token'), baseUrl: 'https://handoff.example.com/' },
  });
}

beforeEach(() => {
  db = openTestDatabase();
  settings = defaultSettings({ aiConfidenceThreshold: 0.5 });
  clock = testClock('2026-03-09T00:00:00.000Z');
});

describe('periods', () => {
  it('parses today, 7d and 30d (default 7d), and nothing else', () => {
    expect(parsePeriod(undefined)).toBe('7d');
    expect(parsePeriod('  ')).toBe('7d');
    expect(parsePeriod('TODAY')).toBe('today');
    expect(parsePeriod('30d')).toBe('30d');
    expect(parsePeriod('7')).toBeNull();
    expect(parsePeriod('1y')).toBeNull();
  });

  it('7d and 30d end now; today starts at local midnight of the business-hours zone', () => {
    const now = new Date('2026-03-09T15:30:00.000Z');
    expect(periodRange('7d', now, 'UTC')).toMatchObject({ from: '2026-03-02T15:30:00.000Z', to: now.toISOString(), label: 'last 7 days' });
    expect(periodRange('30d', now, 'UTC').from).toBe('2026-02-07T15:30:00.000Z');
    expect(periodRange('today', now, 'UTC').from).toBe('2026-03-09T00:00:00.000Z');
    expect(periodRange('today', now, 'America/New_York').from).toBe('2026-03-09T04:00:00.000Z');
    expect(periodRange('today', new Date('2026-03-09T02:00:00.000Z'), 'America/New_York').from).toBe('2026-03-08T05:00:00.000Z');
  });

  it('local midnight across a daylight-saving change (Europe/Berlin, 29 March 2026)', () => {
    // Clocks go forward at 02:00 CET: midnight was still +01:00.
    expect(startOfLocalDay('Europe/Berlin', new Date('2026-03-29T12:00:00.000Z')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(startOfLocalDay('Europe/Berlin', new Date('2026-03-30T12:00:00.000Z')).toISOString()).toBe('2026-03-29T22:00:00.000Z');
    // Just after midnight.
    expect(startOfLocalDay('Europe/Berlin', new Date('2026-03-28T23:00:30.000Z')).toISOString()).toBe('2026-03-28T23:00:00.000Z');
  });
});

describe('AnalyticsService.report over the database', () => {
  it('computes the same numbers from the tables as from the records', () => {
    // Origin 7 days before now: the 7d period is exactly [origin, now).
    const h = new History(Date.parse('2026-03-02T00:00:00.000Z')).quiet(6, 100);
    h.add({ id: 'a', start: 1000, teamId: 'billing', handoffs: [{ at: 1010, reason: 'no_match', agent: 'U0ADA', claimAfter: 60, replyAfter: 90, resolveAfter: 600, rating: 5 }] });
    h.add({ id: 'b', start: 2000, teamId: 'billing', handoffs: [{ at: 2010, agent: 'U0ADA', claimAfter: 120, replyAfter: 200, resolveAfter: 600, reopenAfter: 3600, rating: 4 }] });
    h.add({ id: 'c', start: 3000, handoffs: [{ at: 3010, agent: 'U0GRACE', claimAfter: 300, replyAfter: 330 }] });
    h.add({ id: 'silent', start: 4000, messages: [] });
    h.add({ id: 'old', start: -DAY, messages: [[-DAY + 5, 'hi']], handoffs: [{ at: -DAY + 10, claimAfter: 5, resolveAfter: 50 }] });
    h.add({ id: 'late', start: 7 * DAY + 10 });
    seedHistory(db, h, { billing: 'Billing' });
    db.run(db.q.insertInto('agents').values({ slack_user_id: 'U0ADA', display_name: 'Ada', real_name: 'Ada Lovelace', avatar_url: null, email: null, is_admin: 1, profile_fetched_at: null, created_at: h.iso(0) }));

    const r = service().report('7d');
    expect(r).toMatchObject({ name: '7d', label: 'last 7 days', period: { from: h.iso(0), to: h.iso(7 * DAY) } });
    expect(r.overall.handoffRate).toEqual({ escalated: 3, conversations: 9, rate: 3 / 9 });
    expect(r.overall.timeToClaim).toEqual({ count: 3, medianSeconds: 120, p90Seconds: 300 });
    expect(r.overall.resolution).toMatchObject({ total: 3, resolved: 1, reopened: 1, open: 1 });
    expect(r.overall.csat).toEqual({ count: 2, average: 4.5 });
    expect(r.targets.handoffRate.status).toBe('missed');
    expect(r.targets.csat.status).toBe('missed');
    expect(r.byAgent.map((b) => [b.label, b.handoffs])).toEqual([
      ['Ada', 2],
      ['U0GRACE', 1],
    ]);
    expect(r.byTeam.map((b) => [b.label, b.handoffs, b.handoffRate?.conversations])).toEqual([['Billing', 2, 2]]);
    expect(r.fixes.map((f) => f.kind)).toEqual(['too_many_handoffs', 'slow_responses', 'reopened_after_resolve', 'awkward_transitions']);

    // The same history straight into the pure computation gives the same report.
    expect(r).toEqual(weekReport(h, { agents: { U0ADA: 'Ada' }, teams: { billing: 'Billing' } }, 'UTC'));
    // Nothing since midnight.
    const today = service().report('today');
    expect(today.overall.handoffs).toBe(0);
    expect(today.targets.handoffRate.status).toBe('no_data');
  });

  it('finds the topics of no_match handoffs in the customer messages before the handoff', () => {
    const h = new History(Date.parse('2026-03-02T00:00:00.000Z'));
    ['How do I export invoices?', 'export invoices to csv', 'need to export invoices'].forEach((text, i) =>
      h.add({ id: `n${i}`, start: 100 * (i + 1), messages: [[100 * (i + 1) + 1, text], [100 * (i + 1) + 50, 'payroll payroll after the handoff']], handoffs: [{ at: 100 * (i + 1) + 5, reason: 'no_match' }] }),
    );
    seedHistory(db, h);
    const r = service().report('7d');
    expect(r.topics).toEqual([{ phrase: 'export invoices', handoffs: 3 }]);
  });

  it('caches a report for the Home tab for a minute', () => {
    const s = service();
    const first = s.cached('7d');
    expect(s.cached('7d')).toBe(first);
    clock.advance(61_000);
    expect(s.cached('7d')).not.toBe(first);
  });

  it('exports one CSV row per handoff of the period, with names', () => {
    const h = new History(Date.parse('2026-03-02T00:00:00.000Z'));
    h.add({ id: 'a', start: 10, teamId: 'billing', handoffs: [{ at: 20, reason: 'rule', detail: { detail: 'Refund, cancel' }, agent: 'U0ADA', claimAfter: 60, resolveAfter: 120, rating: 5, comment: '@here great' }] });
    seedHistory(db, h, { billing: 'Billing' });
    const lines = service().csv('7d').trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(',rule,"Refund, cancel",Billing,U0ADA,,');
    expect(lines[1]).toContain(",resolved,,5,'@here great,false,0,false");
  });

  it('reads the API token from its store every time: a rotation or a revocation applies at once, audited without the token', () => {
    const token = memoryToken('secret-token');
    const audit: { actor: string | null; action: string; target: string | null; detail: Record<string, unknown> }[] = [];
    const s = new AnalyticsService({
      repo: createAnalyticsRepository(db),
      clock,
      settings: { get: () => settings },
      tx: (fn) => db.tx(fn),
      api: { token, baseUrl: 'https://handoff.example.com' },
      audit: { record: (e) => audit.push(e) },
    });
    expect(s.apiAccess().token).toBe('secret-token');
    expect(s.rotateApiToken('U0ADA')).toBe('rotated-1');
    expect(s.apiAccess().token).toBe('rotated-1');
    expect(s.revokeApiToken('U0ADA')).toBe(true);
    expect(s.apiAccess().token).toBeNull();
    expect(s.revokeApiToken('U0ADA')).toBe(false);
    expect(s.rotateApiToken('U0GRACE')).toBe('rotated-2');
    expect(audit.map((a) => [a.actor, a.action, a.target])).toEqual([
      ['U0ADA', 'api_token.rotate', 'analytics_api_token'],
      ['U0ADA', 'api_token.revoke', 'analytics_api_token'],
      ['U0GRACE', 'api_token.rotate', 'analytics_api_token'],
    ]);
    expect(audit[0]!.detail).toEqual({ before: expect.stringMatching(/^[0-9a-f]{12}$/), after: expect.stringMatching(/^[0-9a-f]{12}$/) });
    expect(audit[2]!.detail.before).toBeNull();
    expect(JSON.stringify(audit)).not.toMatch(/secret-token|rotated-/);
  });

  it('says how to reach the API', () => {
    expect(service().apiAccess()).toEqual({
      token: 'secret-token',
      statsUrl: 'https://handoff.example.com/api/stats',
      csvUrl: 'https://handoff.example.com/api/stats.csv',
    });
  });
});

describe('the daily digest schedule', () => {
  it('is due once per local date, from the digest time on (business-hours zone)', () => {
    settings = { ...settings, digestTime: '09:00', businessHours: { ...ALWAYS_OPEN, timezone: 'America/New_York' } };
    const s = service();
    clock.set('2026-03-05T13:59:00.000Z'); // 08:59 EST
    expect(s.digestDue()).toBeNull();
    clock.set('2026-03-05T14:00:00.000Z'); // 09:00 EST
    expect(s.digestDue()).toEqual({ day: '2026-03-05' });
    let posts = 0;
    expect(s.recordDigest('2026-03-05', 'C0SUPPORT', () => posts++)).toBe(true);
    expect(s.recordDigest('2026-03-05', 'C0SUPPORT', () => posts++)).toBe(false);
    expect(posts).toBe(1);
    clock.set('2026-03-05T20:00:00.000Z');
    expect(s.digestDue()).toBeNull();
    clock.set('2026-03-06T04:30:00.000Z'); // 23:30 EST, still the 5th
    expect(s.digestDue()).toBeNull();
    clock.set('2026-03-06T14:00:00.000Z');
    expect(s.digestDue()).toEqual({ day: '2026-03-06' });
  });

  it('a post that fails leaves the day unrecorded; off means never', () => {
    const s = service();
    clock.set('2026-03-05T09:00:00.000Z');
    expect(() => s.recordDigest('2026-03-05', 'C0SUPPORT', () => {
      throw new Error('outbox full');
    })).toThrow('outbox full');
    expect(s.digestDue()).toEqual({ day: '2026-03-05' });
    settings = { ...settings, digestTime: 'off' };
    expect(s.digestDue()).toBeNull();
  });
});
