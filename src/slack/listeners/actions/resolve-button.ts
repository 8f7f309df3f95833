import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';

/** Resolve (the owner or an admin): the customer is asked for a rating. */
export function resolveButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value) return;
    // Admin status is checked now (at most a few minutes old), not taken from a day-old profile.
    const agent = await ctx.directory.getWithAdminCheck(body.user.id);
    try {
      ctx.handoff.resolve(value.conversationId, agent);
    } catch (err) {
      if (!(err instanceof DomainError) || !body.channel?.id) throw err;
      ctx.tellOnly(body.channel.id, body.user.id, err.message);
    }
  };
}
