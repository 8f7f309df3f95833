/* eslint-disable @typescript-eslint/no-explicit-any */
/** The driver against a recording endpoint: signing, envelopes, and payloads in Slack's sample shapes. */
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackDriver, type SignatureMode, type SlackDriver } from './slack-driver';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator } from './slack-emulator';
import { expectKeysWithin, haveSamples, sample } from './slack-samples';
import { verifySlackSignature } from './slack-signing';


const SECRET = 'test-signing-secret-0123456789';

/** The app's side of the Web API, to post cards and open views the driver then acts on. */
const botClient = (e: SlackEmulator): WebClient => new WebClient(DEFAULT_BOT_TOKEN, { slackApiUrl: e.apiUrl, logLevel: LogLevel.ERROR });

interface Recorded {
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A stand-in "app" that records raw requests and answers 200 (or what `answer` says). */
async function startRecorder(answer: (r: Recorded) => { status?: number; body?: string; type?: string } = () => ({})) {
  const requests: Recorded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = { headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(r);
      const a = answer(r);
      res.writeHead(a.status ?? 200, { 'content-type': a.type ?? 'application/json' });
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/slack/events`,
    requests,
    last: () => requests.at(-1)!,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

function verify(r: Recorded) {
  return verifySlackSignature(SECRET, { timestamp: r.headers['x-slack-request-timestamp'] as string, signature: r.headers['x-slack-signature'] as string }, r.body);
}
function payloadOf(r: Recorded): any {
  return JSON.parse(new URLSearchParams(r.body).get('payload')!);
}

describe('slack-driver against a recording endpoint', () => {
  let emu: SlackEmulator;
  let rec: Awaited<ReturnType<typeof startRecorder>>;
  let driver: SlackDriver;
  let answer: { status?: number; body?: string; type?: string } = {};

  beforeEach(async () => {
    emu = await startSlackEmulator();
    answer = {};
    rec = await startRecorder(() => answer);
    driver = createSlackDriver({ appUrl: rec.url, signingSecret: SECRET, emulator: emu });
  });
  afterEach(async () => {
    await rec.close();
    await emu.close();
  });

  it('signs every request the way Slack does (checked independently)', async () => {
    await driver.event({ type: 'app_mention', user: SLACK_IDS.ada, text: 'hi', channel: 'C0SUPPORT', ts: emu.nextTs() });
    await driver.slashCommand(SLACK_IDS.ada, 'status');
    const card = emu.postAsUser(SLACK_IDS.ada, 'C0SUPPORT', 'x');
    await driver.messageShortcut(SLACK_IDS.ada, 'summarize', card);
    for (const r of rec.requests) {
      expect(verify(r)).toEqual({ ok: true });
      const ts = r.headers['x-slack-request-timestamp'] as string;
      const manual = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${r.body}`).digest('hex')}`;
      expect(r.headers['x-slack-signature']).toBe(manual);
      expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(5);
    }
    expect(rec.requests.map((r) => r.headers['content-type'])).toEqual([
      'application/json',
      'application/x-www-form-urlencoded',
      'application/x-www-form-urlencoded',
    ]);
  });

  it('can send broken signatures for security tests', async () => {
    const cases: Array<[SignatureMode, string]> = [
      ['missing', 'missing_signature'],
      ['missing_timestamp', 'missing_timestamp'],
      ['wrong_secret', 'mismatch'],
      ['malformed', 'malformed_signature'],
      ['stale', 'stale'],
      ['future', 'future'],
      ['tampered', 'mismatch'],
    ];
    for (const [mode, reason] of cases) {
      await driver.event({ type: 'app_mention', text: 'x', channel: 'C0SUPPORT' }, { signature: mode });
      expect(verify(rec.last()), mode).toEqual({ ok: false, reason });
    }
    await driver.raw('{"type":"event_callback"}', { alterBody: (b) => b.replace('event_callback', 'url_verification') });
    expect(verify(rec.last())).toEqual({ ok: false, reason: 'mismatch' });
    await driver.raw({ hello: 'world' });
    expect(verify(rec.last())).toEqual({ ok: true });
    expect(JSON.parse(rec.last().body)).toEqual({ hello: 'world' });
  });

  it('wraps events in the Events API envelope, with retry headers on demand', async () => {
    const first = await driver.event({ type: 'app_mention', user: SLACK_IDS.ada, text: 'hi', channel: 'C0SUPPORT' });
    const env = JSON.parse(rec.last().body);
    expect(env).toMatchObject({
      type: 'event_callback',
      team_id: SLACK_IDS.team,
      api_app_id: SLACK_IDS.appId,
      event_id: first.eventId,
      event: { type: 'app_mention', event_ts: expect.stringMatching(/^\d{10}\.\d{6}$/) },
      authorizations: [{ team_id: SLACK_IDS.team, user_id: SLACK_IDS.botUser, is_bot: true }],
    });
    expect(typeof env.event_time).toBe('number');
    if (haveSamples) {
      const s = sample('events/MessagePayload.json');
      expectKeysWithin(env, { ...s, context_team_id: '', context_enterprise_id: '' }, 'event envelope');
    }
    expect(rec.last().headers['x-slack-retry-num']).toBeUndefined();
    await driver.event(env.event, { eventId: first.eventId, retryNum: 1 });
    expect(JSON.parse(rec.last().body).event_id).toBe(first.eventId);
    expect(rec.last().headers).toMatchObject({ 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    const second = await driver.event({ type: 'app_mention', text: 'again', channel: 'C0SUPPORT' });
    expect(second.eventId).not.toBe(first.eventId);
  });

  it('delivers thread replies that exist in the emulator, like MessagePayload.json', async () => {
    const bot = await botClient(emu).chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    const reply = await driver.userReply(SLACK_IDS.grace, 'C0SUPPORT', bot.ts!, 'I can help');
    expect(emu.thread('C0SUPPORT', bot.ts!).map((m) => m.text)).toEqual(['card', 'I can help']);
    const ev = JSON.parse(rec.last().body).event;
    expect(ev).toMatchObject({
      type: 'message',
      user: SLACK_IDS.grace,
      text: 'I can help',
      ts: reply.ts,
      thread_ts: bot.ts,
      parent_user_id: SLACK_IDS.botUser,
      channel: 'C0SUPPORT',
      channel_type: 'channel',
      event_ts: reply.ts,
      client_msg_id: expect.any(String),
    });
    expect(ev.bot_id).toBeUndefined();
    if (haveSamples) expectKeysWithin(ev, sample('events/MessagePayload.json').event, 'message event');
    await expect(driver.message(SLACK_IDS.ada, SLACK_IDS.general, 'bot is not here')).rejects.toThrow(/would not deliver/);
    expect(emu.messages(SLACK_IDS.general)).toEqual([]);
  });

  it('delivers message_changed and message_deleted in the sample shapes', async () => {
    const { ts } = await driver.message(SLACK_IDS.ada, 'C0SUPPORT', 'tpyo');
    await driver.messageChanged('C0SUPPORT', ts, 'typo');
    const changed = JSON.parse(rec.last().body).event;
    expect(changed).toMatchObject({ subtype: 'message_changed', channel: 'C0SUPPORT', message: { ts, text: 'typo', edited: { user: SLACK_IDS.ada } }, previous_message: { ts, text: 'tpyo' } });
    expect(emu.message('C0SUPPORT', ts)!.text).toBe('typo');
    await driver.messageDeleted('C0SUPPORT', ts);
    const deleted = JSON.parse(rec.last().body).event;
    expect(deleted).toMatchObject({ subtype: 'message_deleted', deleted_ts: ts, previous_message: { text: 'typo' }, hidden: true });
    expect(emu.message('C0SUPPORT', ts)).toBeUndefined();
    if (haveSamples) {
      const c = sample('events/MessageChangedPayload.json').event;
      expectKeysWithin(changed, c, 'message_changed');
      expectKeysWithin(changed.message, c.message, 'message_changed.message');
      expectKeysWithin(deleted, sample('events/MessageDeletedPayload.json').event, 'message_deleted');
    }
  });

  it('sends slash commands as forms with a live trigger_id and response_url, and applies the ack body', async () => {
    answer = { body: JSON.stringify({ text: 'You are *busy*' }) };
    const res = await driver.slashCommand(SLACK_IDS.ada, 'busy');
    const form = Object.fromEntries(new URLSearchParams(rec.last().body));
    expect(form).toMatchObject({ command: '/handoff', text: 'busy', user_id: SLACK_IDS.ada, user_name: 'ada', channel_id: 'C0SUPPORT', team_id: SLACK_IDS.team });
    if (haveSamples) expectKeysWithin(form, sample('app-backend/SlashCommandPayload.json'), 'slash command');
    expect(emu.ephemerals(SLACK_IDS.ada)).toEqual([expect.objectContaining({ text: 'You are *busy*', via: 'ack' })]);
    // The trigger_id works once with views.open; the response_url reaches the emulator.
    const client = botClient(emu);
    await client.views.open({ trigger_id: form.trigger_id!, view: { type: 'modal', title: { type: 'plain_text', text: 'Status' }, blocks: [] } });
    expect(emu.openModal(SLACK_IDS.ada)?.title.text).toBe('Status');
    const r = await fetch(res.responseUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'later' }) });
    expect(r.status).toBe(200);
    expect(emu.ephemerals(SLACK_IDS.ada).map((e) => e.text)).toEqual(['You are *busy*', 'later']);
  });

  it('sends block_actions built from the message holding the button', async () => {
    const client = botClient(emu);
    const card = await client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'Handoff',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Customer wants a refund' } },
        { type: 'actions', block_id: 'handoff_actions', elements: [{ type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: 'c_123', style: 'primary' }] },
      ],
    });
    const res = await driver.blockAction(SLACK_IDS.grace, { actionId: 'claim' });
    const p = payloadOf(rec.last());
    expect(p).toMatchObject({
      type: 'block_actions',
      user: { id: SLACK_IDS.grace, username: 'grace' },
      container: { type: 'message', message_ts: card.ts, channel_id: 'C0SUPPORT', is_ephemeral: false },
      channel: { id: 'C0SUPPORT', name: 'support' },
      message: { ts: card.ts, bot_id: SLACK_IDS.botId, text: 'Handoff' },
      actions: [{ action_id: 'claim', block_id: 'handoff_actions', value: 'c_123', type: 'button', text: { text: 'Claim' } }],
      trigger_id: res.triggerId,
      response_url: res.responseUrl,
    });
    if (haveSamples) {
      const s = sample('app-backend/BlockActionPayload.json');
      expectKeysWithin(p, s, 'block_actions');
      expectKeysWithin(p.actions[0], s.actions[0], 'block_actions action');
      expectKeysWithin(p.container, s.container, 'block_actions container');
    }
    await expect(driver.blockAction(SLACK_IDS.grace, { actionId: 'nope' })).rejects.toThrow(/no message with action_id "nope"/);
  });

  it('sends view_submission with typed state values and applies the response_action', async () => {
    const client = botClient(emu);
    const opened = await client.views.open({
      trigger_id: emu.issueTriggerId(SLACK_IDS.ada),
      view: {
        type: 'modal',
        callback_id: 'settings',
        private_metadata: '{"v":1}',
        title: { type: 'plain_text', text: 'Settings' },
        submit: { type: 'plain_text', text: 'Save' },
        blocks: [
          { type: 'input', block_id: 'routing', label: { type: 'plain_text', text: 'Routing' }, element: { type: 'static_select', action_id: 'method', options: [{ text: { type: 'plain_text', text: 'Round robin' }, value: 'round_robin' }, { text: { type: 'plain_text', text: 'Least busy' }, value: 'least_busy' }] } },
          { type: 'input', block_id: 'greeting', label: { type: 'plain_text', text: 'Greeting' }, element: { type: 'plain_text_input', action_id: 'text', initial_value: 'Hi!' } },
          { type: 'input', block_id: 'admins', optional: true, label: { type: 'plain_text', text: 'Admins' }, element: { type: 'multi_users_select', action_id: 'users' } },
        ],
      },
    });
    const viewId = opened.view!.id!;
    answer = { body: JSON.stringify({ response_action: 'errors', errors: { greeting: 'Too short' } }) };
    await driver.viewSubmission(SLACK_IDS.ada, viewId, { routing: { method: 'least_busy' }, greeting: { text: 'Yo' } });
    const p = payloadOf(rec.last());
    expect(p.view.state.values).toEqual({
      routing: { method: { type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Least busy' }, value: 'least_busy' } } },
      greeting: { text: { type: 'plain_text_input', value: 'Yo' } },
      admins: { users: { type: 'multi_users_select', selected_users: [] } },
    });
    expect(p).toMatchObject({ type: 'view_submission', user: { id: SLACK_IDS.ada }, view: { id: viewId, callback_id: 'settings', private_metadata: '{"v":1}' } });
    if (haveSamples) {
      const s = sample('app-backend/ViewSubmissionPayload.json');
      expectKeysWithin(p, { ...s, response_urls: [] }, 'view_submission');
    }
    expect(emu.view(viewId)).toMatchObject({ open: true, errors: { greeting: 'Too short' } });
    answer = { body: '' };
    await driver.viewSubmission(SLACK_IDS.ada, viewId, { routing: { method: 'round_robin' } });
    expect(emu.view(viewId)!.open).toBe(false);
    await expect(driver.viewSubmission(SLACK_IDS.ada, viewId)).rejects.toThrow(/not an open modal/);
  });

  it('sends view_closed, message shortcuts, app_home_opened and url_verification in the sample shapes', async () => {
    const client = botClient(emu);
    const opened = await client.views.open({ trigger_id: emu.issueTriggerId(SLACK_IDS.ada), view: { type: 'modal', notify_on_close: true, title: { type: 'plain_text', text: 'X' }, blocks: [] } });
    await driver.viewClosed(SLACK_IDS.ada, opened.view!.id!);
    const closed = payloadOf(rec.last());
    expect(closed).toMatchObject({ type: 'view_closed', is_cleared: false, view: { id: opened.view!.id } });
    expectKeysWithin(closed, sample('app-backend/ViewClosedPayload.json'), 'view_closed');
    expect(emu.openModal(SLACK_IDS.ada)).toBeUndefined();

    const msg = emu.postAsUser(SLACK_IDS.linus, 'C0SUPPORT', 'please summarize');
    await driver.messageShortcut(SLACK_IDS.ada, 'summarize', msg);
    const shortcut = payloadOf(rec.last());
    expect(shortcut).toMatchObject({ type: 'message_action', callback_id: 'summarize', message_ts: msg.ts, channel: { id: 'C0SUPPORT' }, message: { text: 'please summarize' } });
    expectKeysWithin(shortcut, sample('app-backend/MessageShortcutPayload.json'), 'message_action');

    await client.views.publish({ user_id: SLACK_IDS.ada, view: { type: 'home', blocks: [] } });
    await driver.appHomeOpened(SLACK_IDS.ada);
    const home = JSON.parse(rec.last().body).event;
    expect(home).toMatchObject({ type: 'app_home_opened', user: SLACK_IDS.ada, tab: 'home', channel: expect.stringMatching(/^D/), view: { type: 'home' } });
    expectKeysWithin(home, sample('events/AppHomeOpenedPayload.json').event, 'app_home_opened');

    answer = { body: 'abc123', type: 'text/plain' };
    const res = await driver.urlVerification('abc123');
    expect(JSON.parse(rec.last().body)).toEqual({ token: expect.any(String), challenge: 'abc123', type: 'url_verification' });
    expect(verify(rec.last())).toEqual({ ok: true });
    expect(res).toMatchObject({ status: 200, body: 'abc123' });
  });

  it('echoes the bot’s own posts back as message events with bot_id', async () => {
    const stop = driver.echoBotMessages();
    const client = botClient(emu);
    const posted = await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'from the bot' });
    await client.chat.update({ channel: 'C0SUPPORT', ts: posted.ts!, text: 'edited by the bot' });
    await driver.idle();
    stop();
    const events = rec.requests.map((r) => JSON.parse(r.body).event);
    expect(events).toEqual([
      expect.objectContaining({ type: 'message', bot_id: SLACK_IDS.botId, user: SLACK_IDS.botUser, text: 'from the bot', ts: posted.ts }),
      expect.objectContaining({ type: 'message', subtype: 'message_changed', message: expect.objectContaining({ bot_id: SLACK_IDS.botId, text: 'edited by the bot' }) }),
    ]);
    await client.chat.postMessage({ channel: 'C0SUPPORT', text: 'after stop' });
    await driver.idle();
    expect(rec.requests).toHaveLength(2);
  });
});
