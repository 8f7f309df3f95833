import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { readWebhookAdd, webhookAddedView } from '../../blocks/webhooks';
import { BLOCK } from '../../ids';
import { escapeForSlack } from '../../text';
import { UnsafeUrlError } from '../../../webhooks/url-guard';
import { WebhookInputError } from '../../../webhooks/webhook-service';
import { refreshWebhooks } from '../actions/webhook-buttons';
import { checkAdmin } from '../commands/admin-commands';
import { WEBHOOKS_NOT_ADMIN, WEBHOOKS_UNKNOWN, type WebhooksDeps } from '../commands/webhooks-command';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The new endpoint's form, submitted: as the submitting admin (checked again), the URL is checked
 * (form and DNS, bounded) and the endpoint added (audited); the form turns into its secret, shown
 * this once. A refused URL is said under the field and nothing is stored.
 */
export function webhookAddSubmit(ctx: WebhooksDeps) {
  return async ({ ack, body, view, client }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.webhookUrl]: check === 'unknown' ? WEBHOOKS_UNKNOWN : WEBHOOKS_NOT_ADMIN } });
    const form = readWebhookAdd(view.state.values, view.private_metadata);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    let added;
    try {
      added = await ctx.webhooks.add({ url: form.value.url, events: form.value.events, by: user });
    } catch (err) {
      if (err instanceof UnsafeUrlError) return ack({ response_action: 'errors', errors: { [BLOCK.webhookUrl]: err.message } });
      if (err instanceof WebhookInputError) return ack({ response_action: 'errors', errors: { [err.field === 'url' ? BLOCK.webhookUrl : BLOCK.webhookEvents]: err.message } });
      throw err;
    }
    ctx.logger.info({ user, endpoint: added.endpoint.id }, 'webhook endpoint added');
    await ack({ response_action: 'update', view: webhookAddedView(added.endpoint, added.secret) });
    if (form.value.listViewId) await refreshWebhooks(ctx, client, form.value.listViewId, `Added *${escapeForSlack(added.endpoint.url)}*.`);
  };
}
