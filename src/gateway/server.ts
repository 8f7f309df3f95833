import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { ConnectionRegistry } from './connection-registry';
import { MAX_FRAME_BYTES } from './protocol';
import { SharedRateLimiter } from './rate-limit';
import { registerFileRoutes, type FileRoutesDeps } from './file-routes';
import { registerStatsRoutes, type StatsRoutesDeps } from './stats-routes';
import { registerOpsRoutes, type OpsRoutesDeps } from './ops-routes';
import { registerApiV1, type ApiV1Deps } from './api-v1';
import { WIDGET_LATER_PATH, type WidgetBundle, type WidgetScript } from './widget-bundle';
import { releaseUpgradeRequest } from './upgrade';
import { connectionOf, DEFAULT_RATE, handleWidgetSocket, type WidgetSocketDeps } from './widget-socket';
import { themeFor } from './widget-theme';
import { sendWidgetJson, widgetLanguage, widgetTexts } from './widget-language';
import { reopenPage, reopenPageLanguage } from './reopen-page';
import type { ConversationService } from '../core/conversation-service';
import type { SettingsService } from '../core/settings';
import type { Localizer } from '../i18n/localizer';
import type { Logger } from '../logger';

const STATIC_DIR = fileURLToPath(new URL('./static/', import.meta.url));

/** The demo page's policy: no inline script, no eval; the widget's styles are constructed sheets. */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob: https:; connect-src 'self' ws: wss:; frame-ancestors 'self'; base-uri 'none'; form-action 'self'";

/** What slow or hoarding HTTP clients are allowed (see DEFAULT_HTTP_LIMITS). */
export interface HttpLimits {
  /** The request line and headers must have arrived within this (Node's `headersTimeout`). */
  headersTimeoutMs: number;
  /** The whole request, body included (`requestTimeout`): a body trickled in byte by byte is cut off with 408. */
  requestTimeoutMs: number;
  /**
   * A connection silent this long is closed (Fastify's `connectionTimeout`, the socket's idle
   * timeout). Websockets are exempt: ws clears it on upgrade and the heartbeat watches them.
   */
  idleTimeoutMs: number;
  /** Open connections, HTTP and websocket together; beyond it new ones are closed at accept. */
  maxConnections: number;
}

export const DEFAULT_HTTP_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  // Above keep-alive's 72 s, so an idle keep-alive connection ends by keep-alive's rule.
  idleTimeoutMs: 120_000,
  maxConnections: 20_000,
};

/**
 * A request's path for the log, without its query: a query may carry a secret (the reopen link's
 * `handoff_reopen` token, an API token someone put in the URL).
 */
export function loggablePath(url: string): string {
  const cut = url.search(/[?#]/);
  return cut === -1 ? url : url.slice(0, cut);
}

export interface ServerDeps {
  logger: Logger;
  core: ConversationService;
  settings: SettingsService;
  /** The customer's language: the widget's config and texts are in it. */
  localizer: Localizer;
  registry: ConnectionRegistry;
  /** The widget script, built at start; null when the build failed (served as 503). */
  widget: () => WidgetBundle | null;
  /** null: any origin may open the widget socket. */
  allowedOrigins: readonly string[] | null;
  /** Our own origin (PUBLIC_URL), always allowed. */
  publicOrigin: string;
  healthy: () => boolean;
  socketRate?: WidgetSocketDeps['rate'];
  /** Frames all sockets of one conversation may send together (default: what one socket may). */
  conversationRate?: WidgetSocketDeps['rate'];
  /** Open widget sockets allowed per client IP (default 50). */
  socketsPerIp?: number;
  /**
   * Whose X-Forwarded-For is believed (TRUST_PROXY). false (default): nobody's, the client address
   * is the TCP peer's; a hop count; or the proxies' addresses/CIDRs.
   */
  trustProxy?: false | number | readonly string[];
  /** Timeouts and the connection cap; each defaults to DEFAULT_HTTP_LIMITS. */
  httpLimits?: Partial<HttpLimits>;
  /** How often idle sockets are pinged; one missing pong and they are dropped (default 30 s). */
  heartbeatMs?: number;
  /** Customers' uploads and the signed file links; absent: no such routes. */
  files?: Omit<FileRoutesDeps, 'cors' | 'originAllowed'>;
  /** The admins' analytics API (`/api/stats`, `/api/stats.csv`); absent: no such routes. */
  stats?: StatsRoutesDeps;
  /** The REST API under /api/v1 (issue 21); absent: no such routes. Other /api/v1 routes are registered after it. */
  apiV1?: ApiV1Deps;
  /** GET /metrics and GET /readyz (ops-routes.ts); absent: no such routes. */
  ops?: OpsRoutesDeps;
  /** Times each customer message's arrival to its ack (/metrics). */
  metrics?: WidgetSocketDeps['metrics'];
  /** Extra routes (the Slack receiver) registered on the same server. */
  register?: (app: FastifyInstance) => void | Promise<void>;
}

export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const limits = { ...DEFAULT_HTTP_LIMITS, ...deps.httpLimits };
  const headersTimeout = Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs);
  const app = Fastify({
    // pino's Logger is Fastify's logger; the generic parameters just differ in name.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests are not logged one by one; errors and domain events are.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    trustProxy: trustProxyOption(deps.trustProxy ?? false),
    requestTimeout: limits.requestTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
    http: {
      headersTimeout,
      // Node checks the header and request deadlines on this interval (30 s by default, which
      // would let a 10 s deadline run to 40 s).
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, headersTimeout / 4)),
    },
  });
  app.server.maxConnections = limits.maxConnections;

  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err, url: loggablePath(req.url) }, 'request failed');
    void reply.code(status).send({ ok: false, error: status >= 500 ? 'internal_error' : 'bad_request' });
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'strict-origin-when-cross-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      reply.header('content-security-policy', PAGE_CSP);
      reply.header('x-frame-options', 'SAMEORIGIN');
    }
    return payload;
  });

  const originAllowed = (origin: string | undefined) => {
    if (!deps.allowedOrigins) return true;
    if (!origin) return false;
    const clean = origin.replace(/\/$/, '');
    return clean === deps.publicOrigin || deps.allowedOrigins.includes(clean);
  };

  const cors = (req: FastifyRequest, reply: FastifyReply) => {
    const origin = req.headers.origin;
    if (!deps.allowedOrigins) reply.header('access-control-allow-origin', '*');
    else if (origin && originAllowed(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
    }
  };

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_FRAME_BYTES, perMessageDeflate: false },
  });

  app.get('/healthz', async (_req, reply) => {
    const ok = deps.healthy();
    return reply.code(ok ? 200 : 503).send({ ok });
  });

  app.get('/api/widget/config', async (req, reply) => {
    cors(req, reply);
    const s = deps.settings.get();
    reply.header('cache-control', 'public, max-age=60');
    // In the language negotiated from ?lang= (the embed's) and ?langs= (the browser's): title, greeting, messages, texts.
    const { title, greeting, handoffMessage, agentIntroduction, queuedMessage, ...language } = widgetTexts(deps.localizer, widgetLanguage(deps.localizer, req.query));
    return sendWidgetJson(req, reply, {
      title,
      greeting,
      primaryColor: s.widgetColour,
      /** The colours the widget draws with, readable (WCAG AA) whatever the admins picked. */
      theme: themeFor(s.widgetColour),
      handoffMessage,
      agentIntroduction,
      queuedMessage,
      // The widget refuses a larger file before uploading it, and names the limit.
      ...(deps.files ? { maxUploadMb: Math.floor(deps.files.maxBytes / (1024 * 1024)) } : {}),
      ...language,
    });
  });

  // widget-later.js's texts (the email and rating cards, attachments), in the language its config gave.
  app.get('/api/widget/texts', async (req, reply) => {
    cors(req, reply);
    reply.header('cache-control', 'public, max-age=60');
    const lang = widgetLanguage(deps.localizer, { lang: (req.query as { lang?: unknown } | undefined)?.lang });
    // With the upload limit, so that the attachments refuse a larger file before sending it (as the config says).
    const limit = deps.files ? { maxUploadMb: Math.floor(deps.files.maxBytes / (1024 * 1024)) } : {};
    return sendWidgetJson(req, reply, { lang, dir: deps.localizer.dir(lang), texts: deps.localizer.group(lang, 'later'), ...limit });
  });

  const staticFile = (name: string, type: string) => {
    const path = `${STATIC_DIR}${name}`;
    return async (_req: FastifyRequest, reply: FastifyReply) => {
      const body = await fs.promises.readFile(path);
      return reply.type(type).header('cache-control', 'no-cache').send(body);
    };
  };
  const demoPage = staticFile('index.html', 'text/html; charset=utf-8');
  // A follow-up email's link: the page in the customer's language, the widget reopening the chat.
  app.get('/', async (req, reply) => {
    const query = req.query as { handoff_reopen?: unknown; hl?: unknown } | undefined;
    if (typeof query?.handoff_reopen !== 'string') return demoPage(req, reply);
    const lang = reopenPageLanguage(deps.localizer, query.hl, req.headers['accept-language']);
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(reopenPage(deps.localizer, lang, deps.settings.get().widgetTitle));
  });
  app.get('/demo.css', staticFile('demo.css', 'text/css; charset=utf-8'));

  // The widget's scripts are served gzipped (compressed once per build): its size budget is a gzipped one.
  const gzipped = new Map<string, Buffer>(); // by etag
  const script = (pick: (bundle: WidgetBundle) => WidgetScript) => async (req: FastifyRequest, reply: FastifyReply) => {
    const bundle = deps.widget();
    if (!bundle) return reply.code(503).type('text/plain').send('widget unavailable');
    const { code, etag } = pick(bundle);
    cors(req, reply);
    const vary = reply.getHeader('vary');
    // widget.js asks for widget-later.js by its hash (?v=): that address always means these bytes.
    const pinned = (req.query as { v?: string }).v === etag.slice(1, -1);
    reply.header('etag', etag).header('cache-control', pinned ? 'public, max-age=31536000, immutable' : 'public, max-age=300').header('vary', vary ? `${String(vary)}, Accept-Encoding` : 'Accept-Encoding');
    if (req.headers['if-none-match'] === etag) return reply.code(304).send();
    reply.type('application/javascript; charset=utf-8');
    if (!/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) return reply.send(code);
    if (!gzipped.has(etag)) gzipped.set(etag, gzipSync(code, { level: 9 }));
    return reply.header('content-encoding', 'gzip').send(gzipped.get(etag));
  };
  app.get('/widget.js', script((bundle) => bundle));
  app.get(WIDGET_LATER_PATH, script((bundle) => bundle.later));

  // Per-IP socket limit: one address cannot hold the gateway's connections hostage.
  const perIp = new Map<string, number>();
  const maxPerIp = deps.socketsPerIp ?? 50;
  // Built once and shared by every socket: an idle connection holds a pointer to it, not a copy.
  const socketDeps: WidgetSocketDeps = {
    core: deps.core,
    registry: deps.registry,
    logger: deps.logger,
    rate: deps.socketRate,
    conversationRate: new SharedRateLimiter(deps.conversationRate ?? deps.socketRate ?? DEFAULT_RATE),
    metrics: deps.metrics,
    onClose: ({ ip }) => {
      const n = (perIp.get(ip) ?? 1) - 1;
      if (n > 0) perIp.set(ip, n);
      else perIp.delete(ip);
    },
  };
  // Half-open sockets (a vanished phone, a dead NAT) never say goodbye: ping, and drop the silent.
  const heartbeat = setInterval(() => {
    for (const socket of app.websocketServer?.clients ?? []) connectionOf(socket)?.heartbeat();
  }, deps.heartbeatMs ?? 30_000);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.get(
    '/widget/ws',
    {
      websocket: true,
      preValidation: async (req, reply) => {
        if (!originAllowed(req.headers.origin)) {
          req.log.warn({ origin: req.headers.origin }, 'widget socket refused: origin not allowed');
          await reply.code(403).send({ ok: false, error: 'origin_not_allowed' });
          return;
        }
        if ((perIp.get(req.ip) ?? 0) >= maxPerIp) {
          req.log.warn({ ip: req.ip }, 'widget socket refused: too many connections from one address');
          await reply.code(429).send({ ok: false, error: 'too_many_connections' });
        }
      },
    },
    (socket, req) => {
      const ip = req.ip;
      perIp.set(ip, (perIp.get(ip) ?? 0) + 1);
      // Keep nothing of the HTTP request alive for the life of the socket (see upgrade.ts).
      releaseUpgradeRequest(socket, req);
      handleWidgetSocket(socket, socketDeps, ip);
    },
  );

  if (deps.files) await registerFileRoutes(app, { ...deps.files, cors, originAllowed });
  if (deps.stats) registerStatsRoutes(app, deps.stats);
  if (deps.ops) registerOpsRoutes(app, deps.ops);
  if (deps.apiV1) registerApiV1(app, deps.apiV1);
  if (deps.register) await deps.register(app);
  return app;
}

/**
 * Fastify's own reading of a hop count trusts nobody (it cannot check the peer), so a count is
 * turned into proxy-addr's rule: the first `hops` addresses, the TCP peer first, are proxies.
 */
function trustProxyOption(trust: false | number | readonly string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (trust === false) return false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return [...trust];
}
