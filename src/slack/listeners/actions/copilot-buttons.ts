import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import { DomainError } from '../../../core/errors';
import { editSuggestionModal, suggestionMessage, summaryMessage } from '../../blocks/copilot';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';
import { sendAsAgent } from '../send-to-customer';

/**
 * The copilot on a handoff card: Summary and Suggest reply, answered only to the clicker, and the
 * suggestion's Send, Edit and Ignore. The AI assists the agent here; it never writes to the
 * customer by itself (Send is the agent's own click, and goes out as them).
 */
type ButtonArgs = SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs;

/** Summary: the AI's summary, key points, intent, what it tried, frustration and related articles. */
export function summaryButton(ctx: SlackContext) {
  return async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    const channel = body.channel?.id;
    if (!value || !channel) return;
    try {
      const summary = await ctx.ai.summarise(ctx.aiContext(value.conversationId));
      ctx.tellOnly(channel, body.user.id, summaryMessage(summary), threadOf(body));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      ctx.tellOnly(channel, body.user.id, err.message, threadOf(body));
    }
  };
}

/** Suggest reply: a draft grounded in the conversation and the knowledge base, with Send / Edit / Ignore. */
export function suggestReplyButton(ctx: SlackContext) {
  return async ({ ack, body, action }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    const channel = body.channel?.id;
    if (!value || !channel) return;
    try {
      const draft = await ctx.ai.draftReply(ctx.aiContext(value.conversationId));
      ctx.tellOnly(channel, body.user.id, suggestionMessage(value.conversationId, draft), threadOf(body));
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      ctx.tellOnly(channel, body.user.id, err.message, threadOf(body));
    }
  };
}

/** Send: the draft goes to the customer as the clicker; the suggestion becomes the outcome. */
export function sendSuggestionButton(ctx: SlackContext) {
  return async ({ ack, body, action, respond }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value || typeof value.text !== 'string' || !value.text.trim()) return;
    const result = await sendAsAgent(ctx, value.conversationId, body.user.id, value.text);
    // Sent: the suggestion is replaced by the outcome. Not sent: it stays, and the reason comes below it.
    await respond({ replace_original: result.sent, text: result.message });
  };
}

/** Edit: a modal with the draft; submitting it sends the edited text (views/edit-suggestion-view.ts). */
export function editSuggestionButton(ctx: SlackContext) {
  return async ({ ack, body, action, client }: ButtonArgs) => {
    await ack();
    const value = decodeValue(action.value);
    const channel = body.channel?.id ?? body.container?.channel_id;
    if (!value || typeof value.text !== 'string' || !channel) return;
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
  };
}

/** Ignore: the suggestion disappears. */
export function ignoreSuggestionButton() {
  return async ({ ack, respond }: ButtonArgs) => {
    await ack();
    await respond({ delete_original: true });
  };
}

/** The thread the clicked message is in (ephemerals answer there). */
export function threadOf(body: BlockButtonAction): string | undefined {
  const message = body.message as { thread_ts?: string } | undefined;
  const container = body.container as { thread_ts?: string } | undefined;
  return message?.thread_ts ?? container?.thread_ts;
}
