import { PERIODS, parsePeriod } from '../../../core/analytics/analytics-service';
import { section } from '../../blocks/common';
import type { SlackMessage } from '../../blocks/handoff-card';
import { statsMessage } from '../../blocks/stats';
import type { SlackContext } from '../../context';
import { escapeForSlack } from '../../text';
import { ADMIN_UNKNOWN_TEXT, checkAdmin } from './admin-commands';

export const STATS_USAGE = `Usage: \`/handoff stats [${PERIODS.join('|')}]\` (default 7d). Admins: \`/handoff stats api\` for the API token.`;

const ADMIN_NOTE = 'Admins: the same as JSON at `GET /api/stats?period=7d`, one row per handoff at `GET /api/stats.csv?period=30d`; `/handoff stats api` shows the token.';

/**
 * `/handoff stats [today|7d|30d]`: handoff rate, response time, resolution and CSAT against their
 * targets, split by reason, agent and team, with the likely fixes; only to the caller. Admins also
 * learn about the API, and `/handoff stats api` shows them its token.
 */
export async function statsCommand(ctx: SlackContext, arg: string, user: string): Promise<SlackMessage> {
  const word = arg.trim().toLowerCase();
  if (word === 'api' || word === 'token') {
    const check = await checkAdmin(ctx, user);
    if (check !== 'admin') return { text: check === 'unknown' ? ADMIN_UNKNOWN_TEXT : 'Only admins can see the analytics API token.' };
    const access = ctx.analytics.apiAccess();
    const [token, statsUrl, csvUrl] = [access.token, access.statsUrl, access.csvUrl].map(escapeForSlack);
    const text = [
      '*Analytics API* (only you can see this; keep the token secret)',
      `Token: \`${token}\``,
      `\`curl -H "Authorization: Bearer ${token}" "${statsUrl}?period=7d"\``,
      `\`curl -H "Authorization: Bearer ${token}" "${csvUrl}?period=30d" -o handoffs.csv\``,
    ].join('\n');
    return { text: 'Analytics API token', blocks: [section(text)] };
  }
  const period = parsePeriod(word);
  if (period === null) return { text: STATS_USAGE };
  const report = ctx.analytics.report(period);
  const admin = (await checkAdmin(ctx, user)) === 'admin';
  return statsMessage(report, { adminNote: admin ? ADMIN_NOTE : null });
}
