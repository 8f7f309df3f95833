import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from '@slack/bolt';
import type { FileRef } from '../../../core/types';
import { liveFiles, refusalNotice } from '../../agent-files';
import type { SlackContext } from '../../context';
import { slackToPlain } from '../../text';
import { translatedFromThread } from './translated-reply';

type ThreadMessageDeps = Pick<SlackContext, 'clock' | 'customer' | 'directory' | 'files' | 'handoff' | 'maxFileBytes' | 'serial' | 'slack' | 'tellOnly' | 'translations' | 'logger'>;

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
 * claimed by whoever replies first), with the files they share; everything else stays in Slack,
 * files included, and its author is told once. Edits and deletions of relayed replies follow them
 * to the widget, and so do files removed from them. Bots are never relayed.
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
      const written = await toPlain(ctx, raw);
      // `tr:` asks for the reply in the customer's language (translated-reply.ts); null: nothing to send.
      const translated = await translatedFromThread(ctx, conversationId, user, written, (text) => ctx.tellOnly(e.channel, user, text, e.thread_ts));
      if (translated === null) return;
      const text = translated.text;
      const shared = liveFiles(e.files);
      if (!text.trim() && !shared.length) return;
      let files: FileRef[] = [];
      if (shared.length && mayReachCustomer(ctx, conversationId, user)) {
        if (!ctx.files) {
          ctx.tellOnly(e.channel, user, 'Files are not sent to customers here: file storage is not set up. Paste a link instead.', e.thread_ts);
        } else {
          const fetched = await ctx.files.fetch(conversationId, shared);
          files = fetched.refs;
          if (fetched.refused.length) ctx.tellOnly(e.channel, user, refusalNotice(fetched.refused, ctx.maxFileBytes, !!text.trim() || files.length > 0), e.thread_ts);
        }
        if (!text.trim() && !files.length) return;
      }
      const agent = await ctx.directory.get(user);
      const result = await ctx.handoff.agentReply(
        conversationId,
        agent,
        text,
        (m) => {
          ctx.slack.rememberRelay(e.channel, e.ts, m.id);
          if (translated.reply) ctx.translations?.noteReply(m.id, { ...translated.reply, agentName: m.agent?.name ?? agent.persona.name });
        },
        files,
      );
      if (result.relayed) return;
      if (result.reason === 'not_owner') {
        tellOnce(ctx, conversationId, user, e, `🔒 <@${result.ownerId}> owns this conversation, so your messages here stay internal.`);
      } else if (result.reason === 'resolved') {
        ctx.tellOnly(e.channel, user, 'This conversation is resolved, so your reply was not sent. It reopens when the customer writes again.', e.thread_ts);
      }
    });
  };
}

/**
 * Whether this person's reply would reach the customer now (agentReply decides for good): only
 * then are its files fetched from Slack, so notes and other agents' files never leave it.
 */
function mayReachCustomer(ctx: Pick<SlackContext, 'customer'>, conversationId: string, user: string): boolean {
  const conversation = ctx.customer.get(conversationId);
  return conversation.state !== 'resolved' && (!conversation.ownerId || conversation.ownerId === user);
}

async function edited(ctx: ThreadMessageDeps, e: MessageLike): Promise<void> {
  const m = e.message;
  if (!m || m.bot_id) return;
  const messageId = ctx.slack.relayedMessage(e.channel, m.ts);
  if (!messageId) return;
  // A file deleted in Slack stays in the message as a tombstone (file_deleted says so too).
  const kept = new Set(liveFiles(m.files).map((f) => f.id));
  for (const f of liveFiles(e.previous_message?.files)) if (!kept.has(f.id)) await ctx.files?.removedInSlack(f.id!);
  const conversationId = m.thread_ts ? ctx.slack.conversationByThread(e.channel, m.thread_ts) : undefined;
  const written = await toPlain(ctx, m.text ?? '');
  // An edited `tr:` reply is translated again; when it cannot be, the customer keeps the earlier one.
  const translated = conversationId && m.user ? await translatedFromThread(ctx, conversationId, m.user, written, (text) => ctx.tellOnly(e.channel, m.user!, text, m.thread_ts), true) : { text: written };
  if (translated === null) return;
  const text = translated.text;
  if (text.trim() || (ctx.files?.remaining(messageId) ?? 0) > 0) ctx.handoff.editAgentMessage(messageId, text);
  else ctx.handoff.deleteAgentMessage(messageId);
}

async function deleted(ctx: Pick<SlackContext, 'files' | 'handoff' | 'slack'>, e: MessageLike): Promise<void> {
  const ts = e.deleted_ts ?? e.previous_message?.ts;
  if (!ts) return;
  const messageId = ctx.slack.relayedMessage(e.channel, ts);
  if (!messageId) return;
  ctx.handoff.deleteAgentMessage(messageId);
  await ctx.files?.discardFilesOf(messageId);
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
