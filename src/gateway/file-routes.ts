import fs from 'node:fs';
import type { Readable } from 'node:stream';
import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SharedRateLimiter, type Rate } from './rate-limit';
import type { FileRef } from '../core/types';
import { FileRefusedError, type StoredFile } from '../files/file-store';
import { INLINE_IMAGE_TYPES } from '../files/sniff';
import type { FileUrls } from '../files/signed-urls';

/** The part of the file store the routes use. */
export interface FileRouteStore {
  saveStream(input: {
    conversationId: string;
    visitorId: string | null;
    origin: 'customer';
    name: string;
    stream: Readable;
    truncated: () => boolean;
    maxBytes: number;
  }): Promise<FileRef>;
  get(id: string): StoredFile | undefined;
  pathOf(id: string): string;
  pendingCount(conversationId: string): number;
  discard(id: string): Promise<void>;
}

export interface FileRoutesDeps {
  files: FileRouteStore;
  urls: Pick<FileUrls, 'verifyFileUrl'>;
  /** The visitor a widget token names and their conversation; null when the token is not valid. */
  tokenHolder(token: string): { visitorId: string; conversationId: string } | null;
  /** MAX_UPLOAD_MB in bytes. */
  maxBytes: number;
  /** Uploads one visitor, and one client address, may make (on average per second, and at once). */
  rate?: { visitor: Rate; address: Rate };
  /** Sets the CORS headers of the widget's API for this request's origin. */
  cors(req: FastifyRequest, reply: FastifyReply): void;
  /** Whether a page of this origin may use the widget (as for its socket). */
  originAllowed(origin: string | undefined): boolean;
}

export const DEFAULT_UPLOAD_RATE = {
  visitor: { perSecond: 0.5, burst: 10 },
  // Offices and mobile carriers put many customers behind one address.
  address: { perSecond: 2, burst: 60 },
} satisfies FileRoutesDeps['rate'];

/** Uploads of one conversation waiting to be sent: beyond this, a client is filling the disk, not a chat. */
export const MAX_PENDING_UPLOADS = 20;

/** Multipart's own framing (boundaries, part headers) around the file: a body beyond max + this is too large whatever it holds. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * A served file is data, never a page: nothing in it runs, even opened directly. Raster images are
 * shown inline (the widget displays them); everything else is a download.
 */
export const FILE_CSP = "default-src 'none'; sandbox";

type Refusal = { status: number; error: string; message: string };

const refuse = (reply: FastifyReply, r: Refusal) => reply.code(r.status).send({ ok: false, error: r.error, message: r.message });

/** POST /api/widget/files (the customer's uploads) and GET /files/:id/:name (signed links). */
export async function registerFileRoutes(app: FastifyInstance, deps: FileRoutesDeps): Promise<void> {
  const rate = deps.rate ?? DEFAULT_UPLOAD_RATE;
  const byVisitor = new SharedRateLimiter(rate.visitor);
  const byAddress = new SharedRateLimiter(rate.address);

  // Multipart is parsed only here (an encapsulated scope): no other route takes multipart bodies.
  await app.register(async (scope) => {
    await scope.register(fastifyMultipart, { throwFileSizeLimit: false });

    scope.options('/api/widget/files', async (req, reply) => {
      deps.cors(req, reply);
      reply.header('access-control-allow-methods', 'POST');
      reply.header('access-control-allow-headers', 'authorization, content-type');
      reply.header('access-control-max-age', '600');
      return reply.code(204).send();
    });

    scope.post('/api/widget/files', async (req, reply) => {
      deps.cors(req, reply);
      if (!deps.originAllowed(req.headers.origin)) {
        return refuse(reply, { status: 403, error: 'origin_not_allowed', message: 'This site may not send files to the chat.' });
      }
      // The token only ever travels in the header: a URL ends up in logs, histories and referrers.
      const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
      const holder = token ? deps.tokenHolder(token) : null;
      if (!holder) return refuse(reply, { status: 401, error: 'unauthorized', message: 'Open the chat again to send files.' });
      if (!byVisitor.take(holder.visitorId) || !byAddress.take(req.ip)) {
        reply.header('retry-after', '5');
        return refuse(reply, { status: 429, error: 'rate_limited', message: 'You are sending files too quickly. Please wait a moment.' });
      }
      if (deps.files.pendingCount(holder.conversationId) >= MAX_PENDING_UPLOADS) {
        return refuse(reply, { status: 429, error: 'too_many_files', message: 'Send the files you attached before adding more.' });
      }
      if (!req.isMultipart()) {
        return refuse(reply, { status: 400, error: 'bad_request', message: 'Send the file as multipart/form-data with one part named "file".' });
      }
      const tooLarge = new FileRefusedError('too_large', `That file is too large: files may be up to ${Math.round((deps.maxBytes / 1048576) * 10) / 10} MB.`);
      const declared = Number(req.headers['content-length']);
      if (Number.isFinite(declared) && declared > deps.maxBytes + MULTIPART_OVERHEAD_BYTES) {
        // Said to be too large before a byte of it is read: not worth receiving.
        reply.header('connection', 'close');
        return refuse(reply, { status: 413, error: tooLarge.code, message: tooLarge.message });
      }

      let saved: FileRef | null = null;
      let refused: Refusal | null = null;
      try {
        // Every part is read to the end (past the limit busboy discards the bytes), so the client
        // gets its answer instead of a connection cut in the middle of its upload.
        for await (const part of req.parts({ limits: { fileSize: deps.maxBytes, files: 1, parts: 4, fields: 3, headerPairs: 20 } })) {
          if (part.type !== 'file') continue;
          if (part.fieldname !== 'file' || saved || refused) {
            part.file.resume();
            continue;
          }
          try {
            saved = await deps.files.saveStream({
              conversationId: holder.conversationId,
              visitorId: holder.visitorId,
              origin: 'customer',
              name: part.filename || 'file',
              stream: part.file,
              truncated: () => part.file.truncated,
              maxBytes: deps.maxBytes,
            });
          } catch (err) {
            if (!(err instanceof FileRefusedError)) throw err;
            part.file.resume();
            refused = { status: err.code === 'too_large' ? 413 : 415, error: err.code, message: err.message };
          }
        }
      } catch (err) {
        // A malformed body, a second file, a client gone: what was stored of it goes.
        if (saved) await deps.files.discard(saved.id);
        throw Object.assign(err as Error, { statusCode: (err as { statusCode?: number }).statusCode ?? 400 });
      }
      if (refused) return refuse(reply, refused);
      if (!saved) return refuse(reply, { status: 400, error: 'bad_request', message: 'Send the file as multipart/form-data with one part named "file".' });
      return reply.code(201).send({ id: saved.id, name: saved.name, mime: saved.mime, size: saved.size });
    });
  });

  app.get<{ Params: { id: string; name: string }; Querystring: { exp?: string; sig?: string } }>('/files/:id/:name', async (req, reply) => {
    const { id } = req.params;
    const verdict = deps.urls.verifyFileUrl(id, req.query.exp, req.query.sig);
    if (verdict !== 'ok') {
      return refuse(reply, { status: 403, error: verdict === 'expired' ? 'link_expired' : 'forbidden', message: 'This link has expired or is not valid.' });
    }
    const file = deps.files.get(id);
    if (!file || file.deletedAt) return refuse(reply, { status: 404, error: 'not_found', message: 'This file was removed.' });
    // Opened before answering: bytes gone from disk (removed by another instance a moment ago) are a 404, not a broken 200.
    const stream = fs.createReadStream(deps.files.pathOf(id));
    const opened = await new Promise<boolean>((resolve) => {
      stream.once('open', () => resolve(true));
      stream.once('error', () => resolve(false));
    });
    if (!opened) return refuse(reply, { status: 404, error: 'not_found', message: 'This file was removed.' });
    const inline = INLINE_IMAGE_TYPES.has(file.mime);
    const secondsLeft = Number(req.query.exp) - Math.floor(Date.now() / 1000);
    reply
      .header('content-type', servedType(file.mime))
      .header('content-length', String(file.size))
      .header('content-disposition', contentDisposition(inline ? 'inline' : 'attachment', file.name))
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', FILE_CSP)
      .header('cross-origin-resource-policy', 'cross-origin')
      .header('cache-control', `private, max-age=${Math.max(0, Math.min(secondsLeft, 3600))}`);
    return reply.send(stream);
  });
}

/** What a stored type is served as: its own type when it is one of ours (never markup), else bytes. */
const SERVED_TYPES = new Set([
  ...INLINE_IMAGE_TYPES,
  'application/pdf',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
]);

export function servedType(mime: string): string {
  if (mime === 'text/plain' || mime === 'text/csv') return `${mime}; charset=utf-8`;
  return SERVED_TYPES.has(mime) ? mime : 'application/octet-stream';
}

/** RFC 6266: a plain ASCII `filename` for old clients, and the real name as `filename*` (RFC 5987). */
export function contentDisposition(kind: 'inline' | 'attachment', name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\%;]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
