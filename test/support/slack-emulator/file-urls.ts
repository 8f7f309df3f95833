/**
 * The file URLs outside the Web API: the upload URL files.getUploadURLExternal hands out (`POST /upload/v1/…`,
 * raw bytes or multipart/form-data, one upload of exactly the announced length, within 10 minutes; answered
 * `200 OK - <bytes>`), and `url_private` / `url_private_download` (`GET /files-pri/<team>-<file>/…`), served
 * as Slack does: only with `Authorization: Bearer <bot token>` (none or a wrong one: a 302 to the workspace's
 * sign-in page, which answers HTML with 200 — what a client following redirects gets instead of the file), 403
 * for a token without `files:read`, 404 once the file is deleted. Upload POSTs play the scripted faults and
 * holds of the method name UPLOAD_URL_METHOD.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type http from 'node:http';
import type { FaultPlan } from './faults';
import type { FileLibrary } from './files';
import type { FileTransfer } from './types';
import { sleep } from './util';
import type { Workspace } from './workspace';

/** The name to give failNext / holdNext for POSTs to upload URLs, e.g. `failNext(UPLOAD_URL_METHOD, { status: 500 })`. */
export const UPLOAD_URL_METHOD = 'upload_url';

/** Who a file URL request is from: the bot with files:read, the bot without it, or nobody known. */
export type FileAccess = 'ok' | 'missing_scope' | 'unauthenticated';

export class FileUrls {
  constructor(
    private readonly space: Workspace,
    private readonly library: FileLibrary,
    private readonly faults: FaultPlan,
    private readonly timers: Set<NodeJS.Timeout>,
    private readonly access: (token: string | undefined) => FileAccess,
  ) {}

  /** True when the request was one of the file URLs (and is answered). */
  async handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<boolean> {
    if (url.pathname.startsWith('/upload/v1/')) {
      await this.upload(req, res, url, body);
      return true;
    }
    if (url.pathname.startsWith('/files-pri/')) {
      this.download(req, res, url);
      return true;
    }
    if (url.pathname === '/signin') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html><html lang="en-US"><head><title>Sign in | Slack</title></head><body><h1>Sign in to ${this.space.team.name}</h1></body></html>`);
      return true;
    }
    return false;
  }

  private record(t: Omit<FileTransfer, 'at'>): void {
    this.library.transfers.push({ ...t, at: this.space.now() });
    this.space.changed();
  }

  private async upload(req: http.IncomingMessage, res: http.ServerResponse, url: URL, body: Buffer): Promise<void> {
    const token = url.pathname.slice('/upload/v1/'.length);
    const plain = (status: number, text: string, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
      res.end(text);
    };
    if (req.method !== 'POST') return plain(405, 'Method Not Allowed');
    if ((await this.faults.waitIfHeld(UPLOAD_URL_METHOD, { token })) && this.space.closed) return;
    const fault = this.faults.takeFault(UPLOAD_URL_METHOD, { token });
    if (fault) {
      if (fault.delayMs) await sleep(fault.delayMs, this.timers);
      if (this.space.closed) return;
      if (fault.reset) {
        this.record({ kind: 'upload', status: 0, bytes: body.length });
        req.socket.destroy();
        return;
      }
      if (fault.status !== undefined && fault.status !== 200) {
        this.record({ kind: 'upload', status: fault.status, bytes: body.length });
        return plain(fault.status, fault.status === 429 ? 'Too Many Requests' : 'Error', fault.status === 429 ? { 'retry-after': String(fault.retryAfter ?? 1) } : {});
      }
    }
    const bytes = fileBytesOf(String(req.headers['content-type'] ?? ''), body);
    if (!bytes) {
      this.record({ kind: 'upload', status: 400, bytes: body.length });
      return plain(400, 'invalid multipart body');
    }
    const outcome = this.library.acceptUpload(token, bytes);
    this.record({ kind: 'upload', fileId: outcome.fileId, status: outcome.status, bytes: bytes.length });
    plain(outcome.status, outcome.text);
  }

  private download(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7).trim() : undefined;
    const m = /^\/files-pri\/([A-Z0-9]+)-(F[A-Z0-9]+)\/(download\/)?[^/]+$/.exec(url.pathname);
    const file = m && m[1] === this.space.team.id ? this.library.files.get(m[2]!) : undefined;
    const done = (status: number, bytes = 0): void => this.record({ kind: 'download', fileId: file?.id, status, bytes, token });
    const access = this.access(token);
    if (access === 'unauthenticated') {
      res.writeHead(302, { location: `${this.space.baseUrl}/signin?redir=${encodeURIComponent(url.pathname)}`, 'content-type': 'text/html' });
      res.end(`<a href="${this.space.baseUrl}/signin?redir=${encodeURIComponent(url.pathname)}">Found</a>.`);
      return done(302);
    }
    if (access === 'missing_scope') {
      res.writeHead(403, { 'content-type': 'text/plain' });
      res.end('Forbidden');
      return done(403);
    }
    const bytes = file && file.state === 'complete' && this.library.visibleToBot(file) ? this.library.bytes.get(file.id) : undefined;
    if (!file || !bytes) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('File not found');
      return done(404);
    }
    const headers: Record<string, string | number> = { 'content-type': file.mimetype, 'content-length': bytes.length };
    if (m![3]) headers['content-disposition'] = `attachment; filename="${file.name.replace(/["\\\r\n]/g, '_')}"`;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : bytes);
    done(200, bytes.length);
  }
}

/** The file's bytes: the body itself, or of a multipart/form-data body the part with a filename (else the first). */
function fileBytesOf(contentType: string, body: Buffer): Buffer | null {
  const boundary = /^multipart\/form-data;.*boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) return body;
  const delimiter = Buffer.from(`--${boundary}`);
  let first: Buffer | null = null;
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const next = body.indexOf(delimiter, at + delimiter.length);
    if (next < 0) break;
    const part = body.subarray(at + delimiter.length + 2, next - 2); // past "\r\n", before "\r\n--"
    const split = part.indexOf('\r\n\r\n');
    if (split >= 0) {
      const content = part.subarray(split + 4);
      if (/filename=/i.test(part.subarray(0, split).toString('latin1'))) return content;
      first ??= content;
    }
    at = next;
  }
  return first;
}
