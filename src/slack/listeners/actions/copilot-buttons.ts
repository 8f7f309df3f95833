import type { Ai, ConversationContext } from '../../../core/ports';
import { editSuggestionModal, suggestionMessage, summaryMessage } from '../../blocks/copilot';
import type { SlackMessage } from '../../blocks/common';
import type { SlackContext } from '../../context';
import { sendAsAgent, type SendAsAgentDeps } from '../send-to-customer';
import { conversationButton, tellingRefusals, threadOf, type ButtonArgs } from './conversation-button';

/**
 * The copilot on a handoff card: Summary and Suggest reply, answered only to the clicker, and the
 * suggestion's Send, Edit and Ignore. The AI assists the agent here; it never writes to the
 * customer by itself (Send is the agent's own click, and goes out as them).
 */

type CopilotDeps = Pick<SlackContext, 'ai' | 'aiContext' | 'tellOnly'>;

/** Asks the AI about the clicked conversation and answers only the clicker, in the clicked thread. */
function askCopilot(ctx: CopilotDeps, answer: (ai: Ai, context: ConversationContext, conversationId: string) => Promise<SlackMessage>) {
  return conversationButton(async ({ value, user, args: { body } }) => {
    const channel = body.channel?.id;
    if (!channel) return;
    await tellingRefusals(
      ctx,
      body,
      async () => ctx.tellOnly(channel, user, await answer(ctx.ai, ctx.aiContext(value.conversationId), value.conversationId), threadOf(body)),
      threadOf(body),
    );
  });
}

/** Summary: the AI's summary, key points, intent, what it tried, frustration and related articles. */
export function summaryButton(ctx: CopilotDeps) {
  return askCopilot(ctx, async (ai, context) => summaryMessage(await ai.summarise(context)));
}

/** Suggest reply: a draft grounded in the conversation and the knowledge base, with Send / Edit / Ignore. */
export function suggestReplyButton(ctx: CopilotDeps) {
  return askCopilot(ctx, async (ai, context, conversationId) => suggestionMessage(conversationId, await ai.draftReply(context)));
}

/** Send: the draft goes to the customer as the clicker; the suggestion becomes the outcome. */
export function sendSuggestionButton(ctx: SendAsAgentDeps) {
  return conversationButton(async ({ value, user, args: { respond } }) => {
    if (typeof value.text !== 'string' || !value.text.trim()) return;
    const result = await sendAsAgent(ctx, value.conversationId, user, value.text);
    // Sent: the suggestion is replaced by the outcome. Not sent: it stays, and the reason comes below it.
    await respond({ replace_original: result.sent, text: result.message });
  });
}

/** Edit: a modal with the draft; submitting it sends the edited text (views/edit-suggestion-view.ts). */
export function editSuggestionButton(ctx: Pick<SlackContext, 'logger'>) {
  return conversationButton(async ({ value, args: { body, client } }) => {
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (typeof value.text !== 'string' || !channel) return;
    await client.views.open({
      trigger_id: body.trigger_id,
      view: editSuggestionModal(value.text, {
        conversationId: value.conversationId,
        channel,
        threadTs: threadOf(body),
        responseUrl: body.response_url,
      }),
    });
    ctx.logger.debug({ conversationId: value.conversationId }, 'suggestion opened for editing');
  });
}

/** Ignore: the suggestion disappears. */
export function ignoreSuggestionButton() {
  return async ({ ack, respond }: ButtonArgs) => {
    await ack();
    await respond({ delete_original: true });
  };
}
