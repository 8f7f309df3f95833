import type { SlackContext } from '../../context';
import { conversationButton } from './conversation-button';

/** Claim: the clicker becomes the owner, or is told (only them) who owns it. */
export function claimButton(ctx: Pick<SlackContext, 'directory' | 'handoff' | 'tellOnly'>) {
  return conversationButton(async ({ value, user, args }) => {
    const agent = await ctx.directory.get(user);
    const result = ctx.handoff.claim(value.conversationId, agent);
    if (result.ok) return;
    const channel = args.body.channel?.id;
    if (!channel) return;
    ctx.tellOnly(
      channel,
      user,
      result.reason === 'owned'
        ? `<@${result.ownerId}> already claimed this conversation.`
        : 'This conversation is already resolved.',
    );
  });
}
