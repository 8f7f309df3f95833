/* eslint-disable @typescript-eslint/no-explicit-any */
/** The emulator's Web API: auth and transport, chat.postMessage, Block Kit limits. */
import { describe, expect, it } from 'vitest';
import { client, emu, emulatorKit, clientFor, slackError } from './emulator-test-kit';
import { DEFAULT_BOT_TOKEN, SLACK_IDS } from './slack-emulator';
import { expectKeysWithin, haveSamples, sample } from './slack-samples';

const { rawAnswer, start } = emulatorKit();

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
