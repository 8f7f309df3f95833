/** The workspace-level methods: api.test, auth.test, team.info, and apps.connections.open for Socket Mode. */
import { AVATAR_BASE } from '../defaults';
import type { ApiContext, MethodTable } from './context';

const TEAM_ICON_SIZES = [34, 44, 68, 88, 102, 132, 230];

export function appMethods({ space, socket }: ApiContext): MethodTable {
  const { team, bot } = space;
  return {
    'api.test': (args) => ({ args: Object.keys(args).length ? args : undefined }),

    'apps.connections.open': () => ({ url: socket.openTicket() }),

    'auth.test': () => ({
      url: `https://${team.domain}.slack.com/`,
      team: team.name,
      user: bot.name,
      team_id: team.id,
      user_id: bot.userId,
      bot_id: bot.botId,
      is_enterprise_install: false,
    }),

    'team.info': () => ({
      team: {
        id: team.id,
        name: team.name,
        url: `https://${team.domain}.slack.com/`,
        domain: team.domain,
        email_domain: 'example.com',
        icon: { image_default: true, ...Object.fromEntries(TEAM_ICON_SIZES.map((n) => [`image_${n}`, `${AVATAR_BASE}/team_${n}.png`])) },
        avatar_base_url: `${AVATAR_BASE}/`,
        is_verified: false,
        lob_sales_home_enabled: false,
        is_sfdc_auto_slack: false,
      },
    }),
  };
}
