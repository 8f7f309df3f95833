import type { AgentService } from '../core/agent-service';
import type { ApiKeysService } from '../core/api-keys';
import type { AnalyticsService } from '../core/analytics/analytics-service';
import type { ConversationService } from '../core/conversation-service';
import type { HandoffService } from '../core/handoff-service';
import type { LearningService } from '../core/learning/learning-service';
import type { PrivacyService } from '../core/privacy/privacy-service';
import type { WebhookService } from '../webhooks/webhook-service';
import type { RulesService } from '../core/rules-service';
import type { SettingsService } from '../core/settings';
import type { TeamsService } from '../core/teams-service';
import type { Ai, Clock, ConversationContext, KnowledgeBase } from '../core/ports';
import type { Logger } from '../logger';
import type { AgentDirectory } from './agent-directory';
import type { AgentFiles } from './agent-files';
import type { ChannelHealth } from './channel-health';
import type { SlackMessage } from './blocks/common';
import type { HomePublisher } from './home-publisher';
import type { SlackRepository } from './slack-repository';
import type { ThreadTranslations } from './thread-translations';

/**
 * What the Slack listeners may draw on: each listener (and helper) takes only the part it uses
 * (`Pick<SlackContext, …>`), so its signature says what it touches and a test builds just that.
 */
export interface SlackContext {
  customer: ConversationService;
  handoff: HandoffService;
  agents: AgentService;
  directory: AgentDirectory;
  slack: SlackRepository;
  /** Posts a line in a conversation's thread (if it has one). */
  notice(conversationId: string, text: string): void;
  /** Agents' App Home tabs (views.publish through the outbox). */
  home: HomePublisher;
  knowledgeBase: KnowledgeBase;
  /** Escalation rules (admins: /handoff rules); every change audited. */
  rules: RulesService;
  /** Run-time settings (admins: /handoff settings); every change audited. */
  settings: SettingsService;
  /** Teams and their channels (admins: /handoff settings). */
  teams: TeamsService;
  /** Whether the app can post in a team's channel (checked when an admin saves it). */
  channels: Pick<ChannelHealth, 'check' | 'recordCheck' | 'defaultChannel'>;
  /** Handoff analytics (/handoff stats, the Home tab's team performance). */
  analytics: AnalyticsService;
  /** Knowledge-base drafts learned from resolved handoffs: approve, edit, discard (issue 20). */
  learning: LearningService;
  /** Data subject requests (admins: /handoff privacy export|erase); erasures audited. */
  privacy: PrivacyService;
  /** REST API keys (admins: /handoff api keys); every change audited. null: the API is not wired. */
  apiKeys: ApiKeysService | null;
  /** Outgoing webhooks (admins: /handoff webhooks); every change audited. Absent or null: not wired. */
  webhooks?: WebhookService | null;
  /** The customer's language and the workspace's: replies translated from Slack (issue 22). Absent: none. */
  translations?: ThreadTranslations;
  /** PUBLIC_URL (links and examples shown in Slack). */
  publicUrl: string;
  /** The copilot: summaries and drafts for agents (never answers the customer from Slack). */
  ai: Ai;
  /** A conversation as the AI reads it (throws DomainError not_found). */
  aiContext(conversationId: string): ConversationContext;
  clock: Clock;
  logger: Logger;
  /** Agents' files on their way to the customer, and their removal when deleted in Slack; null without a file store. */
  files: AgentFiles | null;
  /** The limit of a file sent to a customer (MAX_UPLOAD_MB), for what agents are told. */
  maxFileBytes: number;
  /** Tell one person something, only them (chat.postEphemeral through the outbox): text, or text and blocks. */
  tellOnly(channel: string, user: string, message: string | SlackMessage, threadTs?: string): void;
  /**
   * Runs work for one conversation after its earlier Slack work (keeps replies in order). The
   * returned promise rejects when the work fails, so the listener fails and the inbox processes the
   * request again; the conversation's later work goes on regardless.
   */
  serial(conversationId: string, work: () => Promise<void>): Promise<void>;
}

export function createSerializer(logger: Logger): SlackContext['serial'] {
  const chains = new Map<string, Promise<void>>();
  return (key, work) => {
    const run = (chains.get(key) ?? Promise.resolve()).then(work);
    // The chain itself never rejects: one failed piece of work does not block the next.
    const next = run
      .catch((err: unknown) => logger.error({ err, conversationId: key }, 'Slack work for a conversation failed'))
      .finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    chains.set(key, next);
    return run;
  };
}
