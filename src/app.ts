import type { FastifyInstance } from 'fastify';
import { indexKnowledgeBase, createKnowledgeBase } from './ai/knowledge-base';
import { createLocalAi } from './ai/local-ai';
import type { Config } from './config';
import { ConversationService } from './core/conversation-service';
import { EventBus } from './core/events';
import { MessageLog } from './core/message-log';
import { closedDesk, systemClock, type Ai, type Clock, type HandoffDesk, type KnowledgeBase } from './core/ports';
import { SettingsService, defaultSettings } from './core/settings';
import { createVisitorTokens } from './core/visitor-tokens';
import { createConversationRepository } from './db/conversation-repository';
import { openDatabase, type Database } from './db/database';
import { createEventRepository } from './db/event-repository';
import { createMessageRepository } from './db/message-repository';
import { migrate } from './db/migrator';
import { createSettingsRepository } from './db/settings-repository';
import { createVisitorRepository } from './db/visitor-repository';
import { ConnectionRegistry } from './gateway/connection-registry';
import { buildServer } from './gateway/server';
import { buildWidget, type WidgetBundle } from './gateway/widget-bundle';
import type { WidgetSocketDeps } from './gateway/widget-socket';
import type { Logger } from './logger';

export interface AppOptions {
  config: Config;
  logger: Logger;
  clock?: Clock;
  /** Replaces the AI provider chosen from config (tests use this for deterministic answers). */
  ai?: Ai;
  socketRate?: WidgetSocketDeps['rate'];
}

export interface App {
  config: Config;
  db: Database;
  bus: EventBus;
  core: ConversationService;
  settings: SettingsService;
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

  const db = openDatabase(config.databasePath);
  try {
    const applied = migrate(db);
    if (applied.length) logger.info({ applied }, 'database migrated');
  } catch (err) {
    db.close();
    throw err;
  }

  const kbCounts = indexKnowledgeBase(db, config.kbDir);
  logger.info({ dir: config.kbDir, ...kbCounts }, 'knowledge base indexed');
  const knowledgeBase = createKnowledgeBase(db);

  const bus = new EventBus((err, event) => logger.error({ err, event: event.type }, 'event subscriber failed'));
  const visitors = createVisitorRepository(db);
  const conversations = createConversationRepository(db);
  const messages = createMessageRepository(db);
  const events = createEventRepository(db);
  const settingsRepo = createSettingsRepository(db);
  const settings = new SettingsService(settingsRepo, defaultSettings({ aiConfidenceThreshold: config.aiConfidenceThreshold }), clock);
  const tokens = createVisitorTokens(settingsRepo.secret('visitor_token_key', clock.now().toISOString()));
  const log = new MessageLog(db, conversations, messages, clock, bus);

  const ai = options.ai ?? createLocalAi({ knowledgeBase, threshold: () => settings.get().aiConfidenceThreshold });
  const desk: HandoffDesk = closedDesk;
  if (!config.slack.botToken) {
    logger.warn('Slack is not configured (SLACK_BOT_TOKEN is unset): the widget and the AI work; handoffs wait in the queue until Slack is configured.');
  }

  const core = new ConversationService({
    db, visitors, conversations, messages, events, log, bus, clock, ai, desk, settings, tokens,
    identitySecret: config.identitySecret,
    logger,
  });

  const registry = new ConnectionRegistry(logger);
  registry.attach(bus);

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
    registry,
    widget: () => widget,
    allowedOrigins: config.widgetAllowedOrigins,
    publicOrigin: new URL(config.publicUrl).origin,
    healthy: () => {
      try {
        return db.sqlite.open && db.sqlite.prepare('SELECT 1 AS ok').get() !== undefined;
      } catch {
        return false;
      }
    },
    socketRate: options.socketRate,
  });

  let stopping: Promise<void> | null = null;
  return {
    config, db, bus, core, settings, knowledgeBase, registry, server,
    async start() {
      const address = await server.listen({ port: config.port, host: config.host });
      logger.info({ address, publicUrl: config.publicUrl }, 'Handoff is listening');
      const port = (server.server.address() as { port: number }).port;
      return `http://127.0.0.1:${port}`;
    },
    stop() {
      stopping ??= (async () => {
        // Closing the server stops new connections and closes the widget sockets.
        await server.close();
        await core.idle();
        db.close();
      })();
      return stopping;
    },
  };
}
