import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { section } from '../../blocks/common';
import { modal } from '../../blocks/forms';
import { webhookAddView, webhooksView } from '../../blocks/webhooks';
import { VIEW } from '../../ids';
import { escapeForSlack } from '../../text';
import { checkAdmin } from '../commands/admin-commands';
import { WEBHOOKS_NOT_ADMIN, WEBHOOKS_UNKNOWN, type WebhooksDeps } from '../commands/webhooks-command';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** How long Test waits for its ping's first attempt before the list says "still trying". */
const TEST_WAIT_MS = 12_000;

/**
 * The webhooks modal's buttons. Each checks admin again (a modal proves nothing about who clicks
 * it): a non-admin sees the refusal in place of the list and nothing changes.
 */
async function admitted(ctx: WebhooksDeps, { ack, body, client }: ButtonArgs): Promise<{ user: string; viewId: string } | null> {
  await ack();
  const viewId = body.view?.id;
  if (!viewId) return null;
  const check = await checkAdmin(ctx, body.user.id);
  if (check !== 'admin') {
    ctx.logger.warn({ user: body.user.id }, 'a non-admin used a webhooks button');
    const text = check === 'unknown' ? WEBHOOKS_UNKNOWN : WEBHOOKS_NOT_ADMIN;
    await client.views.update({ view_id: viewId, view: modal({ callbackId: VIEW.webhooks, title: 'Not allowed', close: 'Close', blocks: [section(text)] }) });
    return null;
  }
  return { user: body.user.id, viewId };
}

/** Add an endpoint: the form, pushed on the list. */
export function webhookAddButton(ctx: WebhooksDeps) {
  return async (args: ButtonArgs) => {
    const click = await admitted(ctx, args);
    if (!click) return;
    await args.client.views.push({ trigger_id: args.body.trigger_id, view: webhookAddView(click.viewId) });
  };
}

/** Test: a `ping` through the same queue as the events; the list says how its first attempt went. */
export function webhookTestButton(ctx: WebhooksDeps) {
  return async (args: ButtonArgs) => {
    const click = await admitted(ctx, args);
    if (!click) return;
    const id = args.action.value ?? '';
    const endpoint = ctx.webhooks.list().find((e) => e.id === id);
    const eventId = endpoint?.enabled ? ctx.webhooks.ping(id, click.user) : null;
    if (!endpoint || !eventId) {
      await refreshWebhooks(ctx, args.client, click.viewId, endpoint ? 'That endpoint is disabled: remove it and add it again.' : 'That endpoint no longer exists.');
      return;
    }
    await refreshWebhooks(ctx, args.client, click.viewId, `Sending a test ping to *${escapeForSlack(endpoint.url)}*…`);
    const outcome = await ctx.webhooks.outcome(id, eventId, TEST_WAIT_MS);
    const url = escapeForSlack(endpoint.url);
    const notice =
      outcome?.status === 'delivered'
        ? `✅ Test ping delivered to *${url}*.`
        : outcome?.lastError
          ? `❌ Test ping to *${url}* failed: ${escapeForSlack(outcome.lastError.slice(0, 300))}. It is retried with backoff.`
          : `⏳ The test ping to *${url}* is still queued (the endpoint may be busy with earlier events).`;
    await refreshWebhooks(ctx, args.client, click.viewId, notice);
  };
}

/** Remove (after Slack's confirm): no more events; what waited is dropped. */
export function webhookRemoveButton(ctx: WebhooksDeps) {
  return async (args: ButtonArgs) => {
    const click = await admitted(ctx, args);
    if (!click) return;
    const id = args.action.value ?? '';
    const endpoint = ctx.webhooks.list().find((e) => e.id === id);
    const removed = endpoint ? ctx.webhooks.remove(id, click.user) : false;
    await refreshWebhooks(ctx, args.client, click.viewId, removed ? `Removed *${escapeForSlack(endpoint!.url)}*.` : 'That endpoint no longer exists.');
  };
}

/** Shows the list again in its modal; a modal closed meanwhile is left alone. */
export async function refreshWebhooks(ctx: WebhooksDeps, client: WebClient, viewId: string, notice: string): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view: webhooksView(ctx.webhooks.list(), notice) });
  } catch (err) {
    if ((err as { data?: { error?: string } }).data?.error === 'not_found') return;
    throw err;
  }
}
