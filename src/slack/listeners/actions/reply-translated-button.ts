import { LANGUAGE_INFO } from '../../../i18n/languages';
import { replyTranslatedModal } from '../../blocks/translations';
import type { SlackContext } from '../../context';
import { conversationButton, tellingRefusals, threadOf } from './conversation-button';

/**
 * Reply in <language> (the card, when the conversation is translated): a modal where the agent
 * writes in the workspace's language; its submission translates and sends (views/reply-translated-view.ts).
 */
export function replyTranslatedButton(ctx: Pick<SlackContext, 'customer' | 'translations' | 'tellOnly'>) {
  return conversationButton(async ({ value, user, args: { body, client } }) => {
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!channel) return;
    // The card is the thread's parent: what the clicker is told goes in its thread.
    const threadTs = threadOf(body) ?? (body.message as { ts?: string } | undefined)?.ts;
    await tellingRefusals(
      ctx,
      body,
      async () => {
        const pair = ctx.translations?.pair(ctx.customer.get(value.conversationId));
        if (!pair) {
          ctx.tellOnly(channel, user, 'Replies are not translated in this conversation (the customer writes in the workspace’s language, or OpenAI is not configured). Reply in the thread.', threadTs);
          return;
        }
        await client.views.open({
          trigger_id: body.trigger_id,
          view: replyTranslatedModal({
            meta: { conversationId: value.conversationId, channel, ...(threadTs ? { threadTs } : {}) },
            from: LANGUAGE_INFO[pair.workspace].name,
            to: LANGUAGE_INFO[pair.customer].name,
          }),
        });
      },
      threadTs,
    );
  });
}
