import { afterEach, describe, expect, it } from 'vitest';
import { validateBlocks } from '../src/slack/blocks/validate-blocks';
import { ACTION, BLOCK, INPUT, VIEW, rowActionId } from '../src/slack/ids';
import { movableClock } from './support/movable-clock';
import { SLACK_IDS, type SlackView } from './support/slack-emulator';
import { startSlackStack, type SlackStack } from './support/slack-stack';
import { startWebhookReceiver } from './support/webhook-receiver';

/**
 * Outgoing webhooks managed in Slack (issue 21): `/handoff webhooks` for admins only, Add with the
 * secret shown once, Test through the queue, Remove after a confirm, every change audited; an
 * endpoint disabled after a day of failures is told to its creator by DM.
 */

const { ada, grace } = SLACK_IDS;
let s: SlackStack;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await s?.close();
  for (const c of cleanups.splice(0)) await c();
});

const FAST = { pollMs: 50, backoffBaseMs: 50, maxBackoffMs: 200 };
const text = (view: SlackView | undefined) => JSON.stringify(view?.blocks ?? []);
const audit = () => s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').select(['actor', 'action', 'target']).orderBy('id'));

function topModal(user: string, callbackId: string, also: (v: SlackView) => boolean = () => true): Promise<SlackView> {
  return s.emulator.waitFor(() => {
    const v = s.emulator.openModal(user);
    return v && v.callback_id === callbackId && also(v) ? v : undefined;
  });
}

async function receiver() {
  const r = await startWebhookReceiver();
  cleanups.push(() => r.close());
  return r;
}

/** Opens the list; `notBefore`: a modal already open, not to be taken for the new one. */
async function openList(notBefore?: SlackView): Promise<SlackView> {
  expect((await s.driver.slashCommand(ada, 'webhooks')).status).toBe(200);
  const list = await topModal(ada, VIEW.webhooks, (v) => v.id !== notBefore?.id);
  expect(validateBlocks(list.blocks, 'modal')).toEqual([]);
  return list;
}

async function submitAdd(list: SlackView, url: string, events: string[]) {
  await s.driver.blockAction(ada, { actionId: ACTION.webhookAdd, view: list.id });
  const form = await topModal(ada, VIEW.webhookAdd);
  expect(validateBlocks(form.blocks, 'modal')).toEqual([]);
  return s.driver.viewSubmission(ada, form.id, { [BLOCK.webhookUrl]: { [INPUT.webhookUrl]: url }, [BLOCK.webhookEvents]: { [INPUT.webhookEvents]: events } });
}

describe('/handoff webhooks', () => {
  it('lets an admin add an endpoint (secret shown once), test it and remove it, all audited; a non-admin is refused', async () => {
    const r = await receiver();
    s = await startSlackStack({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { available: [ada, grace], app: { webhooks: FAST } });
    const refused = await s.driver.slashCommand(grace, 'webhooks');
    expect(refused.body.text).toMatch(/only admins can manage webhooks/i);
    expect(s.emulator.openModal(grace)).toBeUndefined();

    const list = await openList();
    expect(text(list)).toMatch(/No endpoints yet/);
    const res = await submitAdd(list, r.url, ['message.created', 'conversation.escalated']);
    expect(res.body.response_action).toBe('update');
    const shown = res.body.view as SlackView;
    expect(validateBlocks(shown.blocks, 'modal')).toEqual([]);
    const secret = /whsec_[0-9a-f]{64}/.exec(JSON.stringify(shown.blocks.find((b) => b.block_id === BLOCK.webhookSecret)))?.[0];
    expect(secret).toBeDefined();
    const endpoint = s.t.app.webhooks.list()[0]!;
    expect(endpoint).toMatchObject({ url: r.url, events: ['message.created', 'conversation.escalated'], enabled: true, createdBy: ada });

    // The list shows it, never the secret; opened again, the secret is not shown either.
    const refreshed = await s.emulator.waitFor(() => {
      const v = s.emulator.view(list.id)?.view;
      return v && text(v).includes('127.0.0.1') ? v : undefined;
    });
    expect(text(refreshed)).not.toContain(secret);
    expect((await s.driver.slashCommand(ada, 'webhooks')).status).toBe(200);
    const reopened = await topModal(ada, VIEW.webhooks, (v) => v.id !== list.id);
    expect(text(reopened)).not.toContain(secret!.slice(6));

    // A forged click by a non-admin changes nothing.
    await s.driver.blockAction(grace, { actionId: rowActionId(ACTION.webhookRemove, endpoint.id), view: reopened.id, value: endpoint.id });
    await s.emulator.waitFor(() => /only admins can manage webhooks/i.test(text(s.emulator.view(reopened.id)?.view)) || undefined);
    expect(s.t.app.webhooks.list()).toHaveLength(1);

    // Test: a ping through the queue, signed with the secret shown; the modal says it arrived.
    const list2 = await openList(reopened);
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.webhookTest, endpoint.id), view: list2.id, value: endpoint.id });
    await r.waitFor(() => r.delivered().some((h) => h.json.type === 'ping'), 'the ping');
    await s.emulator.waitFor(() => /Test ping delivered/.test(text(s.emulator.view(list2.id)?.view)) || undefined);

    // Remove (behind Slack's confirm).
    expect(text(list2)).toContain('"confirm"');
    await s.driver.blockAction(ada, { actionId: rowActionId(ACTION.webhookRemove, endpoint.id), view: list2.id, value: endpoint.id });
    await s.emulator.waitFor(() => /Removed \*/.test(text(s.emulator.view(list2.id)?.view)) || undefined);
    expect(s.t.app.webhooks.list()).toEqual([]);
    expect(audit()).toEqual([
      { actor: ada, action: 'webhook.add', target: endpoint.id },
      { actor: ada, action: 'webhook.test', target: endpoint.id },
      { actor: ada, action: 'webhook.remove', target: endpoint.id },
    ]);
    // The secret is stored (it signs every delivery) but never written to the audit or to Slack.
    expect(JSON.stringify(s.t.app.db.all(s.t.app.db.q.selectFrom('admin_audit').selectAll()))).not.toContain(secret!.slice(6));
    expect(JSON.stringify(s.t.app.db.all(s.t.app.db.q.selectFrom('slack_outbox').selectAll()))).not.toContain(secret!.slice(6));
  });

  it('says under the field why a URL is refused, and stores nothing', async () => {
    s = await startSlackStack({}, { available: [ada], app: { webhooks: FAST } });
    const list = await openList();
    const res = await submitAdd(list, 'https://169.254.169.254/latest/meta-data', ['message.created']);
    expect(res.body.response_action).toBe('errors');
    expect(res.body.errors[BLOCK.webhookUrl]).toMatch(/169\.254\.169\.254/);
    const none = await submitAdd(list, 'https://hooks.example.com/x', []);
    expect(none.body.response_action).toBe('errors');
    expect(none.body.errors[BLOCK.webhookEvents]).toMatch(/at least one event/);
    expect(s.t.app.webhooks.list()).toEqual([]);
    expect(audit()).toEqual([]);
  });

  it('tells the admin who added it by DM when an endpoint is disabled after 24 hours of failures', async () => {
    const clock = movableClock('2026-12-01T10:00:00.000Z');
    const r = await startWebhookReceiver(() => 500);
    cleanups.push(() => r.close());
    s = await startSlackStack({ WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }, { available: [ada], app: { webhooks: FAST, clock } });
    const { endpoint } = await s.t.app.webhooks.add({ url: r.url, events: ['message.created'], by: ada });
    const c = s.t.app.core.openSession({});
    await s.t.app.core.customerMessage(c.conversation.id, 'c1', 'hello?');
    // The failure recorded (not only answered): a clock moved before it would date the failing from then.
    await r.waitFor(() => s.t.app.webhooks.list()[0]?.failingSince != null, 'a failed attempt recorded');
    clock.advance(24 * 3_600_000 + 1_000);
    const dm = await s.emulator.waitFor(() =>
      s.emulator.callsTo('chat.postMessage').find((call) => call.args.channel === ada && /webhook endpoint .* was disabled/.test(String(call.args.text))),
    );
    expect(String(dm.args.text)).toContain(r.url);
    expect(s.t.app.webhooks.list()[0]).toMatchObject({ id: endpoint.id, enabled: false });
  });
});
