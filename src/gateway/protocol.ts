import { z } from 'zod';

/**
 * The widget websocket protocol (contract: "Widget websocket"). The gateway validates client frames
 * with these schemas; the widget imports the frame types (type-only, nothing of zod reaches it).
 */

export const MAX_FRAME_BYTES = 16 * 1024;
export const MAX_TEXT_CHARS = 4000;
/** Uploads one message may carry. */
export const MAX_MESSAGE_FILES = 10;
const MAX_CLIENT_ID = 64;
const MAX_FILE_ID = 64;

const text = (max: number) => z.string().max(max);

const visitorSchema = z
  .object({
    name: text(200).optional(),
    email: text(320).optional(),
    userId: text(200).optional(),
    userHash: text(128).optional(),
    attributes: z.record(z.string().max(100), z.union([z.string().max(1000), z.number(), z.boolean()])).optional(),
  })
  .strip();

const pageSchema = z.object({ url: text(2000), title: text(500).optional() }).strip();

export const clientFrameSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('hello'),
      token: text(512).optional(),
      /** The signed, expiring token of a reopen link from a follow-up email. */
      reopen: text(512).optional(),
      lastSeq: z.number().int().min(0).optional(),
      visitor: visitorSchema.optional(),
      page: pageSchema.optional(),
      /** The language the widget speaks (its config's `lang`); a code we do not speak is ignored. */
      lang: text(35).optional(),
    })
    .strip(),
  z
    .object({
      type: z.literal('message'),
      clientId: z.string().min(1).max(MAX_CLIENT_ID),
      text: z.string().max(MAX_TEXT_CHARS),
      /** Ids of the visitor's uploads (POST /api/widget/files). */
      files: z.array(z.string().min(1).max(MAX_FILE_ID)).min(1).max(MAX_MESSAGE_FILES).optional(),
    })
    .strip()
    .refine((f) => f.text.length > 0 || f.files !== undefined, { message: 'a message needs text or files', path: ['text'] }),
  z.object({ type: z.literal('request_human') }).strip(),
  z.object({ type: z.literal('email'), email: text(320) }).strip(),
  z.object({ type: z.literal('page'), url: text(2000), title: text(500).optional() }).strip(),
  z.object({ type: z.literal('typing'), typing: z.boolean() }).strip(),
  z
    .object({
      type: z.literal('rate'),
      score: z.number().int().min(1).max(5),
      comment: text(2000).optional(),
    })
    .strip(),
]);

export type ClientFrame = z.infer<typeof clientFrameSchema>;
export type HelloFrame = Extract<ClientFrame, { type: 'hello' }>;
export type MessageFrame = Extract<ClientFrame, { type: 'message' }>;

/**
 * The `message` frame's schema above, written out by hand: it is the frame every customer line
 * arrives in, and zod's general machinery costs several times this per frame. The same rules
 * (protocol.test.ts feeds both the same table); the result keeps only the known fields. Null when
 * the frame breaks a rule: the caller asks the schema then, for its exact complaint.
 */
export function parseMessageFrame(json: object): MessageFrame | null {
  const { type, clientId, text, files } = json as { type?: unknown; clientId?: unknown; text?: unknown; files?: unknown };
  if (type !== 'message') return null;
  if (typeof clientId !== 'string' || clientId.length < 1 || !fits(clientId, MAX_CLIENT_ID)) return null;
  if (typeof text !== 'string' || !fits(text, MAX_TEXT_CHARS)) return null;
  if (files === undefined) return text.length > 0 ? { type: 'message', clientId, text } : null;
  if (!Array.isArray(files) || files.length < 1 || files.length > MAX_MESSAGE_FILES) return null;
  for (const id of files) {
    if (typeof id !== 'string' || id.length < 1 || !fits(id, MAX_FILE_ID)) return null;
  }
  return { type: 'message', clientId, text, files: files.slice() as string[] };
}

/**
 * zod's `max`: at most `max` code points (a surrogate pair counts once, a lone surrogate once);
 * counted only when the UTF-16 length is over, as a string within it in units is within it in
 * code points.
 */
function fits(s: string, max: number): boolean {
  if (s.length <= max) return true;
  let count = s.length;
  for (let i = 0; i < s.length - 1 && count > max; i++) {
    if ((s.charCodeAt(i) & 0xfc00) === 0xd800 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count <= max;
}

export type WireState = 'ai' | 'waiting' | 'human' | 'queued' | 'resolved';
export type WireRole = 'customer' | 'ai' | 'agent' | 'system';
export interface WireAgent {
  name: string;
  avatarUrl?: string;
}
/** A file as the widget sees it; `url` is an absolute, signed link that works for an hour. */
export interface WireFile {
  id: string;
  name: string;
  mime: string;
  size: number;
  url: string;
}
export interface WireQueue {
  position: number;
  etaSeconds?: number;
}

export type ErrorCode =
  | 'bad_frame'
  | 'hello_required'
  | 'already_started'
  | 'invalid_email'
  | 'not_resolved'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

export type ServerFrame =
  | { type: 'welcome'; token: string; conversationId: string; state: WireState; agent?: WireAgent }
  | { type: 'ack'; clientId: string; id: string; seq: number }
  | {
      type: 'message';
      id: string;
      seq: number;
      role: WireRole;
      text: string;
      at: string;
      agent?: WireAgent;
      clientId?: string;
      files?: WireFile[];
    }
  /** `files`, when the message has (had) files: the list as it is now (a file removed in Slack is gone from it). */
  | { type: 'message_updated'; id: string; seq: number; text: string; files?: WireFile[] }
  | { type: 'message_deleted'; id: string; seq: number }
  | { type: 'state'; state: WireState; agent?: WireAgent; queue?: WireQueue }
  | { type: 'typing'; role: WireRole; typing: boolean }
  | { type: 'error'; code: ErrorCode; message: string; clientId?: string };
