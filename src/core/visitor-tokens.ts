import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Opaque visitor tokens: `v1.<payload>.<mac>`, payload = base64url(JSON {v: visitorId, iat}),
 * mac = HMAC-SHA256(key, payload). They travel only in websocket frames and localStorage, never in
 * URLs. A token older than maxAge is refused (the widget gets a fresh one at every welcome).
 */
export interface VisitorTokens {
  issue(visitorId: string, now: Date): string;
  /** The visitor id, or null for a forged, malformed or expired token. */
  verify(token: string, now: Date): string | null;
}

export function createVisitorTokens(key: string, maxAgeDays = 180): VisitorTokens {
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    issue(visitorId, now) {
      const payload = Buffer.from(JSON.stringify({ v: visitorId, iat: Math.floor(now.getTime() / 1000) })).toString('base64url');
      return `v1.${payload}.${mac(payload)}`;
    },
    verify(token, now) {
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== 'v1') return null;
      const [, payload, given] = parts as [string, string, string];
      const expected = Buffer.from(mac(payload));
      const actual = Buffer.from(given);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
      try {
        const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v?: unknown; iat?: unknown };
        if (typeof body.v !== 'string' || typeof body.iat !== 'number') return null;
        const ageDays = (now.getTime() / 1000 - body.iat) / 86_400;
        if (ageDays > maxAgeDays || ageDays < -1) return null;
        return body.v;
      } catch {
        return null;
      }
    },
  };
}

/** userHash check for verified identity: hex HMAC-SHA256(IDENTITY_SECRET, userId), compared in constant time. */
export function verifyIdentity(secret: string | undefined, userId: string, userHash: string): boolean {
  if (!secret) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(userId).digest('hex'));
  const actual = Buffer.from(userHash.toLowerCase());
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/**
 * Reopen links in follow-up emails: `r1.<payload>.<mac>`, valid for `ttlDays`. Signed with the same
 * key as visitor tokens but in their own domain (the MAC covers "reopen:"), so neither can pass for
 * the other. The only token that ever appears in a URL, and it expires.
 */
export function createReopenTokens(key: string, ttlDays = 7): VisitorTokens {
  const mac = (payload: string) => createHmac('sha256', key).update(`reopen:${payload}`).digest('base64url');
  return {
    issue(visitorId, now) {
      const exp = Math.floor(now.getTime() / 1000) + ttlDays * 86_400;
      const payload = Buffer.from(JSON.stringify({ v: visitorId, exp })).toString('base64url');
      return `r1.${payload}.${mac(payload)}`;
    },
    verify(token, now) {
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== 'r1') return null;
      const [, payload, given] = parts as [string, string, string];
      const expected = Buffer.from(mac(payload));
      const actual = Buffer.from(given);
      if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
      try {
        const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { v?: unknown; exp?: unknown };
        if (typeof body.v !== 'string' || typeof body.exp !== 'number') return null;
        return now.getTime() / 1000 <= body.exp ? body.v : null;
      } catch {
        return null;
      }
    },
  };
}
