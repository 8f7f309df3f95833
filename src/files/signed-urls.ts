import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FileRef } from '../core/types';

/**
 * Links to stored files: `${PUBLIC_URL}/files/<id>/<name>?exp=<unix s>&sig=<mac>`, where mac =
 * HMAC-SHA256(key, "file:<id>:<exp>") in base64url. A link is the only way to a file's bytes, so it
 * must be unguessable and must stop working: a message frame carries links good for an hour (every
 * frame a fresh one), an email links good for a week. The name in the path is only for the
 * browser's sake (the download is named from the stored name), so it is not signed.
 */
export interface FileUrls {
  /** An absolute link to the file, valid for `ttlSeconds` from now. */
  fileUrl(ref: Pick<FileRef, 'id' | 'name'>, ttlSeconds: number): string;
  /** Whether `sig` is the right signature for the file and `exp`, and `exp` is not past. */
  verifyFileUrl(id: string, exp: string | undefined, sig: string | undefined): 'ok' | 'bad_signature' | 'expired';
}

/** How long a link in a widget frame works. */
export const FRAME_URL_TTL_SECONDS = 60 * 60;

export function createFileUrls(options: { publicUrl: string; key: string; now?: () => Date }): FileUrls {
  const base = options.publicUrl.replace(/\/$/, '');
  const now = options.now ?? (() => new Date());
  const mac = (id: string, exp: string) => createHmac('sha256', options.key).update(`file:${id}:${exp}`).digest('base64url');
  return {
    fileUrl(ref, ttlSeconds) {
      const exp = String(Math.floor(now().getTime() / 1000) + Math.max(1, Math.floor(ttlSeconds)));
      return `${base}/files/${encodeURIComponent(ref.id)}/${encodeURIComponent(ref.name)}?exp=${exp}&sig=${mac(ref.id, exp)}`;
    },
    verifyFileUrl(id, exp, sig) {
      if (!exp || !sig || !/^\d{1,12}$/.test(exp)) return 'bad_signature';
      const expected = Buffer.from(mac(id, exp));
      const given = Buffer.from(sig);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'bad_signature';
      return Number(exp) * 1000 < now().getTime() ? 'expired' : 'ok';
    },
  };
}
