import type { AllMiddlewareArgs, MessageShortcut, SlackShortcutMiddlewareArgs } from '@slack/bolt';
import { kbResultsMessage } from '../../blocks/copilot';
import type { SlackContext } from '../../context';
import { searchKnowledgeBase } from '../../kb-search';
import { slackToPlain } from '../../text';

interface ShortcutMessage {
  ts: string;
  thread_ts?: string;
  text?: string;
  user?: string;
  bot_id?: string;
  username?: string;
}

/** How many of the customer's latest messages make the query when the message itself says nothing. */
const RECENT_QUESTIONS = 2;

/**
 * "Search knowledge base" on a message: the results, only to the clicker, in the message's thread.
 * In a handoff thread each result has "Send to customer".
 */
export function kbSearchShortcut(ctx: Pick<SlackContext, 'customer' | 'directory' | 'knowledgeBase' | 'slack' | 'tellOnly'>) {
  return async ({ ack, shortcut }: SlackShortcutMiddlewareArgs<MessageShortcut> & AllMiddlewareArgs) => {
    await ack();
    const channel = shortcut.channel.id;
    const message = shortcut.message as ShortcutMessage;
    const root = message.thread_ts ?? message.ts;
    const conversationId = ctx.slack.conversationByThread(channel, root) ?? null;
    const query = queryOf(ctx, message, conversationId, root);
    if (!query) {
      ctx.tellOnly(channel, shortcut.user.id, 'There is no text in that message to search for.', message.thread_ts);
      return;
    }
    const results = searchKnowledgeBase(ctx.knowledgeBase, query);
    ctx.tellOnly(channel, shortcut.user.id, kbResultsMessage(query, results, conversationId), conversationId ? root : message.thread_ts);
  };
}

/**
 * A person's message, or a customer's (our bot posts those under the customer's name), is searched
 * for as it is. Our own posts (the card, the transcript, notices) say nothing about the question:
 * in a handoff thread the customer's latest messages are searched for instead.
 */
function queryOf(ctx: Pick<SlackContext, 'customer' | 'directory'>, message: ShortcutMessage, conversationId: string | null, root: string): string {
  const ours = Boolean(message.bot_id) && !message.username;
  if (conversationId && (ours || message.ts === root)) {
    return ctx.customer
      .replay(conversationId, 0)
      .filter((m) => m.role === 'customer' && !m.deletedAt)
      .slice(-RECENT_QUESTIONS)
      .map((m) => m.text)
      .join(' ')
      .trim();
  }
  return slackToPlain(message.text ?? '', { userName: (id) => ctx.directory.cachedName(id), channelName: () => undefined }).trim();
}
