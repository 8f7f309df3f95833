/**
 * What every Web API method family works with, and the channel access rules they share: a private conversation
 * the bot is not in does not exist for it; a public one needs membership (or `chat:write.public` to post).
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { FileLibrary } from '../files';
import type { MessageLog } from '../messages';
import type { SocketMode } from '../socket-mode';
import type { EmulatedChannel, EmulatedMessage } from '../types';
import { SlackApiError, missing, str } from '../util';
import type { ViewState } from '../views';
import type { Workspace } from '../workspace';

export interface ApiContext {
  space: Workspace;
  log: MessageLog;
  views: ViewState;
  socket: SocketMode;
  files: FileLibrary;
}

/** A Web API method: the arguments as sent, the answer without `ok` (a SlackApiError for `ok: false`). */
export type MethodTable = Record<string, (args: Record<string, any>) => Record<string, any>>;

/** A channel the bot can see, by a required argument (`channel_not_found` otherwise). */
export function visible({ space }: ApiContext, ref: unknown): EmulatedChannel {
  const id = str(ref);
  if (!id) throw missing('channel');
  const ch = space.lookupChannel(id);
  if (!ch || space.hiddenFromBot(ch)) throw new SlackApiError('channel_not_found');
  return ch;
}

/** Channel the bot can read (history, replies, members, info). */
export function readable(ctx: ApiContext, ref: unknown, opts: { requireMember: boolean }): EmulatedChannel {
  const ch = visible(ctx, ref);
  if (opts.requireMember && !ch.members.includes(ctx.space.bot.userId)) throw new SlackApiError('not_in_channel');
  return ch;
}

/** Channel the bot can post in (chat.postMessage / postEphemeral). A user id means their DM. */
export function postable({ space }: ApiContext, ref: unknown): EmulatedChannel {
  const id = str(ref);
  if (!id) throw missing('channel');
  let ch = space.lookupChannel(id);
  if (!ch && /^[UW]/.test(id) && space.users.has(id)) {
    const u = space.users.get(id)!;
    if (u.deleted) throw new SlackApiError('user_disabled');
    if (u.is_bot) throw new SlackApiError('cannot_dm_bot');
    ch = space.openDm(id);
  }
  if (!ch) throw new SlackApiError('channel_not_found');
  if (space.hiddenFromBot(ch)) throw new SlackApiError('channel_not_found');
  if (ch.is_archived) throw new SlackApiError('is_archived');
  if (!ch.members.includes(space.bot.userId) && !space.scopes.has('chat:write.public')) throw new SlackApiError('not_in_channel');
  return ch;
}

/** The bot's own message named by `channel` and `ts` (chat.update, chat.delete); `notOwn` when another's. */
export function ownMessage(ctx: ApiContext, args: Record<string, any>, notOwn: string): { ch: EmulatedChannel; ts: string; msg: EmulatedMessage } {
  if (!str(args.channel)) throw missing('channel');
  const ts = str(args.ts);
  if (!ts) throw missing('ts');
  const ch = visible(ctx, args.channel);
  const msg = ctx.log.find(ch.id, ts);
  if (!msg || msg.subtype === 'tombstone') throw new SlackApiError('message_not_found');
  if (msg.bot_id !== ctx.space.bot.botId) throw new SlackApiError(notOwn);
  return { ch, ts, msg };
}
