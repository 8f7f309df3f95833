/* eslint-disable @typescript-eslint/no-explicit-any */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCode, LogLevel, WebClient, WebClientEvent } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from './slack-emulator';

const SAMPLES = '/work/shared/slack-samples';
const haveSamples = existsSync(SAMPLES);
function sample(rel: string): any {
  return JSON.parse(readFileSync(path.join(SAMPLES, rel), 'utf8'));
}
function expectKeysWithin(obj: Record<string, unknown>, allowed: Record<string, unknown>, what: string): void {
  const extra = Object.keys(obj).filter((k) => !(k in allowed));
  expect(extra, `${what}: keys not in Slack's sample`).toEqual([]);
}

let emu: SlackEmulator;
let client: WebClient;
const started: SlackEmulator[] = [];

async function start(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
  const e = await startSlackEmulator(opts);
  started.push(e);
  return e;
}

function clientFor(e: SlackEmulator, extra: ConstructorParameters<typeof WebClient>[1] = {}, token: string | null = DEFAULT_BOT_TOKEN): WebClient {
  return new WebClient(token ?? undefined, { slackApiUrl: e.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR, ...extra });
}

/** The JSON body the emulator answered to the last call to `method` (WebClient results add response_metadata). */
function rawAnswer(method: string): Record<string, unknown> {
  return emu.lastCall(method)!.response;
}

/** The `data` of a WebAPIPlatformError (Slack's JSON answer). */
async function slackError(p: Promise<unknown>): Promise<any> {
  try {
    await p;
  } catch (e: any) {
    if (e.code === ErrorCode.PlatformError) return e.data;
    throw e;
  }
  throw new Error('expected the call to fail');
}

beforeEach(async () => {
  emu = await start();
  client = clientFor(emu);
});

afterEach(async () => {
  await Promise.all(started.splice(0).map((e) => e.close()));
});

describe('auth and transport', () => {
  it('answers auth.test with the bot identity', async () => {
    const res = await client.auth.test();
    expect(res).toMatchObject({ ok: true, team_id: SLACK_IDS.team, user_id: SLACK_IDS.botUser, bot_id: SLACK_IDS.botId });
    if (haveSamples) expectKeysWithin(rawAnswer('auth.test'), sample('api/auth.test.json'), 'auth.test');
  });

  it('rejects a missing, wrong or revoked token', async () => {
    expect((await slackError(clientFor(emu, {}, null).auth.test())).error).toBe('not_authed');
    expect((await slackError(clientFor(emu, {}, 'xoxb-wrong').chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }))).error).toBe('invalid_auth');
    emu.revokeToken();
    expect((await slackError(client.auth.test())).error).toBe('token_revoked');
    expect(emu.messages('C0SUPPORT')).toHaveLength(0);
  });

  it('accepts JSON bodies with a Bearer header (token in a JSON body does not count), and form bodies', async () => {
    const post = (body: string, headers: Record<string, string>) =>
      fetch(`${emu.apiUrl}chat.postMessage`, { method: 'POST', body, headers }).then((r) => r.json() as Promise<any>);
    const json = await post(JSON.stringify({ channel: 'C0SUPPORT', text: 'json', blocks: [{ type: 'divider' }] }), {
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${DEFAULT_BOT_TOKEN}`,
    });
    expect(json).toMatchObject({ ok: true, message: { text: 'json', blocks: [{ type: 'divider' }] } });
    const noAuth = await post(JSON.stringify({ token: DEFAULT_BOT_TOKEN, channel: 'C0SUPPORT', text: 'x' }), { 'content-type': 'application/json' });
    expect(noAuth).toEqual({ ok: false, error: 'not_authed' });
    const form = await post(new URLSearchParams({ token: DEFAULT_BOT_TOKEN, channel: 'C0SUPPORT', text: 'form' }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(form).toMatchObject({ ok: true, message: { text: 'form' } });
    const badBlocks = await post(new URLSearchParams({ token: DEFAULT_BOT_TOKEN, channel: 'C0SUPPORT', blocks: '[{not json' }).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
    });
    expect(badBlocks).toEqual({ ok: false, error: 'invalid_blocks_format' });
  });

  it('decodes the WebClient form encoding of blocks and metadata', async () => {
    await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'card',
      blocks: [{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text: '*hi*' } }],
      metadata: { event_type: 'handoff', event_payload: { conversation_id: 'c_1' } },
    });
    const call = emu.lastCall('chat.postMessage')!;
    expect(call.args.blocks).toEqual([{ type: 'section', block_id: 'b1', text: { type: 'mrkdwn', text: '*hi*' } }]);
    expect(call.args.metadata).toEqual({ event_type: 'handoff', event_payload: { conversation_id: 'c_1' } });
    expect(emu.lastMessage('C0SUPPORT')!.metadata).toEqual({ event_type: 'handoff', event_payload: { conversation_id: 'c_1' } });
  });

  it('answers unknown methods and missing scopes like Slack', async () => {
    expect((await slackError(client.apiCall('chat.nonsense'))).error).toBe('unknown_method');
    emu.setScopes(['users:read']);
    const err = await slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }));
    expect(err).toMatchObject({ error: 'missing_scope', needed: 'chat:write', provided: 'users:read' });
  });
});

describe('chat.postMessage', () => {
  it('posts as the bot, with the sample response shape', async () => {
    const res: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'hello' });
    expect(res.ok).toBe(true);
    expect(res.channel).toBe('C0SUPPORT');
    expect(res.ts).toMatch(/^\d{10}\.\d{6}$/);
    expect(res.message).toMatchObject({ type: 'message', text: 'hello', user: SLACK_IDS.botUser, bot_id: SLACK_IDS.botId, ts: res.ts });
    expect(emu.messages('C0SUPPORT')).toEqual([expect.objectContaining({ ts: res.ts, text: 'hello', channel: 'C0SUPPORT' })]);
    expect(emu.messages('#support')).toHaveLength(1);
    if (haveSamples) {
      const s = sample('api/chat.postMessage.json');
      expectKeysWithin(rawAnswer('chat.postMessage'), s, 'chat.postMessage');
      expectKeysWithin(res.message, s.message, 'chat.postMessage message');
      expectKeysWithin(res.message.bot_profile, s.message.bot_profile, 'bot_profile');
    }
  });

  it('opens a DM when given a user id', async () => {
    const res: any = await client.chat.postMessage({ channel: SLACK_IDS.ada, text: 'psst' });
    expect(res.channel).toMatch(/^D/);
    const open: any = await client.conversations.open({ users: SLACK_IDS.ada });
    expect(open).toMatchObject({ ok: true, channel: { id: res.channel }, already_open: true });
    expect(emu.messages(SLACK_IDS.ada).map((m) => m.text)).toEqual(['psst']);
    expect((await slackError(client.chat.postMessage({ channel: SLACK_IDS.botUser, text: 'x' }))).error).toBe('cannot_dm_bot');
  });

  it('enforces channel existence and bot membership', async () => {
    expect((await slackError(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).error).toBe('channel_not_found');
    expect((await slackError(client.chat.postMessage({ channel: SLACK_IDS.general, text: 'x' }))).error).toBe('not_in_channel');
    expect((await slackError(client.chat.postMessage({ channel: SLACK_IDS.secret, text: 'x' }))).error).toBe('channel_not_found');
    emu.inviteBot(SLACK_IDS.general);
    await client.chat.postMessage({ channel: SLACK_IDS.general, text: 'now ok' });
    emu.archiveChannel(SLACK_IDS.general);
    expect((await slackError(client.chat.postMessage({ channel: SLACK_IDS.general, text: 'x' }))).error).toBe('is_archived');

    const pub = await start({ chatWritePublic: true });
    await clientFor(pub).chat.postMessage({ channel: SLACK_IDS.general, text: 'public ok' });
    expect((await slackError(clientFor(pub).chat.postMessage({ channel: SLACK_IDS.secret, text: 'x' }))).error).toBe('channel_not_found');
  });

  it('requires channel and some content, and caps text at 40 000 characters', async () => {
    const noChannel = await slackError(client.apiCall('chat.postMessage', { text: 'x' }));
    expect(noChannel.error).toBe('invalid_arguments');
    expect(noChannel.response_metadata.messages[0]).toContain('channel');
    expect((await slackError(client.apiCall('chat.postMessage', { channel: 'C0SUPPORT' }))).error).toBe('no_text');
    expect((await slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x'.repeat(40001) }))).error).toBe('msg_too_long');
    await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x'.repeat(40000) });
  });

  it('gives unique, strictly increasing ts across the workspace', async () => {
    const channels = ['C0SUPPORT', SLACK_IDS.ada, SLACK_IDS.grace];
    await Promise.all(Array.from({ length: 60 }, (_, i) => client.chat.postMessage({ channel: channels[i % 3]!, text: `m${i}` })));
    const tss = emu.callsTo('chat.postMessage').map((c) => c.response.ts as string);
    expect(new Set(tss).size).toBe(60);
    for (let i = 1; i < tss.length; i++) expect(Number(tss[i]) > Number(tss[i - 1]) || tss[i]! > tss[i - 1]!).toBe(true);
    tss.forEach((ts) => expect(ts).toMatch(/^\d{10}\.\d{6}$/));
  });

  it('threads replies, rejects unknown thread_ts, and broadcasts', async () => {
    const parent: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const r1: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'r1', thread_ts: parent.ts });
    expect(r1.message).toMatchObject({ thread_ts: parent.ts, parent_user_id: SLACK_IDS.botUser });
    const human = emu.postAsUser(SLACK_IDS.ada, 'C0SUPPORT', 'on it', { thread_ts: parent.ts });
    // A reply's ts as thread_ts lands in the parent's thread.
    const r2: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'r2', thread_ts: human.ts });
    expect(r2.message.thread_ts).toBe(parent.ts);
    expect((await slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x', thread_ts: '1111111111.000001' }))).error).toBe('thread_not_found');

    expect(emu.thread('C0SUPPORT', parent.ts).map((m) => m.text)).toEqual(['card', 'r1', 'on it', 'r2']);
    expect(emu.messages('C0SUPPORT').map((m) => m.text)).toEqual(['card']);
    expect(emu.message('C0SUPPORT', parent.ts)).toMatchObject({ reply_count: 3, reply_users_count: 2, latest_reply: r2.ts });

    const b: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'loud', thread_ts: parent.ts, reply_broadcast: true });
    expect(b.message).toMatchObject({ subtype: 'thread_broadcast', root: { ts: parent.ts } });
    expect(emu.messages('C0SUPPORT').map((m) => m.text)).toEqual(['card', 'loud']);

    const replies: any = await client.conversations.replies({ channel: 'C0SUPPORT', ts: parent.ts });
    expect(replies.messages.map((m: any) => m.text)).toEqual(['card', 'r1', 'on it', 'r2', 'loud']);
    expect(replies.messages[0]).toMatchObject({ thread_ts: parent.ts, reply_count: 4 });
    if (haveSamples) expectKeysWithin(rawAnswer('conversations.replies'), sample('api/conversations.replies.json'), 'conversations.replies');
    expect((await slackError(client.conversations.replies({ channel: 'C0SUPPORT', ts: '1111111111.000001' }))).error).toBe('thread_not_found');
  });

  it('applies username/icon customisation and keeps metadata out of history unless asked', async () => {
    const res: any = await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'as Ada',
      username: 'Ada (via Handoff)',
      icon_url: 'https://example.com/ada.png',
      metadata: { event_type: 'relay', event_payload: { id: 1 } },
    });
    expect(res.message).toMatchObject({ username: 'Ada (via Handoff)', icons: { image_48: 'https://example.com/ada.png' }, metadata: { event_type: 'relay' } });
    const plain: any = await client.conversations.history({ channel: 'C0SUPPORT' });
    expect(plain.messages[0].metadata).toBeUndefined();
    const withMeta: any = await client.conversations.history({ channel: 'C0SUPPORT', include_all_metadata: true });
    expect(withMeta.messages[0].metadata).toEqual({ event_type: 'relay', event_payload: { id: 1 } });
  });
});

describe('Block Kit limits', () => {
  const section = (text: string, extra: Record<string, unknown> = {}) => ({ type: 'section', text: { type: 'mrkdwn', text }, ...extra });
  const button = (extra: Record<string, unknown> = {}) => ({ type: 'button', text: { type: 'plain_text', text: 'Claim' }, action_id: 'claim', value: 'c1', ...extra });

  async function blocksError(blocks: unknown[]): Promise<any> {
    const err = await slackError(client.chat.postMessage({ channel: 'C0SUPPORT', text: 'fallback', blocks: blocks as any }));
    expect(err.error).toBe('invalid_blocks');
    expect(err.response_metadata.messages[0]).toMatch(/^\[ERROR\] /);
    return err;
  }

  it('accepts a valid card and fills in block_id/action_id like Slack', async () => {
    const res: any = await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'card',
      blocks: [section('x'.repeat(3000)), { type: 'actions', elements: [button({ action_id: undefined }), button({ action_id: 'summary', value: 'v'.repeat(2000) })] }] as any,
    });
    expect(res.message.blocks[0].block_id).toEqual(expect.any(String));
    expect(res.message.blocks[1].elements[0].action_id).toEqual(expect.any(String));
    expect(res.message.blocks[1].elements[1].action_id).toBe('summary');
  });

  it('rejects 51 blocks', async () => {
    const err = await blocksError(Array.from({ length: 51 }, () => ({ type: 'divider' })));
    expect(err.errors).toContain('no more than 50 items allowed [json-pointer:/blocks]');
  });

  it('rejects section text over 3000 and names the pointer', async () => {
    const err = await blocksError([{ type: 'divider' }, section('x'.repeat(3001))]);
    expect(err.errors).toEqual(['must be less than 3001 characters [json-pointer:/blocks/1/text/text]']);
  });

  it('rejects button text over 75, value over 2000, and action_id/block_id over 255', async () => {
    let err = await blocksError([{ type: 'actions', elements: [button({ text: { type: 'plain_text', text: 'x'.repeat(76) } })] }]);
    expect(err.errors[0]).toContain('/blocks/0/elements/0/text/text');
    err = await blocksError([{ type: 'actions', elements: [button({ value: 'x'.repeat(2001) })] }]);
    expect(err.errors[0]).toContain('/blocks/0/elements/0/value');
    err = await blocksError([{ type: 'actions', elements: [button({ action_id: 'a'.repeat(256) })] }]);
    expect(err.errors[0]).toContain('/blocks/0/elements/0/action_id');
    err = await blocksError([section('x', { block_id: 'b'.repeat(256) })]);
    expect(err.errors[0]).toContain('/blocks/0/block_id');
  });

  it('rejects duplicate block_id and action_id within a message', async () => {
    let err = await blocksError([section('a', { block_id: 'same' }), section('b', { block_id: 'same' })]);
    expect(err.errors[0]).toContain('duplicate block_id');
    err = await blocksError([{ type: 'actions', elements: [button(), button()] }]);
    expect(err.errors[0]).toContain('duplicate action_id');
  });

  it('rejects mrkdwn where plain_text is required, empty text and unknown block types', async () => {
    let err = await blocksError([{ type: 'actions', elements: [button({ text: { type: 'mrkdwn', text: 'Claim' } })] }]);
    expect(err.errors[0]).toContain('plain_text');
    err = await blocksError([section('')]);
    expect(err.errors[0]).toContain('more than 0 characters');
    err = await blocksError([{ type: 'carousel' }]);
    expect(err.errors[0]).toContain('unsupported type');
  });
});

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

describe('rate limits and scripted faults', () => {
  it('rate-limits chat.postMessage per channel with 429 + Retry-After', async () => {
    let now = 1_750_000_000_000;
    const e = await start({ now: () => now, postMessagePerChannelPerSecond: 2 });
    const c = clientFor(e, { rejectRateLimitedCalls: true });
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '1' });
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '2' });
    const limited: any = await c.chat.postMessage({ channel: 'C0SUPPORT', text: '3' }).catch((err) => err);
    expect(limited.code).toBe(ErrorCode.RateLimitedError);
    expect(limited.retryAfter).toBe(1);
    const last = e.lastCall('chat.postMessage')!;
    expect(last).toMatchObject({ status: 429, response: { ok: false, error: 'ratelimited' } });
    await c.chat.postMessage({ channel: SLACK_IDS.ada, text: 'other channel is fine' });
    now += 1001;
    await c.chat.postMessage({ channel: 'C0SUPPORT', text: '3 again' });
    expect(e.messages('C0SUPPORT').map((m) => m.text)).toEqual(['1', '2', '3 again']);
    expect(e.counters['chat.postMessage']).toMatchObject({ calls: 5, ok: 4, rateLimited: 1 });
  });

  it('scripts a 429 the WebClient retries after Retry-After', async () => {
    const c = clientFor(emu, { retryConfig: { retries: 2, minTimeout: 5, maxTimeout: 10 } });
    const seen: number[] = [];
    c.on(WebClientEvent.RATE_LIMITED, (sec: number) => seen.push(sec));
    emu.failNext('chat.postMessage', { status: 429, retryAfter: 0 });
    const res: any = await c.chat.postMessage({ channel: 'C0SUPPORT', text: 'eventually' });
    expect(res.ok).toBe(true);
    expect(seen).toEqual([0]);
    expect(emu.callsTo('chat.postMessage').map((x) => x.status)).toEqual([429, 200]);
    expect(emu.messages('C0SUPPORT')).toHaveLength(1);
  });

  it('scripts 500s, connection resets, platform errors and delays', async () => {
    emu.failNext('chat.postMessage', { status: 500 });
    const http500: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }).catch((e) => e);
    expect(http500.code).toBe(ErrorCode.HTTPError);
    expect(http500.statusCode).toBe(500);

    emu.failNext('chat.postMessage', { reset: true });
    const reset: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'x' }).catch((e) => e);
    expect(reset.code).toBe(ErrorCode.RequestError);

    emu.failNext('*', { error: 'fatal_error' });
    expect((await slackError(client.users.info({ user: SLACK_IDS.ada }))).error).toBe('fatal_error');

    emu.failNext('chat.postMessage', { delayMs: 400 });
    const slow: any = await clientFor(emu, { timeout: 50 }).chat.postMessage({ channel: 'C0SUPPORT', text: 'late' }).catch((e) => e);
    expect(slow.code).toBe(ErrorCode.RequestError);
    expect(emu.counters['chat.postMessage']!.faults).toBe(3);
    // Nothing was stored by failed calls; the delayed one is still processed by "Slack" (like a real timeout).
    await emu.waitFor(() => emu.messages('C0SUPPORT').length === 1, 2000, 'the delayed post to land');
  });
});

describe('response_url, waitFor and inspection helpers', () => {
  it('records response_url posts and applies them', async () => {
    const card: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const url = emu.issueResponseUrl({ kind: 'block_actions', user: SLACK_IDS.ada, channel: 'C0SUPPORT', messageTs: card.ts });
    const post = (body: unknown) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post({ text: 'only Ada sees this' })).status).toBe(200);
    expect(emu.ephemerals(SLACK_IDS.ada).at(-1)).toMatchObject({ text: 'only Ada sees this', via: 'response_url' });
    await post({ text: 'everyone sees this', response_type: 'in_channel' });
    expect(emu.messages('C0SUPPORT').map((m) => m.text)).toEqual(['card', 'everyone sees this']);
    await post({ text: 'card (claimed)', replace_original: true });
    expect(emu.message('C0SUPPORT', card.ts)!.text).toBe('card (claimed)');
    await post({ delete_original: true });
    expect(emu.message('C0SUPPORT', card.ts)).toBeUndefined();
    await post({ text: 'fifth' });
    expect((await post({ text: 'sixth' })).status).toBe(404);
    expect(emu.responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 404]);
  });

  it('waitFor resolves on state changes and fails with a clear message', async () => {
    setTimeout(() => void client.chat.postMessage({ channel: 'C0SUPPORT', text: 'later' }), 30);
    const msg = await emu.waitForMessage('C0SUPPORT', (m) => m.text === 'later', 2000);
    expect(msg.ts).toMatch(/^\d{10}\.\d{6}$/);
    await expect(emu.waitFor(() => emu.messages('C0SUPPORT').length > 5, 100, 'six messages')).rejects.toThrow(
      /timed out after 100 ms waiting for six messages[\s\S]*chat\.postMessage/,
    );
  });

  it('notifies listeners of posts, edits and deletions', async () => {
    const seen: string[] = [];
    emu.onMessagePosted((m, source) => seen.push(`posted:${m.text}:${source}`));
    emu.onMessageChanged((m, prev) => seen.push(`changed:${prev.text}->${m.text}`));
    emu.onMessageDeleted((prev) => seen.push(`deleted:${prev.text}`));
    const p: any = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'a' });
    await client.chat.update({ channel: 'C0SUPPORT', ts: p.ts, text: 'b' });
    await client.chat.delete({ channel: 'C0SUPPORT', ts: p.ts });
    emu.postAsUser(SLACK_IDS.grace, 'C0SUPPORT', 'human');
    expect(seen).toEqual(['posted:a:api', 'changed:a->b', 'deleted:b', 'posted:human:user']);
  });

  it('closes cleanly even with a delayed request in flight', async () => {
    const e = await start();
    e.failNext('auth.test', { delayMs: 10_000 });
    const pending = clientFor(e).auth.test().catch((err) => err);
    await e.waitFor(() => e.counters['auth.test']?.calls === 1, 1000, 'the call to arrive');
    await e.close();
    expect(((await pending) as any).code).toBe(ErrorCode.RequestError);
  });
});
