import type { SlackContext } from '../../context';
import { articleForCustomer } from '../../kb-search';
import { sendAsAgent, type SendAsAgentDeps } from '../send-to-customer';
import { conversationButton, threadOf } from './conversation-button';

/** "Send to customer" on a knowledge-base result: the snippet and the link go out as the clicker. */
export function sendKbArticleButton(ctx: SendAsAgentDeps & Pick<SlackContext, 'tellOnly'>) {
  return conversationButton(async ({ value, user, args: { body } }) => {
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (typeof value.title !== 'string' || !channel) return;
    const article = {
      title: value.title,
      heading: typeof value.heading === 'string' ? value.heading : '',
      url: typeof value.url === 'string' ? value.url : null,
      snippet: typeof value.snippet === 'string' ? value.snippet : '',
    };
    const result = await sendAsAgent(ctx, value.conversationId, user, articleForCustomer(article));
    const what = result.sent ? result.message.replace('Sent', `Sent “${article.title}”`) : result.message;
    ctx.tellOnly(channel, user, what, threadOf(body));
  });
}
