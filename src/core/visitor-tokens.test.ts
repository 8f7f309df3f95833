import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createVisitorTokens, verifyIdentity } from './visitor-tokens';

describe('visitor tokens', () => {
  const tokens = createVisitorTokens('key-one');
  const now = new Date('2026-11-27T12:00:00Z');

  it('round-trips a visitor id and is opaque', () => {
    const t = tokens.issue('v_abc', now);
    expect(t).not.toContain('v_abc');
    expect(tokens.verify(t, now)).toBe('v_abc');
  });

  it('refuses forged, altered, foreign-key and malformed tokens', () => {
    const t = tokens.issue('v_abc', now);
    const [v, payload, mac] = t.split('.') as [string, string, string];
    const other = Buffer.from(JSON.stringify({ v: 'v_other', iat: now.getTime() / 1000 })).toString('base64url');
    expect(tokens.verify(`${v}.${other}.${mac}`, now)).toBeNull();
    expect(tokens.verify(`${v}.${payload}.${mac.slice(0, -2)}AA`, now)).toBeNull();
    expect(createVisitorTokens('key-two').verify(t, now)).toBeNull();
    for (const bad of ['', 'v1', 'v1..', 'v2.a.b', `${t}.x`, 'v1.%%%.x']) expect(tokens.verify(bad, now)).toBeNull();
  });

  it('expires after the maximum age', () => {
    const t = tokens.issue('v_abc', now);
    expect(tokens.verify(t, new Date(now.getTime() + 179 * 86_400_000))).toBe('v_abc');
    expect(tokens.verify(t, new Date(now.getTime() + 181 * 86_400_000))).toBeNull();
  });

  it('end at their own expiry when they carry one (a session opened by a reopen link), renewed or not', () => {
    const exp = now.getTime() / 1000 + 7 * 86_400;
    const t = tokens.issue('v_abc', now, exp);
    expect(tokens.read(t, now)).toMatchObject({ visitorId: 'v_abc', exp });
    const later = new Date(now.getTime() + 6 * 86_400_000);
    const renewed = tokens.issue('v_abc', later, tokens.read(t, later)!.exp);
    expect(tokens.verify(renewed, later)).toBe('v_abc');
    expect(tokens.verify(renewed, new Date((exp + 1) * 1000))).toBeNull();
    expect(tokens.verify(t, new Date((exp + 1) * 1000))).toBeNull();
    expect(tokens.read(tokens.issue('v_abc', now), now)!.exp).toBeUndefined();
  });

  it('verifies identity hashes only with the secret', () => {
    const hash = createHmac('sha256', 's3cret').update('user-42').digest('hex');
    expect(verifyIdentity('s3cret', 'user-42', hash)).toBe(true);
    expect(verifyIdentity('s3cret', 'user-42', hash.toUpperCase())).toBe(true);
    expect(verifyIdentity('s3cret', 'user-43', hash)).toBe(false);
    expect(verifyIdentity('other', 'user-42', hash)).toBe(false);
    expect(verifyIdentity(undefined, 'user-42', hash)).toBe(false);
    expect(verifyIdentity('s3cret', 'user-42', 'abc')).toBe(false);
  });
});

describe('reopen tokens', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  it('open the visitor for their lifetime only, and are not visitor tokens', async () => {
    const { createReopenTokens, createVisitorTokens } = await import('./visitor-tokens');
    const reopen = createReopenTokens('k', 7);
    const t = reopen.issue('v_1', now);
    expect(reopen.verify(t, new Date(now.getTime() + 6 * 86_400_000))).toBe('v_1');
    expect(reopen.verify(t, new Date(now.getTime() + 8 * 86_400_000))).toBeNull();
    expect(createVisitorTokens('k').verify(t, now)).toBeNull();
    expect(reopen.verify(createVisitorTokens('k').issue('v_1', now), now)).toBeNull();
    expect(createReopenTokens('other').verify(t, now)).toBeNull();
  });

  it('are each distinct (two links for one visitor are used up separately) and carry their expiry', async () => {
    const { createReopenTokens } = await import('./visitor-tokens');
    const reopen = createReopenTokens('k', 7);
    const [a, b] = [reopen.issue('v_1', now), reopen.issue('v_1', now)];
    expect(a).not.toBe(b);
    expect(reopen.read(a, now)!.id).not.toBe(reopen.read(b, now)!.id);
    expect(reopen.read(a, now)).toMatchObject({ visitorId: 'v_1', exp: now.getTime() / 1000 + 7 * 86_400 });
  });
});
