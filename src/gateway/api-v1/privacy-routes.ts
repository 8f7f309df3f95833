import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { PrivacyService } from '../../core/privacy/privacy-service';
import { apiCaller, requireScope, sendApiError } from './auth';
import type { ApiRouteDoc } from './openapi';
import { describeIssue } from './schemas';

/**
 * Data subject requests over the REST API (issue 21): a visitor's data as one JSON document (read
 * keys), and its erasure (read+erase keys; audited under the key). Exactly one of `email` or
 * `visitorId` names the visitor; by email every visitor with that address is covered.
 */

const email = z.string().trim().min(3).max(320).regex(/^[^\s@]+@[^\s@]+$/, { error: 'must be an email address' }).describe('Every visitor with this email (case-insensitive).');
const visitorId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'is not a visitor id' }).describe('One visitor, by id.');

const oneOf = (q: { email?: string; visitorId?: string }, ctx: z.RefinementCtx) => {
  if (q.email === undefined && q.visitorId === undefined) ctx.addIssue({ code: 'custom', path: ['email'], message: 'give email or visitorId' });
  if (q.email !== undefined && q.visitorId !== undefined) ctx.addIssue({ code: 'custom', path: ['visitorId'], message: 'give email or visitorId, not both' });
};

export const visitorExportQuery = z.strictObject({ email: email.optional(), visitorId: visitorId.optional() }).superRefine(oneOf);
export const visitorEraseBody = z.strictObject({ email: email.optional(), visitorId: visitorId.optional() }).superRefine(oneOf);

const errorBody = z.object({ error: z.string(), message: z.string() });
const counts = z.object({
  visitors: z.number().int(),
  conversations: z.number().int(),
  messages: z.number().int(),
  files: z.number().int(),
  emails: z.number().int(),
  ratingComments: z.number().int(),
  kbDraftsUnlinked: z.number().int(),
});
const erasedBody = z.object({ status: z.enum(['erased']), visitorIds: z.array(z.string()), counts });

export const PRIVACY_DOCS = {
  export: {
    summary: "Export a visitor's data",
    description: 'Everything stored about the visitor(s) as one JSON document: identity, conversations with messages, events, files (signed links valid for a week), learned drafts, emails.',
    scope: 'read',
    query: visitorExportQuery,
    responses: {
      200: { description: 'The document.', schema: z.object({ exportedAt: z.string(), query: z.record(z.string(), z.string()), visitors: z.array(z.record(z.string(), z.unknown())) }) },
      400: { description: 'A parameter is missing or wrong (the message names it).', schema: errorBody },
      404: { description: 'Nobody matches.', schema: errorBody },
    },
  },
  erase: {
    summary: "Erase a visitor's data",
    description:
      'Erases identity, message texts, files, emails and rating comments of the visitor(s); conversations and their events stay as anonymous counts. Audited under the API key. Erasing again is harmless.',
    scope: 'erase',
    body: visitorEraseBody,
    responses: {
      200: { description: 'What was erased (counts).', schema: erasedBody },
      400: { description: 'The body is missing or wrong (the message names the field).', schema: errorBody },
      404: { description: 'Nobody matches: nothing was erased.', schema: errorBody },
    },
  },
} satisfies Record<string, ApiRouteDoc>;

export function registerPrivacyRoutes(app: FastifyInstance, deps: { privacy: PrivacyService }): void {
  app.get('/api/v1/visitors/export', { preHandler: requireScope('read'), config: { apiDoc: PRIVACY_DOCS.export } }, async (req, reply) => {
    const parsed = visitorExportQuery.safeParse(req.query ?? {});
    if (!parsed.success) return sendApiError(reply, 400, 'invalid_request', describeIssue(parsed.error));
    const query = parsed.data.email !== undefined ? { email: parsed.data.email } : { visitorId: parsed.data.visitorId! };
    const doc = deps.privacy.exportVisitor(query);
    if (!doc) return sendApiError(reply, 404, 'not_found', 'No visitor matches.');
    return reply.header('content-disposition', 'attachment; filename="handoff-export.json"').send(doc);
  });

  app.post('/api/v1/visitors/erase', { preHandler: requireScope('erase'), config: { apiDoc: PRIVACY_DOCS.erase } }, async (req, reply) => {
    const parsed = visitorEraseBody.safeParse(req.body ?? {});
    if (!parsed.success) return sendApiError(reply, 400, 'invalid_request', describeIssue(parsed.error));
    const query = parsed.data.email !== undefined ? { email: parsed.data.email } : { visitorId: parsed.data.visitorId! };
    const key = apiCaller(req);
    const outcome = await deps.privacy.eraseVisitor(query, { kind: 'api_key', keyId: key.id });
    if (outcome.status === 'nothing_found') return sendApiError(reply, 404, 'not_found', 'No visitor matches: nothing was erased.');
    return reply.send(outcome);
  });
}
