import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { apiKeysView } from '../../blocks/api-keys';
import type { SlackContext } from '../../context';
import { checkAdmin, type AdminCheckDeps } from './admin-commands';

export type ApiKeysDeps = AdminCheckDeps & Pick<SlackContext, 'publicUrl' | 'tellOnly'> & { apiKeys: NonNullable<SlackContext['apiKeys']> };

/** The listeners' deps when the API is wired; null (the command says so) when not. */
export function apiKeysDeps(ctx: AdminCheckDeps & Pick<SlackContext, 'apiKeys' | 'publicUrl' | 'tellOnly'>): ApiKeysDeps | null {
  return ctx.apiKeys ? { ...ctx, apiKeys: ctx.apiKeys } : null;
}

export const API_KEYS_NOT_ADMIN = 'Only admins can manage API keys. Ask a workspace admin or owner, or someone listed in SLACK_ADMIN_USER_IDS.';
export const API_KEYS_UNKNOWN = "I couldn't confirm that you are an admin (Slack did not answer in time). Try again in a moment.";

type CommandArgs = Pick<SlackCommandMiddlewareArgs & AllMiddlewareArgs, 'ack' | 'command' | 'client'>;

/** `/handoff api keys`: the keys modal, for admins only (refused in the ack, only to the caller). */
export async function apiKeysCommand(ctx: ApiKeysDeps, { ack, command, client }: CommandArgs): Promise<void> {
  const user = command.user_id;
  const check = await checkAdmin(ctx, user);
  if (check !== 'admin') {
    await ack({ response_type: 'ephemeral', text: check === 'unknown' ? API_KEYS_UNKNOWN : API_KEYS_NOT_ADMIN });
    return;
  }
  await ack();
  try {
    // The trigger_id is good for 3 seconds: the view is built from the database and opened at once.
    await client.views.open({ trigger_id: command.trigger_id, view: apiKeysView(ctx.apiKeys.list()) });
  } catch (err) {
    ctx.logger.warn({ err, user }, 'could not open the API keys modal');
    ctx.tellOnly(command.channel_id, user, 'Slack did not open the API keys window in time. Run `/handoff api keys` again.');
  }
}
