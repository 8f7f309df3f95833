import { randomBytes } from 'node:crypto';

/** Unguessable ids (128 random bits, base64url) with a short prefix saying what they name. */
export function newId(prefix: 'v' | 'c' | 'm' | 'o' | 'e'): string {
  return `${prefix}_${randomBytes(16).toString('base64url')}`;
}
