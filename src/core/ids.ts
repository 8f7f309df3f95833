import { randomFillSync } from 'node:crypto';

/** Random bytes drawn at once: one call to the system's generator for 256 ids instead of one each. */
const POOL_BYTES = 16 * 256;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

function random16(): string {
  if (used === POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.toString('base64url', used - 16, used);
}

/**
 * Unguessable ids (128 random bits, base64url) with a short prefix saying what they name, led by
 * the time (milliseconds, base 36, fixed width): ids made later sort later, so a table keyed by
 * them grows at its end (a random key dirties a random page of its index on every insert, which
 * made a message's write a third dearer; see bench 5).
 */
export function newId(prefix: 'v' | 'c' | 'm' | 'o' | 'e' | 'k'): string {
  return `${prefix}_${Date.now().toString(36).padStart(9, '0')}${random16()}`;
}
