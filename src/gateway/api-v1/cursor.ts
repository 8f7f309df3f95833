import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Filters } from './schemas';

/**
 * Pagination cursors: opaque to clients, and unforgeable. A cursor is `<payload>.<mac>` where the
 * payload (base64url JSON) holds where the page ended and the filters it was issued for, and mac =
 * HMAC-SHA256(key, "api-cursor:" + payload). The key is generated into the database, so every
 * instance checks the others' cursors. A changed byte fails the mac; a cursor used with other
 * filters than its own is refused too (it would otherwise walk another listing from a position
 * chosen elsewhere).
 */

export interface CursorPosition {
  createdAt: string;
  id: string;
}

export type CursorCheck = { ok: true; position: CursorPosition } | { ok: false; message: string };

/** The filters as one canonical string (order and absent keys do not matter; times normalised). */
export function filterKey(f: Filters): string {
  const time = (t: string | undefined) => (t ? new Date(t).toISOString() : null);
  return JSON.stringify([f.state ?? null, f.agent ?? null, time(f.from), time(f.to)]);
}

export function createCursors(key: string) {
  const mac = (payload: string) => createHmac('sha256', key).update(`api-cursor:${payload}`).digest('base64url');
  return {
    issue(position: CursorPosition, filters: Filters): string {
      const payload = Buffer.from(JSON.stringify({ f: filterKey(filters), t: position.createdAt, i: position.id })).toString('base64url');
      return `${payload}.${mac(payload)}`;
    },
    read(cursor: string, filters: Filters): CursorCheck {
      const forged: CursorCheck = { ok: false, message: 'cursor: is not a cursor this API issued' };
      const m = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(cursor);
      if (!m) return forged;
      const expected = Buffer.from(mac(m[1]!));
      const given = Buffer.from(m[2]!);
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) return forged;
      let body: { f?: unknown; t?: unknown; i?: unknown };
      try {
        body = JSON.parse(Buffer.from(m[1]!, 'base64url').toString('utf8')) as typeof body;
      } catch {
        return forged;
      }
      if (typeof body.f !== 'string' || typeof body.t !== 'string' || typeof body.i !== 'string') return forged;
      if (body.f !== filterKey(filters)) return { ok: false, message: 'cursor: was issued for other filters (send the same state, agent, from and to as the first page)' };
      return { ok: true, position: { createdAt: body.t, id: body.i } };
    },
  };
}

export type Cursors = ReturnType<typeof createCursors>;
