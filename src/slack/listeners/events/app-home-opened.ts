import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';

/** The agent opened the app's Home tab: publish it (and keep it current from now on). */
export function appHomeOpened(ctx: Pick<SlackContext, 'directory' | 'home'>) {
  return async ({ event }: SlackEventMiddlewareArgs<'app_home_opened'> & AllMiddlewareArgs) => {
    if (event.tab !== undefined && event.tab !== 'home') return;
    // First contact creates the agent (with their Slack profile), so the status shown is theirs.
    await ctx.directory.get(event.user);
    ctx.home.opened(event.user);
  };
}
