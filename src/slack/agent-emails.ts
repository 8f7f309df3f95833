import type { Mailer } from '../email/mailer';
import type { Permalink } from './thread-refs';

export interface AgentEmailsDeps {
  permalink: Permalink;
  /** Agents who want an email too: their address, or null. */
  notificationEmail: (agentId: string) => string | null;
  mailer: Pick<Mailer, 'send'>;
}

/** Emails the agents who opted in that a conversation waits for them (only once its card has a link). */
export type EmailAgents = (conversationId: string, agentIds: string[], kind: 'routed' | 'nudged') => void;

export function createAgentEmails({ permalink, notificationEmail, mailer }: AgentEmailsDeps): EmailAgents {
  return (conversationId, agentIds, kind) => {
    const link = permalink(conversationId);
    for (const agentId of agentIds) {
      const to = notificationEmail(agentId);
      if (!to || !link) continue;
      mailer.send({
        kind: 'agent_notification',
        to,
        subject: kind === 'nudged' ? 'A handoff is still waiting for you' : 'A customer needs you on Handoff',
        text: `A customer is waiting for a person.\n\nOpen the conversation in Slack: ${link}\n\n— Handoff`,
        key: `agent:${agentId}:${conversationId}:${kind}`,
        conversationId,
      });
    }
  };
}
