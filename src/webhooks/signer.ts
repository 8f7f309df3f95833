import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures, verifiable like Slack's: `v1=` + hex HMAC-SHA256 of `v1:<timestamp>:<body>`
 * with the endpoint's secret, the timestamp (unix seconds) sent beside it, so a receiver can refuse
 * a replayed request by its age.
 */
export function signatureOf(secret: string, timestamp: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`v1:${timestamp}:${body}`).digest('hex')}`;
}

/** What a receiver does (the README's snippet): true when the signature matches and is recent. */
export function verifySignature(secret: string, header: { timestamp: string | undefined; signature: string | undefined }, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const ts = Number(header.timestamp);
  if (!Number.isInteger(ts) || Math.abs(nowSeconds - ts) > toleranceSeconds || !header.signature) return false;
  const expected = Buffer.from(signatureOf(secret, ts, body));
  const given = Buffer.from(header.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A new endpoint's secret: 32 random bytes, shown to the admin once. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString('hex')}`;
}
