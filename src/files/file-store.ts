import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileAttachments } from '../core/stores';
import type { FileRef } from '../core/types';
import type { Database } from '../db/database';
import type { FilesTable } from '../db/schema';
import type { Logger } from '../logger';
import { cleanFileName } from './file-name';
import { sniffFile, ALLOWED_TYPES_TEXT } from './sniff';

export { cleanFileName, MAX_NAME_CHARS } from './file-name';

/** A stored file as the store knows it. */
export interface StoredFile extends FileRef {
  conversationId: string;
  visitorId: string | null;
  messageId: string | null;
  origin: 'customer' | 'agent';
  sha256: string;
  slackFileId: string | null;
  createdAt: string;
  deletedAt: string | null;
}

export interface SaveInput {
  conversationId: string;
  /** The uploading visitor; null for an agent's file. */
  visitorId: string | null;
  origin: 'customer' | 'agent';
  /** As given by the person (cleaned before it is kept). */
  name: string;
  /** Slack's id of the same file, when it came from Slack. */
  slackFileId?: string | null;
  /** Refused with FileTooLargeError beyond this many bytes. */
  maxBytes?: number;
}

/** Why a file was not stored; `code` is stable, `message` is for people. Nothing is kept when thrown. */
export class FileRefusedError extends Error {
  override readonly name = 'FileRefusedError';
  constructor(
    readonly code: 'unsupported_type' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

/** Temp files older than this are left by a crash (an upload is cut off by the request timeout long before). */
const STALE_TEMP_MS = 60 * 60 * 1000;

function toStored(row: FilesTable): StoredFile {
  return {
    id: row.id,
    name: row.name,
    mime: row.mime,
    size: row.size,
    conversationId: row.conversation_id,
    visitorId: row.visitor_id,
    messageId: row.message_id,
    origin: row.origin as StoredFile['origin'],
    sha256: row.sha256,
    slackFileId: row.slack_file_id,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

const refOf = (f: StoredFile): FileRef => ({ id: f.id, name: f.name, mime: f.mime, size: f.size });

export interface FileStoreOptions {
  db: Database;
  /** FILES_DIR: one directory every instance sharing the database can read and write. */
  dir: string;
  now?: () => Date;
  logger?: Logger;
}

/**
 * File bytes under FILES_DIR (`<dir>/<2 chars>/<id>`), what we know of them in the `files` table.
 * A file is written to `<dir>/tmp/` first, fsync'd, then renamed into place, and only then gets its
 * row: a crash leaves at most a temp file or a file without a row (both swept by pruneOrphans),
 * never a row without its bytes.
 */
export class FileStore implements FileAttachments {
  readonly dir: string;
  private readonly now: () => Date;

  constructor(private readonly options: FileStoreOptions) {
    this.dir = path.resolve(options.dir);
    this.now = options.now ?? (() => new Date());
  }

  /** Where a file's bytes are. */
  pathOf(id: string): string {
    if (!/^f_[A-Za-z0-9_-]{10,}$/.test(id)) throw new Error(`not a file id: ${id}`);
    return path.join(this.dir, id.slice(2, 4), id);
  }

  /** Stores `bytes` (sniffed first: a refused type throws FileRefusedError and nothing is written). */
  async save(input: SaveInput & { bytes: Buffer }): Promise<FileRef> {
    const { bytes } = input;
    if (input.maxBytes !== undefined && bytes.length > input.maxBytes) throw tooLarge(input.maxBytes);
    const sniffed = sniffFile(bytes);
    if (!sniffed) throw unsupported();
    const temp = await this.tempPath();
    try {
      const handle = await fs.promises.open(temp, 'wx', 0o600);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      return await this.place(temp, input, { mime: sniffed.mime, size: bytes.length, sha256 });
    } finally {
      await removeQuietly(temp);
    }
  }

  /**
   * Stores what `stream` carries, counted and hashed as it arrives. `truncated` tells whether the
   * source cut it off at its own limit (multipart's fileSize): then, or past maxBytes, it is
   * refused as too large. Either way the temp file is gone when this settles with an error (the
   * stream failing — a client gone, a server stopping — included).
   */
  async saveStream(input: SaveInput & { stream: Readable; truncated?: () => boolean }): Promise<FileRef> {
    const temp = await this.tempPath();
    try {
      const hash = createHash('sha256');
      let size = 0;
      const max = input.maxBytes ?? Number.POSITIVE_INFINITY;
      const count = new Transform({
        transform(chunk: Buffer, _enc, done) {
          size += chunk.length;
          if (size > max) return done(tooLarge(max));
          hash.update(chunk);
          done(null, chunk);
        },
      });
      const out = fs.createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true });
      await pipeline(input.stream, count, out);
      if (input.truncated?.()) throw tooLarge(max);
      const bytes = await fs.promises.readFile(temp);
      const sniffed = sniffFile(bytes);
      if (!sniffed) throw unsupported();
      return await this.place(temp, input, { mime: sniffed.mime, size, sha256: hash.digest('hex') });
    } finally {
      await removeQuietly(temp);
    }
  }

  get(id: string): StoredFile | undefined {
    const { db } = this.options;
    const row = db.first(db.q.selectFrom('files').selectAll().where('id', '=', id));
    return row && toStored(row);
  }

  /** The file Slack knows by this id (an agent's file, or a customer's once uploaded to the thread). */
  bySlackId(slackFileId: string): StoredFile | undefined {
    const { db } = this.options;
    const row = db.first(db.q.selectFrom('files').selectAll().where('slack_file_id', '=', slackFileId).orderBy('created_at').limit(1));
    return row && toStored(row);
  }

  /** Records Slack's id of a customer's file once it is uploaded to the thread. */
  setSlackFileId(id: string, slackFileId: string): void {
    const { db } = this.options;
    db.run(db.q.updateTable('files').set({ slack_file_id: slackFileId }).where('id', '=', id));
  }

  /** The bytes of a file that is there (throws for an unknown or removed one). */
  async readBytes(id: string): Promise<Buffer> {
    const file = this.get(id);
    if (!file || file.deletedAt) throw new Error(`file ${id} is not stored`);
    return fs.promises.readFile(this.pathOf(id));
  }

  refs(conversationId: string, ids: readonly string[]): FileRef[] | null {
    if (!ids.length) return [];
    const { db } = this.options;
    const rows = db.all(
      db.q.selectFrom('files').selectAll().where('id', 'in', [...ids]).where('conversation_id', '=', conversationId).where('deleted_at', 'is', null),
    );
    const byId = new Map(rows.map((r) => [r.id, refOf(toStored(r))]));
    const refs = ids.map((id) => byId.get(id));
    return refs.every((r) => r !== undefined) ? (refs as FileRef[]) : null;
  }

  attach(ids: readonly string[], messageId: string): number {
    if (!ids.length) return 0;
    const { db } = this.options;
    return db.run(
      db.q.updateTable('files').set({ message_id: messageId }).where('id', 'in', [...ids]).where('message_id', 'is', null).where('deleted_at', 'is', null),
    ).changes;
  }

  /** How many of the conversation's uploads wait to be sent with a message. */
  pendingCount(conversationId: string): number {
    const { db } = this.options;
    const row = db.first(
      db.q
        .selectFrom('files')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('conversation_id', '=', conversationId)
        .where('message_id', 'is', null)
        .where('deleted_at', 'is', null),
    );
    return Number(row?.n ?? 0);
  }

  /** Forgets an upload that was never attached (the request that made it failed after all): row and bytes. */
  async discard(id: string): Promise<void> {
    const { db } = this.options;
    if (db.run(db.q.deleteFrom('files').where('id', '=', id).where('message_id', 'is', null)).changes) await removeQuietly(this.pathOf(id));
  }

  /**
   * Removes a file: marked deleted and left out of its message's list in one transaction, then its
   * bytes go. Null when it was unknown or already removed.
   */
  async markDeleted(id: string): Promise<{ conversationId: string; messageId: string | null } | null> {
    const { db } = this.options;
    const at = this.now().toISOString();
    const removed = db.tx(() => {
      const file = this.get(id);
      if (!file || file.deletedAt) return null;
      db.run(db.q.updateTable('files').set({ deleted_at: at }).where('id', '=', id));
      if (file.messageId) {
        const row = db.first(db.q.selectFrom('messages').select('files').where('id', '=', file.messageId));
        if (row?.files) {
          const kept = (JSON.parse(row.files) as FileRef[]).filter((f) => f.id !== id);
          db.run(db.q.updateTable('messages').set({ files: JSON.stringify(kept) }).where('id', '=', file.messageId));
        }
      }
      return { conversationId: file.conversationId, messageId: file.messageId };
    });
    if (removed) await removeQuietly(this.pathOf(id));
    return removed;
  }

  /** Removes every file of a conversation, rows and bytes (retention, deletion); returns how many. */
  async deleteConversation(conversationId: string): Promise<number> {
    const { db } = this.options;
    const ids = db.tx(() => {
      const rows = db.all(db.q.selectFrom('files').select('id').where('conversation_id', '=', conversationId));
      db.run(db.q.deleteFrom('files').where('conversation_id', '=', conversationId));
      return rows.map((r) => r.id);
    });
    for (const id of ids) await removeQuietly(this.pathOf(id));
    return ids.length;
  }

  /**
   * Removes uploads never attached to a message and created before `before` (ISO), then sweeps the
   * directory: temp files a crash left behind, and bytes whose row is gone (a crash between the
   * rename and the insert, a conversation deleted with its rows). Returns how many files went.
   */
  async pruneOrphans(before: string): Promise<number> {
    const { db } = this.options;
    const ids = db.tx(() => {
      const rows = db.all(db.q.selectFrom('files').select('id').where('message_id', 'is', null).where('created_at', '<', before));
      if (rows.length) db.run(db.q.deleteFrom('files').where('id', 'in', rows.map((r) => r.id)));
      return rows.map((r) => r.id);
    });
    for (const id of ids) await removeQuietly(this.pathOf(id));
    // File times are the machine's, whatever clock the app runs on.
    return ids.length + (await this.sweep(Date.now() - STALE_TEMP_MS));
  }

  /** Temp files and row-less bytes last written before `cutoffMs`: removed. */
  private async sweep(cutoffMs: number): Promise<number> {
    const { db } = this.options;
    let removed = 0;
    const entries = await fs.promises.readdir(this.dir, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) {
      if (!entry.isDirectory()) continue;
      const folder = path.join(this.dir, entry.name);
      const names = await fs.promises.readdir(folder).catch(() => [] as string[]);
      const old: string[] = [];
      for (const name of names) {
        const stat = await fs.promises.stat(path.join(folder, name)).catch(() => null);
        if (stat?.isFile() && stat.mtimeMs < cutoffMs) old.push(name);
      }
      let gone = old;
      if (entry.name !== 'tmp' && old.length) {
        const known = new Set<string>();
        for (let i = 0; i < old.length; i += 500) {
          const page = old.slice(i, i + 500);
          for (const r of db.all(db.q.selectFrom('files').select('id').where('id', 'in', page).where('deleted_at', 'is', null))) known.add(r.id);
        }
        gone = old.filter((name) => !known.has(name));
      }
      for (const name of gone) await removeQuietly(path.join(folder, name));
      removed += gone.length;
    }
    if (removed) this.options.logger?.info({ removed }, 'files: stray temp files and bytes without a row removed');
    return removed;
  }

  private async tempPath(): Promise<string> {
    const folder = path.join(this.dir, 'tmp');
    await fs.promises.mkdir(folder, { recursive: true });
    return path.join(folder, `${randomBytes(12).toString('hex')}.part`);
  }

  /** Renames a complete, fsync'd temp file into place and records it. */
  private async place(temp: string, input: SaveInput, what: { mime: string; size: number; sha256: string }): Promise<FileRef> {
    const id = `f_${randomBytes(16).toString('base64url')}`;
    const final = this.pathOf(id);
    const folder = path.dirname(final);
    await fs.promises.mkdir(folder, { recursive: true });
    await fs.promises.rename(temp, final);
    await syncFolder(folder);
    const file: StoredFile = {
      id,
      name: cleanFileName(input.name),
      mime: what.mime,
      size: what.size,
      conversationId: input.conversationId,
      visitorId: input.visitorId,
      messageId: null,
      origin: input.origin,
      sha256: what.sha256,
      slackFileId: input.slackFileId ?? null,
      createdAt: this.now().toISOString(),
      deletedAt: null,
    };
    const { db } = this.options;
    try {
      db.run(
        db.q.insertInto('files').values({
          id,
          conversation_id: file.conversationId,
          visitor_id: file.visitorId,
          message_id: null,
          origin: file.origin,
          name: file.name,
          mime: file.mime,
          size: file.size,
          sha256: file.sha256,
          slack_file_id: file.slackFileId,
          created_at: file.createdAt,
          deleted_at: null,
        }),
      );
    } catch (err) {
      await removeQuietly(final);
      throw err;
    }
    return refOf(file);
  }
}

function tooLarge(maxBytes: number): FileRefusedError {
  const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return new FileRefusedError('too_large', `That file is too large: files may be up to ${mb} MB.`);
}

function unsupported(): FileRefusedError {
  return new FileRefusedError('unsupported_type', `That type of file can't be sent. You can send ${ALLOWED_TYPES_TEXT}.`);
}

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true }).catch(() => {});
}

/** Makes a rename in `folder` durable (where the platform lets a folder be fsync'd). */
async function syncFolder(folder: string): Promise<void> {
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(folder, 'r');
    await handle.sync();
  } catch {
    // Not supported on every platform (Windows); the file itself was fsync'd.
  } finally {
    await handle?.close();
  }
}
