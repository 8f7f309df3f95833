import type { SlackContext } from '../../context';
import { conversationButton, tellingRefusals } from './conversation-button';

/** Hand back to AI (the owner or an admin), with a line in the thread. */
export function handBackButton(ctx: Pick<SlackContext, 'customer' | 'directory' | 'handoff' | 'notice' | 'tellOnly'>) {
  return conversationButton(async ({ value, user, args }) => {
    // Admin status is checked now (at most a few minutes old), not taken from a day-old profile.
    const agent = await ctx.directory.getWithAdminCheck(user);
    await tellingRefusals(ctx, args.body, () => {
      const before = ctx.customer.get(value.conversationId);
      const after = ctx.handoff.handBack(value.conversationId, agent);
      if (before.state === 'human' && after.state === 'ai') {
        ctx.notice(value.conversationId, `🤖 ${agent.persona.name} handed the conversation back to the AI.`);
      }
    });
  });
}
