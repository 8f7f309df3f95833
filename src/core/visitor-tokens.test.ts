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
});
