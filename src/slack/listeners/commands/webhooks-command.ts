import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import { webhooksView } from '../../blocks/webhooks';
import type { SlackContext } from '../../context';
import { checkAdmin, type AdminCheckDeps } from './admin-commands';

export type WebhooksDeps = AdminCheckDeps & Pick<SlackContext, 'tellOnly'> & { webhooks: NonNullable<SlackContext['webhooks']> };

/** The listeners' deps when webhooks are wired; null (the command says so) when not. */
export function webhooksDeps(ctx: AdminCheckDeps & Pick<SlackContext, 'webhooks' | 'tellOnly'>): WebhooksDeps | null {
  return ctx.webhooks ? { ...ctx, webhooks: ctx.webhooks } : null;
}

export const WEBHOOKS_NOT_ADMIN = 'Only admins can manage webhooks. Ask a workspace admin or owner, or someone listed in SLACK_ADMIN_USER_IDS.';
export const WEBHOOKS_UNKNOWN = "I couldn't confirm that you are an admin (Slack did not answer in time). Try again in a moment.";

type CommandArgs = Pick<SlackCommandMiddlewareArgs & AllMiddlewareArgs, 'ack' | 'command' | 'client'>;

/** `/handoff webhooks`: the endpoints modal, for admins only (refused in the ack, only to the caller). */
export async function webhooksCommand(ctx: WebhooksDeps, { ack, command, client }: CommandArgs): Promise<void> {
  const user = command.user_id;
  const check = await checkAdmin(ctx, user);
  if (check !== 'admin') {
    await ack({ response_type: 'ephemeral', text: check === 'unknown' ? WEBHOOKS_UNKNOWN : WEBHOOKS_NOT_ADMIN });
    return;
  }
  await ack();
  try {
    // The trigger_id is good for 3 seconds: the view is built from the database and opened at once.
    await client.views.open({ trigger_id: command.trigger_id, view: webhooksView(ctx.webhooks.list()) });
  } catch (err) {
    ctx.logger.warn({ err, user }, 'could not open the webhooks modal');
    ctx.tellOnly(command.channel_id, user, 'Slack did not open the webhooks window in time. Run `/handoff webhooks` again.');
  }
}
