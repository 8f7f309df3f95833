import type { FastifyInstance } from 'fastify';
import type { ApiConversationRepository } from '../../db/api-conversation-repository';
import { installApiAuth, sendApiError, type ApiKeyCheck } from './auth';
import { registerConversationRoutes } from './conversations';
import { registerPrivacyRoutes } from './privacy-routes';
import type { PrivacyService } from '../../core/privacy/privacy-service';
import { createCursors } from './cursor';
import { API_PREFIX, OPENAPI_DOC, openApiDocument, trackApiRoutes } from './openapi';

export { requireScope, apiCaller, sendApiError } from './auth';
export type { ApiRouteDoc } from './openapi';

export interface ApiV1Deps {
  keys: ApiKeyCheck;
  conversations: ApiConversationRepository;
  /** Signs pagination cursors (generated into the database: every instance reads the others'). */
  cursorKey: string;
  fileUrl(file: { id: string; name: string }, ttlSeconds: number): string;
  /** PUBLIC_URL: the document's server. */
  publicUrl: string;
  /** Data subject requests: /api/v1/visitors/export and /erase (privacy-routes.ts). */
  privacy?: PrivacyService;
}

/**
 * The REST API (issue 21) on the root server. Routes other files add under /api/v1 (behind
 * `requireScope`, documented with `config: { apiDoc }`) are listed in the OpenAPI document when
 * they are registered after this.
 */
export function registerApiV1(app: FastifyInstance, deps: ApiV1Deps): void {
  installApiAuth(app, deps.keys);
  const routes = trackApiRoutes(app);
  registerConversationRoutes(app, { conversations: deps.conversations, cursors: createCursors(deps.cursorKey), fileUrl: deps.fileUrl });
  if (deps.privacy) registerPrivacyRoutes(app, { privacy: deps.privacy });

  let document: unknown = null;
  app.get(`${API_PREFIX}/openapi.json`, { config: { apiDoc: OPENAPI_DOC } }, async (_req, reply) => {
    // Built once, at the first request: every route is registered by then.
    document ??= openApiDocument(routes, deps.publicUrl);
    return reply.header('cache-control', 'no-cache').send(document);
  });

  // An unknown path under /api/v1 answers in the API's own error shape (the rest of the server keeps Fastify's).
  void app.register(
    async (api) => {
      api.setNotFoundHandler((req, reply) => sendApiError(reply, 404, 'not_found', `${req.method} ${req.url.split('?')[0]}: no such route`));
    },
    { prefix: API_PREFIX },
  );
}
