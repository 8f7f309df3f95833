import type { Logger } from '../logger';
import type { SlackCall } from './outbox';
import { classify } from './outbox/slack-errors';

/**
 * A customer's file into its conversation's thread: the outbox item `handoff.uploadFile` (args
 * `{ fileId, channel, thread_ts }`) that the outbox's `call` runs as Slack's three-step upload —
 * files.getUploadURLExternal, the bytes POSTed to the URL it answers, files.completeUploadExternal
 * with channel_id and thread_ts — so the file goes out once, in its stream's order, paced and
 * retried like any post.
 *
 * Once: Slack's file id is stored on the file's row right after the first step (before any byte
 * is sent). An item that runs again (a 429 or an error at any step, a crash, a timeout) starts by
 * asking Slack about that id (files.info). Shared in the thread already → done; completed but
 * shared nowhere yet → done too (Slack shares a completed upload asynchronously: completing it
 * again could share it twice); not known to Slack → it completes that upload, and only when Slack
 * has no bytes for it (`file_not_found`: never uploaded, or its URL expired) starts over with a new
 * one. A file shared in another thread only (the conversation moved to another channel) is
 * uploaded anew into this one.
 */
export const UPLOAD_FILE_METHOD = 'handoff.uploadFile';

/** What the upload needs of the file store (src/files/file-store.ts). */
export interface UploadableFiles {
  get(id: string): { name: string; deletedAt: string | null; slackFileId: string | null } | undefined;
  readBytes(id: string): Promise<Buffer>;
  setSlackFileId(id: string, slackFileId: string): void;
}

export interface FileUploaderDeps {
  /** The outbox's Web API call (no retries of its own). */
  call: SlackCall;
  files: UploadableFiles;
  logger: Logger;
  /** POSTs to the upload URL give up after this long (a 10 MB file on a slow link). */
  uploadTimeoutMs?: number;
}

/** An error the outbox sorts as Slack's rate limit (slack-errors.ts), for a 429 from the upload URL. */
function rateLimited(retryAfterSeconds: number): Error {
  return Object.assign(new Error(`the upload URL answered 429 (retry after ${retryAfterSeconds} s)`), {
    code: 'slack_webapi_rate_limited_error',
    retryAfter: retryAfterSeconds,
  });
}

/** An error the outbox sorts as permanent (it fails the item with this code). */
function refused(code: string, message: string): Error {
  return Object.assign(new Error(message), { code: 'slack_webapi_platform_error', data: { ok: false, error: code } });
}

function permanentCode(err: unknown, method: string): string | null {
  const outcome = classify(err, method);
  return outcome.kind === 'permanent' ? outcome.code : null;
}

type SlackFileInfo = { id?: unknown; shares?: Record<string, Record<string, { ts?: unknown; thread_ts?: unknown }[] | undefined> | undefined> };

/** Whether Slack shows the file shared in the thread (`thread_ts`) of `channel`. */
function sharedIn(file: SlackFileInfo, channel: string, threadTs: string): boolean {
  for (const kind of ['public', 'private']) {
    for (const share of file.shares?.[kind]?.[channel] ?? []) {
      if (share.thread_ts === threadTs || share.ts === threadTs) return true;
    }
  }
  return false;
}

export function createFileUploader(deps: FileUploaderDeps): (args: Record<string, unknown>) => Promise<Record<string, unknown>> {
  const { call, files, logger } = deps;
  const uploadTimeoutMs = deps.uploadTimeoutMs ?? 120_000;

  const complete = (slackFileId: string, title: string, channel: string, threadTs: string) =>
    call('files.completeUploadExternal', { files: [{ id: slackFileId, title }], channel_id: channel, thread_ts: threadTs });

  /**
   * Where an earlier attempt got to with this Slack file: shared in this thread, completed and being
   * shared, shared only elsewhere, deleted (by someone in Slack), or not known to Slack.
   */
  async function earlier(slackFileId: string, channel: string, threadTs: string): Promise<'shared' | 'sharing' | 'elsewhere' | 'deleted' | 'unknown'> {
    try {
      const file = ((await call('files.info', { file: slackFileId })).file ?? {}) as SlackFileInfo;
      if (sharedIn(file, channel, threadTs)) return 'shared';
      const anywhere = Object.values(file.shares ?? {}).some((byChannel) => Object.keys(byChannel ?? {}).length > 0);
      return anywhere ? 'elsewhere' : 'sharing';
    } catch (err) {
      const code = permanentCode(err, 'files.info');
      if (code === 'file_not_found') return 'unknown';
      if (code === 'file_deleted') return 'deleted';
      throw err;
    }
  }

  async function post(url: string, bytes: Buffer): Promise<void> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array(bytes),
      redirect: 'error',
      signal: AbortSignal.timeout(uploadTimeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (res.status === 200) return;
    if (res.status === 429) throw rateLimited(Number(res.headers.get('retry-after')) || 1);
    // A length Slack does not accept is a bug of ours: retrying cannot help.
    if (res.status === 400) throw refused('upload_rejected', `the upload URL refused the bytes (HTTP 400)`);
    // An expired or used URL (the next attempt starts over), or Slack's trouble: retried.
    throw new Error(`the upload URL answered HTTP ${res.status}`);
  }

  return async (args) => {
    const { fileId, channel, thread_ts: threadTs } = args;
    if (typeof fileId !== 'string' || typeof channel !== 'string' || typeof threadTs !== 'string') {
      throw refused('invalid_arguments', `${UPLOAD_FILE_METHOD} needs fileId, channel and thread_ts`);
    }
    const file = files.get(fileId);
    // Removed meanwhile (retention, the conversation deleted): nothing to upload.
    if (!file || file.deletedAt) return { ok: true, skipped: 'file_removed', fileId };

    if (file.slackFileId) {
      const state = await earlier(file.slackFileId, channel, threadTs);
      if (state === 'shared' || state === 'sharing' || state === 'deleted') {
        logger.info({ fileId, slackFileId: file.slackFileId, state }, 'slack file upload: an earlier attempt reached the thread; not uploading again');
        return { ok: true, recovered: state, file_id: file.slackFileId };
      }
      if (state === 'unknown') {
        try {
          return await complete(file.slackFileId, file.name, channel, threadTs);
        } catch (err) {
          // Slack has no bytes for it (the earlier attempt stopped before or during the upload): start over.
          if (permanentCode(err, 'files.completeUploadExternal') !== 'file_not_found') throw err;
        }
      }
    }

    const bytes = await files.readBytes(fileId);
    const reserved = await call('files.getUploadURLExternal', { filename: file.name, length: bytes.length });
    const slackFileId = reserved.file_id;
    const uploadUrl = reserved.upload_url;
    if (typeof slackFileId !== 'string' || typeof uploadUrl !== 'string') throw new Error('files.getUploadURLExternal answered without file_id or upload_url');
    // Durable before a byte is sent: whatever happens next, a retry asks Slack about this id first.
    files.setSlackFileId(fileId, slackFileId);
    await post(uploadUrl, bytes);
    return complete(slackFileId, file.name, channel, threadTs);
  };
}
