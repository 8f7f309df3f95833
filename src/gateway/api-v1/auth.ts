import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { scopeAllows, type ApiKeyInfo, type ApiKeysService, type ApiScopeNeed } from '../../core/api-keys';

/**
 * Authentication of `/api/v1` (issue 21): `Authorization: Bearer hk_<prefix>_<secret>`.
 *
 * Any route, in any file, is protected by adding `preHandler: requireScope('read')` (or `'erase'`);
 * the route then reads who called with `apiCaller(req)` (for audits: its id, name and prefix).
 * requireScope needs no arguments but the scope: registerApiV1 installs the key check on the server
 * (installApiAuth), and the preHandler finds it there at request time, so routes may be registered
 * before or after it.
 *
 * - no, unknown, malformed or revoked key → 401 `{"error":"unauthorized"}` with `WWW-Authenticate: Bearer`;
 * - a key whose scope does not allow the route → 403 `{"error":"forbidden"}`.
 */

export type { ApiKeyInfo, ApiScopeNeed };

export type ApiKeyCheck = Pick<ApiKeysService, 'authenticate'>;

declare module 'fastify' {
  interface FastifyInstance {
    handoffApiKeys: ApiKeyCheck | null;
  }
  interface FastifyRequest {
    handoffApiCaller: ApiKeyInfo | null;
  }
}

/** The API's error body: a stable code and a sentence for the developer. */
export interface ApiError {
  error: 'invalid_request' | 'unauthorized' | 'forbidden' | 'not_found' | 'unavailable';
  message: string;
}

export function sendApiError(reply: FastifyReply, status: number, error: ApiError['error'], message: string): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').send({ error, message } satisfies ApiError);
}

/** Puts the key check on the server (once, on the root instance, before it starts). */
export function installApiAuth(app: FastifyInstance, keys: ApiKeyCheck): void {
  if (!app.hasDecorator('handoffApiKeys')) app.decorate('handoffApiKeys', keys);
  if (!app.hasRequestDecorator('handoffApiCaller')) app.decorateRequest('handoffApiCaller', null);
}

function bearer(req: FastifyRequest): string | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header);
  return m ? m[1]! : null;
}

/** A preHandler: the caller's key must be live and allow `need` ('read', or 'erase' for read+erase keys). */
export function requireScope(need: ApiScopeNeed): preHandlerAsyncHookHandler {
  return async function apiScopeGuard(this: FastifyInstance, req, reply) {
    reply.header('cache-control', 'no-store');
    const keys = (req.server as FastifyInstance).handoffApiKeys ?? null;
    if (!keys) {
      req.log.error({ url: req.url.split('?')[0] }, 'API route without the key check (installApiAuth was not called)');
      await sendApiError(reply, 503, 'unavailable', 'The API is not configured.');
      return;
    }
    const token = bearer(req);
    const key = token === null ? null : keys.authenticate(token);
    if (!key) {
      req.log.warn({ url: req.url.split('?')[0], ip: req.ip, key: token === null ? 'missing' : 'refused' }, 'REST API: unauthorized');
      reply.header('www-authenticate', 'Bearer realm="handoff-api"');
      await sendApiError(reply, 401, 'unauthorized', token === null ? 'Send an API key: Authorization: Bearer <key>.' : 'The API key is unknown or revoked.');
      return;
    }
    if (!scopeAllows(key.scope, need)) {
      req.log.warn({ url: req.url.split('?')[0], key: key.prefix, scope: key.scope, need }, 'REST API: scope refused');
      await sendApiError(reply, 403, 'forbidden', `This key's scope (${key.scope}) does not allow this route; it needs a read+erase key.`);
      return;
    }
    req.handoffApiCaller = key;
  };
}

/** The key that called (inside a route behind requireScope). */
export function apiCaller(req: FastifyRequest): ApiKeyInfo {
  const key = req.handoffApiCaller;
  if (!key) throw new Error('apiCaller: the route is not behind requireScope');
  return key;
}
