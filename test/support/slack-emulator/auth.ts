/**
 * Request verification as the Web API does it: the bot token and the app-level token (each refused where the
 * other belongs, either revocable), and the scope each method needs for the conversation it names.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { APP_TOKEN_METHODS, DEFAULT_APP_TOKEN } from './defaults';
import type { FileAccess } from './file-urls';
import type { SlackEmulatorOptions } from './types';
import { SlackApiError, str } from './util';
import type { Workspace } from './workspace';

/** The scope family of each Events API channel_type (`channels:read`, `groups:history`, …). */
const SCOPE_FAMILY = { channel: 'channels', group: 'groups', im: 'im', mpim: 'mpim' } as const;

export class TokenAuth {
  readonly appToken: string;
  botRevoked = false;
  appRevoked = false;
  private readonly appTokenScopes: Set<string>;

  constructor(
    private readonly space: Workspace,
    opts: SlackEmulatorOptions,
  ) {
    this.appToken = opts.appToken ?? DEFAULT_APP_TOKEN;
    this.appTokenScopes = new Set(opts.appTokenScopes ?? ['connections:write']);
  }

  /** The scopes of the token a call carries (what `x-oauth-scopes` lists). */
  scopesOf(token: string | undefined): Set<string> {
    return token !== undefined && token === this.appToken ? this.appTokenScopes : this.space.scopes;
  }

  /** Who a request for a file URL (url_private…) is from: only the bot token, with files:read, gets the bytes. */
  fileAccess(token: string | undefined): FileAccess {
    if (!token || token !== this.space.bot.token || this.botRevoked) return 'unauthenticated';
    return this.space.scopes.has('files:read') ? 'ok' : 'missing_scope';
  }

  /** Throw Slack's error when `token` may not call `method` with these arguments; answers the scope it needed. */
  verify(method: string, token: string | undefined, args: Record<string, any>): string | null {
    if (!token) throw new SlackApiError('not_authed');
    const appMethod = APP_TOKEN_METHODS.has(method);
    if (token === this.appToken) {
      // An app-level token is good for apps.connections.* only; a bot token is not good for those.
      if (!appMethod) throw new SlackApiError('not_allowed_token_type');
      if (this.appRevoked) throw new SlackApiError('token_revoked');
    } else {
      if (token !== this.space.bot.token) throw new SlackApiError('invalid_auth');
      if (appMethod) throw new SlackApiError('not_allowed_token_type');
      if (this.botRevoked) throw new SlackApiError('token_revoked');
    }
    return this.requiredScope(method, args);
  }

  private requiredScope(method: string, args: Record<string, any>): string | null {
    const kind = (): string => SCOPE_FAMILY[this.space.channelType(str(args.channel) ?? '')];
    switch (method) {
      case 'chat.postMessage':
      case 'chat.update':
      case 'chat.delete':
      case 'chat.postEphemeral':
        return 'chat:write';
      case 'conversations.info':
      case 'conversations.members':
        return `${kind()}:read`;
      case 'conversations.history':
      case 'conversations.replies':
        return `${kind()}:history`;
      case 'conversations.open':
        return String(args.users ?? '').includes(',') ? 'mpim:write' : 'im:write';
      case 'conversations.join':
        return 'channels:join';
      case 'conversations.list':
        return 'channels:read';
      case 'users.info':
      case 'users.list':
      case 'users.getPresence':
        return 'users:read';
      case 'users.lookupByEmail':
        return 'users:read.email';
      case 'users.profile.get':
        return 'users.profile:read';
      case 'team.info':
        return 'team:read';
      case 'apps.connections.open':
        return 'connections:write';
      case 'files.getUploadURLExternal':
      case 'files.completeUploadExternal':
      case 'files.delete':
        return 'files:write';
      case 'files.info':
        return 'files:read';
      default:
        return null;
    }
  }
}
