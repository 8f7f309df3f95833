/** conversations.*: info, open (DMs and group DMs), join, list, history, replies, members. */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { channelObject } from '../api-objects';
import type { EmulatedMessage } from '../types';
import { SlackApiError, bool, missing, paginate, str, tsToMicros } from '../util';
import { type ApiContext, type MethodTable, readable, visible } from './context';

/** Slack allows a group DM of at most this many other people. */
const MAX_MPIM_USERS = 8;

/** The `latest`/`oldest`/`inclusive` window of history and replies. */
function inWindow(args: Record<string, any>, inclusiveByDefault: boolean): (m: EmulatedMessage) => boolean {
  const latest = str(args.latest);
  const oldest = str(args.oldest);
  const inclusive = args.inclusive === undefined ? inclusiveByDefault : bool(args.inclusive);
  return (m) => {
    const t = tsToMicros(m.ts);
    if (latest && (inclusive ? t > tsToMicros(latest) : t >= tsToMicros(latest))) return false;
    if (oldest && (inclusive ? t < tsToMicros(oldest) : t <= tsToMicros(oldest))) return false;
    return true;
  };
}

export function conversationMethods(ctx: ApiContext): MethodTable {
  const { space, log } = ctx;
  const channelOut = (ch: Parameters<typeof channelObject>[2], opts?: { numMembers?: boolean }) => channelObject(space, log, ch, opts);
  const page = (msgs: EmulatedMessage[], args: Record<string, any>, dfltLimit: number) => {
    const { page: shown, next } = paginate(msgs, args, dfltLimit);
    const withMeta = bool(args.include_all_metadata);
    return { messages: shown.map((m) => log.out(m, { metadata: withMeta })), has_more: next !== '', next };
  };

  return {
    'conversations.info': (args) => {
      const ch = readable(ctx, args.channel, { requireMember: false });
      return { channel: channelOut(ch, { numMembers: bool(args.include_num_members) }) };
    },

    'conversations.open': (args) => {
      const chRef = str(args.channel);
      if (chRef) {
        const ch = space.lookupChannel(chRef);
        if (!ch || !(ch.is_im || ch.is_mpim) || !ch.members.includes(space.bot.userId)) throw new SlackApiError('channel_not_found');
        return { no_op: true, already_open: true, channel: bool(args.return_im) ? channelOut(ch) : { id: ch.id } };
      }
      const usersArg = str(args.users);
      if (!usersArg) throw new SlackApiError('users_list_not_supplied');
      const ids = usersArg.split(',').map((s) => s.trim()).filter(Boolean);
      for (const id of ids) {
        const u = space.users.get(id);
        if (!u) throw new SlackApiError('user_not_found');
        if (u.deleted) throw new SlackApiError('user_disabled');
        if (u.is_bot) throw new SlackApiError('cannot_dm_bot');
      }
      if (ids.length === 1) {
        const existed = !!space.lookupChannel(ids[0]!);
        const ch = space.openDm(ids[0]!);
        return { no_op: existed, already_open: existed, channel: bool(args.return_im) ? channelOut(ch) : { id: ch.id } };
      }
      if (ids.length > MAX_MPIM_USERS) throw new SlackApiError('too_many_users');
      const members = [...new Set([...ids, space.bot.userId])].sort();
      const existing = [...space.channels.values()].find((c) => c.is_mpim && [...c.members].sort().join() === members.join());
      if (existing) return { no_op: true, already_open: true, channel: { id: existing.id } };
      const seq = space.nextSeq();
      const name = `mpdm-${members.map((m) => space.users.get(m)?.name ?? m).join('--')}-1`;
      const ch = space.putChannel({ id: `G0MPIM${seq}`, name, is_private: true, is_mpim: true, members });
      return { no_op: false, already_open: false, channel: { id: ch.id } };
    },

    'conversations.join': (args) => {
      const ch = visible(ctx, args.channel);
      if (ch.is_im || ch.is_mpim || ch.is_private) throw new SlackApiError('method_not_supported_for_channel_type');
      if (ch.is_archived) throw new SlackApiError('is_archived');
      const already = ch.members.includes(space.bot.userId);
      if (!already) ch.members.push(space.bot.userId);
      return { channel: channelOut(ch), ...(already ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } } : {}) };
    },

    'conversations.list': (args) => {
      const types = new Set((str(args.types) ?? 'public_channel').split(',').map((t) => t.trim()));
      const excludeArchived = bool(args.exclude_archived);
      const all = [...space.channels.values()].filter((c) => {
        if (excludeArchived && c.is_archived) return false;
        const member = c.members.includes(space.bot.userId);
        if (c.is_im) return types.has('im');
        if (c.is_mpim) return types.has('mpim') && member;
        if (c.is_private) return types.has('private_channel') && member;
        return types.has('public_channel');
      });
      const { page: shown, next } = paginate(all, args, 100);
      return { channels: shown.map((c) => channelOut(c)), response_metadata: { next_cursor: next } };
    },

    'conversations.history': (args) => {
      const ch = readable(ctx, args.channel, { requireMember: true });
      const window = inWindow(args, false);
      const msgs = (space.store.get(ch.id) ?? []).filter((m) => log.isTopLevel(m) && window(m)).reverse();
      const { messages, has_more, next } = page(msgs, args, 100);
      return { messages, has_more, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0, response_metadata: { next_cursor: next } };
    },

    'conversations.replies': (args) => {
      const ch = readable(ctx, args.channel, { requireMember: true });
      const ts = str(args.ts);
      if (!ts) throw missing('ts');
      const target = log.find(ch.id, ts);
      if (!target) throw new SlackApiError('thread_not_found');
      const rootTs = target.thread_ts ?? target.ts;
      const window = inWindow(args, true);
      const msgs = (space.store.get(ch.id) ?? []).filter((m) => m.ts === rootTs || (m.thread_ts === rootTs && window(m)));
      const { messages, has_more, next } = page(msgs, args, 1000);
      return { messages, has_more, response_metadata: { next_cursor: next } };
    },

    'conversations.members': (args) => {
      const ch = readable(ctx, args.channel, { requireMember: false });
      const members = ch.members.filter((m) => !space.users.get(m)?.deleted);
      const { page: shown, next } = paginate(members, args, 100);
      return { members: shown, response_metadata: { next_cursor: next } };
    },
  };
}
