import { Localizer } from './i18n/localizer';
import type { FastifyInstance } from 'fastify';
import { indexKnowledgeBase, createKnowledgeBase } from './ai/knowledge-base';
import { createAi } from './ai/create-ai';
import { createTranslator } from './ai/translator';
import { createLocalAi } from './ai/local-ai';
import type { Config } from './config';
import { ConversationService } from './core/conversation-service';
import { QueuedCustomers } from './core/conversation/queued-customers';
import { Lifecycle } from './core/lifecycle/lifecycle';
import { EventBus } from './core/events';
import { MessageLog } from './core/message-log';
import { AgentService } from './core/agent-service';
import { HandoffService } from './core/handoff-service';
import { RoutingService } from './core/routing-service';
import { systemClock, type Ai, type Clock, type KnowledgeBase } from './core/ports';
import type { Conversation } from './core/types';
import { SettingsService, defaultSettings } from './core/settings';
import { OfflineFollowUp, REOPEN_TTL_DAYS } from './core/offline-followup';
import { createReopenTokens, createVisitorTokens } from './core/visitor-tokens';
import { createAgentRepository } from './db/agent-repository';
import { GroupCommit } from './db/group-commit';
import { createConversationRepository } from './db/conversation-repository';
import type { Database } from './db/database';
import { openStore } from './db/open-store';
import { createAuditRepository } from './db/audit-repository';
import { createEventRepository } from './db/event-repository';
import { createHandoffStartRepository } from './db/handoff-start-repository';
import { createJobTickRepository } from './db/job-tick-repository';
import { DEFAULT_HANDOFF_LIMITS, type HandoffLimits } from './core/handoff-limits';
import { createRuleRepository } from './db/rule-repository';
import { RulesService } from './core/rules-service';
import { TeamsService } from './core/teams-service';
import { createRoutingRepository } from './db/routing-repository';
import { createMessageRepository } from './db/message-repository';
import { createSettingsRepository } from './db/settings-repository';
import { createVisitorRepository } from './db/visitor-repository';
import { createKbDraftRepository } from './db/kb-draft-repository';
import { LearningService } from './core/learning/learning-service';
import { PrivacyService } from './core/privacy/privacy-service';
import { createPrivacyRepository, removeFileBytes } from './db/privacy-repository';
import { ApiKeysService } from './core/api-keys';
import { createWebhookRepository } from './webhooks/webhook-repository';
import { WebhookService } from './webhooks/webhook-service';
import { WebhookWorker, type WebhookWorkerOptions } from './webhooks/webhook-worker';
import { createApiKeyRepository } from './db/api-key-repository';
import { createApiConversationRepository } from './db/api-conversation-repository';
import { ConnectionRegistry } from './gateway/connection-registry';
import { buildServer, type ServerDeps } from './gateway/server';
import { buildWidget, type WidgetBundle } from './gateway/widget-bundle';
import type { WidgetSocketDeps } from './gateway/widget-socket';
import { Mailer } from './email/mailer';
import { followUpEmail } from './email/templates';
import type { Logger } from './logger';
import { createSlackIntegration, type SlackDeps, type SlackIntegration } from './slack/slack-app';
import { maintenanceJob } from './jobs/maintenance-job';
import { nudgeJob } from './jobs/nudge-job';
import { presenceJob } from './jobs/presence-job';
import { createScheduler, type Job, type Scheduler } from './jobs/scheduler';
import { AnalyticsService } from './core/analytics/analytics-service';
import { createAnalyticsRepository } from './db/analytics-repository';
import { digestJob } from './jobs/digest-job';
import { digestPoster } from './slack/digest-poster';
import { createMethodHolds } from './slack/outbox';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import { startPeerRelay } from './cluster/peer-relay';
import { createPostgresPeerChannel } from './db/postgres/peer-channel';
import { FileStore } from './files/file-store';
import { createFileUrls, FRAME_URL_TTL_SECONDS, type FileUrls } from './files/signed-urls';
import type { FileRoutesDeps } from './gateway/file-routes';
import type { PeerChannel } from './core/peers';
import { createOpsRepository } from './db/ops-repository';
import { OpsMetrics } from './ops/metrics';
import { checkReadiness } from './ops/readiness';

export interface AppOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Replaces the AI provider chosen from config (tests use this for deterministic answers). */
  ai?: Ai;
  socketRate?: WidgetSocketDeps['rate'];
  /** Frames all sockets of one conversation may send together (default: the socket rate). */
  conversationRate?: WidgetSocketDeps['rate'];
  /** Overrides WIDGET_MAX_SOCKETS_PER_IP. */
  socketsPerIp?: number;
  heartbeatMs?: number;
  /** HTTP timeouts and the connection cap (tests make the timeouts short). */
  httpLimits?: ServerDeps['httpLimits'];
  /** Uploads a visitor and a client address may make (default DEFAULT_UPLOAD_RATE). */
  uploadRate?: FileRoutesDeps['rate'];
  /** Bytes of recent messages kept in memory across conversations (default 16 MB). */
  historyCacheBytes?: number;
  /** Handoffs a visitor and a client address may start per hour (default 5 and 20). */
  handoffLimits?: Partial<HandoffLimits>;
  /** How long a write waits for another process's lock (default 5 s). */
  busyTimeoutMs?: number;
  /** Outbox pacing and backoff (tests make them fast). */
  slackOutbox?: SlackDeps['outboxOptions'];
  /** Start the scheduled jobs (presence, nudges, maintenance) with the app; default true. Tests pass false and run them by hand. */
  jobs?: boolean;
  /** OpenAI client limits (tests make them short); default 15 s per attempt and one retry. */
  openaiLimits?: { timeoutMs?: number; maxRetries?: number };
  /**
   * How this instance hears the others sharing its database (tests pass one createLocalPeerHub()
   * to several apps). Absent: the app is alone. The caller closes it, after stopping the app.
   */
  peers?: PeerChannel;
  /** Outgoing webhooks' polling, backoff and timeouts (tests make them fast). */
  webhooks?: WebhookWorkerOptions;
}

export interface App {
  config: Config;
  /** Names this instance among those sharing the database (its notes to the others carry it). */
  instanceId: string;
  db: Database;
  bus: EventBus;
  /** The only writer of messages (MessageLog.removeFile takes a file off its message). */
  log: MessageLog;
  core: ConversationService;
  handoff: HandoffService;
  agents: AgentService;
  routing: RoutingService;
  mailer: Mailer;
  /** Uploaded and relayed files: bytes under FILES_DIR, rows in `files` (src/files/file-store.ts). */
  files: FileStore;
  /** Signed, expiring links to those files (what message frames and emails carry). */
  fileUrls: FileUrls;
  /** null when SLACK_BOT_TOKEN is not set. */
  slack: SlackIntegration | null;
  /** The scheduled jobs; `jobs.run(name)` runs one now. Started by start() unless `jobs: false`. */
  jobs: Scheduler;
  settings: SettingsService;
  /** The customer's language: texts by language with the admins' overrides (src/i18n). */
  localizer: Localizer;
  rules: RulesService;
  /** Knowledge-base drafts learned from resolved handoffs (issue 20). */
  learning: LearningService;
  /** Data subject requests: a visitor's data exported or erased (issue 21). */
  privacy: PrivacyService;
  /** REST API keys (issue 21): created and revoked by admins in Slack (`/handoff api keys`). */
  apiKeys: ApiKeysService;
  /** Outgoing webhooks (issue 21): endpoints, their queue; `webhooks.backlog()` for the metrics. */
  webhooks: WebhookService;
  knowledgeBase: KnowledgeBase;
  registry: ConnectionRegistry;
  server: FastifyInstance;
  /** Listens on config.port (0 = any free port) and returns the base URL. */
  start(): Promise<string>;
  /** Stops accepting, finishes in-flight work, closes the database. Safe to call twice. */
  stop(): Promise<void>;
}

/**
 * The composition root: config → database → core → adapters. Creating an App opens and migrates
 * the database (a failing migration throws MigrationError) and indexes the knowledge base.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config, logger } = options;
  const clock = options.clock ?? systemClock;

  const { db, applied } = await openStore(config, { busyTimeoutMs: options.busyTimeoutMs });
  if (applied.length) logger.info({ applied, engine: db.engine }, 'database migrated');

  const kbCounts = indexKnowledgeBase(db, config.kbDir);
  logger.info({ dir: config.kbDir, ...kbCounts }, 'knowledge base indexed');
  if (kbCounts.articles === 0) {
    logger.warn({ dir: config.kbDir }, `The knowledge base is empty (no .md files in KB_DIR ${config.kbDir}): the AI has nothing to answer from and hands questions to a person.`);
  }
  const knowledgeBase = createKnowledgeBase(db);

  const bus = new EventBus((err, event) => logger.error({ err, event: event.type }, 'event subscriber failed'));
  // GET /metrics: counts the bus's events from the start; sockets are counted by the registry (built last).
  const opsRepo = createOpsRepository(db);
  const metrics = new OpsMetrics({
    bus,
    repo: opsRepo,
    openSockets: () => registry.size,
    aiProvider: options.ai ? 'custom' : config.openai.apiKey ? 'openai' : 'built-in',
    logger: logger.child({ component: 'metrics' }),
  });
  const visitors = createVisitorRepository(db);
  const conversations = createConversationRepository(db);
  const messages = createMessageRepository(db);
  const events = createEventRepository(db);
  const settingsRepo = createSettingsRepository(db);
  const audit = createAuditRepository(db);
  const settings = new SettingsService(settingsRepo, defaultSettings({ aiConfidenceThreshold: config.aiConfidenceThreshold }), clock, audit);
  /** Every text a customer reads, in their language (issue 22). */
  const localizer = new Localizer(settings);
  const rules = new RulesService({ repo: createRuleRepository(db), audit, clock, logger: logger.child({ component: 'rules' }) });
  const tokenKey = settingsRepo.secret('visitor_token_key', clock.now().toISOString());
  const tokens = createVisitorTokens(tokenKey);
  const reopenTokens = createReopenTokens(tokenKey, REOPEN_TTL_DAYS);
  // One group commit for the hot writes (messages, seen marks, Slack event ids): one fsync per tick.
  const commit = new GroupCommit(db);
  const files = new FileStore({ db, dir: config.filesDir, now: () => clock.now(), logger: logger.child({ component: 'files' }) });
  // Generated into the database at first start: every instance signs and checks links with the same key.
  const fileUrls = createFileUrls({ publicUrl: config.publicUrl, key: settingsRepo.secret('file_url_key', clock.now().toISOString()), now: () => clock.now() });
  const log = new MessageLog(db, conversations, messages, clock, bus, commit, { historyBytes: options.historyCacheBytes, files });
  const analytics = new AnalyticsService({
    repo: createAnalyticsRepository(db),
    clock,
    settings,
    tx: (fn) => db.tx(fn),
    // Generated into the database at first start and read from it on every request; admins see it
    // with `/handoff stats api`, replace it with `… rotate` and withdraw it with `… revoke` (audited).
    api: { token: settingsRepo.secretStore('analytics_api_token', clock.now().toISOString()), baseUrl: config.publicUrl },
    audit,
  });

  const threshold = () => settings.get().aiConfidenceThreshold;
  const builtInAi = createLocalAi({ knowledgeBase, threshold, localizer });
  // Aborted at stop: an OpenAI call in flight gives way to the built-in AI instead of holding the shutdown.
  const aiShutdown = new AbortController();
  const ai = options.ai ?? createAi({ openai: config.openai, builtIn: builtInAi, knowledgeBase, threshold, logger, limits: options.openaiLimits, shutdown: aiShutdown.signal, localizer });
  const agents = createAgentRepository(db);
  const routingRepo = createRoutingRepository(db);
  // The Slack side is created after the core it calls; the core reaches it through ports.
  let slack: SlackIntegration | null = null;
  const slackReady = Boolean(config.slack.botToken && config.slack.handoffChannel);
  // The core in dependency order: the lifecycle (the only writer of a conversation's state) first,
  // then what moves conversations through it (routing's queue, the customer side, the agent side).
  const lifecycle = new Lifecycle({ db, commit, conversations, events, bus, clock });
  const queued = new QueuedCustomers({ lifecycle, conversations, visitors, log, settings, clock, localizer });
  const routing = new RoutingService({
    db, agents, conversations, routing: routingRepo, events, settings, clock, bus, logger,
    enabled: () => slackReady,
    queueForLater: (id) => queued.queueUnclaimed(id),
    // Each statement is a round trip on PostgreSQL (~0.1-0.4 ms): a page of 100 would hold the
    // event loop for tens to hundreds of milliseconds.
    nudgePageSize: db.engine === 'postgres' ? 20 : undefined,
    commit,
    // Queue positions go only to customers with the widget open (on this instance).
    watching: (id) => registry.isOnline(id),
    topicOf: (c) => {
      const asked = messages.recent(c.id, 10).filter((m) => m.role === 'customer').map((m) => m.text).join(' ');
      return knowledgeBase.search(asked, 1)[0]?.tags ?? [];
    },
  });
  const agentService = new AgentService({ db, agents, conversations, routing: routingRepo, settings, clock, bus });
  const owners = { personaFor: (c: Conversation) => (c.ownerId ? (agents.get(c.ownerId)?.persona ?? null) : null) };

  const handoffStarts = createHandoffStartRepository(db);
  const jobTicks = createJobTickRepository(db);
  const core = new ConversationService({
    db, commit, lifecycle, queued, visitors, conversations, events, log, bus, clock, ai, desk: routing, settings, localizer, tokens, reopenTokens, owners, rules,
    identitySecret: config.identitySecret,
    logger,
    files,
    handoffStarts,
    handoffLimits: { ...DEFAULT_HANDOFF_LIMITS, ...options.handoffLimits },
    metrics,
  });
  const handoff = new HandoffService({ lifecycle, messages, events, log, bus, clock, settings, logger, localizer });
  // Claims, resolutions and hand-backs change agents' load: capacity may flip them busy or free.
  bus.subscribe((e) => {
    if (e.type !== 'conversation.state') return;
    if (e.conversation.state === 'human' || e.previous === 'human') agentService.loadsChanged();
    // Someone left the queue: everyone behind moves up.
    if (e.previous === 'waiting' && e.conversation.state !== 'waiting') routing.announceQueue();
  });

  // Handoffs teach the AI (issue 20): resolved handoffs the knowledge base could not answer become
  // drafts; an approved one is indexed with KB_DIR's files at once.
  const builtInDraft = builtInAi.draftArticle!.bind(builtInAi);
  const learning = new LearningService({
    db,
    drafts: createKbDraftRepository(db),
    draft: ai.draftArticle ? (input) => ai.draftArticle!(input) : builtInDraft,
    conversations, visitors, agents, messages,
    reindex: () => void indexKnowledgeBase(db, config.kbDir, clock),
    bus, clock,
    logger: logger.child({ component: 'learning' }),
  });
  bus.subscribe((e) => {
    if (e.type === 'conversation.state' && e.conversation.state === 'resolved') learning.kick();
  });

  // Data subject requests (issue 21): export and erasure of a visitor's data; the Slack side joins erasures.
  const privacy = new PrivacyService({
    db, store: createPrivacyRepository(db), audit, clock, bus, messages, conversations,
    forgetConversation: (id) => conversations.changedElsewhere(id),
    removeFileBytes: (ids) => removeFileBytes((id) => files.pathOf(id), ids),
    fileLink: (file, ttlSeconds) => fileUrls.fileUrl(file, ttlSeconds),
  });

  // REST API keys (issue 21): stored hashed; admins create and revoke them in Slack (audited).
  const apiKeys = new ApiKeysService({ store: createApiKeyRepository(db), audit, clock, newId: () => `ak_${randomUUID()}` });

  // Outgoing webhooks (issue 21): queued in the transaction that stores the message or records the
  // conversation's event, sent
  // by the worker; an endpoint disabled after a day of failures is told to its creator by DM.
  const webhookRepo = createWebhookRepository(db);
  const webhookWorker: WebhookWorker = new WebhookWorker({
    repo: webhookRepo, clock, logger: logger.child({ component: 'webhooks' }), allowPrivate: config.webhookAllowPrivateUrls,
    onPoll: () => webhooks.refresh(),
    onDisabled: (endpoint, why) =>
      slack?.outbox.enqueue({
        lane: `dm:${endpoint.createdBy}`,
        method: 'chat.postMessage',
        args: { channel: endpoint.createdBy, text: `⚠️ The webhook endpoint ${endpoint.url} was disabled: ${why}. Its pending deliveries were dropped; add it again with \`/handoff webhooks\` once it answers.`, unfurl_links: false },
        key: `webhook-disabled:${endpoint.id}`,
      }),
    options: options.webhooks,
  });
  const webhooks = new WebhookService({
    db, repo: webhookRepo, clock, audit, logger: logger.child({ component: 'webhooks' }), allowPrivate: config.webhookAllowPrivateUrls,
    kick: () => webhookWorker.kick(), resolve: options.webhooks?.resolve,
    conversation: (id) => conversations.get(id),
    agentName: (id) => agents.get(id)?.persona.name ?? null,
  });
  log.onWrite((message) => webhooks.onMessageWrite(message));
  events.onRecord((conversationId, type, detail, at) => webhooks.onEventRecorded(conversationId, type, detail, at));

  const mailer = new Mailer({ db, smtpUrl: config.smtpUrl, from: config.emailFrom, clock, logger: logger.child({ component: 'email' }) });

  if (config.slack.botToken) {
    slack = createSlackIntegration({
      log,
      mailer,
      // A channel Slack refused (the app is not in it, archived) counts as none until an admin sets it again.
      teamChannel: (id) => routingRepo.usableTeamChannel(id),
      rules,
      settings,
      teams: new TeamsService({ repo: routingRepo, audit, clock, rules }),
      config, db, commit, bus, clock, logger, customer: core, handoff, agentService, routing, knowledgeBase, visitors, messages, agents,
      conversations, ai, quickSummary: (ctx) => builtInAi.summariseNow(ctx).summary,
      outboxOptions: options.slackOutbox,
      slackApiError: (method, code) => metrics.slackApiError(method, code),
      analytics,
      files,
      learning,
      privacy,
      apiKeys,
      webhooks,
      // Customer messages and agents' replies translated in Slack (issue 22); none without OpenAI.
      translator: createTranslator({ openai: config.openai, limits: options.openaiLimits, signal: aiShutdown.signal }),
    });
  } else {
    logger.warn('Slack is not configured (SLACK_BOT_TOKEN is unset): the widget and the AI work; handoffs wait in the queue until Slack is configured.');
  }

  const followUp = new OfflineFollowUp({
    db, events, messages, conversations, localizer, settings, clock, reopenTokens,
    logger: logger.child({ component: 'email' }),
    sendEmail: (e) => mailer.send(e),
    composeFollowUp: (content) => followUpEmail(content, localizer),
    delaySeconds: config.offlineEmailDelaySeconds,
    publicUrl: config.publicUrl,
    fileLink: (file, ttlSeconds) => fileUrls.fileUrl(file, ttlSeconds),
  });

  const jobsLog = logger.child({ component: 'jobs' });
  const jobList: Job[] = [
    { name: 'offline-email', cron: '*/15 * * * * *', run: () => void followUp.run() },
    nudgeJob({ routing, logger: jobsLog }),
    // Catches up what kick() missed: a crash between a resolution and its draft, another instance's resolutions.
    { name: 'kb-drafts', cron: '*/30 * * * * *', run: () => learning.learn() },
    maintenanceJob({
      slack,
      customers: { pruneHandoffStarts: (before) => handoffStarts.prune(before), pruneUsedReopenLinks: (now) => visitors.pruneUsedReopenLinks(now) },
      files,
      ticks: jobTicks,
      clock,
      logger: jobsLog,
    }),
  ];
  // A users.getPresence 429 is stored, so that whichever instance runs the next tick waits too.
  if (slack) jobList.unshift(presenceJob({ agents: agentService, getPresence: slack.getPresence, clock, logger: jobsLog, holds: createMethodHolds(db) }));
  const digestChannel = config.slack.handoffChannel;
  if (slack && digestChannel) {
    jobList.push(
      digestJob({ analytics, channel: digestChannel, post: digestPoster(slack.outbox, digestChannel, slack.channels), digestTime: () => settings.get().digestTime, logger: jobsLog }),
    );
  }
  // Each tick is claimed in the database: processes sharing it run every tick once between them.
  const jobs = createScheduler({ jobs: jobList, logger: jobsLog, ticks: jobTicks });

  // Every frame carries fresh links: a widget open for hours still gets working ones.
  const registry = new ConnectionRegistry(logger, (id, seq) => core.markSeen(id, seq), log, (file) => fileUrls.fileUrl(file, FRAME_URL_TTL_SECONDS));
  registry.attach(bus);

  // Several instances sharing the database act as one (issue 16): what happens here reaches the
  // widget sockets held by the others, and each drops what it cached of the others' changes.
  const instanceId = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  // On PostgreSQL the instances hear each other through LISTEN/NOTIFY on the shared database; a
  // single SQLite process needs no channel (tests pass an in-memory hub for several on one file).
  const ownPeers = !options.peers && config.databaseUrl ? createPostgresPeerChannel(config.databaseUrl, logger.child({ component: 'peers' })) : null;
  const peers = options.peers ?? ownPeers;
  const relay = peers
    ? startPeerRelay({
        instanceId,
        peers,
        bus,
        registry,
        caches: { conversations, history: log, settings, rules },
        read: {
          conversation: (id) => conversations.get(id),
          message: (id) => messages.get(id),
          agentFor: (c) => core.agentFor(c),
          queueInfo: (id) => core.queueInfo(id),
        },
        queueMoved: () => routing.announceQueue(),
        logger: logger.child({ component: 'peers' }),
      })
    : null;

  let widget: WidgetBundle | null = null;
  try {
    widget = await buildWidget();
  } catch (err) {
    logger.error({ err }, 'the widget failed to build; /widget.js answers 503');
  }

  const server = await buildServer({
    logger,
    core,
    settings,
    localizer,
    registry,
    widget: () => widget,
    allowedOrigins: config.widgetAllowedOrigins,
    publicOrigin: new URL(config.publicUrl).origin,
    healthy: () => db.ping(),
    socketRate: options.socketRate,
    conversationRate: options.conversationRate,
    socketsPerIp: options.socketsPerIp ?? config.widgetMaxSocketsPerIp,
    trustProxy: config.trustProxy,
    httpLimits: options.httpLimits,
    heartbeatMs: options.heartbeatMs,
    register: (app) => slack?.register(app),
    metrics,
    ops: {
      metrics,
      metricsToken: config.metricsToken,
      readiness: () =>
        checkReadiness({
          ping: () => db.ping(),
          pendingMigrations: () => opsRepo.pendingMigrations(),
          slackAuth: slack ? () => slack!.authStatus() : null,
        }),
    },
    stats: { analytics },
    apiV1: {
      keys: apiKeys,
      conversations: createApiConversationRepository(db),
      cursorKey: settingsRepo.secret('api_cursor_key', clock.now().toISOString()),
      fileUrl: (file, ttlSeconds) => fileUrls.fileUrl(file, ttlSeconds),
      publicUrl: config.publicUrl,
      privacy,
    },
    files: {
      files,
      urls: fileUrls,
      tokenHolder: (token) => core.tokenHolder(token),
      maxBytes: config.maxUploadBytes,
      rate: options.uploadRate,
    },
  });

  let stopping: Promise<void> | null = null;
  return {
    config, instanceId, db, bus, log, core, handoff, agents: agentService, routing, mailer, files, fileUrls, slack, jobs, settings, localizer, rules, learning, knowledgeBase, registry, server, privacy, apiKeys, webhooks,
    async start() {
      // Listening to the others before serving anyone: no note about a socket's conversation is missed.
      await ownPeers?.listening();
      const address = await server.listen({ port: config.port, host: config.host });
      mailer.start();
      await slack?.start();
      webhookWorker.start();
      if (options.jobs !== false) jobs.start();
      logger.info({ address, publicUrl: config.publicUrl, database: db.engine }, 'Handoff is listening');
      const port = (server.server.address() as { port: number }).port;
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        // No new job runs; runs in progress end early (their signal aborts) before the database closes.
        await jobs.stop();
        // Closing the server stops new connections and closes the widget sockets. A connection a
        // client keeps open (keep-alive, a stuck request) may not hold the shutdown for long.
        const closed = server.close();
        const timer = setTimeout(() => server.server.closeAllConnections(), 5_000);
        await closed;
        clearTimeout(timer);
        aiShutdown.abort();
        // Slack listeners still running finish first (their requests were acked: Slack will not
        // send them again); the core work they start is then awaited with the rest.
        await slack?.stopReceiving();
        await core.idle();
        await learning.idle();
        // Sends in flight get a moment; the rest stay queued for the next start (or another instance).
        await webhookWorker.stop();
        // Flushes what it can to Slack; the rest stays in the outbox for the next start.
        await slack?.stop();
        await mailer.stop();
        await commit.drain();
        // Everything this instance announced has been told; nothing read for the others' notes after this.
        relay?.stop();
        metrics.stop();
        await ownPeers?.close();
        commit.close();
        db.close();
      })();
      return stopping;
    },
  };
}
