import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { apiError } from './schemas';

/**
 * The OpenAPI 3.1 document of `/api/v1`, generated from the zod schemas the routes validate with
 * (`z.toJSONSchema`, requests read as their input type). A route documents itself by carrying
 * `config: { apiDoc }`; every route registered under /api/v1 after trackApiRoutes is listed, and one
 * without a doc is listed as undocumented (test/api-v1-openapi.test.ts refuses that), so a new
 * route cannot be left out silently.
 */

export interface ApiResponseDoc {
  description: string;
  /** A JSON body. */
  schema?: z.ZodType;
  /** Other bodies, by media type. */
  content?: Record<string, { schema?: z.ZodType; example?: string }>;
}

export interface ApiRouteDoc {
  summary: string;
  description?: string;
  /** What the key must allow; null: no key needed. */
  scope: 'read' | 'erase' | null;
  query?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, ApiResponseDoc>;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    apiDoc?: ApiRouteDoc;
  }
  interface FastifyInstance {
    handoffApiRoutes: ApiRouteEntry[];
  }
}

export interface ApiRouteEntry {
  method: string;
  url: string;
  doc: ApiRouteDoc | null;
}

export const API_PREFIX = '/api/v1';

/** Records the routes registered under /api/v1 from now on (call before registering them). */
export function trackApiRoutes(app: FastifyInstance): ApiRouteEntry[] {
  if (app.hasDecorator('handoffApiRoutes')) return app.handoffApiRoutes;
  const routes: ApiRouteEntry[] = [];
  app.decorate('handoffApiRoutes', routes);
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith(`${API_PREFIX}/`)) return;
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    // Fastify adds a HEAD beside each GET by itself.
    for (const method of methods) if (method !== 'HEAD') routes.push({ method, url: route.url, doc: route.config?.apiDoc ?? null });
  });
  return routes;
}

type Json = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

function parameters(schema: z.ZodType | undefined, where: 'query' | 'path'): Json[] {
  if (!schema) return [];
  const s = jsonSchema(schema, 'input') as { properties?: Record<string, Json>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => {
    const { description, ...rest } = prop;
    return {
      name,
      in: where,
      required: where === 'path' || (s.required ?? []).includes(name),
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const errorRef = { $ref: '#/components/schemas/Error' };
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: errorRef } } });

function operation(doc: ApiRouteDoc): Json {
  const responses: Json = {};
  for (const [status, r] of Object.entries(doc.responses)) {
    const content: Json = {};
    if (r.schema) content['application/json'] = { schema: jsonSchema(r.schema, 'output') };
    for (const [type, c] of Object.entries(r.content ?? {})) content[type] = { ...(c.schema ? { schema: jsonSchema(c.schema, 'output') } : {}), ...(c.example ? { example: c.example } : {}) };
    responses[status] = Number(status) >= 400 && Object.keys(content).length === 0 ? errorResponse(r.description) : { description: r.description, ...(Object.keys(content).length ? { content } : {}) };
  }
  if (doc.query || doc.params || doc.body) responses['400'] ??= errorResponse('A parameter is invalid; `message` names it and says why.');
  if (doc.scope) {
    responses['401'] ??= errorResponse('No API key, or an unknown or revoked one.');
    responses['403'] ??= errorResponse(doc.scope === 'erase' ? "The key's scope is read only; this route needs read+erase." : "The key's scope does not allow this route.");
  }
  return {
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    ...(doc.scope ? { 'x-scope': doc.scope } : { security: [] }),
    parameters: [...parameters(doc.params, 'path'), ...parameters(doc.query, 'query')],
    ...(doc.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(doc.body, 'input') } } } } : {}),
    responses,
  };
}

/** `/api/v1/conversations/:id` → `/api/v1/conversations/{id}`. */
export function openApiPath(url: string): string {
  return url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

export function openApiDocument(routes: readonly ApiRouteEntry[], serverUrl: string): Json {
  const paths: Record<string, Json> = {};
  for (const r of routes) {
    const path = openApiPath(r.url);
    paths[path] ??= {};
    paths[path]![r.method.toLowerCase()] = r.doc ? operation(r.doc) : { summary: 'Undocumented', 'x-undocumented': true, responses: {} };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Handoff API',
      version: '1',
      description:
        "Conversations with their messages and files, exports, and a visitor's data (export and erasure). Keys are created by admins in Slack (`/handoff api keys`) and sent as `Authorization: Bearer <key>`; a `read` key reads, a `read+erase` key may also erase.",
    },
    servers: [{ url: serverUrl.replace(/\/$/, '') }],
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'An API key `hk_<prefix>_<secret>`, scope read or read+erase.' } },
      schemas: { Error: jsonSchema(apiError, 'output') },
    },
    paths,
  };
}

export const OPENAPI_DOC: ApiRouteDoc = {
  summary: 'This document (OpenAPI 3.1)',
  scope: null,
  responses: { 200: { description: 'The OpenAPI document.', content: { 'application/json': {} } } },
};
