import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import type { SlackContext } from '../../context';
import { decodeValue, type ButtonValue } from '../../ids';

export type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

export interface ConversationClick {
  /** The button's value: the conversation, and what else the button carries. */
  value: ButtonValue;
  /** The clicker's Slack user id. */
  user: string;
  args: ButtonArgs;
}

/**
 * A button about one conversation (the card, a copilot answer, a knowledge-base result, a Home tab
 * row): acked at once (Slack wants it within 3 s), its value read; a click whose value is not one
 * of ours does nothing.
 */
export function conversationButton(handle: (click: ConversationClick) => Promise<void>) {
  return async (args: ButtonArgs) => {
    await args.ack();
    const value = decodeValue(args.action.value);
    if (!value) return;
    await handle({ value, user: args.body.user.id, args });
  };
}

/**
 * Runs what the clicker asked for; a refusal (DomainError: not the owner, not found, …) is told
 * only to them, in the channel of the clicked message. Other errors, or a refusal with no channel
 * to say it in, go up to the error handler.
 */
export async function tellingRefusals(
  ctx: Pick<SlackContext, 'tellOnly'>,
  body: BlockButtonAction,
  work: () => Promise<void> | void,
  threadTs?: string,
): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof DomainError) || !body.channel?.id) throw err;
    ctx.tellOnly(body.channel.id, body.user.id, err.message, threadTs);
  }
}

/** The thread the clicked message is in (ephemerals answer there). */
export function threadOf(body: BlockButtonAction): string | undefined {
  const message = body.message as { thread_ts?: string } | undefined;
  const container = body.container as { thread_ts?: string } | undefined;
  return message?.thread_ts ?? container?.thread_ts;
}
