import { App, SocketModeReceiver } from '@slack/bolt';
import { WebClient, type WebAPICallResult } from '@slack/web-api';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config';
import type { ConversationService } from '../core/conversation-service';
import type { EventBus } from '../core/events';
import type { AgentService } from '../core/agent-service';
import type { AnalyticsService } from '../core/analytics/analytics-service';
import type { HandoffService } from '../core/handoff-service';
import type { LearningService } from '../core/learning/learning-service';
import type { PrivacyService } from '../core/privacy/privacy-service';
import type { WebhookService } from '../webhooks/webhook-service';
import type { ApiKeysService } from '../core/api-keys';
import { createSlackErasure } from './privacy-eraser';
import { createKbDraftRepository } from '../db/kb-draft-repository';
import { attachKbDraftPoster } from './kb-draft-poster';
import type { Ai, Clock, ConversationContext, KnowledgeBase } from '../core/ports';
import { DomainError } from '../core/errors';
import type { RoutingService } from '../core/routing-service';
import type { RulesService } from '../core/rules-service';
import type { SettingsService } from '../core/settings';
import type { TeamsService } from '../core/teams-service';
import type { AgentRepository } from '../db/agent-repository';
import type { ConversationRepository } from '../db/conversation-repository';
import { createDashboardRepository } from '../db/dashboard-repository';
import { createRoutingRepository } from '../db/routing-repository';
import type { Database } from '../db/database';
import type { GroupCommit } from '../db/group-commit';
import type { MessageRepository } from '../db/message-repository';
import type { VisitorRepository } from '../db/visitor-repository';
import type { Message } from '../core/types';
import type { Mailer } from '../email/mailer';
import type { Logger } from '../logger';
import { createAgentEmails } from './agent-emails';
import { AgentFiles, type AgentFileStore } from './agent-files';
import { AgentDirectory } from './agent-directory';
import { ChannelHealth } from './channel-health';
import { boltLogger } from './bolt-logger';
import { createSerializer, type SlackContext } from './context';
import { UPLOAD_FILE_METHOD, createFileUploader, type UploadableFiles } from './file-upload';
import { registerActions } from './listeners/actions';
import { registerCommands } from './listeners/commands';
import { registerEvents } from './listeners/events';
import { registerShortcuts } from './listeners/shortcuts';
import { registerViews } from './listeners/views';
import { SlackOutbox } from './outbox';
import { HomePublisher } from './home-publisher';
import { FastifyReceiver } from './receiver';
import { SlackInbox, intoInbox, noReceiver } from './inbox';
import { createInboxRepository } from './inbox-repository';
import { SlackBridge } from './slack-bridge';
import { mergeCustomerPosts } from './blocks/thread-messages';
import { createSlackRepository } from './slack-repository';
import { SlackIdentity, type AuthStatus } from './identity';
import { createPermalink, createThreadRefs } from './thread-refs';
import { recordSlackPost } from './slack-posts';
import type { Translator } from '../ai/translator';
import { TRANSLATE_METHOD, ThreadTranslations } from './thread-translations';

export interface SlackDeps {
  config: Config;
  db: Database;
  /** Event ids are recorded with the next group commit (with the reply the event carried). */
  commit: GroupCommit;
  bus: EventBus;
  clock: Clock;
  logger: Logger;
  customer: ConversationService;
  handoff: HandoffService;
  agentService: AgentService;
  routing: RoutingService;
  knowledgeBase: KnowledgeBase;
  visitors: VisitorRepository;
  messages: MessageRepository;
  agents: AgentRepository;
  conversations: ConversationRepository;
  /** The message writer: Slack posts for new messages are queued in their transaction; files deleted in Slack leave their message. */
  log: { onWrite(hook: (message: Message) => void): () => void; removeFile?(fileId: string): Promise<Message | null> };
  /** Stored files (src/files/file-store.ts): customers' go to their thread, agents' come from it. Without it, files stay where they are. */
  files?: UploadableFiles & AgentFileStore;
  /** The copilot (Summary, Suggest reply) and the card's summary. */
  ai: Ai;
  /** A summary at once, without the network, for the card posted at escalation. */
  quickSummary: (ctx: ConversationContext) => string;
  mailer: Mailer;
  /** A team's own Slack channel. */
  teamChannel: (teamId: string) => string | null;
  /** For the admin modals (/handoff rules, /handoff settings). */
  rules: RulesService;
  settings: SettingsService;
  teams: TeamsService;
  /** Handoff analytics (/handoff stats, the Home tab's team performance). */
  analytics: AnalyticsService;
  /** Knowledge-base drafts learned from resolved handoffs (posted in their threads, decided there). */
  learning: LearningService;
  /** Data subject requests: an erasure reaches the Slack threads (privacy-eraser.ts). */
  privacy: PrivacyService;
  /** REST API keys (/handoff api keys); absent: the command says the API is not available. */
  apiKeys?: ApiKeysService;
  /** Outgoing webhooks (/handoff webhooks); absent: the command says they are not available. */
  webhooks?: WebhookService;
  /** Outbox pacing and backoff (tests make them fast). */
  outboxOptions?: Pick<ConstructorParameters<typeof SlackOutbox>[0], 'pacing' | 'backoff' | 'refWaitMs' | 'uncertainSettleMs' | 'inFlightGraceMs'>;
  /** Each Slack call the outbox made and Slack (or the network) refused: method and short code (for /metrics). */
  slackApiError?: (method: string, code: string) => void;
  /** Translations between the customer's language and the workspace's (OpenAI); absent or null: none (issue 22). */
  translator?: Translator | null;
}

export interface SlackIntegration {
  bolt: App;
  outbox: SlackOutbox;
  directory: AgentDirectory;
  /** Agents' App Home tabs. */
  home: HomePublisher;
  /** The channels handoffs go to and their health (the digest's per-channel breakdown). */
  channels: ChannelHealth;
  /**
   * users.getPresence for the presence job. Never retried nor delayed here: a 429 rejects at once
   * with the client's rate-limited error (`retryAfter` in seconds) and the job paces itself.
   */
  getPresence(userId: string): Promise<'active' | 'away'>;
  /** Forgets Slack event ids received before `before` (ISO time); returns how many. */
  pruneDeliveries(before: string): number;
  /** Whether Slack's auth.test passed (asked again until it does): for /readyz. */
  authStatus(): Promise<AuthStatus>;
  /** Mounts /slack/events on the gateway (HTTP mode). */
  register(server: FastifyInstance): void;
  start(): Promise<void>;
  /**
   * Stops taking Slack requests (Socket Mode disconnects; HTTP requests still arriving are stored
   * and acked for the next start) and waits for the listeners still running.
   */
  stopReceiving(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Slack side, created from config: Bolt (HTTP receiver on our Fastify server, or Socket Mode
 * with SLACK_APP_TOKEN), the outbox every write goes through, and the bridge from domain events.
 */
export function createSlackIntegration(deps: SlackDeps): SlackIntegration {
  const { config, db, logger, clock } = deps;
  const botToken = config.slack.botToken;
  if (!botToken) throw new Error('createSlackIntegration needs SLACK_BOT_TOKEN');
  const channel = config.slack.handoffChannel;
  const slackLog = logger.child({ component: 'slack' });

  // Our own calls: no hidden retries, the outbox decides (429 Retry-After, backoff, permanent errors).
  const outboxClient = new WebClient(botToken, {
    slackApiUrl: config.slack.apiUrl,
    rejectRateLimitedCalls: true,
    retryConfig: { retries: 0 },
    timeout: 10_000,
  });
  const readClient = new WebClient(botToken, { slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 2, maxTimeout: 2_000 }, timeout: 5_000 });
  // Presence polling paces itself to Tier 3; the client must not wait out a Retry-After on its own.
  const presenceClient = new WebClient(botToken, { slackApiUrl: config.slack.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 0 }, timeout: 5_000 });

  const slack = createSlackRepository(db);
  const kbDrafts = createKbDraftRepository(db);
  const identity = new SlackIdentity(readClient);
  // Built in dependency order: a conversation's thread and its link, the emails that carry the link,
  // then the outbox that resolves its posts' references through them.
  const permalink = createPermalink(slack, identity.teamUrl);
  const emailAgents = createAgentEmails({
    permalink,
    notificationEmail: (agentId) => {
      const row = deps.agents.row(agentId);
      return row?.notify_email === 1 && row.email ? row.email : null;
    },
    mailer: deps.mailer,
  });
  const threads = createThreadRefs({
    slack,
    permalink,
    // The link exists now: agents who asked for emails get theirs.
    cardPosted: (conversationId) => emailAgents(conversationId, deps.routing.askedAgents(conversationId), 'routed'),
    kbDrafts: {
      ts: (draftId) => kbDrafts.get(draftId)?.slack?.ts,
      posted: (draftId, ch, ts) => kbDrafts.setSlackRef(draftId, ch, ts),
    },
  });
  const apiCall = async (method: string, args: Record<string, unknown>) => (await outboxClient.apiCall(method, args)) as WebAPICallResult as unknown as Record<string, unknown>;
  // A customer's file into its thread: one outbox item running Slack's three-step upload (file-upload.ts).
  const uploadFile = deps.files ? createFileUploader({ call: apiCall, files: deps.files, logger: slackLog }) : null;
  const outbox = new SlackOutbox({
    db,
    logger: slackLog,
    clock,
    call: (method, args) =>
      method === TRANSLATE_METHOD ? translations.run(args) : method === UPLOAD_FILE_METHOD && uploadFile ? uploadFile(args) : apiCall(method, args),
    resolveRefs: threads.resolve,
    onSent: (item, result) => {
      threads.sent(item.ref, result);
      // Erasure finds the posts naming a customer here once the outbox has pruned their rows.
      recordSlackPost(db, item, result);
    },
    // A team channel Slack refuses: its posts go to the default channel (channels, built below).
    redirect: (item, errorCode) => channels.redirect(item, errorCode),
    coalesce: (head, next) => mergeCustomerPosts(head.args, next.map((n) => n.args)),
    onApiError: deps.slackApiError,
    ...deps.outboxOptions,
  });
  // A thread in two languages: its translations are outbox items (the outbox's call above runs them).
  const translations: ThreadTranslations = new ThreadTranslations({
    translator: deps.translator ?? null,
    settings: deps.settings,
    messages: deps.messages,
    visitors: deps.visitors,
    conversations: deps.conversations,
    slack,
    outbox,
    logger: slackLog,
  });
  const bridge = new SlackBridge({
    db,
    outbox,
    slack,
    visitors: deps.visitors,
    messages: deps.messages,
    agents: deps.agents,
    conversations: deps.conversations,
    ai: deps.ai,
    quickSummary: deps.quickSummary,
    clock,
    logger: slackLog,
    channel: channel ?? '',
    teamChannel: deps.teamChannel,
    askedAgents: (id) => deps.routing.askedAgents(id),
    emailAgents,
    translations,
  });
  const directory = new AgentDirectory(readClient, deps.agents, config.slack.adminUserIds, clock, slackLog);
  const channels: ChannelHealth = new ChannelHealth({
    db,
    teams: createRoutingRepository(db),
    slack,
    outbox,
    client: readClient,
    defaultChannel: channel ?? '',
    rehome: (id, from, why, key) => bridge.rehome(id, from, why, key),
    adminUserIds: config.slack.adminUserIds,
    clock,
    logger: slackLog,
    changed: () => home.channelsChanged(),
  });
  const home = new HomePublisher({
    dashboard: createDashboardRepository(db),
    agents: deps.agentService,
    outbox,
    clock,
    logger: slackLog,
    performance: () => deps.analytics.cached('7d'),
    kbDrafts: () => kbDrafts.list('drafted', 20),
    channels: {
      rows: () => channels.overview(),
      defaultChannel: channel ?? '',
      // From the cached profile: the section is for display (admin actions ask Slack again).
      isAdmin: (userId) => {
        const agent = deps.agents.get(userId);
        return agent ? directory.isAdmin(agent) : config.slack.adminUserIds.includes(userId);
      },
    },
  });

  // Bolt runs the middleware and listeners; requests reach it through the inbox, built next.
  const bolt = new App({
    authorize: async () => {
      // Asked once (identity.ts): Bolt would call auth.test for every incoming request.
      const me = await identity.whoAmI();
      return {
        botToken,
        ...(me.bot_id ? { botId: me.bot_id } : {}),
        ...(me.user_id ? { botUserId: me.user_id } : {}),
        ...(me.team_id ? { teamId: me.team_id } : {}),
      };
    },
    receiver: noReceiver,
    logger: boltLogger(logger),
    clientOptions: { slackApiUrl: config.slack.apiUrl },
  });
  // Every request is stored before it is acked (Slack never retries what got a 2xx): see inbox.ts.
  const inbox = new SlackInbox({
    repo: createInboxRepository(db),
    commit: deps.commit,
    clock,
    logger: slackLog,
    process: (event) => bolt.processEvent(event),
  });
  const receiver = config.slack.appToken ? null : new FastifyReceiver({ signingSecret: config.slack.signingSecret!, logger: slackLog, inbox });
  // Socket Mode: our own receiver instance, so stop() can wait until the socket has really closed.
  const socketReceiver = config.slack.appToken
    ? intoInbox(
        new SocketModeReceiver({
          appToken: config.slack.appToken,
          logger: boltLogger(logger),
          installerOptions: { clientOptions: { slackApiUrl: config.slack.apiUrl } },
        }),
        inbox,
      )
    : null;

  const removeFile = deps.log.removeFile?.bind(deps.log);
  const agentFiles =
    deps.files && removeFile
      ? new AgentFiles({
          store: deps.files,
          removeFile,
          message: (id) => deps.messages.get(id),
          deleteMessage: (id) => void deps.handoff.deleteAgentMessage(id),
          botToken,
          apiUrl: config.slack.apiUrl,
          maxBytes: config.maxUploadBytes,
          logger: slackLog,
        })
      : null;
  const ctx: SlackContext = {
    customer: deps.customer,
    handoff: deps.handoff,
    agents: deps.agentService,
    directory,
    slack,
    notice: (conversationId, text) => bridge.notice(conversationId, text),
    home,
    knowledgeBase: deps.knowledgeBase,
    rules: deps.rules,
    settings: deps.settings,
    teams: deps.teams,
    channels,
    analytics: deps.analytics,
    ai: deps.ai,
    learning: deps.learning,
    privacy: deps.privacy,
    apiKeys: deps.apiKeys ?? null,
    webhooks: deps.webhooks ?? null,
    translations,
    publicUrl: deps.config.publicUrl,
    aiContext(conversationId) {
      const conversation = deps.customer.get(conversationId);
      const visitor = deps.visitors.get(conversation.visitorId);
      if (!visitor) throw new DomainError('not_found', 'This conversation no longer exists.');
      return { conversation, visitor, history: deps.messages.after(conversationId, 0).filter((m) => !m.deletedAt) };
    },
    clock,
    logger: slackLog,
    serial: createSerializer(slackLog),
    files: agentFiles,
    maxFileBytes: config.maxUploadBytes,
    tellOnly(ch, user, message, threadTs) {
      const content = typeof message === 'string' ? { text: message } : message;
      outbox.enqueue({
        lane: `${ch}:ephemeral`,
        method: 'chat.postEphemeral',
        args: { channel: ch, user, ...content, ...(threadTs ? { thread_ts: threadTs } : {}) },
      });
    },
  };

  // Slack delivers an event again when it thinks we missed it: the inbox stores each event_id once
  // and records it as applied when its listeners are done; this notes which requests got that far.
  bolt.use(inbox.middleware);
  registerActions(bolt, ctx);
  registerEvents(bolt, ctx);
  registerCommands(bolt, ctx);
  registerShortcuts(bolt, ctx);
  registerViews(bolt, ctx);
  bolt.error(async (err) => {
    slackLog.error({ err }, 'Slack listener failed');
  });

  const unsubscribeBus = channel ? bridge.attach(deps.bus) : () => {};
  const unsubscribeLog = channel ? bridge.attachToLog(deps.log) : () => {};
  const unsubscribe = () => {
    unsubscribeBus();
    unsubscribeLog();
  };
  const unsubscribeHome = home.attach(deps.bus);
  // In the erasure's transaction: the threads' customer posts become "[erased]", the card is redrawn.
  const unsubscribeErasure = deps.privacy.onErase(
    createSlackErasure({ db, outbox, slack, conversations: deps.conversations, card: (c) => bridge.card(c), defaultChannel: channel ?? '', logger: slackLog }).erase,
  );
  const unsubscribeDrafts = attachKbDraftPoster(deps.bus, { outbox, slack, homeChanged: () => home.kbDraftsChanged(), logger: slackLog });
  if (!channel) {
    slackLog.error('SLACK_HANDOFF_CHANNEL is not set: handoffs cannot be posted to Slack and wait in the queue. Set it to the id of your support channel.');
  }

  let stopReceiving: Promise<void> | null = null;
  return {
    bolt,
    outbox,
    directory,
    home,
    channels,
    async getPresence(userId) {
      const res = await presenceClient.users.getPresence({ user: userId });
      return res.presence === 'active' ? 'active' : 'away';
    },
    pruneDeliveries: (before) => slack.pruneDeliveries(before),
    authStatus: () => identity.authStatus(),
    register(server) {
      receiver?.register(server);
    },
    async start() {
      outbox.start();
      // The workspace URL makes permalinks.
      identity.learnTeamUrl(slackLog);
      if (socketReceiver) await socketReceiver.start();
      // What a crash or a stop left stored is processed now, before new events.
      inbox.start();
      slackLog.info({ mode: receiver ? 'http' : 'socket', channel }, 'Slack is connected');
    },
    stopReceiving() {
      stopReceiving ??= (async () => {
        // Resolves once the close handshake is done, so no envelope arrives after the database closes.
        if (socketReceiver) await socketReceiver.client.disconnect();
        await inbox.stop();
      })();
      return stopReceiving;
    },
    async stop() {
      unsubscribe();
      unsubscribeHome();
      unsubscribeErasure();
      unsubscribeDrafts();
      home.stop();
      await this.stopReceiving();
      await outbox.stop({ flushWithinMs: 5_000 });
    },
  };
}
