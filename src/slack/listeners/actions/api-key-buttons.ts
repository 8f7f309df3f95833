import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { apiKeyCreateView, apiKeysView } from '../../blocks/api-keys';
import { section } from '../../blocks/common';
import { modal } from '../../blocks/forms';
import { VIEW } from '../../ids';
import { escapeForSlack } from '../../text';
import { checkAdmin } from '../commands/admin-commands';
import { API_KEYS_NOT_ADMIN, API_KEYS_UNKNOWN, type ApiKeysDeps } from '../commands/api-keys-command';

type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/**
 * The API keys modal's buttons. Each checks admin again (a modal proves nothing about who clicks
 * it): a non-admin sees the refusal in place of the list and nothing changes.
 */
async function admitted(ctx: ApiKeysDeps, { ack, body, client }: ButtonArgs): Promise<{ user: string; viewId: string } | null> {
  await ack();
  const viewId = body.view?.id;
  if (!viewId) return null;
  const check = await checkAdmin(ctx, body.user.id);
  if (check !== 'admin') {
    ctx.logger.warn({ user: body.user.id }, 'a non-admin used an API keys button');
    const text = check === 'unknown' ? API_KEYS_UNKNOWN : API_KEYS_NOT_ADMIN;
    await client.views.update({ view_id: viewId, view: modal({ callbackId: VIEW.apiKeys, title: 'Not allowed', close: 'Close', blocks: [section(text)] }) });
    return null;
  }
  return { user: body.user.id, viewId };
}

/** Create a key: the form, pushed on the list. */
export function apiKeyCreateButton(ctx: ApiKeysDeps) {
  return async (args: ButtonArgs) => {
    const click = await admitted(ctx, args);
    if (!click) return;
    await args.client.views.push({ trigger_id: args.body.trigger_id, view: apiKeyCreateView(click.viewId) });
  };
}

/** Revoke (after Slack's confirm): the key stops working at once; the list says so. */
export function apiKeyRevokeButton(ctx: ApiKeysDeps) {
  return async (args: ButtonArgs) => {
    const click = await admitted(ctx, args);
    if (!click) return;
    const id = args.action.value ?? '';
    const before = ctx.apiKeys.get(id);
    const revoked = before ? ctx.apiKeys.revoke(id, click.user) : null;
    const notice = revoked
      ? `Revoked *${escapeForSlack(revoked.name)}* (\`hk_${revoked.prefix}_…\`): it is refused from now on.`
      : before
        ? `*${escapeForSlack(before.name)}* was already revoked.`
        : 'That key no longer exists.';
    await refreshKeys(ctx, args.client, click.viewId, notice);
  };
}

/** Shows the list again in its modal; a modal closed meanwhile is left alone. */
export async function refreshKeys(ctx: ApiKeysDeps, client: WebClient, viewId: string, notice: string): Promise<void> {
  try {
    await client.views.update({ view_id: viewId, view: apiKeysView(ctx.apiKeys.list(), notice) });
  } catch (err) {
    if ((err as { data?: { error?: string } }).data?.error === 'not_found') return;
    throw err;
  }
}
