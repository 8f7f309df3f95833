/**
 * Files as Slack keeps them: reserved by files.getUploadURLExternal, filled by one POST to their upload URL,
 * completed (and shared as a message) by files.completeUploadExternal, posted by users in messages, deleted.
 * Their objects (files.info, messages' `files`) and what a deletion does to the messages sharing them: a
 * message left with neither text nor another file is deleted, otherwise the file becomes a tombstone in it.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { MessageLog } from './messages';
import type { EmulatedFile, EmulatedMessage, FileSeed, FileTransfer } from './types';
import { SlackApiError, clone, shortId } from './util';
import type { Workspace } from './workspace';

/** An upload URL is good once, for this long (Slack's are short-lived). */
export const UPLOAD_URL_TTL_MS = 10 * 60 * 1000;
/** Slack takes files up to 1 GB. */
export const MAX_FILE_BYTES = 1024 ** 3;

/** Extension → [mimetype, Slack filetype, pretty_type]. */
const KNOWN_TYPES: Record<string, [string, string, string]> = {
  png: ['image/png', 'png', 'PNG'],
  jpg: ['image/jpeg', 'jpg', 'JPEG'],
  jpeg: ['image/jpeg', 'jpg', 'JPEG'],
  gif: ['image/gif', 'gif', 'GIF'],
  webp: ['image/webp', 'webp', 'WebP'],
  svg: ['image/svg+xml', 'svg', 'SVG'],
  pdf: ['application/pdf', 'pdf', 'PDF'],
  txt: ['text/plain', 'text', 'Plain Text'],
  csv: ['text/csv', 'csv', 'CSV'],
  html: ['text/html', 'html', 'HTML'],
  json: ['application/json', 'json', 'JSON'],
  zip: ['application/zip', 'zip', 'Zip'],
  docx: ['application/vnd.openxmlformats-officedocument.wordprocessingml.document', 'docx', 'Word Document'],
  xlsx: ['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'xlsx', 'Excel Spreadsheet'],
  pptx: ['application/vnd.openxmlformats-officedocument.presentationml.presentation', 'pptx', 'PowerPoint Presentation'],
};

function typeOf(name: string, mimetype?: string): { mimetype: string; filetype: string; pretty: string } {
  const ext = /\.([a-z0-9]+)$/i.exec(name)?.[1]?.toLowerCase() ?? '';
  const known = KNOWN_TYPES[ext] ?? Object.values(KNOWN_TYPES).find(([m]) => m === mimetype);
  if (known) return { mimetype: mimetype ?? known[0], filetype: known[1], pretty: known[2] };
  return { mimetype: mimetype ?? 'application/octet-stream', filetype: 'binary', pretty: 'Binary' };
}

interface Reservation {
  fileId: string;
  length: number;
  expiresAt: number;
  used: boolean;
}

/** What a deletion did to one message that shared the file (the driver turns these into events). */
export type ShareChange = { kind: 'changed'; message: EmulatedMessage; previous: EmulatedMessage } | { kind: 'deleted'; previous: EmulatedMessage };

export class FileLibrary {
  readonly files = new Map<string, EmulatedFile>();
  readonly bytes = new Map<string, Buffer>();
  /** Every upload POST and file download, in order. */
  readonly transfers: FileTransfer[] = [];
  private readonly reservations = new Map<string, Reservation>();

  constructor(
    private readonly space: Workspace,
    private readonly log: MessageLog,
  ) {}

  // ─────────────────────────────── lifecycle ───────────────────────────────

  private newFile(name: string, size: number, user: string, state: EmulatedFile['state'], mimetype?: string, title?: string): EmulatedFile {
    const seq = this.space.nextSeq();
    const type = typeOf(name, mimetype);
    const file: EmulatedFile = {
      id: `F0${String(seq).padStart(9, '0')}`,
      name,
      title: title ?? name,
      mimetype: type.mimetype,
      filetype: type.filetype,
      size,
      user,
      created: this.space.nowSec(),
      state,
      shares: [],
    };
    this.files.set(file.id, file);
    return file;
  }

  /** files.getUploadURLExternal: a file id and the one-time URL its bytes go to. */
  reserve(name: string, length: number): { file: EmulatedFile; uploadUrl: string } {
    const file = this.newFile(name, length, this.space.bot.userId, 'reserved');
    const token = shortId(`upload${file.id}${this.space.seq}`, 40);
    this.reservations.set(token, { fileId: file.id, length, expiresAt: this.space.now() + UPLOAD_URL_TTL_MS, used: false });
    return { file, uploadUrl: `${this.space.baseUrl}/upload/v1/${token}` };
  }

  /** The bytes POSTed to an upload URL: the HTTP status Slack would answer and why. */
  acceptUpload(token: string, body: Buffer): { status: number; text: string; fileId?: string } {
    const r = this.reservations.get(token);
    if (!r) return { status: 404, text: 'Not Found' };
    if (r.used) return { status: 410, text: 'upload URL already used', fileId: r.fileId };
    if (this.space.now() > r.expiresAt) return { status: 410, text: 'upload URL expired', fileId: r.fileId };
    if (body.length !== r.length) return { status: 400, text: `length mismatch: announced ${r.length} bytes, got ${body.length}`, fileId: r.fileId };
    r.used = true;
    const file = this.files.get(r.fileId)!;
    file.state = 'uploaded';
    this.bytes.set(file.id, Buffer.from(body));
    this.space.changed();
    return { status: 200, text: `OK - ${body.length}`, fileId: file.id };
  }

  /** A file a user posts from the Slack client: complete at once. */
  userFile(user: string, seed: FileSeed): EmulatedFile {
    const bytes = typeof seed.bytes === 'string' ? Buffer.from(seed.bytes) : Buffer.from(seed.bytes);
    const file = this.newFile(seed.name, bytes.length, user, 'complete', seed.mimetype, seed.title);
    this.bytes.set(file.id, bytes);
    return file;
  }

  /** The file named by an API argument, as the bot may see it (`file_not_found`, `file_deleted`). */
  mustSee(id: string | undefined): EmulatedFile {
    const file = id ? this.files.get(id) : undefined;
    if (!file || file.state === 'reserved' || file.state === 'uploaded' || !this.visibleToBot(file)) throw new SlackApiError('file_not_found');
    if (file.state === 'deleted') throw new SlackApiError('file_deleted');
    return file;
  }

  /** The bot sees its own files and those shared where it is a member (or in public channels). */
  visibleToBot(file: EmulatedFile): boolean {
    if (file.user === this.space.bot.userId) return true;
    return file.shares.some((s) => {
      const ch = this.space.lookupChannel(s.channel);
      return !!ch && !this.space.hiddenFromBot(ch);
    });
  }

  /** Share a completed file: a message in `channel` (a reply when `root` is given) carrying it. */
  shareAsBot(files: EmulatedFile[], channel: string, root: EmulatedMessage | undefined, text: string): EmulatedMessage {
    const ts = this.space.nextTs();
    const msg = this.log.botMessage(channel, text, ts);
    Object.assign(msg, { files: [] as any[], upload: true, display_as_bot: false });
    for (const file of files) {
      file.state = 'complete';
      file.shares.push({ channel, ts, ...(root ? { thread_ts: root.ts } : {}) });
      msg.files!.push(this.messageFile(file));
    }
    if (root) this.log.threadUnder(msg, root, false);
    this.log.insert(msg, 'api');
    return msg;
  }

  /** Record where a user's message shared its files (the message is stored by the caller). */
  recordShares(message: EmulatedMessage, files: EmulatedFile[]): void {
    for (const file of files) {
      file.shares.push({ channel: message.channel, ts: message.ts, ...(message.thread_ts && message.thread_ts !== message.ts ? { thread_ts: message.thread_ts } : {}) });
    }
  }

  /** Delete a file: its bytes go, its URLs stop working, and the messages sharing it change as in Slack. */
  delete(file: EmulatedFile): ShareChange[] {
    file.state = 'deleted';
    this.bytes.delete(file.id);
    const changes: ShareChange[] = [];
    for (const share of file.shares) {
      const msg = this.log.find(share.channel, share.ts);
      if (!msg?.files) continue;
      const others = msg.files.filter((f: any) => f.id !== file.id && f.mode !== 'tombstone');
      if (others.length === 0 && !msg.text) {
        changes.push({ kind: 'deleted', previous: this.log.remove(msg) });
        continue;
      }
      const previous = clone(msg);
      msg.files = msg.files.map((f: any) => (f.id === file.id ? { id: file.id, mode: 'tombstone' } : f));
      this.log.emitChanged(msg, previous);
      changes.push({ kind: 'changed', message: clone(msg), previous });
    }
    this.space.changed();
    return changes;
  }

  /** delete(), and the events Slack sends for it: `file_deleted`, then each message's deletion or change. */
  deleteWithEvents(file: EmulatedFile): Record<string, any>[] {
    const { space } = this;
    const channelIds = [...new Set(file.shares.map((s) => s.channel))];
    const events: Record<string, any>[] = [{ type: 'file_deleted', file_id: file.id, channel_ids: channelIds, event_ts: space.nextTs() }];
    const hidden = (subtype: string, channel: string, fields: Record<string, any>): Record<string, any> => {
      const ts = space.nextTs();
      return { type: 'message', subtype, ...fields, channel, hidden: true, ts, event_ts: ts, channel_type: space.channelType(channel) };
    };
    for (const change of this.delete(file)) {
      const { channel, ...previous } = change.previous;
      if (change.kind === 'deleted') {
        events.push(hidden('message_deleted', channel, { previous_message: previous, deleted_ts: previous.ts }));
      } else {
        const { channel: _c, ...message } = change.message;
        events.push(hidden('message_changed', channel, { message: { ...message, source_team: space.team.id, user_team: space.team.id }, previous_message: previous }));
      }
    }
    return events;
  }

  // ─────────────────────────────── shapes ───────────────────────────────

  urls(file: EmulatedFile): { url_private: string; url_private_download: string; permalink: string; permalink_public: string } {
    const slug = encodeURIComponent(file.name.toLowerCase().replace(/\s+/g, '_'));
    const base = `${this.space.baseUrl}/files-pri/${this.space.team.id}-${file.id}`;
    const user = this.space.users.get(file.user)?.name ?? file.user;
    return {
      url_private: `${base}/${slug}`,
      url_private_download: `${base}/download/${slug}`,
      permalink: `https://${this.space.team.domain}.slack.com/files/${file.user}/${file.id}/${slug}`,
      permalink_public: `https://slack-files.com/${this.space.team.id}-${file.id}-${shortId(`pub${file.id}${user}`, 10).toLowerCase()}`,
    };
  }

  /** A file as messages carry it (events, history). */
  messageFile(file: EmulatedFile): Record<string, any> {
    return {
      id: file.id,
      created: file.created,
      timestamp: file.created,
      name: file.name,
      title: file.title,
      mimetype: file.mimetype,
      filetype: file.filetype,
      pretty_type: typeOf(file.name, file.mimetype).pretty,
      user: file.user,
      user_team: this.space.team.id,
      editable: false,
      size: file.size,
      mode: 'hosted',
      is_external: false,
      external_type: '',
      is_public: file.shares.some((s) => !this.space.lookupChannel(s.channel)?.is_private),
      public_url_shared: false,
      display_as_bot: false,
      username: '',
      ...this.urls(file),
      has_rich_preview: false,
      file_access: 'visible',
    };
  }

  /** A file as files.info and files.completeUploadExternal answer it: with where it is shared. */
  fileObject(file: EmulatedFile): Record<string, any> {
    const shares: { public?: Record<string, any[]>; private?: Record<string, any[]> } = {};
    const channels: string[] = [];
    const groups: string[] = [];
    const ims: string[] = [];
    for (const s of file.shares) {
      const ch = this.space.lookupChannel(s.channel);
      if (!ch) continue;
      const bucket = ch.is_private || ch.is_im || ch.is_mpim ? (shares.private ??= {}) : (shares.public ??= {});
      const root = s.thread_ts ? this.log.find(ch.id, s.thread_ts) : this.log.find(ch.id, s.ts);
      const entry: Record<string, any> = {
        reply_users: root?.reply_users ?? [],
        reply_users_count: root?.reply_users_count ?? 0,
        reply_count: root?.reply_count ?? 0,
        ts: s.ts,
        channel_name: ch.name,
        team_id: this.space.team.id,
        share_user_id: file.user,
        source: 'UNKNOWN',
      };
      if (s.thread_ts) Object.assign(entry, { thread_ts: s.thread_ts, latest_reply: root?.latest_reply ?? s.ts });
      (bucket[ch.id] ??= []).push(entry);
      const list = ch.is_im ? ims : ch.is_private || ch.is_mpim ? groups : channels;
      if (!list.includes(ch.id)) list.push(ch.id);
    }
    return { ...this.messageFile(file), shares, channels, groups, ims, has_more_shares: false, comments_count: 0 };
  }
}
