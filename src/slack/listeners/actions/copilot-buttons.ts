import type { AllMiddlewareArgs, BlockButtonAction, SlackActionMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { decodeValue } from '../../ids';
import { escapeForSlack, truncate } from '../../text';

/**
 * Summary and Suggest reply, answered only to the clicker. This first version works from the
 * conversation and the knowledge base without a language model: the escalation reason, the
 * customer's latest messages and the best matching articles.
 */
export function summaryButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value || !body.channel?.id) return;
    const conversation = ctx.customer.get(value.conversationId);
    const history = ctx.customer.replay(conversation.id, 0).filter((m) => !m.deletedAt);
    const customerTurns = history.filter((m) => m.role === 'customer');
    const lastAsked = customerTurns.slice(-3).map((m) => `• ${escapeForSlack(truncate(m.text, 300))}`);
    const aiTried = history.filter((m) => m.role === 'ai').length;
    const related = ctx.knowledgeBase.search(customerTurns.map((m) => m.text).slice(-3).join(' '), 3);
    const lines = [
      `*Summary* — ${history.length} messages, ${customerTurns.length} from the customer; the AI answered ${aiTried} time(s).`,
      `*Why it was escalated:* ${conversation.escalation?.kind.replace(/_/g, ' ') ?? 'not escalated'}${conversation.escalation?.detail ? ` (${escapeForSlack(conversation.escalation.detail)})` : ''}`,
      lastAsked.length ? `*The customer's latest messages:*\n${lastAsked.join('\n')}` : '',
      related.length
        ? `*Related articles:*\n${related.map((p) => `• ${p.url ? `<${p.url}|${escapeForSlack(p.title)}>` : escapeForSlack(p.title)} — ${escapeForSlack(p.heading)}`).join('\n')}`
        : '',
    ].filter(Boolean);
    ctx.tellOnly(body.channel.id, body.user.id, lines.join('\n'), threadOf(body));
  };
}

export function suggestReplyButton(ctx: SlackContext) {
  return async ({ ack, body, action }: SlackActionMiddlewareArgs<BlockButtonAction> & AllMiddlewareArgs) => {
    await ack();
    const value = decodeValue(action.value);
    if (!value || !body.channel?.id) return;
    const history = ctx.customer.replay(value.conversationId, 0).filter((m) => m.role === 'customer' && !m.deletedAt);
    const question = history.slice(-2).map((m) => m.text).join(' ');
    const best = ctx.knowledgeBase.search(question, 1)[0];
    const text = best
      ? `*Suggested reply* (from “${escapeForSlack(best.title)}”):\n>${escapeForSlack(truncate(best.body, 1200)).replace(/\n/g, '\n>')}${best.url ? `\nMore: ${best.url}` : ''}`
      : '*Suggested reply:* nothing in the knowledge base matches; ask the customer for details.';
    ctx.tellOnly(body.channel.id, body.user.id, text, threadOf(body));
  };
}

function threadOf(body: BlockButtonAction): string | undefined {
  const message = body.message as { thread_ts?: string } | undefined;
  return message?.thread_ts;
}
