/**
 * What a failed Slack call means for the outbox (wait and retry, done already, or never), and the
 * fix for a permanent error in plain words.
 */

// Slack errors after which sending the same call again cannot succeed. Any other platform error
// (`ok: false`) that is not known to be transient is treated the same way: retrying a rejected
// payload forever would block its lane.
const TRANSIENT_PLATFORM_ERRORS = new Set([
  'internal_error',
  'fatal_error',
  'service_unavailable',
  'request_timeout',
  'team_added_to_org',
]);

// Errors that mean "already done": a retried call whose first attempt did reach Slack.
const ALREADY_DONE: Record<string, string[]> = {
  'reactions.add': ['already_reacted'],
  'reactions.remove': ['no_reaction'],
  'pins.add': ['already_pinned'],
  'pins.remove': ['no_pin'],
  'chat.delete': ['message_not_found'],
  'conversations.invite': ['already_in_channel'],
  'conversations.join': ['already_in_channel'],
};

export type Outcome =
  | { kind: 'rateLimited'; retryAfterMs: number }
  | { kind: 'transient'; message: string; uncertain?: boolean }
  | { kind: 'alreadyDone'; code: string }
  | { kind: 'permanent'; code: string; data: Record<string, unknown> };

/** Retry-After in seconds (missing or nonsense: 1 s) as milliseconds. */
function retryAfterMs(seconds: unknown): number {
  const s = Number(seconds);
  return (Number.isFinite(s) && s > 0 ? s : 1) * 1000;
}

/** Sorts an error thrown by the WebClient for `method`. */
export function classify(err: unknown, method: string): Outcome {
  const e = err as { code?: unknown; retryAfter?: unknown; data?: Record<string, unknown>; message?: unknown } | null;
  const message = err instanceof Error ? err.message : String(err);
  if (e?.code === 'slack_webapi_rate_limited_error') return { kind: 'rateLimited', retryAfterMs: retryAfterMs(e.retryAfter) };
  if (e?.code === 'slack_webapi_platform_error') {
    const data = e.data ?? {};
    const code = typeof data.error === 'string' ? data.error : 'unknown_error';
    if (code === 'ratelimited') {
      const meta = data.response_metadata as { retryAfter?: unknown } | undefined;
      return { kind: 'rateLimited', retryAfterMs: retryAfterMs(meta?.retryAfter) };
    }
    if (TRANSIENT_PLATFORM_ERRORS.has(code)) return { kind: 'transient', message };
    if (ALREADY_DONE[method]?.includes(code)) return { kind: 'alreadyDone', code };
    return { kind: 'permanent', code, data };
  }
  // slack_webapi_request_error (network, reset, timeout), slack_webapi_http_error (5xx), anything else.
  // A request error may still be on its way to Slack: it is "uncertain".
  return { kind: 'transient', message, uncertain: e?.code === 'slack_webapi_request_error' };
}

/**
 * A short, bounded code for a failed call (a metric label): Slack's own error code, `ratelimited`,
 * `http_<status>` for an HTTP error, `request_error` (network, timeout), `unknown` for anything else.
 */
export function apiErrorCode(err: unknown): string {
  const e = err as { code?: unknown; statusCode?: unknown; data?: { error?: unknown } } | null;
  if (e?.code === 'slack_webapi_rate_limited_error') return 'ratelimited';
  if (e?.code === 'slack_webapi_platform_error') return typeof e.data?.error === 'string' && /^[a-z0-9_]{1,64}$/.test(e.data.error) ? e.data.error : 'unknown_error';
  if (e?.code === 'slack_webapi_http_error') return typeof e.statusCode === 'number' ? `http_${e.statusCode}` : 'http_error';
  if (e?.code === 'slack_webapi_request_error') return 'request_error';
  return 'unknown';
}

/** The fix for a permanent Slack error, in plain words for whoever reads the log or the admin page. */
export function explainSlackError(code: string, method: string, args: Record<string, unknown>, data: Record<string, unknown> = {}): string {
  const channel = typeof args.channel === 'string' ? args.channel : '?';
  switch (code) {
    case 'not_in_channel':
      return `invite the app to the channel: /invite @handoff in <#${channel}>`;
    case 'channel_not_found':
      return `the channel ${channel} does not exist or the app cannot see it: check the configured channel id, and invite the app if the channel is private`;
    case 'is_archived':
    case 'channel_is_archived':
      return `the channel ${channel} is archived: unarchive it or configure another channel`;
    case 'invalid_auth':
    case 'not_authed':
    case 'token_revoked':
    case 'token_expired':
    case 'account_inactive':
      return 'SLACK_BOT_TOKEN is wrong or revoked: reinstall the app and set the new Bot User OAuth Token (xoxb-…)';
    case 'missing_scope': {
      const needed = typeof data.needed === 'string' ? data.needed : 'that the method needs';
      return `add the scope ${needed} in manifest.yml (oauth_config.scopes.bot) and reinstall the app`;
    }
    case 'no_permission':
    case 'restricted_action':
    case 'ekm_access_denied':
      return `a workspace setting keeps the app from doing this in <#${channel}>: ask a Slack admin to allow it`;
    case 'invalid_blocks':
    case 'invalid_blocks_format':
    case 'invalid_arguments':
    case 'invalid_arg_name':
    case 'invalid_metadata_format':
    case 'msg_too_long':
    case 'no_text':
    case 'too_many_attachments':
      return `Slack refused the payload Handoff built for ${method} (a bug in Handoff: please report it with this log line)`;
    case 'cant_update_message':
    case 'edit_window_closed':
      return 'the message cannot be edited by the app (not its own message, or too old)';
    case 'message_not_found':
      return 'the message to change was deleted in Slack';
    case 'thread_not_found':
      return 'the thread was deleted in Slack';
    case 'user_not_found':
    case 'users_not_found':
      return 'the Slack user no longer exists (deactivated, or a wrong user id)';
    default:
      return `Slack refused ${method} with "${code}": see https://api.slack.com/methods/${method}#errors`;
  }
}
