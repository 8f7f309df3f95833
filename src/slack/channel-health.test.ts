import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/ports';
import { createRoutingRepository } from '../db/routing-repository';
import { createLogger } from '../logger';
import { SLACK_IDS } from '../../test/support/slack-emulator';
import { useOutboxHarness, type Harness } from '../../test/support/outbox-harness';
import { ChannelHealth } from './channel-health';
import type { OutboxItem, SlackOutbox } from './outbox';
import { createSlackRepository } from './slack-repository';
import { cardOf, createPermalink, createThreadRefs } from './thread-refs';

// The outbox's redirect hook and the check of a saved channel, on a real outbox, database and Slack emulation.

const { support: SUPPORT, general: GENERAL, secret: SECRET, ada, grace, linus } = SLACK_IDS;
const setup = useOutboxHarness();

interface World {
  h: Harness;
  health: ChannelHealth;
  outbox: SlackOutbox;
  teams: ReturnType<typeof createRoutingRepository>;
  slack: ReturnType<typeof createSlackRepository>;
  /** How many times admins' Home tabs were asked to refresh. */
  changes: () => number;
  /** A team channel of the emulated workspace, with the app in it. */
  channel(name: string): string;
  /** A conversation whose thread goes to `channel`, with its card and a thread post queued there. */
  handoff(id: string, channel: string): void;
}

async function world(o: { admins?: string[] } = {}): Promise<World> {
  const h = await setup();
  const now = () => new Date().toISOString();
  const teams = createRoutingRepository(h.db);
  const slack = createSlackRepository(h.db);
  const threads = createThreadRefs({ slack, permalink: createPermalink(slack, () => null), cardPosted: () => {} });
  let changes = 0;
  // Built like slack-app.ts: the outbox's hook reaches the health built after it.
  const outbox: SlackOutbox = h.make({
    resolveRefs: threads.resolve,
    onSent: (item, result) => threads.sent(item.ref, result),
    redirect: (item, code) => health.redirect(item, code),
  });
  const health: ChannelHealth = new ChannelHealth({
    db: h.db,
    teams,
    slack,
    outbox,
    client: h.client,
    defaultChannel: SUPPORT,
    // Cards here are refused before they are out; re-posting a posted one is tested with the app (test/team-channels.test.ts).
    rehome: () => {
      throw new Error('no card is out in these tests');
    },
    adminUserIds: o.admins ?? [],
    clock: systemClock,
    logger: createLogger('silent'),
    changed: () => void changes++,
  });
  return {
    h,
    health,
    outbox,
    teams,
    slack,
    changes: () => changes,
    channel: (name) => h.emulator.addChannel({ name, members: [ada, grace] }).id,
    handoff(id, channel) {
      h.db.tx(() => {
        h.db.run(h.db.q.insertInto('visitors').values({ id: `v_${id}`, verified: 0, attributes: '{}', created_at: now(), last_seen_at: now() }));
        h.db.run(
          h.db.q
            .insertInto('conversations')
            .values({ id, visitor_id: `v_${id}`, state: 'waiting', last_seq: 0, email_requested: 0, created_at: now(), updated_at: now(), escalated_at: now() }),
        );
        slack.createThread(id, channel, now());
        outbox.enqueue({ lane: channel, method: 'chat.postMessage', args: { channel, text: `card ${id}` }, key: `card:${id}`, ref: { conversationId: id, kind: 'card' }, priority: 'urgent', stream: `conv:${id}` });
        outbox.enqueue({ lane: channel, method: 'chat.postMessage', args: { channel, thread_ts: cardOf(id), text: `transcript ${id}` }, stream: `conv:${id}` });
      });
    },
  };
}

const dmsTo = (w: World, user: string) => w.h.emulator.messages(user).map((m) => JSON.stringify(m.blocks ?? []));
const problemOf = (w: World, team: string) => w.h.db.first(w.h.db.q.selectFrom('teams').select(['channel_problem', 'channel_set_by']).where('id', '=', team));

describe('ChannelHealth.redirect (the outbox hook)', () => {
  it("moves a refused team channel's card and thread to the default channel, records the problem on every team there and tells each admin who set it once", async () => {
    const w = await world();
    const billing = w.channel('billing');
    const other = w.channel('other');
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, new Date().toISOString());
    w.teams.setTeamChannel('gold', 'Gold', billing, grace, new Date().toISOString());
    w.teams.setTeamChannel('vip', 'VIP', other, ada, new Date().toISOString());
    w.h.emulator.archiveChannel(billing);
    w.handoff('c_1', billing);
    w.handoff('c_2', billing);

    w.outbox.start();
    expect(await w.outbox.drain(5_000)).toBe(true);
    const cards = w.h.emulator.messages(SUPPORT).map((m) => m.text);
    expect(cards).toEqual(['card c_1', 'card c_2']);
    for (const id of ['c_1', 'c_2']) {
      const thread = w.slack.thread(id)!;
      expect(thread.channel).toBe(SUPPORT);
      expect(w.h.emulator.replies(SUPPORT, thread.ts!).map((m) => m.text)).toEqual([`transcript ${id}`]);
    }
    expect(w.outbox.stats().failed).toBe(0);

    expect(problemOf(w, 'billing')).toEqual({ channel_problem: 'is_archived', channel_set_by: ada });
    expect(problemOf(w, 'gold')).toEqual({ channel_problem: 'is_archived', channel_set_by: grace });
    expect(problemOf(w, 'vip')).toEqual({ channel_problem: null, channel_set_by: ada });
    expect(w.teams.usableTeamChannel('billing')).toBeNull();
    expect(w.teams.usableTeamChannel('vip')).toBe(other);
    // One message each for the two refused cards, naming only their own team.
    expect(dmsTo(w, ada)).toHaveLength(1);
    expect(dmsTo(w, ada)[0]).toContain('team *Billing* (billing)');
    expect(dmsTo(w, grace)).toHaveLength(1);
    expect(dmsTo(w, grace)[0]).toContain('team *Gold* (gold)');
    await new Promise((r) => setImmediate(r));
    expect(w.changes()).toBe(1);

    // Set again: usable again, and a new refusal is a new problem, told again.
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, new Date().toISOString());
    expect(w.teams.usableTeamChannel('billing')).toBe(billing);
    w.handoff('c_3', billing);
    expect(await w.outbox.drain(5_000)).toBe(true);
    expect(w.slack.thread('c_3')!.channel).toBe(SUPPORT);
    expect(dmsTo(w, ada)).toHaveLength(2);
    expect(dmsTo(w, grace)).toHaveLength(1);
  });

  it('tells the configured admins when nobody is known to have set the channel', async () => {
    const w = await world({ admins: [linus] });
    const billing = w.channel('billing');
    w.teams.upsertTeam('billing', 'Billing', billing, new Date().toISOString());
    w.h.emulator.removeBot(billing);
    w.handoff('c_1', billing);
    w.outbox.start();
    expect(await w.outbox.drain(5_000)).toBe(true);
    expect(w.slack.thread('c_1')!.channel).toBe(SUPPORT);
    expect(problemOf(w, 'billing')).toEqual({ channel_problem: 'not_in_channel', channel_set_by: null });
    expect(dmsTo(w, linus)).toHaveLength(1);
    expect(dmsTo(w, linus)[0]).toContain('`/invite @handoff`');
  });

  it('lets the item fail where there is nowhere to fall back to, or Slack refused something else', async () => {
    const w = await world();
    const billing = w.channel('billing');
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, new Date().toISOString());
    const item = (lane: string): OutboxItem => ({ ...w.outbox.get(w.outbox.enqueue({ lane, method: 'chat.postMessage', args: { channel: lane, text: 'x' } })!)! });
    // The default channel itself, a direct message, a lane that is not a channel.
    for (const lane of [SUPPORT, `dm:${ada}`, `${billing}:ephemeral`]) expect(w.health.redirect(item(lane), 'not_in_channel')).toBeNull();
    // Not a refusal of the channel.
    expect(w.health.redirect(item(billing), 'msg_too_long')).toBeNull();
    expect(problemOf(w, 'billing')?.channel_problem).toBeNull();
    // A channel no team uses (any more): moved, nobody to tell.
    expect(w.health.redirect(item(GENERAL), 'not_in_channel')).toBe(SUPPORT);
    expect(w.health.redirect(item(billing), 'channel_is_archived')).toBe(SUPPORT);
    expect(problemOf(w, 'billing')?.channel_problem).toBe('is_archived');
  });
});

describe('ChannelHealth.check and recordCheck (saving a team channel)', () => {
  it("says whether the app can post there, from Slack's own answer", async () => {
    const w = await world();
    const billing = w.channel('billing');
    const archived = w.channel('old-billing');
    w.h.emulator.archiveChannel(archived);
    expect(await w.health.check(billing)).toEqual({ status: 'ok' });
    expect(await w.health.check(archived)).toEqual({ status: 'problem', problem: 'is_archived' });
    expect(await w.health.check(GENERAL)).toEqual({ status: 'problem', problem: 'not_in_channel' });
    // A private channel the app is not in does not exist for it.
    expect(await w.health.check(SECRET)).toEqual({ status: 'problem', problem: 'channel_not_found' });
    expect(await w.health.check('C0GONE')).toEqual({ status: 'problem', problem: 'channel_not_found' });
    w.h.emulator.setScopes(['chat:write']);
    const unknown = await w.health.check(billing);
    expect(unknown).toMatchObject({ status: 'unknown', reason: expect.stringContaining('channels:read and groups:read') });
  });

  it('records a refusal at once (told only when asked to), and not over a channel changed meanwhile', async () => {
    const w = await world();
    const billing = w.channel('billing');
    const now = new Date().toISOString();
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, now);
    const team = { id: 'billing', name: 'Billing' };
    expect(w.health.recordCheck(team, billing, { status: 'ok' })).toBe(false);
    expect(w.health.recordCheck(team, billing, { status: 'unknown', reason: 'x' })).toBe(false);
    expect(w.health.recordCheck(team, GENERAL, { status: 'problem', problem: 'not_in_channel' })).toBe(false);
    expect(w.teams.usableTeamChannel('billing')).toBe(billing);
    expect(w.health.recordCheck(team, billing, { status: 'problem', problem: 'not_in_channel' })).toBe(true);
    expect(w.teams.usableTeamChannel('billing')).toBeNull();
    expect(w.outbox.pendingFor(`dm:${ada}`)).toBe(0);
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, now);
    expect(w.health.recordCheck(team, billing, { status: 'problem', problem: 'is_archived' }, { tell: ada })).toBe(true);
    expect(w.outbox.pendingFor(`dm:${ada}`)).toBe(1);
    expect(w.changes()).toBe(2);
  });

  it('lists every channel: the default one, each team channel with its teams and health', async () => {
    const w = await world();
    const billing = w.channel('billing');
    const now = new Date().toISOString();
    w.teams.setTeamChannel('billing', 'Billing', billing, ada, now);
    w.teams.setTeamChannel('gold', 'Gold', billing, ada, now);
    w.teams.setTeamChannel('vip', 'VIP', GENERAL, ada, now);
    w.teams.upsertTeam('none', 'No channel', null, now);
    w.teams.markChannelProblem(GENERAL, 'not_in_channel', now);
    w.handoff('c_1', billing);
    expect(w.health.overview()).toEqual([
      { channel: SUPPORT, isDefault: true, teams: [], problem: null, waiting: 0 },
      { channel: billing, isDefault: false, teams: [{ id: 'billing', name: 'Billing' }, { id: 'gold', name: 'Gold' }], problem: null, waiting: 1 },
      { channel: GENERAL, isDefault: false, teams: [{ id: 'vip', name: 'VIP' }], problem: 'not_in_channel', waiting: 0 },
    ]);
    expect(w.health.overview(new Date(Date.now() - 60_000).toISOString()).map((r) => [r.channel, r.handoffs])).toEqual([
      [SUPPORT, 0],
      [billing, 1],
      [GENERAL, 0],
    ]);
  });
});
