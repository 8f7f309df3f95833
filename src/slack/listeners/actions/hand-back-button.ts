import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';

/** Hand back to AI (the owner or an admin), with a line in the thread. */
export function handBackButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value) return;
    // Admin status is checked now (at most a few minutes old), not taken from a day-old profile.
    const agent = await ctx.directory.getWithAdminCheck(body.user.id);
    try {
      const before = ctx.customer.get(value.conversationId);
      const after = ctx.handoff.handBack(value.conversationId, agent);
      if (before.state === 'human' && after.state === 'ai') {
        ctx.bridge.notice(value.conversationId, `🤖 ${agent.persona.name} handed the conversation back to the AI.`);
      }
    } catch (err) {
      if (!(err instanceof DomainError) || !body.channel?.id) throw err;
      ctx.tellOnly(body.channel.id, body.user.id, err.message);
    }
  };
}
