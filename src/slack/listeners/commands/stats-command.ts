import { PERIODS, parsePeriod } from '../../../core/analytics/analytics-service';
import { section, type SlackMessage } from '../../blocks/common';
import { statsMessage } from '../../blocks/stats';
import type { SlackContext } from '../../context';
import { escapeForSlack } from '../../text';
import { ADMIN_UNKNOWN_TEXT, checkAdmin, type AdminCheckDeps } from './admin-commands';

export const STATS_USAGE = `Usage: \`/handoff stats [${PERIODS.join('|')}]\` (default 7d). Admins: \`/handoff stats api\` for the API token, \`/handoff stats api rotate\` or \`revoke\` to replace or withdraw it.`;

const API_USAGE = 'Usage: `/handoff stats api` shows the analytics API token; `/handoff stats api rotate` replaces it (the old one stops working at once); `/handoff stats api revoke` withdraws it (the API answers 401 until the next rotate).';

const ADMIN_NOTE = 'Admins: the same as JSON at `GET /api/stats?period=7d`, one row per handoff at `GET /api/stats.csv?period=30d`; `/handoff stats api` shows the token.';

/**
 * `/handoff stats [today|7d|30d]`: handoff rate, response time, resolution and CSAT against their
 * targets, split by reason, agent and team, with the likely fixes; only to the caller. Admins also
 * learn about the API: `/handoff stats api` shows them its token, `/handoff stats api rotate`
 * replaces it and `/handoff stats api revoke` withdraws it (both audited, both at once).
 */
export async function statsCommand(ctx: AdminCheckDeps & Pick<SlackContext, 'analytics'>, arg: string, user: string): Promise<SlackMessage> {
  const word = arg.trim().toLowerCase();
  const [first = '', ...more] = word.split(/\s+/);
  if (first === 'api' || first === 'token') {
    // An admin action: admin status is checked now (at most a few minutes old).
    const sub = more.join(' ');
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') {
      if (check === 'unknown') return { text: ADMIN_UNKNOWN_TEXT };
      return { text: sub === '' ? 'Only admins can see the analytics API token.' : 'Only admins can rotate or revoke the analytics API token.' };
    }
    if (sub === 'rotate') {
      ctx.analytics.rotateApiToken(user);
      return apiTokenMessage(ctx, 'A new token is in use; the old one no longer works.');
    }
    if (sub === 'revoke') {
      const revoked = ctx.analytics.revokeApiToken(user);
      return {
        text: `${revoked ? 'The analytics API token is revoked' : 'The analytics API token was already revoked'}: the API answers 401 until an admin runs \`/handoff stats api rotate\`.`,
      };
    }
    if (sub !== '') return { text: API_USAGE };
    return apiTokenMessage(ctx, null);
  }
  const period = parsePeriod(word);
  if (period === null) return { text: STATS_USAGE };
  const report = ctx.analytics.report(period);
  const admin = (await checkAdmin(ctx, user)) === 'admin';
  return statsMessage(report, { adminNote: admin ? ADMIN_NOTE : null });
}

/** The token and how to use it, only to the admin who asked; or that there is none (revoked). */
function apiTokenMessage(ctx: Pick<SlackContext, 'analytics'>, notice: string | null): SlackMessage {
  const access = ctx.analytics.apiAccess();
  if (access.token === null) {
    return { text: 'There is no analytics API token: it was revoked, and the API answers 401. `/handoff stats api rotate` makes a new one.' };
  }
  const [token, statsUrl, csvUrl] = [access.token, access.statsUrl, access.csvUrl].map(escapeForSlack);
  const text = [
    ...(notice !== null ? [`*${escapeForSlack(notice)}*`] : []),
    '*Analytics API* (only you can see this; keep the token secret)',
    `Token: \`${token}\``,
    `\`curl -H "Authorization: Bearer ${token}" "${statsUrl}?period=7d"\``,
    `\`curl -H "Authorization: Bearer ${token}" "${csvUrl}?period=30d" -o handoffs.csv\``,
    'Replace it: `/handoff stats api rotate` · withdraw it: `/handoff stats api revoke`',
  ].join('\n');
  return { text: notice ?? 'Analytics API token', blocks: [section(text)] };
}
