import type { FileRef, Message } from '../core/types';
import type { Logger } from '../logger';

/**
 * Files an agent shares in a handoff thread, on their way to the customer: fetched from Slack with
 * the bot token (url_private_download; the token only ever goes to Slack's own file host), checked
 * (size, then type by content when stored) and kept in the file store; and removed again when they
 * are deleted in Slack, so the widget drops them.
 */

/** A file as a Slack message event carries it (the fields read here). */
export interface SlackEventFile {
  id?: string;
  name?: string;
  title?: string;
  size?: number;
  mode?: string;
  url_private_download?: string;
  url_private?: string;
}

/** What is kept of an agent's file, and how it is found again by Slack's id (src/files/file-store.ts). */
export interface AgentFileStore {
  save(input: { conversationId: string; visitorId: null; origin: 'agent'; name: string; bytes: Buffer; slackFileId: string; maxBytes?: number }): Promise<FileRef>;
  bySlackId(slackFileId: string): { id: string; origin: string; messageId: string | null; deletedAt: string | null; name: string; mime: string; size: number } | undefined;
  markDeleted(id: string): Promise<unknown>;
}

export interface AgentFilesDeps {
  store: AgentFileStore;
  /** Removes a file from its message and announces the message as updated (MessageLog.removeFile). */
  removeFile(fileId: string): Promise<Message | null>;
  /** A message as stored now. */
  message(id: string): Message | undefined;
  /** Deletes an agent's message for the customer (HandoffService.deleteAgentMessage). */
  deleteMessage(messageId: string): void;
  botToken: string;
  /** SLACK_API_URL: its host may serve files too (an emulation, Slack GovSlack); files.slack.com always does. */
  apiUrl: string;
  /** MAX_UPLOAD_MB in bytes: the same limit as the customer's uploads. */
  maxBytes: number;
  logger: Logger;
  /** A download gives up after this long. */
  timeoutMs?: number;
}

export type Refusal = { name: string; reason: 'too_large' | 'unsupported_type' | 'unavailable'; size?: number };

/** Slack's own file host: the only one the bot token is sent to, besides SLACK_API_URL's. */
const SLACK_FILE_HOST = 'files.slack.com';

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/** The files of a message event that are still there (a deleted one stays as a tombstone). */
export function liveFiles(files: unknown): SlackEventFile[] {
  if (!Array.isArray(files)) return [];
  return (files as SlackEventFile[]).filter((f) => f && typeof f.id === 'string' && f.mode !== 'tombstone');
}

/** What the agent is told, only them, about files that did not reach the customer. */
export function refusalNotice(refused: readonly Refusal[], maxBytes: number, somethingSent: boolean): string {
  const lines = refused.map((r) => {
    switch (r.reason) {
      case 'too_large':
        return `• ${r.name}${r.size ? ` (${megabytes(r.size)})` : ''} is over the ${megabytes(maxBytes)} limit for files sent to customers`;
      case 'unsupported_type':
        return `• ${r.name} is a type of file customers are not sent (images, PDF, text and office documents are)`;
      case 'unavailable':
        return `• ${r.name} could not be fetched from Slack`;
    }
  });
  const outcome = somethingSent ? 'The customer got the rest of your message without it.' : 'Nothing was sent to the customer.';
  return `📎 Not sent to the customer:\n${lines.join('\n')}\n${outcome}`;
}

export class AgentFiles {
  private readonly trustedHosts: Set<string>;

  constructor(private readonly d: AgentFilesDeps) {
    this.trustedHosts = new Set([SLACK_FILE_HOST, new URL(d.apiUrl).host]);
  }

  /**
   * Fetches and stores the files of an agent's reply, in order. A file stored before under its
   * Slack id and not yet on a message (the same event processed again after a crash) is reused.
   */
  async fetch(conversationId: string, files: readonly SlackEventFile[]): Promise<{ refs: FileRef[]; refused: Refusal[] }> {
    const refs: FileRef[] = [];
    const refused: Refusal[] = [];
    for (const f of files) {
      const name = f.name || f.title || 'file';
      const earlier = this.d.store.bySlackId(f.id!);
      if (earlier && !earlier.deletedAt && !earlier.messageId && earlier.origin === 'agent') {
        refs.push({ id: earlier.id, name: earlier.name, mime: earlier.mime, size: earlier.size });
        continue;
      }
      if (typeof f.size === 'number' && f.size > this.d.maxBytes) {
        refused.push({ name, reason: 'too_large', size: f.size });
        continue;
      }
      const got = await this.download(f);
      if (!got.ok) {
        refused.push({ name, reason: got.reason, ...(got.reason === 'too_large' && f.size ? { size: f.size } : {}) });
        continue;
      }
      try {
        refs.push(await this.d.store.save({ conversationId, visitorId: null, origin: 'agent', name, bytes: got.bytes, slackFileId: f.id!, maxBytes: this.d.maxBytes }));
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        if (code === 'too_large' || code === 'unsupported_type') refused.push({ name, reason: code });
        else throw err;
      }
    }
    return { refs, refused };
  }

  /**
   * A file was deleted in Slack: an agent's file leaves its message (the widget gets the message
   * without it), and a message left with neither text nor files is deleted. Customers' files (their
   * copies in the thread) stay with the customer.
   */
  async removedInSlack(slackFileId: string): Promise<void> {
    const file = this.d.store.bySlackId(slackFileId);
    if (!file || file.origin !== 'agent' || file.deletedAt) return;
    const message = file.messageId ? this.d.message(file.messageId) : undefined;
    const othersLeft = (message?.files ?? []).some((f) => f.id !== file.id);
    if (message && !message.deletedAt && !message.text.trim() && !othersLeft) {
      // Nothing would be left of it: the widget drops the message (one message_deleted, no update first).
      this.d.deleteMessage(message.id);
      await this.d.store.markDeleted(file.id);
    } else {
      await this.d.removeFile(file.id);
    }
    this.d.logger.info({ fileId: file.id, slackFileId }, 'an agent file was deleted in Slack; removed for the customer');
  }

  /** How many files a stored message still carries. */
  remaining(messageId: string): number {
    return this.d.message(messageId)?.files?.length ?? 0;
  }

  /** The message was deleted in Slack (and for the customer): its files' bytes go too. */
  async discardFilesOf(messageId: string): Promise<void> {
    for (const f of this.d.message(messageId)?.files ?? []) await this.d.store.markDeleted(f.id);
  }

  private async download(f: SlackEventFile): Promise<{ ok: true; bytes: Buffer } | { ok: false; reason: 'too_large' | 'unavailable' }> {
    const url = f.url_private_download || f.url_private;
    const log = this.d.logger;
    let target: URL;
    try {
      target = new URL(url ?? '');
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    if (!this.trustedHosts.has(target.host)) {
      log.warn({ slackFileId: f.id, host: target.host }, 'an agent file is on a host that is not Slack; not sending the bot token there');
      return { ok: false, reason: 'unavailable' };
    }
    try {
      const res = await fetch(target, {
        headers: { authorization: `Bearer ${this.d.botToken}` },
        // Without a valid token Slack redirects to its sign-in page: that page is not the file.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.d.timeoutMs ?? 60_000),
      });
      if (res.status !== 200 || !res.body) {
        await res.body?.cancel();
        log.warn({ slackFileId: f.id, status: res.status }, 'fetching an agent file from Slack failed (check the files:read scope and the bot token)');
        return { ok: false, reason: 'unavailable' };
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.length;
        if (size > this.d.maxBytes) {
          await res.body.cancel().catch(() => undefined);
          return { ok: false, reason: 'too_large' };
        }
        chunks.push(Buffer.from(chunk));
      }
      return { ok: true, bytes: Buffer.concat(chunks) };
    } catch (err) {
      log.warn({ err, slackFileId: f.id }, 'fetching an agent file from Slack failed');
      return { ok: false, reason: 'unavailable' };
    }
  }
}
