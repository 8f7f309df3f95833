/* eslint-disable @typescript-eslint/no-explicit-any */
/** The emulator's other methods: chat.update/delete, ephemerals, permalinks, conversations, users, team, views. */
import { describe, expect, it } from 'vitest';
import { client, emu, emulatorKit, clientFor, slackError } from './emulator-test-kit';
import { SLACK_IDS } from './slack-emulator';
import { expectKeysWithin, haveSamples, sample } from './slack-samples';

const { rawAnswer, start } = emulatorKit();

describe('chat.update / chat.delete / ephemeral / permalink', () => {
  it('updates the bot message, refusing unknown ts and other authors', async () => {
    const posted: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'queued', blocks: [{ type: 'divider' }] });
    const res: any = await client.chat.update({ channel: 'C0SUPPORT', ts: posted.ts, text: 'claimed by Ada' });
    expect(res).toMatchObject({ ok: true, channel: 'C0SUPPORT', ts: posted.ts, text: 'claimed by Ada' });
    if (haveSamples) {
      const s = sample('api/chat.update.json');
      expectKeysWithin(rawAnswer('chat.update'), s, 'chat.update');
      expectKeysWithin(res.message, s.message, 'chat.update message');
    }
    const stored = emu.message('C0SUPPORT', posted.ts)!;
    expect(stored.text).toBe('claimed by Ada');
    expect(stored.blocks).toHaveLength(1); // blocks kept when not given, like Slack
    expect(stored.edited).toBeDefined();
    expect((await slackError(client.chat.update({ channel: 'C0SUPPORT', ts: '1111111111.000001', text: 'x' }))).error).toBe('message_not_found');
    const human = emu.postAsUser(SLACK_IDS.ada, 'C0SUPPORT', 'mine');
    expect((await slackError(client.chat.update({ channel: 'C0SUPPORT', ts: human.ts, text: 'x' }))).error).toBe('cant_update_message');
    expect((await slackError(client.chat.delete({ channel: 'C0SUPPORT', ts: human.ts }))).error).toBe('cant_delete_message');
  });

  it('deletes, then the ts is gone', async () => {
    const posted: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'bye' });
    const res: any = await client.chat.delete({ channel: 'C0SUPPORT', ts: posted.ts });
    expect(res).toMatchObject({ ok: true, channel: 'C0SUPPORT', ts: posted.ts });
    expect(emu.messages('C0SUPPORT')).toHaveLength(0);
    expect(emu.deletedMessages('C0SUPPORT').map((m) => m.text)).toEqual(['bye']);
    expect((await slackError(client.chat.delete({ channel: 'C0SUPPORT', ts: posted.ts }))).error).toBe('message_not_found');
  });

  it('posts ephemerals only to channel members', async () => {
    const res: any = await client.chat.postEphemeral({ channel: 'C0SUPPORT', user: SLACK_IDS.ada, text: 'only you' });
    expect(res.message_ts).toMatch(/^\d{10}\.\d{6}$/);
    if (haveSamples) expectKeysWithin(rawAnswer('chat.postEphemeral'), sample('api/chat.postEphemeral.json'), 'chat.postEphemeral');
    expect(emu.ephemerals(SLACK_IDS.ada)).toEqual([expect.objectContaining({ text: 'only you', channel: 'C0SUPPORT', via: 'chat.postEphemeral' })]);
    emu.addUser({ id: 'U0NEW', real_name: 'New Person' });
    expect((await slackError(client.chat.postEphemeral({ channel: 'C0SUPPORT', user: 'U0NEW', text: 'x' }))).error).toBe('user_not_in_channel');
  });

  it('builds permalinks', async () => {
    const parent: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'p' });
    const reply: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'r', thread_ts: parent.ts });
    const p: any = await client.chat.getPermalink({ channel: 'C0SUPPORT', message_ts: parent.ts });
    expect(p.permalink).toBe(`https://handoff-test.slack.com/archives/C0SUPPORT/p${parent.ts.replace('.', '')}`);
    const r: any = await client.chat.getPermalink({ channel: 'C0SUPPORT', message_ts: reply.ts });
    expect(r.permalink).toContain(`?thread_ts=${parent.ts}&cid=C0SUPPORT`);
    expect((await slackError(client.chat.getPermalink({ channel: 'C0SUPPORT', message_ts: '1111111111.000001' }))).error).toBe('message_not_found');
  });
});

describe('conversations, users, team', () => {
  it('describes channels and members', async () => {
    const info: any = await client.conversations.info({ channel: 'C0SUPPORT', include_num_members: true });
    expect(info.channel).toMatchObject({ id: 'C0SUPPORT', name: 'support', is_channel: true, is_private: false, is_member: true, num_members: 4 });
    if (haveSamples) {
      const s = sample('api/conversations.info.json');
      expectKeysWithin(emu.callsTo('conversations.info')[0]!.response, s, 'conversations.info');
      expectKeysWithin(info.channel, s.channel, 'conversations.info channel');
    }
    expect((await client.conversations.info({ channel: SLACK_IDS.general }) as any).channel.is_member).toBe(false);
    expect((await slackError(client.conversations.info({ channel: SLACK_IDS.secret }))).error).toBe('channel_not_found');
    const members: any = await client.conversations.members({ channel: 'C0SUPPORT' });
    expect(members.members).toEqual(expect.arrayContaining([SLACK_IDS.ada, SLACK_IDS.grace, SLACK_IDS.linus, SLACK_IDS.botUser]));
    const open: any = await client.conversations.open({ users: SLACK_IDS.grace });
    expect(open).toMatchObject({ ok: true, no_op: false, already_open: false, channel: { id: expect.stringMatching(/^D/) } });
    if (haveSamples) expectKeysWithin(rawAnswer('conversations.open'), sample('api/conversations.open.json'), 'conversations.open');
  });

  it('pages history newest first', async () => {
    for (let i = 0; i < 5; i++) await client.chat.postMessage({ channel: 'C0SUPPORT', text: `m${i}` });
    const first: any = await client.conversations.history({ channel: 'C0SUPPORT', limit: 2 });
    expect(first.messages.map((m: any) => m.text)).toEqual(['m4', 'm3']);
    expect(first.has_more).toBe(true);
    const second: any = await client.conversations.history({ channel: 'C0SUPPORT', limit: 2, cursor: first.response_metadata.next_cursor });
    expect(second.messages.map((m: any) => m.text)).toEqual(['m2', 'm1']);
    expect((await slackError(client.conversations.history({ channel: SLACK_IDS.general }))).error).toBe('not_in_channel');
  });

  it('describes users as users.info does', async () => {
    const ada: any = await client.users.info({ user: SLACK_IDS.ada });
    expect(ada.user).toMatchObject({ id: 'U0ADA', real_name: 'Ada Lovelace', is_admin: true, is_bot: false, profile: { display_name: 'Ada', email: 'ada@example.com', image_72: expect.stringMatching(/^https:/) } });
    const linus: any = await client.users.info({ user: SLACK_IDS.linus });
    expect(linus.user.profile).toMatchObject({ display_name: '', real_name: 'Linus Torvalds' });
    const bot: any = await client.users.info({ user: SLACK_IDS.botUser });
    expect(bot.user).toMatchObject({ is_bot: true, profile: { bot_id: SLACK_IDS.botId } });
    expect((await slackError(client.users.info({ user: 'U0NOBODY' }))).error).toBe('user_not_found');
    if (haveSamples) {
      const s = sample('api/users.info.json');
      expectKeysWithin(emu.callsTo('users.info')[0]!.response, s, 'users.info');
      expectKeysWithin(ada.user, s.user, 'users.info user');
      expectKeysWithin(ada.user.profile, s.user.profile, 'users.info profile');
    }
    const byEmail: any = await client.users.lookupByEmail({ email: 'GRACE@example.com' });
    expect(byEmail.user.id).toBe(SLACK_IDS.grace);
    expect((await slackError(client.users.lookupByEmail({ email: 'nobody@example.com' }))).error).toBe('users_not_found');
  });

  it('reports presence', async () => {
    expect(await client.users.getPresence({ user: SLACK_IDS.grace })).toMatchObject({ ok: true, presence: 'active' });
    emu.setPresence(SLACK_IDS.grace, 'away');
    const res: any = await client.users.getPresence({ user: SLACK_IDS.grace });
    expect(res.presence).toBe('away');
    if (haveSamples) expectKeysWithin(rawAnswer('users.getPresence'), sample('api/users.getPresence.json'), 'users.getPresence');
  });

  it('describes the team', async () => {
    const res: any = await client.team.info();
    expect(res.team).toMatchObject({ id: SLACK_IDS.team, domain: 'handoff-test' });
    if (haveSamples) {
      const s = sample('api/team.info.json');
      expectKeysWithin(rawAnswer('team.info'), s, 'team.info');
      expectKeysWithin(res.team, s.team, 'team.info team');
    }
  });
});

describe('views and trigger_ids', () => {
  const modal = (extra: Record<string, unknown> = {}) => ({
    type: 'modal' as const,
    callback_id: 'rules',
    title: { type: 'plain_text' as const, text: 'Routing rules' },
    submit: { type: 'plain_text' as const, text: 'Save' },
    blocks: [{ type: 'input', block_id: 'kw', label: { type: 'plain_text', text: 'Keywords' }, element: { type: 'plain_text_input', action_id: 'value' } }],
    ...extra,
  });

  it('opens a modal once per trigger_id', async () => {
    const trigger = emu.issueTriggerId(SLACK_IDS.ada);
    const res: any = await client.views.open({ trigger_id: trigger, view: modal() as any });
    expect(res.view).toMatchObject({ type: 'modal', callback_id: 'rules', team_id: SLACK_IDS.team, app_id: SLACK_IDS.appId, state: { values: {} } });
    if (haveSamples) {
      const s = sample('api/views.open.json');
      expectKeysWithin(emu.callsTo('views.open')[0]!.response, s, 'views.open');
      expectKeysWithin(res.view, s.view, 'views.open view');
    }
    expect(emu.openModal(SLACK_IDS.ada)?.id).toBe(res.view.id);
    expect((await slackError(client.views.open({ trigger_id: trigger, view: modal() as any }))).error).toBe('exchanged_trigger_id');
    expect((await slackError(client.views.open({ trigger_id: '123.456.abc', view: modal() as any }))).error).toBe('invalid_trigger_id');
    const noTrigger = await slackError(client.apiCall('views.open', { view: modal() }));
    expect(noTrigger.error).toBe('invalid_arguments');
  });

  it('expires trigger_ids after 3 seconds', async () => {
    let now = 1_750_000_000_000;
    const e = await start({ now: () => now });
    const c = clientFor(e);
    const t1 = e.issueTriggerId(SLACK_IDS.ada);
    now += 2999;
    await c.views.open({ trigger_id: t1, view: modal() as any });
    const t2 = e.issueTriggerId(SLACK_IDS.ada);
    now += 3001;
    expect((await slackError(c.views.open({ trigger_id: t2, view: modal() as any }))).error).toBe('expired_trigger_id');
  });

  it('validates views: title 24, private_metadata 3000, 100 blocks', async () => {
    let err = await slackError(client.views.open({ trigger_id: emu.issueTriggerId(), view: modal({ title: { type: 'plain_text', text: 'x'.repeat(25) } }) as any }));
    expect(err.error).toBe('invalid_arguments');
    expect(err.response_metadata.messages).toContain('[ERROR] must be less than 25 characters [json-pointer:/view/title/text]');
    err = await slackError(client.views.open({ trigger_id: emu.issueTriggerId(), view: modal({ private_metadata: 'x'.repeat(3001) }) as any }));
    expect(err.errors[0]).toContain('/view/private_metadata');
    err = await slackError(client.views.publish({ user_id: SLACK_IDS.ada, view: { type: 'home', blocks: Array.from({ length: 101 }, () => ({ type: 'divider' })) } as any }));
    expect(err.errors).toContain('no more than 100 items allowed [json-pointer:/view/blocks]');
    await client.views.publish({ user_id: SLACK_IDS.ada, view: { type: 'home', blocks: Array.from({ length: 100 }, () => ({ type: 'divider' })) } as any });
  });

  it('updates by id with hash checks, pushes up to 3, publishes Home tabs', async () => {
    const opened: any = await client.views.open({ trigger_id: emu.issueTriggerId(SLACK_IDS.ada), view: modal() as any });
    const updated: any = await client.views.update({ view_id: opened.view.id, hash: opened.view.hash, view: modal({ title: { type: 'plain_text', text: 'Rules v2' } }) as any });
    expect(updated.view.title.text).toBe('Rules v2');
    expect(updated.view.hash).not.toBe(opened.view.hash);
    expect((await slackError(client.views.update({ view_id: opened.view.id, hash: opened.view.hash, view: modal() as any }))).error).toBe('hash_conflict');
    expect((await slackError(client.views.update({ view_id: 'V0NOPE', view: modal() as any }))).error).toBe('not_found');

    await client.views.push({ trigger_id: emu.issueTriggerId(SLACK_IDS.ada), view: modal({ callback_id: 'two' }) as any });
    const third: any = await client.views.push({ trigger_id: emu.issueTriggerId(SLACK_IDS.ada), view: modal({ callback_id: 'three' }) as any });
    expect(third.view.root_view_id).toBe(opened.view.id);
    expect(emu.modalStack(SLACK_IDS.ada).map((v) => v.callback_id)).toEqual(['rules', 'two', 'three']);
    expect((await slackError(client.views.push({ trigger_id: emu.issueTriggerId(SLACK_IDS.ada), view: modal() as any }))).error).toBe('push_limit_reached');

    const home: any = await client.views.publish({ user_id: SLACK_IDS.grace, view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Status: *available*' } }] } as any });
    expect(emu.homeTab(SLACK_IDS.grace)?.id).toBe(home.view.id);
    const again: any = await client.views.publish({ user_id: SLACK_IDS.grace, view: { type: 'home', blocks: [] } as any });
    expect(again.view.id).toBe(home.view.id);
    expect(emu.homeTab(SLACK_IDS.grace)?.blocks).toEqual([]);
  });
});
