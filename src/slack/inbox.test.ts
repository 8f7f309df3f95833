import type { ReceiverEvent } from '@slack/bolt';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../core/ports';
import type { Database } from '../db/database';
import { GroupCommit } from '../db/group-commit';
import { createLogger } from '../logger';
import type { Clock } from '../core/ports';
import { SlackInbox, type SlackInboxDeps } from './inbox';
import { createInboxRepository } from './inbox-repository';
import { anotherConnection, openTestDatabase, raw } from '../../test/support/test-engine';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0).reverse()) c();
});

/**
 * A fake Bolt: `outcome` decides whether the listeners succeed (the inbox middleware then runs).
 * `shared`: another process's database, which this one connects to as well.
 */
function setup(
  outcome: (event: ReceiverEvent) => Promise<'ok' | 'fail'> = async () => 'ok',
  shared?: Database,
  opts: Partial<Pick<SlackInboxDeps, 'clock' | 'owner' | 'leaseMs' | 'sweepMs' | 'stopWaitMs'>> = {},
) {
  const db = shared ? anotherConnection(shared) : openTestDatabase();
  const commit = new GroupCommit(db);
  const repo = createInboxRepository(db);
  const seen: ReceiverEvent[] = [];
  const inbox: SlackInbox = new SlackInbox({
    repo,
    commit,
    clock: systemClock,
    logger: createLogger('silent'),
    retryDelaysMs: [1, 1],
    ...opts,
    process: async (event) => {
      seen.push(event);
      if ((await outcome(event)) === 'fail') return;
      await inbox.middleware({ context: event.customProperties, next: async () => {} } as never);
    },
  });
  // The database is closed when the test finishes, after these.
  cleanups.push(() => commit.close());
  return { db, commit, repo, inbox, seen };
}

const event = (id: string) => ({ type: 'event_callback', event_id: id, event: { type: 'message', text: id } });
const storedEvents = (db: Database, eventId: string) =>
  Number(db.first(raw(db, sql<{ n: number }>`SELECT count(*) AS n FROM slack_events WHERE event_id = ${eventId}`))!.n);
const acks = () => {
  const got: unknown[] = [];
  return { got, ack: async (r?: unknown) => void got.push(r ?? '') };
};

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('SlackInbox', () => {
  it('stores an event before its ack, applies it once, and acks its retries without a second effect', async () => {
    const { repo, inbox, seen, db } = setup();
    inbox.start();
    const first = await inbox.store(event('Ev1'));
    expect(first.id).not.toBeNull();
    expect(repo.pending().map((r) => r.eventId)).toEqual(['Ev1']); // on disk before the ack
    // A retry while the first delivery is still stored: nothing new to do.
    expect((await inbox.store(event('Ev1'), 1, 'http_timeout')).id).toBeNull();
    const a = acks();
    await inbox.dispatch(first, a.ack);
    expect(a.got).toHaveLength(1);
    await until(() => repo.pending().length === 0, 'the event to be processed');
    expect(seen).toHaveLength(1);
    expect(storedEvents(db, 'Ev1')).toBe(1);
    // A retry after it was applied: acked, never processed again.
    const late = await inbox.store(event('Ev1'), 2, 'http_timeout');
    expect(late.id).toBeNull();
    const b = acks();
    await inbox.dispatch(late, b.ack);
    expect(b.got).toHaveLength(1);
    expect(seen).toHaveLength(1);
  });

  it('processes again, after a delay, a request whose listener failed, then gives up and forgets it', async () => {
    const { repo, inbox, seen } = setup(async () => 'fail');
    inbox.start();
    const t = await inbox.store(event('EvFail'));
    await inbox.dispatch(t, acks().ack);
    // Two delays configured: the first attempt and two more, then it is dropped.
    await until(() => seen.length === 3 && repo.pending().length === 0, 'three attempts and the drop');
    await inbox.stop();
    expect(seen).toHaveLength(3);
  });

  it('at start, processes what an earlier run left stored before any new event', async () => {
    // The earlier run stored two events and died before processing them.
    const before = setup(async () => 'ok');
    await before.inbox.store(event('EvOld1'));
    await before.inbox.store(event('EvOld2'));
    await before.commit.drain();

    const order: string[] = [];
    const after = setup(async (e) => {
      order.push(String((e.body as { event_id: string }).event_id));
      return 'ok';
    }, before.db);
    // A new event arrives before start(): it is stored and acked, processed after the replay.
    const fresh = await after.inbox.store(event('EvNew'));
    const a = acks();
    await after.inbox.dispatch(fresh, a.ack);
    expect(a.got).toHaveLength(1);
    after.inbox.start();
    await until(() => after.repo.pending().length === 0, 'everything to be processed');
    expect(order).toEqual(['EvOld1', 'EvOld2', 'EvNew']);
  });

  it('stop() waits for a listener still running; requests arriving during the stop are kept for the next start', async () => {
    let finish!: () => void;
    const running = new Promise<void>((r) => (finish = r));
    const { repo, inbox } = setup(async (e) => {
      if ((e.body as { event_id: string }).event_id === 'EvSlow') await running;
      return 'ok';
    });
    inbox.start();
    await inbox.dispatch(await inbox.store(event('EvSlow')), acks().ack);
    let stopped = false;
    const stopping = inbox.stop().then(() => (stopped = true));
    const late = await inbox.store(event('EvLate'));
    const a = acks();
    await inbox.dispatch(late, a.ack);
    expect(a.got).toHaveLength(1);
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(repo.pending().map((r) => r.eventId)).toEqual(['EvLate']);
  });

  describe('several processes on one database (leases)', () => {
    /** A clock the test moves: leases expire when it says so. */
    function fakeClock(): Clock & { advance(ms: number): void } {
      let now = Date.parse('2026-12-07T10:00:00.000Z');
      return { now: () => new Date(now), advance: (ms) => void (now += ms) };
    }
    const idOf = (e: ReceiverEvent) => String((e.body as { event_id: string }).event_id);
    const leaseOf = (db: Database, eventId: string) =>
      db.first(raw(db, sql<{ owner: string | null; until: string | null }>`SELECT owner, lease_until AS until FROM slack_inbox WHERE event_id = ${eventId}`));

    it("a row another live process holds is not replayed by a start or a sweep; once that process dies and its lease expires, the sweep processes it once", async () => {
      const clock = fakeClock();
      // A's listener for EvHeld never finishes: A is busy with it, then dies.
      const a = setup(async (e) => (idOf(e) === 'EvHeld' ? new Promise<never>(() => {}) : 'ok'), undefined, {
        clock,
        owner: 'A',
        leaseMs: 30, // renewed every 10 ms (real time) while the listener runs
        stopWaitMs: 10,
      });
      const b = setup(async () => 'ok', a.db, { clock, owner: 'B', leaseMs: 30, sweepMs: 5 });
      a.inbox.start();
      await a.inbox.dispatch(await a.inbox.store(event('EvHeld')), acks().ack);
      await until(() => a.seen.length === 1, "A's listener to run");
      expect(leaseOf(b.db, 'EvHeld')?.owner).toBe('A');

      // B starts while A holds the row: its replay leaves it (B's own new event goes through after the replay).
      b.inbox.start();
      await b.inbox.dispatch(await b.inbox.store(event('EvB')), acks().ack);
      await until(() => b.seen.length === 1, "B's replay and its own event");
      expect(b.seen.map(idOf)).toEqual(['EvB']);

      // Time passes beyond A's first lease (30 ms): A renews it while its listener runs, so B's sweeps leave it.
      const first = leaseOf(b.db, 'EvHeld')!.until!;
      clock.advance(20);
      await until(() => leaseOf(b.db, 'EvHeld')!.until! > first, "A's renewal");
      clock.advance(20);
      expect(clock.now().toISOString() > first).toBe(true);
      await b.inbox.sweep();
      expect(leaseOf(b.db, 'EvHeld')?.owner).toBe('A');
      expect(b.seen.map(idOf)).toEqual(['EvB']);

      // A dies: stop() gives up on the listener, the lease is no longer renewed; B takes the row after the expiry.
      await a.inbox.stop();
      clock.advance(1_000);
      await until(() => b.repo.pending().length === 0, "B's sweep to take over and process EvHeld");
      await b.inbox.sweep();
      await b.inbox.stop();
      expect(b.seen.map(idOf)).toEqual(['EvB', 'EvHeld']);
      expect(a.seen.map(idOf)).toEqual(['EvHeld']);
      expect(storedEvents(b.db, 'EvHeld')).toBe(1);
    });

    it('a row is stored owned by the process that stores it; one stored during a stop is left free for the others', async () => {
      const clock = fakeClock();
      const { inbox, db } = setup(async () => 'ok', undefined, { clock, owner: 'A' });
      await inbox.store(event('EvMine'));
      expect(leaseOf(db, 'EvMine')).toEqual({ owner: 'A', until: new Date(clock.now().getTime() + 30_000).toISOString() });
      await inbox.stop();
      await inbox.store(event('EvDuringStop'));
      expect(leaseOf(db, 'EvDuringStop')).toEqual({ owner: null, until: null });
    });
  });
});
