import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a valid token says. */
export interface TokenClaims {
  visitorId: string;
  /** When the token stops being valid, if it carries its own end (seconds since the epoch). */
  exp?: number;
  /** A stable id of this very token (a hash of it): what a single-use token is recorded as used by. */
  id: string;
}

/**
 * Opaque visitor tokens: `v1.<payload>.<mac>`, payload = base64url(JSON {v: visitorId, iat, exp?}),
 * mac = HMAC-SHA256(key, payload). They travel only in websocket frames and localStorage, never in
 * URLs. A token older than maxAge is refused (the widget gets a fresh one at every welcome), and so
 * is one past its own `exp`: a session opened by a reopen link ends when the link would have.
 */
export interface VisitorTokens {
  /** `exp` (seconds since the epoch) bounds the token's life below maxAge; renewals pass it on. */
  issue(visitorId: string, now: Date, exp?: number): string;
  /** The visitor id, or null for a forged, malformed or expired token. */
  verify(token: string, now: Date): string | null;
  /** Like verify, with the token's own expiry and id. */
  read(token: string, now: Date): TokenClaims | null;
}

/** The payload of a `<prefix>.<payload>.<mac>` token whose MAC is right, parsed; else null. */
function signedPayload(token: string, prefix: string, mac: (payload: string) => string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== prefix) return null;
  const [, payload, given] = parts as [string, string, string];
  const expected = Buffer.from(mac(payload));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null;
  try {
    const body: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function createVisitorTokens(key: string, maxAgeDays = 180): VisitorTokens {
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const read = (token: string, now: Date): TokenClaims | null => {
    const body = signedPayload(token, 'v1', mac);
    if (!body || typeof body.v !== 'string' || typeof body.iat !== 'number') return null;
    if (body.exp !== undefined && typeof body.exp !== 'number') return null;
    const seconds = now.getTime() / 1000;
    const ageDays = (seconds - body.iat) / 86_400;
    if (ageDays > maxAgeDays || ageDays < -1) return null;
    if (body.exp !== undefined && seconds > body.exp) return null;
    return body.exp === undefined ? { visitorId: body.v, id: tokenId(token) } : { visitorId: body.v, exp: body.exp, id: tokenId(token) };
  };
  return {
    issue(visitorId, now, exp) {
      const body = exp === undefined ? { v: visitorId, iat: Math.floor(now.getTime() / 1000) } : { v: visitorId, iat: Math.floor(now.getTime() / 1000), exp };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `v1.${payload}.${mac(payload)}`;
    },
    verify: (token, now) => read(token, now)?.visitorId ?? null,
    read,
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
 * the other. The only token that ever appears in a URL: it expires, it is used once (its `id` is
 * recorded as used by whoever opens it; a random nonce keeps two links for one visitor apart), and
 * the session it opens ends when the link would have.
 */
export function createReopenTokens(key: string, ttlDays = 7): VisitorTokens {
  const mac = (payload: string) => createHmac('sha256', key).update(`reopen:${payload}`).digest('base64url');
  const read = (token: string, now: Date): TokenClaims | null => {
    const body = signedPayload(token, 'r1', mac);
    if (!body || typeof body.v !== 'string' || typeof body.exp !== 'number') return null;
    return now.getTime() / 1000 <= body.exp ? { visitorId: body.v, exp: body.exp, id: tokenId(token) } : null;
  };
  return {
    issue(visitorId, now, exp) {
      const end = Math.floor(now.getTime() / 1000) + ttlDays * 86_400;
      const body = { v: visitorId, exp: exp === undefined ? end : Math.min(exp, end), n: randomBytes(9).toString('base64url') };
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `r1.${payload}.${mac(payload)}`;
    },
    verify: (token, now) => read(token, now)?.visitorId ?? null,
    read,
  };
}
