import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { csvCell } from '../../core/analytics/csv';
import type { ApiConversationRepository, ConversationRecord, FileRecord, MessageRecord } from '../../db/api-conversation-repository';
import { requireScope, sendApiError } from './auth';
import type { Cursors } from './cursor';
import type { ApiRouteDoc } from './openapi';
import {
  DEFAULT_LIMIT, apiConversationDetail, apiConversationPage, apiExportLine, conversationParams, describeIssue, exportQuery, listQuery,
  type ApiConversation, type ApiFile, type ApiMessage, type Filters,
} from './schemas';

export interface ConversationRoutesDeps {
  conversations: ApiConversationRepository;
  cursors: Cursors;
  /** A signed download link to a stored file, valid for `ttlSeconds`. */
  fileUrl(file: { id: string; name: string }, ttlSeconds: number): string;
}

/** Conversations read per page of an export: memory stays bounded whatever the export's size. */
const EXPORT_PAGE = 100;
const FILE_LINK_TTL_SECONDS = 60 * 60;

/** The request's part parsed with its schema, or a 400 naming the parameter (and null). */
function parse<S extends z.ZodType>(schema: S, value: unknown, reply: FastifyReply): z.infer<S> | null {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  void sendApiError(reply, 400, 'invalid_request', describeIssue(result.error));
  return null;
}

/** Times compared as stored (ISO in UTC, milliseconds): an offset given by the client is converted. */
function filtersOf(q: Filters): Filters {
  return {
    ...(q.state ? { state: q.state } : {}),
    ...(q.agent ? { agent: q.agent } : {}),
    ...(q.from ? { from: new Date(q.from).toISOString() } : {}),
    ...(q.to ? { to: new Date(q.to).toISOString() } : {}),
  };
}

export function toApiConversation(c: ConversationRecord): ApiConversation {
  return {
    id: c.id,
    state: c.state as ApiConversation['state'],
    visitor: { id: c.visitorId, name: c.visitorName, email: c.visitorEmail },
    agent: c.ownerId,
    team: c.teamId,
    escalationReason: c.escalationReason,
    escalatedAt: c.escalatedAt,
    claimedAt: c.claimedAt,
    pageUrl: c.pageUrl,
    messageCount: c.lastSeq,
    createdAt: c.createdAt,
    updatedAt: c.updatedAt,
  };
}

export function toApiMessage(m: MessageRecord): ApiMessage {
  const deleted = m.deletedAt !== null;
  return {
    id: m.id,
    seq: m.seq,
    role: m.role as ApiMessage['role'],
    text: deleted ? null : m.text,
    agent: m.agentName,
    createdAt: m.createdAt,
    editedAt: m.editedAt,
    deletedAt: m.deletedAt,
    files: deleted ? [] : m.fileIds,
  };
}

function byConversation(messages: MessageRecord[]): Map<string, MessageRecord[]> {
  const out = new Map<string, MessageRecord[]>();
  for (const m of messages) {
    const list = out.get(m.conversationId);
    if (list) list.push(m);
    else out.set(m.conversationId, [m]);
  }
  return out;
}

export const CSV_COLUMNS = [
  'conversation_id', 'conversation_state', 'conversation_created_at', 'visitor_id', 'visitor_name', 'visitor_email', 'agent',
  'message_id', 'seq', 'role', 'message_agent', 'text', 'created_at', 'edited_at', 'deleted_at', 'files',
] as const;

function csvRows(c: ConversationRecord, messages: readonly MessageRecord[]): string {
  let out = '';
  for (const m of messages) {
    const api = toApiMessage(m);
    const cells = [c.id, c.state, c.createdAt, c.visitorId, c.visitorName, c.visitorEmail, c.ownerId, m.id, m.seq, m.role, m.agentName, api.text, m.createdAt, m.editedAt, m.deletedAt, api.files.join(' ')];
    out += cells.map(csvCell).join(',') + '\r\n';
  }
  return out;
}

/**
 * Every matching conversation, page by page (the database read in pages of EXPORT_PAGE, the event
 * loop given back between them), as JSON lines or CSV text.
 */
async function* exportChunks(repo: ApiConversationRepository, filters: Filters, format: 'jsonl' | 'csv'): AsyncGenerator<string> {
  if (format === 'csv') yield CSV_COLUMNS.join(',') + '\r\n';
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const page = repo.page(filters, after, EXPORT_PAGE);
    if (page.length === 0) return;
    const messages = byConversation(repo.messages(page.map((c) => c.id)));
    let chunk = '';
    for (const c of page) {
      const own = messages.get(c.id) ?? [];
      chunk += format === 'csv' ? csvRows(c, own) : JSON.stringify({ ...toApiConversation(c), messages: own.map(toApiMessage) }) + '\n';
    }
    yield chunk;
    if (page.length < EXPORT_PAGE) return;
    const last = page[page.length - 1]!;
    after = { createdAt: last.createdAt, id: last.id };
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const NOT_FOUND = { description: 'No conversation has this id.', schema: undefined };

export const CONVERSATION_DOCS = {
  list: {
    summary: 'List conversations, newest first',
    scope: 'read',
    query: listQuery,
    responses: { 200: { description: 'A page of conversations.', schema: apiConversationPage } },
  },
  export: {
    summary: 'Export conversations with their messages (streamed)',
    description: 'JSON lines: one conversation a line, with its messages. CSV (RFC 4180): one message a row; a text cell starting with = + - @ is prefixed with \'.',
    scope: 'read',
    query: exportQuery,
    responses: {
      200: {
        description: 'The export.',
        content: { 'application/x-ndjson': { schema: apiExportLine }, 'text/csv': { example: CSV_COLUMNS.join(',') } },
      },
    },
  },
  get: {
    summary: 'One conversation with its messages and files',
    scope: 'read',
    params: conversationParams,
    responses: { 200: { description: 'The conversation.', schema: apiConversationDetail }, 404: NOT_FOUND },
  },
} satisfies Record<string, ApiRouteDoc>;

export function registerConversationRoutes(app: FastifyInstance, deps: ConversationRoutesDeps): void {
  const repo = deps.conversations;

  app.get('/api/v1/conversations', { preHandler: requireScope('read'), config: { apiDoc: CONVERSATION_DOCS.list } }, async (req, reply) => {
    const q = parse(listQuery, req.query, reply);
    if (!q) return reply;
    const filters = filtersOf(q);
    let after = null;
    if (q.cursor !== undefined) {
      const read = deps.cursors.read(q.cursor, filters);
      if (!read.ok) return sendApiError(reply, 400, 'invalid_request', read.message);
      after = read.position;
    }
    const limit = q.limit ? Number(q.limit) : DEFAULT_LIMIT;
    // One more than asked tells whether there is a next page without a count.
    const rows = repo.page(filters, after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const nextCursor = rows.length > limit && last ? deps.cursors.issue({ createdAt: last.createdAt, id: last.id }, filters) : null;
    return reply.send({ data: page.map(toApiConversation), nextCursor });
  });

  app.get('/api/v1/conversations/export', { preHandler: requireScope('read'), config: { apiDoc: CONVERSATION_DOCS.export } }, async (req, reply) => {
    const q = parse(exportQuery, req.query, reply);
    if (!q) return reply;
    const format = q.format ?? 'jsonl';
    const filters = filtersOf(q);
    const stream = Readable.from(exportChunks(repo, filters, format));
    stream.on('error', (err) => req.log.error({ err }, 'REST API: an export failed part way (the response is cut short)'));
    const stamp = new Date().toISOString().slice(0, 10);
    return reply
      .type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="conversations-${stamp}.${format}"`)
      .send(stream);
  });

  app.get('/api/v1/conversations/:id', { preHandler: requireScope('read'), config: { apiDoc: CONVERSATION_DOCS.get } }, async (req, reply) => {
    const p = parse(conversationParams, req.params, reply);
    if (!p) return reply;
    const c = repo.get(p.id);
    if (!c) return sendApiError(reply, 404, 'not_found', `id: no conversation ${p.id}`);
    const file = (f: FileRecord): ApiFile => ({ id: f.id, name: f.name, mime: f.mime, size: f.size, url: deps.fileUrl(f, FILE_LINK_TTL_SECONDS) });
    return reply.send({ ...toApiConversation(c), messages: repo.messages([c.id]).map(toApiMessage), files: repo.files(c.id).map(file) });
  });
}
