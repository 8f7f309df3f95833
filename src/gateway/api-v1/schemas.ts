import { z } from 'zod';

/**
 * The `/api/v1` request and response shapes (issue 21). The routes validate with these and
 * openapi.ts renders the same objects with `z.toJSONSchema`, so the document cannot drift from
 * what is enforced. Query strings arrive as strings: numbers are matched as text (the pattern is
 * the rule, and the document shows it) and converted after.
 */

export const STATES = ['ai', 'waiting', 'human', 'queued', 'resolved'] as const;
export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 50;

const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with a time zone (2026-12-01T00:00:00Z)' });

/** The filters shared by the list and the export; cursors are bound to them. */
const filterShape = {
  state: z.enum(STATES, { error: `must be one of ${STATES.join(', ')}` }).optional().describe('Only conversations in this state.'),
  agent: z
    .string()
    .regex(/^[UW][A-Z0-9]{2,30}$/, { error: 'must be a Slack user id (U…)' })
    .optional()
    .describe('Only conversations owned by this agent (Slack user id).'),
  from: isoTime.optional().describe('Only conversations started at or after this time.'),
  to: isoTime.optional().describe('Only conversations started before this time.'),
};

const fromBeforeTo = (q: { from?: string; to?: string }, ctx: z.RefinementCtx) => {
  if (q.from && q.to && Date.parse(q.from) >= Date.parse(q.to)) ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
};

export const listQuery = z
  .strictObject({
    ...filterShape,
    limit: z
      .string()
      .regex(/^(?:[1-9]\d?|100)$/, { error: `must be a whole number from 1 to ${MAX_LIMIT}` })
      .optional()
      .describe(`Conversations per page (default ${DEFAULT_LIMIT}).`),
    cursor: z
      .string()
      .min(1, { error: 'must not be empty' })
      .max(600, { error: 'is not a cursor this API issued' })
      .optional()
      .describe('`nextCursor` of the previous page, with the same filters.'),
  })
  .superRefine(fromBeforeTo);

export const EXPORT_FORMATS = ['jsonl', 'csv'] as const;

export const exportQuery = z
  .strictObject({
    ...filterShape,
    format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).optional().describe('JSON lines (one conversation a line, default) or CSV (one message a row).'),
  })
  .superRefine(fromBeforeTo);

export const conversationParams = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'is not a conversation id' }).describe('The conversation id.'),
});

export type ListQuery = z.infer<typeof listQuery>;
export type ExportQuery = z.infer<typeof exportQuery>;
export type Filters = Pick<ListQuery, 'state' | 'agent' | 'from' | 'to'>;

// Responses (documented; the handlers build them through the types below).

export const apiFile = z.object({
  id: z.string(),
  name: z.string(),
  mime: z.string(),
  size: z.number().int(),
  url: z.string().describe('A signed download link, valid for an hour.'),
});

export const apiMessage = z.object({
  id: z.string(),
  seq: z.number().int(),
  role: z.enum(['customer', 'ai', 'agent', 'system']),
  text: z.string().nullable().describe('null when the message was deleted.'),
  agent: z.string().nullable().describe("The agent's name (agent replies)."),
  createdAt: z.string(),
  editedAt: z.string().nullable(),
  deletedAt: z.string().nullable(),
  files: z.array(z.string()).describe('Ids of the files the message carries (see `files`).'),
});

export const apiConversation = z.object({
  id: z.string(),
  state: z.enum(STATES),
  visitor: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable() }),
  agent: z.string().nullable().describe('The owning agent (Slack user id).'),
  team: z.string().nullable(),
  escalationReason: z.string().nullable(),
  escalatedAt: z.string().nullable(),
  claimedAt: z.string().nullable(),
  pageUrl: z.string().nullable(),
  messageCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const apiConversationPage = z.object({
  data: z.array(apiConversation),
  nextCursor: z.string().nullable().describe('Pass as `cursor` for the next page; null on the last.'),
});

export const apiConversationDetail = apiConversation.extend({
  messages: z.array(apiMessage),
  files: z.array(apiFile),
});

export const apiExportLine = apiConversation.extend({ messages: z.array(apiMessage) });

export const apiError = z.object({
  error: z.enum(['invalid_request', 'unauthorized', 'forbidden', 'not_found', 'unavailable']),
  message: z.string(),
});

export type ApiFile = z.infer<typeof apiFile>;
export type ApiMessage = z.infer<typeof apiMessage>;
export type ApiConversation = z.infer<typeof apiConversation>;
export type ApiConversationDetail = z.infer<typeof apiConversationDetail>;

/** The first problem of a failed parse, as "<parameter>: <why>" (a 400's message). */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0]!;
  if (issue.code === 'unrecognized_keys') return `${issue.keys[0]}: unknown parameter`;
  const name = issue.path.length ? issue.path.join('.') : 'request';
  // A parameter given twice arrives as a list.
  if (issue.code === 'invalid_type' && issue.expected === 'string') return `${name}: must be given once, as text`;
  return `${name}: ${issue.message}`;
}
