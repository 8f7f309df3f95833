/** The default workspace, tokens and scopes the emulator starts with. */
import type { UserSeed } from './types';

/** The bot token the emulator accepts by default. */
export const DEFAULT_BOT_TOKEN = 'xoxb-1000000001-2000000002-handoffTestBotToken';

/** The app-level token (Socket Mode) the emulator accepts by default. */
export const DEFAULT_APP_TOKEN = 'xapp-1-A0HANDOFF-1-test';

/** Web API methods that take the app-level token (and refuse a bot token). */
export const APP_TOKEN_METHODS = new Set(['apps.connections.open']);

/** Scopes granted by default (no `chat:write.public`). */
export const DEFAULT_SCOPES: readonly string[] = Object.freeze([
  'app_mentions:read',
  'channels:history',
  'channels:join',
  'channels:read',
  'chat:write',
  'chat:write.customize',
  'commands',
  'files:read',
  'files:write',
  'groups:history',
  'groups:read',
  'im:history',
  'im:read',
  'im:write',
  'mpim:history',
  'mpim:read',
  'mpim:write',
  'team:read',
  'users.profile:read',
  'users:read',
  'users:read.email',
]);

/** Ids of the default workspace. */
export const SLACK_IDS = Object.freeze({
  team: 'T0HANDOFF',
  botUser: 'U0BOT',
  botId: 'B0BOT',
  appId: 'A0HANDOFF',
  /** #support: public, bot invited, all default humans are members. */
  support: 'C0SUPPORT',
  /** #general: public, bot NOT a member. */
  general: 'C0GENERAL',
  /** #secret: private, bot NOT a member. */
  secret: 'C0SECRET',
  /** Ada Lovelace, display name "Ada", workspace admin. */
  ada: 'U0ADA',
  /** Grace Hopper, display name "Grace". */
  grace: 'U0GRACE',
  /** Linus Torvalds, no display name. */
  linus: 'U0LINUS',
});

export const DEFAULT_TEAM = { id: SLACK_IDS.team, name: 'Handoff Test', domain: 'handoff-test' };
export const DEFAULT_BOT = { userId: SLACK_IDS.botUser, botId: SLACK_IDS.botId, appId: SLACK_IDS.appId, name: 'handoff', realName: 'Handoff' };
export const AVATAR_BASE = 'https://avatars.slack-emulator.test';

export const DEFAULT_HUMANS: UserSeed[] = [
  { id: SLACK_IDS.ada, name: 'ada', real_name: 'Ada Lovelace', display_name: 'Ada', email: 'ada@example.com', is_admin: true, title: 'Support lead' },
  { id: SLACK_IDS.grace, name: 'grace', real_name: 'Grace Hopper', display_name: 'Grace', email: 'grace@example.com', title: 'Support engineer' },
  { id: SLACK_IDS.linus, name: 'linus', real_name: 'Linus Torvalds', display_name: '', email: 'linus@example.com', title: '' },
];
