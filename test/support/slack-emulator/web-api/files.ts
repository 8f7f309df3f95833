/**
 * files.*: Slack's upload flow (getUploadURLExternal, a POST to the upload URL — file-urls.ts — then
 * completeUploadExternal, which shares the files as one message, in a thread with `thread_ts`), info (with
 * the shares per channel) and delete.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import { MAX_FILE_BYTES } from '../files';
import type { EmulatedFile } from '../types';
import { SlackApiError, int, missing, str } from '../util';
import { type ApiContext, type MethodTable, postable } from './context';

export function fileMethods(ctx: ApiContext): MethodTable {
  const { space, log, files } = ctx;
  return {
    'files.getUploadURLExternal': (args) => {
      const filename = str(args.filename);
      if (!filename) throw missing('filename');
      if (args.length === undefined || args.length === '') throw missing('length');
      const length = int(args.length, -1);
      // Slack's answer to a length of 0 (or nonsense).
      if (length <= 0) throw new SlackApiError('missing_argument');
      if (length > MAX_FILE_BYTES) throw new SlackApiError('file_upload_size_restricted');
      const { file, uploadUrl } = files.reserve(filename, length);
      return { upload_url: uploadUrl, file_id: file.id };
    },

    'files.completeUploadExternal': (args) => {
      const list = args.files;
      if (list === undefined || list === '') throw missing('files');
      if (!Array.isArray(list) || list.length === 0 || list.some((f) => !f || typeof f !== 'object' || typeof f.id !== 'string')) {
        throw new SlackApiError('invalid_arguments', { response_metadata: { messages: ['[ERROR] files must be a list of {"id", "title"} objects'] } });
      }
      const chosen: EmulatedFile[] = list.map((f: any) => {
        const file = files.files.get(f.id);
        // Not uploaded yet (or never reserved, or its upload expired): Slack has no such file.
        if (!file || file.state === 'reserved' || file.user !== space.bot.userId) throw new SlackApiError('file_not_found');
        if (file.state === 'deleted') throw new SlackApiError('file_deleted');
        return file;
      });
      for (const [i, f] of list.entries()) if (typeof f.title === 'string' && f.title) chosen[i]!.title = f.title;
      const channelId = str(args.channel_id);
      if (!channelId) {
        // No channel: the files stay private to the uploader.
        for (const file of chosen) file.state = 'complete';
        space.changed();
        return { files: chosen.map((f) => files.fileObject(f)) };
      }
      const ch = postable(ctx, channelId);
      const threadTs = str(args.thread_ts);
      let root;
      if (threadTs) {
        const target = log.find(ch.id, threadTs);
        root = target && target.subtype !== 'tombstone' ? log.rootOf(ch.id, target) : undefined;
        if (!root) throw new SlackApiError('thread_not_found');
      }
      files.shareAsBot(chosen, ch.id, root, str(args.initial_comment) ?? '');
      return { files: chosen.map((f) => files.fileObject(f)) };
    },

    'files.info': (args) => {
      const file = files.mustSee(str(args.file));
      return { file: files.fileObject(file), comments: [] };
    },

    'files.delete': (args) => {
      const id = str(args.file);
      if (!id) throw missing('file');
      const file = files.mustSee(id);
      if (file.user !== space.bot.userId) throw new SlackApiError('cant_delete_file');
      files.delete(file);
      return {};
    },
  };
}
