/** users.*: info, list, getPresence, lookupByEmail, profile.get. */
import { userObject } from '../api-objects';
import type { EmulatedUser } from '../types';
import { SlackApiError, bool, missing, paginate, str } from '../util';
import type { ApiContext, MethodTable } from './context';

export function userMethods({ space }: ApiContext): MethodTable {
  const known = (id: string): EmulatedUser => {
    const u = space.users.get(id);
    if (!u) throw new SlackApiError('user_not_found');
    return u;
  };
  return {
    'users.info': (args) => {
      const id = str(args.user);
      if (!id) throw missing('user');
      return { user: userObject(space, known(id), { locale: bool(args.include_locale) }) };
    },

    'users.list': (args) => {
      const { page, next } = paginate([...space.users.values()], args, 100);
      return {
        members: page.map((u) => userObject(space, u, { locale: bool(args.include_locale) })),
        cache_ts: space.nowSec(),
        response_metadata: { next_cursor: next },
      };
    },

    'users.getPresence': (args) => {
      const id = str(args.user) ?? space.bot.userId;
      const u = known(id);
      if (id !== space.bot.userId) return { presence: u.presence };
      return { presence: u.presence, online: u.presence === 'active', auto_away: false, manual_away: false, connection_count: 1, last_activity: space.nowSec() };
    },

    'users.lookupByEmail': (args) => {
      const email = str(args.email);
      if (!email) throw missing('email');
      const u = [...space.users.values()].find((x) => !x.deleted && x.email?.toLowerCase() === email.toLowerCase());
      if (!u) throw new SlackApiError('users_not_found');
      return { user: userObject(space, u) };
    },

    'users.profile.get': (args) => ({ profile: userObject(space, known(str(args.user) ?? space.bot.userId)).profile }),
  };
}
