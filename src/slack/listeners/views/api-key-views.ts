import type { AllMiddlewareArgs, SlackViewMiddlewareArgs, ViewSubmitAction } from '@slack/bolt';
import { apiKeyCreatedView, readApiKeyCreate } from '../../blocks/api-keys';
import { BLOCK } from '../../ids';
import { escapeForSlack } from '../../text';
import { refreshKeys } from '../actions/api-key-buttons';
import { checkAdmin } from '../commands/admin-commands';
import { API_KEYS_NOT_ADMIN, API_KEYS_UNKNOWN, type ApiKeysDeps } from '../commands/api-keys-command';

type SubmitArgs = SlackViewMiddlewareArgs<ViewSubmitAction> & AllMiddlewareArgs;

/**
 * The new key's form, submitted: as the submitting admin (checked again), the key is created
 * (audited) and the form turns into the key, shown this once; the list under it shows the new row.
 */
export function apiKeyCreateSubmit(ctx: ApiKeysDeps) {
  return async ({ ack, body, view, client }: SubmitArgs) => {
    const user = body.user.id;
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return ack({ response_action: 'errors', errors: { [BLOCK.apiKeyName]: check === 'unknown' ? API_KEYS_UNKNOWN : API_KEYS_NOT_ADMIN } });
    const form = readApiKeyCreate(view.state.values, view.private_metadata);
    if (!form.ok) return ack({ response_action: 'errors', errors: form.errors });
    const created = ctx.apiKeys.create({ name: form.value.name, scope: form.value.scope, by: user });
    if (!created.ok) return ack({ response_action: 'errors', errors: { [BLOCK.apiKeyName]: created.error } });
    ctx.logger.info({ user, key: created.info.prefix, scope: created.info.scope }, 'API key created');
    await ack({ response_action: 'update', view: apiKeyCreatedView(created.key, created.info, ctx.publicUrl) });
    if (form.value.listViewId) {
      await refreshKeys(ctx, client, form.value.listViewId, `Created *${escapeForSlack(created.info.name)}* (\`hk_${created.info.prefix}_…\`).`);
    }
  };
}
