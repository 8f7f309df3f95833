import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';

/** Claim: the clicker becomes the owner, or is told (only them) who owns it. */
export function claimButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value) return;
    const agent = await ctx.directory.get(body.user.id);
    const result = ctx.handoff.claim(value.conversationId, agent);
    if (result.ok) return;
    const channel = body.channel?.id;
    if (!channel) return;
    ctx.tellOnly(
      channel,
      body.user.id,
      result.reason === 'owned'
        ? `<@${result.ownerId}> already claimed this conversation.`
        : 'This conversation is already resolved.',
    );
  };
}
