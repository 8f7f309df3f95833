import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../logger';
import { createOutboxRepository } from '../slack/outbox/outbox-repository';
import { SlackOutbox } from '../slack/outbox';
import { createSlackRepository } from '../slack/slack-repository';
import { createHandoffStartRepository } from '../db/handoff-start-repository';
import { createVisitorRepository } from '../db/visitor-repository';
import { createJobTickRepository } from '../db/job-tick-repository';
import { maintenanceJob, runMaintenance } from './maintenance-job';
import { openTestDatabase, raw } from '../../test/support/test-engine';

const DAY = 24 * 60 * 60 * 1000;

describe('maintenance', () => {
  it('prunes Slack event ids older than 7 days and outbox items sent or failed more than 30 days ago', () => {
    const db = openTestDatabase();
    const now = Date.parse('2026-03-02T03:30:00Z');
    const clock = { now: () => new Date(now) };
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const slack = createSlackRepository(db);
    slack.firstDelivery('Ev_old', iso(8 * DAY));
    slack.firstDelivery('Ev_recent', iso(6 * DAY));

    const repo = createOutboxRepository(db);
    const item = (key: string) => repo.insert({ lane: 'C1', method: 'chat.postMessage', args: { channel: 'C1', text: key }, key }, iso(40 * DAY))!;
    repo.markSent(item('sent-old'), { ok: true }, iso(31 * DAY));
    repo.markSent(item('sent-recent'), { ok: true }, iso(29 * DAY));
    repo.markFailed(item('failed-old'), 'channel_not_found', 'gone', iso(31 * DAY));
    item('pending-old'); // never pruned: still to be sent
    const outbox = new SlackOutbox({ db, call: async () => ({ ok: true }), logger: createLogger('silent'), clock });

    const job = maintenanceJob({ slack: { pruneDeliveries: (b) => slack.pruneDeliveries(b), outbox }, clock, logger: createLogger('silent') });
    expect(job).toMatchObject({ name: 'maintenance', cron: '30 3 * * *' });
    expect(job.run({ name: 'maintenance', signal: new AbortController().signal })).toEqual({ slackEvents: 1, outboxItems: 2, handoffStarts: 0, reopenLinks: 0, jobTicks: 0 });

    const events = db.all(raw(db, sql`SELECT event_id FROM slack_events`));
    expect(events).toEqual([{ event_id: 'Ev_recent' }]);
    const left = db.all(raw(db, sql`SELECT idempotency_key AS k FROM slack_outbox ORDER BY id`));
    expect(left).toEqual([{ k: 'sent-recent' }, { k: 'pending-old' }]);
  });

  it('has nothing to do without Slack', () => {
    expect(runMaintenance({ slack: null, clock: { now: () => new Date() }, logger: createLogger('silent') })).toEqual({ slackEvents: 0, outboxItems: 0, handoffStarts: 0, reopenLinks: 0, jobTicks: 0 });
  });

  it('prunes handoff starts older than a day and used reopen links past their expiry, with or without Slack', () => {
    const db = openTestDatabase();
    const now = Date.parse('2026-03-02T03:30:00Z');
    const clock = { now: () => new Date(now) };
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const visitors = createVisitorRepository(db);
    const starts = createHandoffStartRepository(db);
    visitors.insert({ id: 'v1', name: null, email: null, userId: null, verified: false, attributes: {}, createdAt: iso(3 * DAY) }, iso(3 * DAY));
    db.run(raw(db, sql`INSERT INTO conversations (id, visitor_id, state, created_at, updated_at) VALUES ('c1', 'v1', 'ai', ${iso(3 * DAY)}, ${iso(3 * DAY)})`));
    starts.record('c1', 'v1', '203.0.113.9', iso(2 * DAY));
    starts.record('c1', 'v1', '203.0.113.9', iso(30 * 60 * 1000));
    expect(visitors.useReopenLink('h-expired', 'v1', iso(8 * DAY), iso(DAY))).toBe(true);
    expect(visitors.useReopenLink('h-live', 'v1', iso(DAY), iso(-6 * DAY))).toBe(true);

    const report = runMaintenance({
      slack: null,
      customers: { pruneHandoffStarts: (b) => starts.prune(b), pruneUsedReopenLinks: (n) => visitors.pruneUsedReopenLinks(n) },
      clock,
      logger: createLogger('silent'),
    });
    expect(report).toEqual({ slackEvents: 0, outboxItems: 0, handoffStarts: 1, reopenLinks: 1, jobTicks: 0 });
    expect(starts.countByVisitor('v1', iso(10 * DAY))).toBe(1);
    // A pruned link had expired: still refused (by its expiry), and the live one is still used.
    expect(visitors.useReopenLink('h-live', 'v1', iso(0), iso(-6 * DAY))).toBe(false);
  });

  it('prunes claims of job ticks older than two days', () => {
    const db = openTestDatabase();
    const now = Date.parse('2026-03-02T03:30:00Z');
    const iso = (msAgo: number) => new Date(now - msAgo).toISOString();
    const ticks = createJobTickRepository(db);
    ticks.claimTick('nudges', iso(3 * DAY), iso(3 * DAY));
    ticks.claimTick('maintenance', iso(2 * DAY + 1000), iso(2 * DAY));
    ticks.claimTick('nudges', iso(DAY), iso(DAY));
    ticks.claimTick('maintenance', iso(0), iso(0));
    const report = runMaintenance({ slack: null, ticks, clock: { now: () => new Date(now) }, logger: createLogger('silent') });
    expect(report).toEqual({ slackEvents: 0, outboxItems: 0, handoffStarts: 0, reopenLinks: 0, jobTicks: 2 });
    expect(ticks.claimTick('nudges', iso(DAY), iso(0))).toBe(false); // kept: still claimed
  });
});
