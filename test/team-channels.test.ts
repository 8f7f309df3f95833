import { afterEach, describe, expect, it } from 'vitest';
import type { NudgeOutcome } from '../src/core/routing-service';
import { teamActionId, teamBlockId } from '../src/slack/blocks/settings-modal';
import { ACTION, BLOCK, VIEW } from '../src/slack/ids';
import { SLACK_IDS, type EmulatedMessage, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';

// A channel per team (issue 17): a conversation routed to a team lives in the team's channel; a team
// channel Slack refuses falls back to the default channel and is reported once to the admin who set it.

const { ada, grace, linus, support: SUPPORT } = SLACK_IDS;
const BILLING = 'C0BILLING';
const VIP = 'C0VIP';

/** The app's clock, moved by hand: real time plus an offset, so the outbox keeps flowing while a test jumps minutes ahead. */
function movableClock() {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), advance: (ms: number) => void (offset += ms) };
}

let s: SlackStack;
let clock: ReturnType<typeof movableClock>;
afterEach(async () => {
  await s?.close();
});

/** Ada and Grace available; Linus is an admin by SLACK_ADMIN_USER_IDS; #billing and #vip exist with the app in them; rules route "invoice" to billing and "contract" to vip. */
async function start(): Promise<void> {
  clock = movableClock();
  s = await startSlackStack({ SLACK_ADMIN_USER_IDS: linus }, { available: [ada, grace], app: { clock } });
  s.emulator.addChannel({ id: BILLING, name: 'billing', members: [ada, grace, linus] });
  s.emulator.addChannel({ id: VIP, name: 'vip', members: [ada, grace, linus] });
  for (const [team, word] of [
    ['billing', 'invoice'],
    ['vip', 'contract'],
  ] as const) {
    s.t.app.rules.create(
      {
        name: `Route ${team}`,
        match: 'all',
        conditions: [{ type: 'message_contains', words: [word] }],
        actions: [{ type: 'route_to_team', team }, { type: 'escalate_to_human' }],
      },
      ada,
    );
  }
}

/** `admin` saves team channels in /handoff settings; returns the saved view's channel lines. */
async function saveChannels(admin: string, channels: Record<string, string>): Promise<string> {
  expect((await s.driver.slashCommand(admin, 'settings')).status).toBe(200);
  const form = await s.emulator.waitFor(() => {
    const v = s.emulator.openModal(admin);
    return v?.callback_id === VIEW.settings && !JSON.stringify(v.blocks).includes(BLOCK.settingsSaved) ? v : undefined;
  });
  const values = Object.fromEntries(Object.entries(channels).map(([team, channel]) => [teamBlockId(team), { [teamActionId(team)]: channel }]));
  const res = await s.driver.viewSubmission(admin, form.id, values);
  expect(res.body.response_action).toBe('update');
  const saved = res.body.view as SlackView;
  expect(JSON.stringify(saved.blocks)).toContain('Saved.');
  await s.driver.viewClosed(admin, form.id);
  return JSON.stringify(saved.blocks.find((b) => b.block_id === BLOCK.settingsChannelChecks) ?? null);
}

/** A customer whose message escalates (a rule routes it); returns their socket and conversation. */
async function customer(text: string) {
  const w = await s.widget();
  const { conversationId: id } = await w.hello({ visitor: { name: 'Sam Customer' } });
  w.send({ type: 'message', clientId: 'm1', text });
  expect((await w.next('state')).state).toBe('waiting');
  return { w, id };
}

const isCardOf = (id: string) => (m: EmulatedMessage) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(id);
const cardIn = (channel: string, id: string) => s.emulator.waitForMessage(channel, isCardOf(id), 5_000);
const inThread = (channel: string, card: EmulatedMessage, needle: string) =>
  s.emulator.waitFor(() => s.emulator.replies(channel, card.ts).find((m) => JSON.stringify(m).includes(needle)), 5_000, `"${needle}" in the thread`);
/** Everything posted anywhere about a conversation, by channel. */
const mentions = (channel: string, id: string) => s.emulator.messages(channel, { includeReplies: true }).filter((m) => JSON.stringify(m).includes(id));
const threadRow = (id: string) => s.t.app.db.first(s.t.app.db.q.selectFrom('slack_threads').select(['channel', 'ts']).where('conversation_id', '=', id));
const cardItem = (id: string) =>
  s.t.app.db.first(s.t.app.db.q.selectFrom('slack_outbox').select(['lane']).where('idempotency_key', '=', `card:${id}`));
/** The posts Slack refused in `channel`. */
const refused = (channel: string) => s.emulator.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && !c.ok);
/** The direct messages `user` got about a channel's problem. */
const problemDms = (user: string, channel: string) => s.emulator.messages(user).filter((m) => JSON.stringify(m.blocks ?? []).includes(`cannot be posted in <#${channel}>`));

async function runNudges(): Promise<NudgeOutcome> {
  const run = await s.t.app.jobs.run('nudges');
  if (run.status !== 'done') throw new Error(`nudges did not run: ${JSON.stringify(run)}`);
  return run.result as NudgeOutcome;
}

/** `user`'s Home tab once its "Handoff channels" section shows every needle; the section's JSON. */
async function homeChannels(user: string, needles: string[]): Promise<{ section: string; home: string }> {
  expect((await s.driver.appHomeOpened(user)).status).toBe(200);
  return s.emulator.waitFor(
    () => {
      const home = s.emulator.homeTab(user);
      const section = JSON.stringify(home?.blocks.find((b) => b.block_id === BLOCK.homeChannels) ?? null);
      for (const n of needles) expect(section).toContain(n);
      return { section, home: JSON.stringify(home?.blocks) };
    },
    5_000,
    `${user}'s Home tab to list the channels`,
  );
}

describe('team channels', () => {
  it("a conversation routed to a team has its card, transcript, later messages, nudge and @here in the team's channel; the App Home and the digest show every channel", async () => {
    await start();
    const lines = await saveChannels(ada, { billing: BILLING });
    expect(lines).toContain(`✅ *billing* → <#${BILLING}>: the app is in the channel`);
    expect(s.emulator.callsTo('conversations.info').map((c) => c.args.channel)).toEqual([BILLING]);

    const { w, id } = await customer('Where is my invoice for March?');
    expect(s.t.app.core.get(id).teamId).toBe('billing');
    const card = await cardIn(BILLING, id);
    await inThread(BILLING, card, 'invoice for March');
    w.send({ type: 'message', clientId: 'm2', text: 'It is order 4711' });
    await inThread(BILLING, card, 'order 4711');

    // Nudged after 2 minutes, in the team's thread; @here after 10, in the team's channel.
    clock.advance(2 * 60_000 + 1_000);
    expect(await runNudges()).toMatchObject({ nudged: [id] });
    await inThread(BILLING, card, `Still unclaimed. <@${grace}>`);
    clock.advance(8 * 60_000);
    expect(await runNudges()).toMatchObject({ broadcast: [id] });
    const here = await s.emulator.waitForMessage(BILLING, (m) => m.text.includes('<!here>'), 5_000);
    expect(here.text).toContain(`/archives/${BILLING}/p`);
    expect(mentions(SUPPORT, id)).toEqual([]);
    expect(s.emulator.messages(SUPPORT).filter((m) => m.text.includes('<!here>'))).toEqual([]);

    // Admins see every channel with its load in their Home tab; agents do not.
    const { section } = await homeChannels(ada, [`<#${SUPPORT}> — default channel · 0 waiting`, `<#${BILLING}> — team *billing* · 1 waiting`]);
    expect(section).not.toContain('⚠️');
    expect((await s.driver.appHomeOpened(grace)).status).toBe(200);
    const graceHome = await s.emulator.waitFor(() => s.emulator.homeTab(grace), 5_000);
    expect(graceHome.blocks.some((b) => b.block_id === BLOCK.homeChannels)).toBe(false);

    // The daily digest breaks the handoffs down by channel.
    s.t.app.settings.update({ digestTime: '00:00' }, null);
    expect((await s.t.app.jobs.run('digest')).status).toBe('done');
    const digest = await s.emulator.waitForMessage(SUPPORT, (m) => m.text.startsWith('Daily handoff digest'), 5_000);
    const byChannel = JSON.stringify(digest.blocks?.find((b) => b.block_id === BLOCK.statsChannels) ?? null);
    expect(byChannel).toContain(`<#${SUPPORT}> — default channel — 0 handoffs · 0 waiting`);
    expect(byChannel).toContain(`<#${BILLING}> — team *billing* — 1 handoff · 1 waiting`);
  });

  it('an archived team channel and one the app was removed from: handoffs land in the default channel, the admin who set each hears once, later handoffs go there directly, and setting the channel again restores it', async () => {
    await start();
    expect(await saveChannels(ada, { billing: BILLING })).toContain('✅');
    expect(await saveChannels(linus, { vip: VIP })).toContain('✅');
    s.emulator.archiveChannel(BILLING);
    s.emulator.removeBot(VIP);

    // Two billing handoffs reach the archived channel before Slack refuses the first card (held at Slack meanwhile).
    const held = s.emulator.holdNext('chat.postMessage', (args) => args.channel === BILLING);
    const first = await customer('Where is my invoice?');
    await held.arrived;
    const second = await customer('I need a copy of my invoice');
    await s.emulator.waitFor(() => cardItem(second.id)?.lane === BILLING);
    held.release();

    const card1 = await cardIn(SUPPORT, first.id);
    const card2 = await cardIn(SUPPORT, second.id);
    await inThread(SUPPORT, card1, 'Where is my invoice?');
    await inThread(SUPPORT, card2, 'copy of my invoice');
    // Both cards were refused in #billing, then moved (not failed).
    expect(refused(BILLING).map((c) => [first.id, second.id].find((id) => JSON.stringify(c.args).includes(id)))).toEqual([first.id, second.id]);
    for (const c of [first, second]) expect(cardItem(c.id)).toMatchObject({ lane: SUPPORT });
    expect(threadRow(first.id)).toEqual({ channel: SUPPORT, ts: card1.ts });
    // Later posts follow the thread.
    first.w.send({ type: 'message', clientId: 'm2', text: 'Anyone there?' });
    await inThread(SUPPORT, card1, 'Anyone there?');

    // Ada set #billing: one message for the two handoffs, saying why, the fix and where handoffs go meanwhile.
    await s.emulator.waitFor(() => problemDms(ada, BILLING).length === 1, 5_000);
    const told = JSON.stringify(problemDms(ada, BILLING)[0]!.blocks);
    expect(told).toContain(`<#${BILLING}> is archived`);
    expect(told).toContain(`unarchive <#${BILLING}> and choose it again in \`/handoff settings\``);
    expect(told).toContain(`go to <#${SUPPORT}>, the default channel`);

    // A later billing handoff goes to the default channel at once.
    const third = await customer('Invoice number please');
    const card3 = await cardIn(SUPPORT, third.id);
    expect(cardItem(third.id)).toMatchObject({ lane: SUPPORT });
    expect(refused(BILLING)).toHaveLength(2);
    expect(mentions(BILLING, third.id)).toEqual([]);

    // #vip: the app was removed; Linus, who set it, hears once, with /invite.
    const vip = await customer('About my contract renewal');
    await cardIn(SUPPORT, vip.id);
    expect(refused(VIP).map((c) => c.error)).toEqual(['not_in_channel']);
    await s.emulator.waitFor(() => problemDms(linus, VIP).length === 1, 5_000);
    expect(JSON.stringify(problemDms(linus, VIP)[0]!.blocks)).toContain(`type \`/invite @handoff\` in <#${VIP}>`);

    expect(await s.t.app.slack!.outbox.drain(5_000)).toBe(true);
    expect(problemDms(ada, BILLING)).toHaveLength(1);
    expect(problemDms(linus, VIP)).toHaveLength(1);
    expect(problemDms(ada, VIP)).toEqual([]);
    expect(problemDms(linus, BILLING)).toEqual([]);

    // Admins' Home tab: both problems with their fixes; the conversations' links point at the default channel.
    const { section, home } = await homeChannels(ada, [`<#${BILLING}> is archived`, `the Handoff app is not in <#${VIP}>`]);
    expect(section).toContain(`<#${SUPPORT}> — default channel · 4 waiting`);
    expect(home).toContain('2 team channels are not usable');
    expect(home).toContain(`channel=${SUPPORT}&amp;message_ts=${card3.ts}`);
    expect(home).not.toContain(`channel=${BILLING}`);

    // #billing is unarchived and set again: used again. #vip, set again without the app in it, is
    // refused by the check at once: the modal says so and its handoffs go on to the default channel.
    s.emulator.archiveChannel(BILLING, false);
    const lines = await saveChannels(ada, { billing: BILLING });
    expect(lines).toContain(`✅ *billing* → <#${BILLING}>`);
    expect(lines).toContain(`⚠️ *vip* → <#${VIP}>: the Handoff app is not in <#${VIP}>. To fix it, type \`/invite @handoff\``);
    const fourth = await customer('One more invoice question');
    await cardIn(BILLING, fourth.id);
    const vip2 = await customer('Contract question');
    await cardIn(SUPPORT, vip2.id);
    expect(refused(BILLING)).toHaveLength(2);
    expect(refused(VIP)).toHaveLength(1);

    // Nothing more was told to anyone.
    expect(await s.t.app.slack!.outbox.drain(5_000)).toBe(true);
    expect(problemDms(ada, BILLING)).toHaveLength(1);
    expect(problemDms(linus, VIP)).toHaveLength(1);
    expect(problemDms(ada, VIP)).toEqual([]);
  });

  it('a team channel archived under a live conversation: the conversation starts again in the default channel, whole, and goes on there', async () => {
    await start();
    expect(await saveChannels(ada, { billing: BILLING })).toContain('✅');
    const { w, id } = await customer('Where is my invoice for March?');
    const old = await cardIn(BILLING, id);
    await inThread(BILLING, old, 'invoice for March');
    expect(await s.t.app.slack!.outbox.drain(5_000)).toBe(true);

    s.emulator.archiveChannel(BILLING);
    w.send({ type: 'message', clientId: 'm2', text: 'It is order 4711' });
    w.send({ type: 'message', clientId: 'm3', text: 'Hello?' });

    // A new card in #support, why it moved, and the whole conversation — the messages #billing refused included.
    const card = await cardIn(SUPPORT, id);
    const moved = await inThread(SUPPORT, card, 'Moved here from');
    expect(JSON.stringify(moved.blocks)).toContain(`📦 Moved here from <#${BILLING}>: <#${BILLING}> is archived.`);
    const transcript = await inThread(SUPPORT, card, 'Conversation so far');
    const text = JSON.stringify(transcript.blocks);
    for (const line of ['invoice for March', 'order 4711', 'Hello?']) expect(text).toContain(line);
    expect(threadRow(id)).toEqual({ channel: SUPPORT, ts: card.ts });
    expect(refused(BILLING).length).toBeGreaterThanOrEqual(1);
    await s.emulator.waitFor(() => problemDms(ada, BILLING).length === 1, 5_000);

    // It goes on there: the agent claims from the new card and answers in its thread.
    w.send({ type: 'message', clientId: 'm4', text: 'Still here' });
    await inThread(SUPPORT, card, 'Still here');
    await s.driver.blockAction(ada, { actionId: ACTION.claim, message: s.emulator.message(SUPPORT, card.ts)!, channel: SUPPORT });
    await w.next('state', (f) => f.state === 'human');
    await s.driver.userReply(ada, SUPPORT, card.ts, 'Found it: order 4711 ships today.');
    await w.next('message', (m) => m.text === 'Found it: order 4711 ships today.');

    // Nothing was lost or posted twice, and nothing is left failing.
    expect(await s.t.app.slack!.outbox.drain(5_000)).toBe(true);
    expect(s.t.app.slack!.outbox.stats().failed).toBe(0);
    expect(s.emulator.messages(SUPPORT).filter(isCardOf(id))).toHaveLength(1);
    expect(problemDms(ada, BILLING)).toHaveLength(1);
  });

  it("a check Slack answers too late for the saved view: the view says so, and a refusal found afterwards is recorded and sent to the admin", async () => {
    await start();
    s.emulator.archiveChannel(BILLING);
    const held = s.emulator.holdNext('conversations.info', (args) => args.channel === BILLING);
    const lines = await saveChannels(ada, { billing: BILLING });
    expect(lines).toContain(`❔ *billing* → <#${BILLING}>: could not check the channel (Slack did not answer in time)`);
    expect(problemDms(ada, BILLING)).toEqual([]);
    held.release();
    await s.emulator.waitFor(() => problemDms(ada, BILLING).length === 1, 5_000);
    expect(JSON.stringify(problemDms(ada, BILLING)[0]!.blocks)).toContain(`<#${BILLING}> is archived`);
    // Recorded: the next billing handoff goes to the default channel without trying #billing.
    const c = await customer('Where is my invoice?');
    await cardIn(SUPPORT, c.id);
    expect(refused(BILLING)).toEqual([]);
  });
});
