import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { SlackContext } from '../../context';
import { slackToPlain } from '../../text';

type ThreadMessageDeps = Pick<SlackContext, 'clock' | 'directory' | 'handoff' | 'serial' | 'slack' | 'tellOnly'>;

/** Replies starting like this are internal notes, whoever writes them. */
export const NOTE_PREFIX = /^\s*(;;|note:)/i;

interface MessageLike {
  type: 'message';
  subtype?: string;
  channel: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: unknown[];
  message?: MessageLike;
  previous_message?: MessageLike;
  deleted_ts?: string;
}

/**
 * Messages in handoff threads. The owner's replies reach the customer (an unowned conversation is
 * claimed by whoever replies first); everything else stays in Slack and its author is told once.
 * Edits and deletions of relayed replies follow them to the widget. Bots are never relayed.
 */
export function threadMessage(ctx: ThreadMessageDeps) {
  return async ({ event }: SlackEventMiddlewareArgs<'message'> & AllMiddlewareArgs) => {
    const e = event as unknown as MessageLike;
    if (e.subtype === 'message_changed') return edited(ctx, e);
    if (e.subtype === 'message_deleted') return deleted(ctx, e);
    if (e.subtype && e.subtype !== 'thread_broadcast' && e.subtype !== 'file_share') return;
    if (e.bot_id || !e.user || !e.thread_ts || e.thread_ts === e.ts) return;
    const conversationId = ctx.slack.conversationByThread(e.channel, e.thread_ts);
    if (!conversationId) return;
    const user = e.user;
    await ctx.serial(conversationId, async () => {
      if (ctx.slack.relayedMessage(e.channel, e.ts)) return;
      const raw = e.text ?? '';
      if (NOTE_PREFIX.test(raw)) {
        tellOnce(ctx, conversationId, user, e, '🔒 Messages starting with `;;` or `note:` are internal notes: the customer does not see them.');
        return;
      }
      const text = await toPlain(ctx, raw);
      if (!text.trim()) {
        if (e.files?.length) ctx.tellOnly(e.channel, user, 'Files are not sent to the customer yet; paste a link instead.', e.thread_ts);
        return;
      }
      const agent = await ctx.directory.get(user);
      const result = await ctx.handoff.agentReply(conversationId, agent, text, (m) => ctx.slack.rememberRelay(e.channel, e.ts, m.id));
      if (result.relayed) return;
      if (result.reason === 'not_owner') {
        tellOnce(ctx, conversationId, user, e, `🔒 <@${result.ownerId}> owns this conversation, so your messages here stay internal.`);
      } else if (result.reason === 'resolved') {
        ctx.tellOnly(e.channel, user, 'This conversation is resolved, so your reply was not sent. It reopens when the customer writes again.', e.thread_ts);
      }
    });
  };
}

async function edited(ctx: ThreadMessageDeps, e: MessageLike): Promise<void> {
  const m = e.message;
  if (!m || m.bot_id) return;
  const messageId = ctx.slack.relayedMessage(e.channel, m.ts);
  if (!messageId) return;
  const text = await toPlain(ctx, m.text ?? '');
  if (text.trim()) ctx.handoff.editAgentMessage(messageId, text);
  else ctx.handoff.deleteAgentMessage(messageId);
}

function deleted(ctx: Pick<SlackContext, 'handoff' | 'slack'>, e: MessageLike): void {
  const ts = e.deleted_ts ?? e.previous_message?.ts;
  if (!ts) return;
  const messageId = ctx.slack.relayedMessage(e.channel, ts);
  if (messageId) ctx.handoff.deleteAgentMessage(messageId);
}

function tellOnce(ctx: Pick<SlackContext, 'clock' | 'slack' | 'tellOnly'>, conversationId: string, user: string, e: MessageLike, text: string): void {
  if (ctx.slack.firstNotice(conversationId, user, ctx.clock.now().toISOString())) ctx.tellOnly(e.channel, user, text, e.thread_ts);
}

/** Slack markup → the customer's plain text, with mentioned people's names looked up first. */
async function toPlain(ctx: Pick<SlackContext, 'directory'>, raw: string): Promise<string> {
  const mentioned = [...new Set([...raw.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1]!))];
  await Promise.all(mentioned.slice(0, 20).map((id) => ctx.directory.get(id).catch(() => undefined)));
  return slackToPlain(raw, {
    userName: (id) => ctx.directory.cachedName(id),
    channelName: () => undefined,
  });
}
