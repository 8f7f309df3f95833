import type { SlackContext } from '../../context';
import { conversationButton, tellingRefusals } from './conversation-button';

/** Resolve (the owner or an admin): the customer is asked for a rating. */
export function resolveButton(ctx: Pick<SlackContext, 'directory' | 'handoff' | 'tellOnly'>) {
  return conversationButton(async ({ value, user, args }) => {
    // Admin status is checked now (at most a few minutes old), not taken from a day-old profile.
    const agent = await ctx.directory.getWithAdminCheck(user);
    await tellingRefusals(ctx, args.body, () => {
      ctx.handoff.resolve(value.conversationId, agent);
    });
  });
}
