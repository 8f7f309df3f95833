/* eslint-disable @typescript-eslint/no-explicit-any */
/**
 * The app in Socket Mode (SLACK_APP_TOKEN, no signing secret) against the Slack emulator: it connects through
 * apps.connections.open + the websocket, serves no /slack/events, and runs the whole handoff loop on envelopes.
 * The first block checks the emulator's Socket Mode itself with a bare websocket client.
 */
import { rows } from './support/test-engine';
import { sql } from 'kysely';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel, WebClient } from '@slack/web-api';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ACTION } from '../src/slack/ids';
import { HANDOFF_USAGE } from '../src/slack/listeners/commands/handoff-command';
import { removeDir, startTestApp, type TestApp } from './support/app-harness';
import { createSlackDriver, type SlackDriver } from './support/slack-driver';
import {
  DEFAULT_APP_TOKEN,
  DEFAULT_BOT_TOKEN,
  SLACK_IDS,
  startSlackEmulator,
  type SlackEmulator,
  type SlackEmulatorOptions,
} from './support/slack-emulator';
import { slackError } from './support/emulator-test-kit';
import { FAST_OUTBOX } from './support/slack-stack';
import { WidgetClient } from './support/widget-client';

const APP_TOKEN = 'xapp-1-A0HANDOFF-1-test';
const C = SLACK_IDS.support;


function webClient(emu: SlackEmulator, token: string): WebClient {
  return new WebClient(token, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
}

/** A bare websocket client on a URL from apps.connections.open, keeping every text message. */
async function rawConnect(emu: SlackEmulator): Promise<{ ws: WebSocket; messages: any[]; next: (type?: string) => Promise<any> }> {
  const { url } = (await webClient(emu, DEFAULT_APP_TOKEN).apps.connections.open({})) as { url: string };
  const ws = new WebSocket(url);
  const messages: any[] = [];
  let wake: (() => void) | null = null;
  ws.on('message', (d) => {
    messages.push(JSON.parse(String(d)));
    wake?.();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  let cursor = 0;
  const next = async (type?: string): Promise<any> => {
    const deadline = Date.now() + 3000;
    for (;;) {
      while (cursor < messages.length) {
        const m = messages[cursor++];
        if (!type || m.type === type) return m;
      }
      if (Date.now() > deadline) throw new Error(`no ${type ?? 'message'} on the raw socket`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
  };
  return { ws, messages, next };
}

describe('Slack emulator: Socket Mode', () => {
  const started: SlackEmulator[] = [];
  const sockets: WebSocket[] = [];
  async function emulator(opts: SlackEmulatorOptions = {}): Promise<SlackEmulator> {
    const e = await startSlackEmulator(opts);
    started.push(e);
    return e;
  }
  afterEach(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await Promise.all(started.splice(0).map((e) => e.close()));
  });

  it('opens connections only with the app-level token, as Slack does', async () => {
    const emu = await emulator();
    expect(DEFAULT_APP_TOKEN).toBe(APP_TOKEN);
    const ok = (await webClient(emu, APP_TOKEN).apps.connections.open({})) as any;
    expect(ok.ok).toBe(true);
    expect(ok.url).toMatch(new RegExp(`^ws://127\\.0\\.0\\.1:${emu.port}/socket-mode\\?ticket=[0-9a-f-]+&app_id=${SLACK_IDS.appId}$`));
    expect(emu.lastCall('apps.connections.open')!.token).toBe(APP_TOKEN);

    expect((await slackError(webClient(emu, DEFAULT_BOT_TOKEN).apps.connections.open({}))).error).toBe('not_allowed_token_type');
    expect((await slackError(webClient(emu, 'xapp-1-A0OTHER-1-nope').apps.connections.open({}))).error).toBe('invalid_auth');
    expect((await slackError(new WebClient(undefined, { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR }).apps.connections.open({}))).error).toBe('not_authed');
    // The app-level token is no bot token.
    expect((await slackError(webClient(emu, APP_TOKEN).chat.postMessage({ channel: C, text: 'hi' }))).error).toBe('not_allowed_token_type');
    emu.revokeAppToken();
    expect((await slackError(webClient(emu, APP_TOKEN).apps.connections.open({}))).error).toBe('token_revoked');
  });

  it('says hello, delivers envelopes, resolves with the ack, and refuses a used ticket', async () => {
    const emu = await emulator({ socketMode: { pingIntervalMs: 30 } });
    expect(emu.socketModeConnected()).toBe(false);
    await expect(emu.sendSocketEnvelope('events_api', {})).rejects.toThrow(/no open Socket Mode connection/);
    const c = await rawConnect(emu);
    sockets.push(c.ws);
    const hello = await c.next('hello');
    expect(hello).toEqual({
      type: 'hello',
      num_connections: 1,
      debug_info: { host: expect.any(String), build_number: expect.any(Number), approximate_connection_time: 18060 },
      connection_info: { app_id: SLACK_IDS.appId },
    });
    const info = await emu.waitForSocketMode(1000);
    expect(emu.socketModeConnected()).toBe(true);

    const pending = emu.sendSocketEnvelope('slash_commands', { command: '/handoff', text: 'help' });
    const env = await c.next('slash_commands');
    expect(env).toEqual({ envelope_id: expect.any(String), type: 'slash_commands', payload: { command: '/handoff', text: 'help' }, accepts_response_payload: true });
    c.ws.send(JSON.stringify({ envelope_id: env.envelope_id, payload: { text: 'usage' } }));
    const d = await pending;
    expect(d.payload).toEqual({ text: 'usage' });
    expect(d.ack).toEqual({ envelope_id: env.envelope_id, payload: { text: 'usage' } });
    expect(d.connectionId).toBe(info.id);

    const ev = emu.sendSocketEnvelope('events_api', { type: 'event_callback', event_id: 'Ev1', event: { type: 'message' } }, { retryAttempt: 1 });
    const evEnv = await c.next('events_api');
    expect(evEnv).toMatchObject({ accepts_response_payload: false, retry_attempt: 1, retry_reason: 'timeout' });
    c.ws.send(JSON.stringify({ envelope_id: evEnv.envelope_id }));
    expect((await ev).payload).toEqual({});

    // No ack in time: rejected (a late ack is still recorded).
    const late = emu.sendSocketEnvelope('interactive', { type: 'block_actions', actions: [] }, { timeoutMs: 100 });
    await expect(late).rejects.toThrow(/did not ack interactive envelope/);
    const lateEnv = await c.next('interactive');
    expect(lateEnv.accepts_response_payload).toBe(false);
    c.ws.send(JSON.stringify({ envelope_id: lateEnv.envelope_id, payload: {} }));
    await emu.waitFor(() => emu.socketEnvelopes.find((r) => r.envelope.envelope_id === lateEnv.envelope_id)?.ack);
    expect(emu.socketEnvelopes.find((r) => r.envelope.envelope_id === lateEnv.envelope_id)!.timedOut).toBe(true);

    // Pings both ways.
    c.ws.ping();
    await emu.waitFor(() => emu.socketConnections()[0]!.clientPings > 0 && emu.socketConnections()[0]!.serverPings > 0 && emu.socketConnections()[0]!.pongs > 0);

    // A ticket is good once.
    const reuse = new WebSocket(c.ws.url);
    reuse.on('error', () => {});
    const status = await new Promise<number>((resolve) => reuse.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);

    expect(emu.disconnectSocketMode('warning')).toBe(1);
    expect(await c.next('disconnect')).toEqual({ type: 'disconnect', reason: 'warning', debug_info: { host: expect.any(String) } });
    c.ws.close(1000);
    await emu.waitFor(() => !emu.socketConnections()[0]!.open);
    expect(emu.socketModeConnected()).toBe(false);
    expect(emu.socketConnections()[0]).toMatchObject({ open: false, closeCode: 1000, disconnects: ['warning'] });
  });
});

describe('the app in Socket Mode', () => {
  let emu: SlackEmulator;
  let t: TestApp;
  let dir: string;
  let driver: SlackDriver;
  const clients: WidgetClient[] = [];
  let stopped = false;

  beforeEach(async () => {
    emu = await startSlackEmulator();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'handoff-socket-'));
    stopped = false;
    t = await startTestApp(
      {
        SLACK_BOT_TOKEN: DEFAULT_BOT_TOKEN,
        SLACK_APP_TOKEN: APP_TOKEN,
        SLACK_API_URL: emu.apiUrl,
        SLACK_HANDOFF_CHANNEL: C,
      },
      { dir, slackOutbox: FAST_OUTBOX },
    );
    driver = createSlackDriver({ emulator: emu, socketMode: true });
  });

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    // The app first: a client whose Slack vanished would try to reconnect. Bolt's stop() does not wait for the
    // websocket close handshake, so let it finish before the emulator goes (else the client logs a 1006 error).
    if (!stopped) await t.stop();
    await emu.waitFor(() => emu.socketConnections().every((c) => !c.open), 5000, 'Socket Mode connections to close').catch(() => undefined);
    await emu.close();
    removeDir(dir);
  });

  async function widget(): Promise<WidgetClient> {
    const c = await WidgetClient.connect(t.url);
    clients.push(c);
    return c;
  }

  it('connects over Socket Mode with the app-level token and serves no /slack/events', async () => {
    // app.start() resolves once Slack's hello arrived.
    expect(emu.socketModeConnected()).toBe(true);
    const opens = emu.callsTo('apps.connections.open');
    expect(opens).toHaveLength(1);
    expect(opens[0]).toMatchObject({ ok: true, token: APP_TOKEN });
    // Every Web API call but apps.connections.open uses the bot token.
    for (const call of emu.calls.filter((c) => c.method !== 'apps.connections.open')) expect(call.token).toBe(DEFAULT_BOT_TOKEN);
    expect(emu.socketConnections()).toHaveLength(1);

    const res = await fetch(`${t.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"type":"url_verification","challenge":"x"}' });
    expect(res.status).toBe(404);
  });

  it('runs the handoff loop on envelopes: command, escalation card, Claim, owner reply', async () => {
    // /handoff available over the socket: the ack carries the answer, shown only to the caller.
    const avail = await driver.slashCommand(SLACK_IDS.ada, 'available');
    expect(avail.status).toBe(200);
    expect(avail.socket!.envelope).toMatchObject({ type: 'slash_commands', accepts_response_payload: true });
    expect(avail.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('Status set.') });

    // A customer asks for a person: the card is posted in #support.
    const w = await widget();
    const welcome = await w.hello({ visitor: { name: 'Jane Doe', email: 'jane@example.com' } });
    w.send({ type: 'request_human' });
    expect((await w.next('state')).state).toBe('waiting');
    const card = await emu.waitForMessage(
      C,
      (m) => (!m.thread_ts || m.thread_ts === m.ts) && JSON.stringify(m.blocks ?? []).includes(welcome.conversationId),
      5000,
    );
    expect(JSON.stringify(card.blocks)).toContain('"Claim"');

    // Claim as a block_actions envelope: acked (empty), and the customer now talks to Ada.
    const claim = await driver.blockAction(SLACK_IDS.ada, { actionId: ACTION.claim, message: card, channel: C });
    expect(claim.socket!.envelope).toMatchObject({ type: 'interactive', accepts_response_payload: false, payload: { type: 'block_actions' } });
    expect(claim.socket!.ack).toEqual({ envelope_id: claim.socket!.envelope.envelope_id, payload: {} });
    const human = await w.next('state', (f) => f.state === 'human');
    expect(human.agent?.name).toBe('Ada');
    await w.next('message', (m) => m.role === 'agent'); // the introduction

    // The owner's thread reply as an events_api envelope reaches the customer as an agent message.
    const reply = await driver.userReply(SLACK_IDS.ada, C, card.ts, 'Hello Jane, *I* can help with that');
    expect(reply.response.socket!.envelope).toMatchObject({
      type: 'events_api',
      retry_attempt: 0,
      retry_reason: '',
      payload: { type: 'event_callback', event: { type: 'message', thread_ts: card.ts, user: SLACK_IDS.ada } },
    });
    expect(reply.response.socket!.ack.envelope_id).toBe(reply.response.socket!.envelope.envelope_id);
    const agentMsg = await w.next('message', (m) => m.role === 'agent' && m.text.includes('Hello Jane'));
    expect(agentMsg.text).toBe('Hello Jane, I can help with that');
    expect(agentMsg.agent?.name).toBe('Ada');

    // The same event delivered again (Slack's retry with the same event_id) has its effect once.
    const retry = await driver.deliverMessage(emu.message(C, reply.ts)!, { eventId: reply.eventId, retryNum: 1 });
    expect(retry.socket!.ack.envelope_id).toBe(retry.socket!.envelope.envelope_id);
    // Acked once stored (or known as applied); nothing of it is left to process.
    const pending = () => rows<{ n: number }>(t.app.db, sql`SELECT count(*) AS n FROM slack_inbox`)[0]!.n;
    await emu.waitFor(() => pending() === 0, 5000, 'the Slack inbox to be empty');
    expect(w.frames('message').filter((m) => m.role === 'agent' && m.text.includes('Hello Jane'))).toHaveLength(1);
  });

  it('acks /handoff help with the usage text as the response payload', async () => {
    const res = await driver.slashCommand(SLACK_IDS.grace, 'help');
    expect(res.socket!.ack.payload).toEqual({ response_type: 'ephemeral', text: HANDOFF_USAGE });
    // Slack shows that payload to the caller only.
    const shown = await emu.waitForEphemeral(SLACK_IDS.grace, (e) => e.via === 'ack');
    expect(shown.text).toBe(HANDOFF_USAGE);
    expect(emu.messages(C).filter((m) => m.text.includes('how to use'))).toHaveLength(0);
  });

  it('reconnects when Slack asks it to refresh, and keeps working', async () => {
    const first = emu.socketConnections()[0]!;
    expect(emu.disconnectSocketMode('refresh_requested')).toBe(1);
    // The client closes, waits (its clientPingTimeout, 5 s by default) and opens a new connection.
    await emu.waitFor(() => emu.socketConnections().length === 2 && emu.socketModeConnected(), 12_000, 'a second Socket Mode connection');
    expect(emu.socketConnections()[0]).toMatchObject({ id: first.id, open: false });
    expect(emu.callsTo('apps.connections.open')).toHaveLength(2);
    const res = await driver.slashCommand(SLACK_IDS.grace, 'help');
    expect(res.socket!.ack.payload.text).toBe(HANDOFF_USAGE);
  }, 20_000);

  it('stops cleanly: the socket closes and is not reopened', async () => {
    await t.stop();
    stopped = true;
    await emu.waitFor(() => !emu.socketConnections()[0]!.open, 5000, 'the Socket Mode connection to close');
    expect(emu.socketModeConnected()).toBe(false);
    expect(emu.socketConnections()[0]).toMatchObject({ open: false, closeCode: 1000 });
    await new Promise((r) => setTimeout(r, 300));
    expect(emu.callsTo('apps.connections.open')).toHaveLength(1);
    expect(emu.socketConnections()).toHaveLength(1);
  });
});
