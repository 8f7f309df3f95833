import type { AgentService } from '../core/agent-service';
import type { ConversationService } from '../core/conversation-service';
import type { HandoffService } from '../core/handoff-service';
import type { RoutingService } from '../core/routing-service';
import type { Clock, KnowledgeBase } from '../core/ports';
import type { Logger } from '../logger';
import type { AgentDirectory } from './agent-directory';
import type { HomePublisher } from './home-publisher';
import type { SlackOutbox } from './outbox';
import type { SlackBridge } from './slack-bridge';
import type { SlackRepository } from './slack-repository';

/** What the Slack listeners need: they translate a payload into one call on these. */
export interface SlackContext {
  customer: ConversationService;
  handoff: HandoffService;
  agents: AgentService;
  routing: RoutingService;
  directory: AgentDirectory;
  slack: SlackRepository;
  bridge: SlackBridge;
  outbox: SlackOutbox;
  /** Agents' App Home tabs (views.publish through the outbox). */
  home: HomePublisher;
  knowledgeBase: KnowledgeBase;
  clock: Clock;
  logger: Logger;
  /** Tell one person something, only them (chat.postEphemeral through the outbox). */
  tellOnly(channel: string, user: string, text: string, threadTs?: string): void;
  /** Runs work for one conversation after its earlier Slack work (keeps replies in order). */
  serial(conversationId: string, work: () => Promise<void>): Promise<void>;
}

export function createSerializer(logger: Logger): SlackContext['serial'] {
  const chains = new Map<string, Promise<void>>();
  return (key, work) => {
    const next = (chains.get(key) ?? Promise.resolve())
      .then(work)
      .catch((err: unknown) => logger.error({ err, conversationId: key }, 'Slack work for a conversation failed'))
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
    return next;
  };
}
