/** chat.*: post (threads, broadcasts, metadata), update, delete, ephemeral, permalink. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { messageContent } from '../content';
import type { EphemeralMessage } from '../types';
import { SlackApiError, bool, clone, missing, str } from '../util';
import { type ApiContext, type MethodTable, ownMessage, postable, readable } from './context';

/** `chat:write.customize`: the username and icon a post asks for (icon_emoji wins over icon_url). */
function customized(ctx: ApiContext, args: Record<string, any>, iconSizes: string[]): { username?: string; icons?: Record<string, string> } {
  if (!ctx.space.scopes.has('chat:write.customize')) return {};
  const out: { username?: string; icons?: Record<string, string> } = {};
  if (str(args.username)) out.username = str(args.username);
  const url = str(args.icon_url);
  if (str(args.icon_emoji)) out.icons = { emoji: str(args.icon_emoji)! };
  else if (url) out.icons = Object.fromEntries(iconSizes.map((k) => [k, url]));
  return out;
}

export function chatMethods(ctx: ApiContext): MethodTable {
  const { space, log } = ctx;
  return {
    'chat.postMessage': (args) => {
      const ch = postable(ctx, args.channel);
      const ts = space.nextTs();
      const content = messageContent(args, `msg${ts}`, { requireContent: true });
      const threadTs = str(args.thread_ts);
      const target = threadTs ? log.find(ch.id, threadTs) : undefined;
      if (threadTs && (!target || target.subtype === 'tombstone')) throw new SlackApiError('thread_not_found');
      const root = target && log.rootOf(ch.id, target);
      if (target && !root) throw new SlackApiError('thread_not_found');
      const msg = log.botMessage(ch.id, content.text ?? '', ts);
      if (content.blocks) msg.blocks = content.blocks;
      if (content.attachments) msg.attachments = content.attachments;
      if (content.metadata) msg.metadata = content.metadata;
      Object.assign(msg, customized(ctx, args, ['image_36', 'image_48', 'image_72']));
      if (root) log.threadUnder(msg, root, bool(args.reply_broadcast));
      log.insert(msg, 'api');
      return { channel: ch.id, ts, message: log.out(msg) };
    },

    'chat.update': (args) => {
      const { ch, ts, msg } = ownMessage(ctx, args, 'cant_update_message');
      if (ch.is_archived) throw new SlackApiError('is_archived');
      const content = messageContent(args, `upd${ts}${space.nextTs()}`, { requireContent: false });
      if (content.text === undefined && content.blocks === undefined && content.attachments === undefined) throw new SlackApiError('no_text');
      const previous = clone(msg);
      if (content.text !== undefined) msg.text = content.text;
      if (content.blocks !== undefined) {
        if (content.blocks.length) msg.blocks = content.blocks;
        else delete msg.blocks;
      }
      if (content.attachments !== undefined) {
        if (content.attachments.length) msg.attachments = content.attachments;
        else delete msg.attachments;
      }
      if (content.metadata) msg.metadata = content.metadata;
      msg.edited = { user: space.bot.botId, ts: space.nextTs() };
      log.emitChanged(msg, previous);
      const { ts: _ts, ...message } = log.out(msg);
      return { channel: ch.id, ts, text: msg.text, message };
    },

    'chat.delete': (args) => {
      const { ch, ts, msg } = ownMessage(ctx, args, 'cant_delete_message');
      log.remove(msg);
      return { channel: ch.id, ts };
    },

    'chat.postEphemeral': (args) => {
      const userId = str(args.user);
      if (!userId) throw missing('user');
      const ch = postable(ctx, args.channel);
      if (!space.users.get(userId)) throw new SlackApiError('user_not_found');
      if (!ch.members.includes(userId)) throw new SlackApiError('user_not_in_channel');
      const ts = space.nextTs();
      const content = messageContent(args, `eph${ts}`, { requireContent: true });
      const e: EphemeralMessage = { channel: ch.id, user: userId, ts, text: content.text ?? '', via: 'chat.postEphemeral' };
      if (content.blocks) e.blocks = content.blocks;
      if (content.attachments) e.attachments = content.attachments;
      if (str(args.thread_ts)) e.thread_ts = str(args.thread_ts);
      Object.assign(e, customized(ctx, args, ['image_48']));
      log.addEphemeral(e);
      return { message_ts: ts };
    },

    'chat.getPermalink': (args) => {
      const chId = str(args.channel);
      if (!chId) throw missing('channel');
      const ts = str(args.message_ts);
      if (!ts) throw missing('message_ts');
      const ch = readable(ctx, chId, { requireMember: false });
      const msg = log.find(ch.id, ts);
      if (!msg) throw new SlackApiError('message_not_found');
      let permalink = `https://${space.team.domain}.slack.com/archives/${ch.id}/p${ts.replace('.', '')}`;
      if (msg.thread_ts && msg.thread_ts !== msg.ts) permalink += `?thread_ts=${msg.thread_ts}&cid=${ch.id}`;
      return { channel: ch.id, permalink };
    },
  };
}
