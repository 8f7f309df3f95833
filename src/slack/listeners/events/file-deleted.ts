import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';

/** A file was deleted in Slack: if it was an agent's file sent to a customer, it leaves the widget too. */
export function fileDeleted(ctx: Pick<SlackContext, 'files'>) {
  return async ({ event }: SlackEventMiddlewareArgs<'file_deleted'> & AllMiddlewareArgs) => {
    if (typeof event.file_id === 'string') await ctx.files?.removedInSlack(event.file_id);
  };
}
