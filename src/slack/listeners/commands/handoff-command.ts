import type { AllMiddlewareArgs, SlackCommandMiddlewareArgs } from '@slack/bolt';
import type { AgentStatusSummary } from '../../../core/agent-service';
import { AGENT_STATUSES, type AgentStatus } from '../../../core/availability';
import type { SlackContext } from '../../context';
import { ADMIN_UNKNOWN_TEXT, adminCommand, checkAdmin, type AdminCheckDeps, type AdminDeps } from './admin-commands';
import { kbGapsMessage } from '../../blocks/kb-gaps';
import { kbCommand } from './kb-command';
import { statsCommand } from './stats-command';
import { privacyCommand } from './privacy-command';
import { apiKeysCommand, apiKeysDeps } from './api-keys-command';
import { webhooksCommand, webhooksDeps } from './webhooks-command';

export const HANDOFF_USAGE = [
  '*Handoff* — how to use `/handoff`:',
  '• `/handoff available|busy|away|offline` — set your status',
  '• `/handoff` or `/handoff status` — your status, conversations and the queue',
  '• `/handoff skills billing, enterprise` — your skills (admins: `/handoff skills @someone billing`)',
  '• `/handoff notify email on|off` — also get an email when a handoff is routed to you',
  '• `/handoff kb <question>` — search the knowledge base',
  '• `/handoff kb gaps` — what the AI could not answer (7 and 30 days, by topic) and the articles learned',
  '• `/handoff stats [today|7d|30d]` — handoff rate, response time, resolution and CSAT',
  '• `/handoff rules` · `/handoff settings` — admins: escalation rules and settings',
  '• `/handoff api keys` — admins: REST API keys (create, list, revoke)',
  '• `/handoff webhooks` — admins: outgoing webhooks (add, test, remove endpoints)',
  '• `/handoff privacy export|erase <email or visitor id>` — admins: a person\'s data as a file, or erased',
].join('\n');

const STATUS_LABEL: Record<AgentStatus, string> = {
  available: '🟢 Available — ready for handoffs',
  busy: '🔴 Busy — handling chats',
  away: '🟡 Away — temporarily unavailable',
  offline: '⚪ Offline — not working',
};

export function statusText(s: AgentStatusSummary): string {
  const lines = [`*Your status:* ${STATUS_LABEL[s.status]}`];
  if (s.effective !== s.status) {
    const why = s.presence === 'away' && s.status === 'available' ? 'your Slack presence is away' : `you have ${s.activeConversations} of ${s.capacity} conversations`;
    lines.push(`Routing sees you as *${s.effective}* because ${why}.`);
  }
  lines.push(`*Your conversations:* ${s.activeConversations} of ${s.capacity}`);
  lines.push(`*Waiting for an agent:* ${s.queueLength}`);
  if (s.skills.length) lines.push(`*Skills:* ${s.skills.join(', ')}`);
  if (s.teams.length) lines.push(`*Teams:* ${s.teams.join(', ')}`);
  lines.push(`*Email notifications:* ${s.notifyEmail ? 'on' : 'off'}`);
  return lines.join('\n');
}

/** `/handoff …`: every answer goes only to the caller. */
export function handoffCommand(ctx: AdminDeps & Pick<SlackContext, 'agents' | 'analytics' | 'knowledgeBase' | 'tellOnly' | 'privacy' | 'apiKeys' | 'publicUrl' | 'webhooks'>) {
  return async ({ ack, command, client }: SlackCommandMiddlewareArgs & AllMiddlewareArgs) => {
    const reply = (text: string) => ack({ response_type: 'ephemeral', text });
    const text = (command.text ?? '').trim();
    const [verb = '', ...rest] = text.split(/\s+/);
    const arg = rest.join(' ');
    const user = command.user_id;
    switch (verb.toLowerCase()) {
      case '':
      case 'status': {
        await ctx.directory.get(user);
        return reply(statusText(ctx.agents.summary(user)));
      }
      case 'available':
      case 'busy':
      case 'away':
      case 'offline': {
        await ctx.directory.get(user);
        const summary = ctx.agents.setStatus(user, verb.toLowerCase() as AgentStatus, 'command');
        return reply(`Status set. ${statusText(summary)}`);
      }
      case 'skills':
        return reply(await skills(ctx, user, arg));
      case 'notify': {
        const m = /^email\s+(on|off)$/i.exec(arg);
        if (!m) return reply('Usage: `/handoff notify email on` or `/handoff notify email off`.');
        await ctx.directory.get(user);
        ctx.agents.setNotifyEmail(user, m[1]!.toLowerCase() === 'on');
        return reply(`Email notifications are ${m[1]!.toLowerCase()}.`);
      }
      case 'kb':
        // Exactly `gaps`: `/handoff kb gaps in coverage` is still a search.
        if (arg.toLowerCase() === 'gaps') return ack({ response_type: 'ephemeral', ...kbGapsMessage(ctx.analytics.gaps(), ctx.analytics.learnedArticles()) });
        return ack({ response_type: 'ephemeral', ...kbCommand(ctx, arg) });
      case 'rules':
      case 'settings':
        return adminCommand(ctx, verb.toLowerCase() as 'rules' | 'settings', { ack, command, client });
      case 'stats':
        return ack({ response_type: 'ephemeral', ...(await statsCommand(ctx, arg, user)) });
      case 'api': {
        // `/handoff stats api` is the analytics token; `/handoff api keys` the REST API's keys.
        if (arg.toLowerCase() !== 'keys') return reply('Usage: `/handoff api keys` (admins: the REST API keys). The analytics token is `/handoff stats api`.');
        const keys = apiKeysDeps(ctx);
        if (!keys) return reply('The REST API is not available in this deployment.');
        return apiKeysCommand(keys, { ack, command, client });
      }
      case 'webhooks': {
        const hooks = webhooksDeps(ctx);
        if (!hooks) return reply('Outgoing webhooks are not available in this deployment.');
        return webhooksCommand(hooks, { ack, command, client });
      }
      case 'privacy':
        return privacyCommand(ctx, arg, { ack, command, client });
      case 'help':
        return reply(HANDOFF_USAGE);
      default:
        return reply(`I don't know \`${verb.slice(0, 30)}\`. Statuses are ${AGENT_STATUSES.join(', ')}.\n\n${HANDOFF_USAGE}`);
    }
  };
}

async function skills(ctx: AdminCheckDeps & Pick<SlackContext, 'agents'>, caller: string, arg: string): Promise<string> {
  const target = /^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>\s*(.*)$/.exec(arg);
  let subject = caller;
  let list = arg;
  if (target) {
    const check = await checkAdmin(ctx, caller);
    if (check !== 'admin') return check === 'unknown' ? ADMIN_UNKNOWN_TEXT : "Only admins can set someone else's skills.";
    subject = target[1]!;
    list = target[2] ?? '';
  }
  await ctx.directory.get(subject);
  if (!list.trim()) {
    const current = ctx.agents.summary(subject).skills;
    return current.length ? `Skills: ${current.join(', ')}` : 'No skills set. Example: `/handoff skills billing, enterprise`';
  }
  const result = ctx.agents.setSkills(subject, list.split(/[,\s]+/));
  if (!result.ok) return `These are not valid skills: ${result.invalid.join(', ')} (letters, digits, - and _; up to 40 characters).`;
  return subject === caller ? `Your skills: ${result.skills.join(', ')}` : `<@${subject}>'s skills: ${result.skills.join(', ')}`;
}
