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

/** Constant-time comparison of a given MAC with the expected one. */
function macMatches(expected: string, given: string): boolean {
  const e = Buffer.from(expected);
  const g = Buffer.from(given);
  return e.length === g.length && timingSafeEqual(e, g);
}

/**
 * `<prefix>.<payload>.<mac>` tokens: payload = base64url(JSON body), mac = HMAC-SHA256(key,
 * domain + payload). The one place visitor tokens and reopen links are signed and checked.
 */
function signedTokens(key: string, prefix: string, domain = '') {
  const mac = (payload: string) => createHmac('sha256', key).update(domain + payload).digest('base64url');
  return {
    sign(body: Record<string, unknown>): string {
      const payload = Buffer.from(JSON.stringify(body)).toString('base64url');
      return `${prefix}.${payload}.${mac(payload)}`;
    },
    /** The body of a token whose MAC is right, parsed; else null. */
    open(token: string): Record<string, unknown> | null {
      const parts = token.split('.');
      if (parts.length !== 3 || parts[0] !== prefix) return null;
      const [, payload, given] = parts as [string, string, string];
      if (!macMatches(mac(payload), given)) return null;
      try {
        const body: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
        return body && typeof body === 'object' ? (body as Record<string, unknown>) : null;
      } catch {
        return null;
      }
    },
  };
}

/** VisitorTokens from a `read`, whose visitor id is also the answer of `verify`. */
function visitorTokens(issue: VisitorTokens['issue'], read: VisitorTokens['read']): VisitorTokens {
  return { issue, verify: (token, now) => read(token, now)?.visitorId ?? null, read };
}

const tokenId = (token: string) => createHash('sha256').update(token).digest('hex');

export function createVisitorTokens(key: string, maxAgeDays = 180): VisitorTokens {
  const tokens = signedTokens(key, 'v1');
  const read = (token: string, now: Date): TokenClaims | null => {
    const body = tokens.open(token);
    if (!body || typeof body.v !== 'string' || typeof body.iat !== 'number') return null;
    if (body.exp !== undefined && typeof body.exp !== 'number') return null;
    const seconds = now.getTime() / 1000;
    const ageDays = (seconds - body.iat) / 86_400;
    if (ageDays > maxAgeDays || ageDays < -1) return null;
    if (body.exp !== undefined && seconds > body.exp) return null;
    return body.exp === undefined ? { visitorId: body.v, id: tokenId(token) } : { visitorId: body.v, exp: body.exp, id: tokenId(token) };
  };
  const issue = (visitorId: string, now: Date, exp?: number) => {
    const iat = Math.floor(now.getTime() / 1000);
    return tokens.sign(exp === undefined ? { v: visitorId, iat } : { v: visitorId, iat, exp });
  };
  return visitorTokens(issue, read);
}

/** userHash check for verified identity: hex HMAC-SHA256(IDENTITY_SECRET, userId), compared in constant time. */
export function verifyIdentity(secret: string | undefined, userId: string, userHash: string): boolean {
  if (!secret) return false;
  return macMatches(createHmac('sha256', secret).update(userId).digest('hex'), userHash.toLowerCase());
}

/**
 * Reopen links in follow-up emails: `r1.<payload>.<mac>`, valid for `ttlDays`. Signed with the same
 * key as visitor tokens but in their own domain (the MAC covers "reopen:"), so neither can pass for
 * the other. The only token that ever appears in a URL: it expires, it is used once (its `id` is
 * recorded as used by whoever opens it; a random nonce keeps two links for one visitor apart), and
 * the session it opens ends when the link would have.
 */
export function createReopenTokens(key: string, ttlDays = 7): VisitorTokens {
  const tokens = signedTokens(key, 'r1', 'reopen:');
  const read = (token: string, now: Date): TokenClaims | null => {
    const body = tokens.open(token);
    if (!body || typeof body.v !== 'string' || typeof body.exp !== 'number') return null;
    return now.getTime() / 1000 <= body.exp ? { visitorId: body.v, exp: body.exp, id: tokenId(token) } : null;
  };
  const issue = (visitorId: string, now: Date, exp?: number) => {
    const end = Math.floor(now.getTime() / 1000) + ttlDays * 86_400;
    return tokens.sign({ v: visitorId, exp: exp === undefined ? end : Math.min(exp, end), n: randomBytes(9).toString('base64url') });
  };
  return visitorTokens(issue, read);
}
