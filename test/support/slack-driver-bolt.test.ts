/* eslint-disable @typescript-eslint/no-explicit-any */
/** The driver and the emulator against a real Bolt app: commands, clicks, ephemerals, modals, messages, Home. */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackDriver, type SlackDriver } from './slack-driver';
import { DEFAULT_BOT_TOKEN, SLACK_IDS, startSlackEmulator, type SlackEmulator } from './slack-emulator';

const SECRET = 'test-signing-secret-0123456789';

describe('slack-driver + emulator against a real Bolt app', () => {
  let emu: SlackEmulator;
  let app: App;
  let driver: SlackDriver;
  const seen: any[] = [];

  beforeEach(async () => {
    seen.length = 0;
    emu = await startSlackEmulator();
    app = new App({ token: DEFAULT_BOT_TOKEN, signingSecret: SECRET, clientOptions: { slackApiUrl: emu.apiUrl, retryConfig: { retries: 0 } }, logLevel: LogLevel.ERROR });
    app.command('/handoff', async ({ ack, command, respond }) => {
      seen.push({ command: command.text });
      if (command.text === 'rules') {
        await ack();
        await app.client.views.open({
          trigger_id: command.trigger_id,
          view: {
            type: 'modal',
            callback_id: 'rules',
            title: { type: 'plain_text', text: 'Rules' },
            submit: { type: 'plain_text', text: 'Save' },
            blocks: [{ type: 'input', block_id: 'kw', label: { type: 'plain_text', text: 'Keywords' }, element: { type: 'plain_text_input', action_id: 'value' } }],
          },
        });
        return;
      }
      await ack(`status: ${command.text}`);
      await respond({ text: 'responded later' });
    });
    app.action('claim', async ({ ack, body, client }) => {
      await ack();
      const b = body as any;
      await client.chat.update({ channel: b.channel.id, ts: b.message.ts, text: `claimed by <@${b.user.id}>`, blocks: [] });
    });
    app.action('eph_replace', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'replaced' });
    });
    app.action('eph_dismiss', async ({ ack, respond }) => {
      await ack();
      await respond({ delete_original: true });
    });
    app.view('rules', async ({ ack, view }) => {
      const v = view.state.values.kw?.value?.value;
      if (!v) await ack({ response_action: 'errors', errors: { kw: 'Required' } });
      else await ack();
    });
    app.message(async ({ message }) => {
      seen.push(message);
    });
    app.event('app_home_opened', async ({ event, client }) => {
      await client.views.publish({ user_id: event.user, view: { type: 'home', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Hi <@${event.user}>` } }] } });
    });
    const server = (await app.start({ port: 0, host: '127.0.0.1' })) as http.Server;
    const { port } = server.address() as AddressInfo;
    driver = createSlackDriver({ appUrl: `http://127.0.0.1:${port}/slack/events`, signingSecret: SECRET, emulator: emu });
  });

  afterEach(async () => {
    await app.stop();
    await emu.close();
  });

  it('runs a slash command: ack body and respond() both reach the user', async () => {
    const res = await driver.slashCommand(SLACK_IDS.ada, 'busy');
    expect(res.status).toBe(200);
    await emu.waitForEphemeral(SLACK_IDS.ada, (e) => e.text === 'responded later');
    expect(emu.ephemerals(SLACK_IDS.ada).map((e) => [e.text, e.via])).toEqual([
      ['status: busy', 'ack'],
      ['responded later', 'response_url'],
    ]);
  });

  it('rejects forged, stale and tampered requests with 401 and runs nothing', async () => {
    for (const signature of ['missing', 'wrong_secret', 'stale', 'tampered'] as const) {
      const res = await driver.slashCommand(SLACK_IDS.ada, 'busy', { signature });
      expect(res.status, signature).toBe(401);
    }
    expect(seen).toEqual([]);
    expect(emu.ephemerals()).toEqual([]);
  });

  it('clicks a button on a bot card and sees the card updated', async () => {
    const card = await app.client.chat.postMessage({
      channel: 'C0SUPPORT',
      text: 'New handoff',
      blocks: [{ type: 'actions', elements: [{ type: 'button', action_id: 'claim', text: { type: 'plain_text', text: 'Claim' }, value: 'c1' }] }],
    });
    const res = await driver.blockAction(SLACK_IDS.grace, { actionId: 'claim' });
    expect(res.status).toBe(200);
    await emu.waitFor(() => emu.message('C0SUPPORT', card.ts!)?.text === `claimed by <@${SLACK_IDS.grace}>`, 3000, 'the card update');
    expect(emu.message('C0SUPPORT', card.ts!)!.blocks).toBeUndefined();
  });

  it('clicks buttons on an ephemeral message: respond() replaces or deletes it, for its user only', async () => {
    const buttons = [
      { type: 'actions', block_id: 'eph', elements: ['eph_replace', 'eph_dismiss'].map((id) => ({ type: 'button', action_id: id, text: { type: 'plain_text', text: id }, value: id })) },
    ];
    await app.client.chat.postEphemeral({ channel: 'C0SUPPORT', user: SLACK_IDS.ada, text: 'first', blocks: buttons as any });
    await app.client.chat.postEphemeral({ channel: 'C0SUPPORT', user: SLACK_IDS.ada, text: 'second', blocks: buttons as any });
    const [first, second] = emu.ephemerals(SLACK_IDS.ada);
    await expect(driver.blockAction(SLACK_IDS.grace, { actionId: 'eph_replace', ephemeral: first! })).rejects.toThrow(/shown to U0ADA/);
    const res = await driver.blockAction(SLACK_IDS.ada, { actionId: 'eph_replace', ephemeral: first! });
    expect(res.payload.container).toMatchObject({ type: 'message', message_ts: first!.ts, is_ephemeral: true });
    expect(res.payload.message).toBeUndefined();
    await emu.waitFor(() => emu.ephemerals(SLACK_IDS.ada)[0]?.text === 'replaced', 3000, 'the replaced ephemeral');
    await driver.blockAction(SLACK_IDS.ada, { actionId: 'eph_dismiss', ephemeral: second! });
    await emu.waitFor(() => emu.ephemerals(SLACK_IDS.ada).length === 1, 3000, 'the deleted ephemeral');
    expect(emu.ephemerals(SLACK_IDS.ada).map((e) => e.text)).toEqual(['replaced']);
  });

  it('opens a modal from a command and submits it (errors first, then closes)', async () => {
    await driver.slashCommand(SLACK_IDS.ada, 'rules');
    const modal = await emu.waitFor(() => emu.openModal(SLACK_IDS.ada), 3000, 'the rules modal');
    const bad = await driver.viewSubmission(SLACK_IDS.ada, modal, {});
    expect(bad.body).toEqual({ response_action: 'errors', errors: { kw: 'Required' } });
    expect(emu.view(modal.id)).toMatchObject({ open: true, errors: { kw: 'Required' } });
    await driver.viewSubmission(SLACK_IDS.ada, modal, { kw: { value: 'refund, legal' } });
    expect(emu.openModal(SLACK_IDS.ada)).toBeUndefined();
  });

  it('delivers user messages; the bot’s echoed posts are ignored by Bolt (ignoreSelf)', async () => {
    driver.echoBotMessages();
    const card = await app.client.chat.postMessage({ channel: 'C0SUPPORT', text: 'card' });
    await driver.idle();
    const reply = await driver.userReply(SLACK_IDS.ada, 'C0SUPPORT', card.ts!, 'hello customer');
    expect(reply.response.status).toBe(200);
    await emu.waitFor(() => seen.length === 1, 3000, 'the message handler');
    expect(seen[0]).toMatchObject({ user: SLACK_IDS.ada, text: 'hello customer', thread_ts: card.ts, ts: reply.ts });
  });

  it('publishes the Home tab on app_home_opened', async () => {
    await driver.appHomeOpened(SLACK_IDS.linus);
    const home = await emu.waitFor(() => emu.homeTab(SLACK_IDS.linus), 3000, 'the home tab');
    expect(home.blocks[0]?.text.text).toBe(`Hi <@${SLACK_IDS.linus}>`);
  });
});
