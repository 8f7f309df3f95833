import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';
import { articleForCustomer } from '../../kb-search';
import { sendAsAgent } from '../send-to-customer';
import { threadOf } from './copilot-buttons';

/** "Send to customer" on a knowledge-base result: the snippet and the link go out as the clicker. */
export function sendKbArticleButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!value || typeof value.title !== 'string' || !channel) return;
    const article = {
      title: value.title,
      heading: typeof value.heading === 'string' ? value.heading : '',
      url: typeof value.url === 'string' ? value.url : null,
      snippet: typeof value.snippet === 'string' ? value.snippet : '',
    };
    const result = await sendAsAgent(ctx, value.conversationId, body.user.id, articleForCustomer(article));
    const what = result.sent ? result.message.replace('Sent', `Sent “${article.title}”`) : result.message;
    ctx.tellOnly(channel, body.user.id, what, threadOf(body));
  };
}
