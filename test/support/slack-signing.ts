/**
 * Slack request signing, exactly as Slack does it for requests it sends to an app
 * (https://docs.slack.dev/authentication/verifying-requests-from-slack):
 *
 *   X-Slack-Request-Timestamp: <unix seconds>
 *   X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>
 *
 * Receivers reject a timestamp more than 5 minutes away from their clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Signature scheme version Slack uses today. */
export const SLACK_SIGNATURE_VERSION = 'v0';

/** Receivers must reject requests whose timestamp is further than this from now (seconds). */
export const SLACK_SIGNATURE_MAX_AGE_S = 5 * 60;

/**
 * Slack's documented test vector (the slash-command example on the "Verifying requests from Slack" page).
 * `signSlackRequest(secret, timestamp, body) === signature`.
 */
export const SLACK_TEST_VECTOR = Object.freeze({
  secret: '8f742231b10e8888abcd99yyyzzz85a5',
  timestamp: 1531420618,
  body:
    'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
    '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
    '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
    '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
  signature: 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503',
});

/** Current unix time in whole seconds (what Slack puts in X-Slack-Request-Timestamp). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `v0=` + hex HMAC-SHA256(secret, `v0:{timestamp}:{rawBody}`). The body must be the exact bytes sent. */
export function signSlackRequest(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const hmac = createHmac('sha256', secret);
  hmac.update(`${SLACK_SIGNATURE_VERSION}:${timestamp}:`);
  hmac.update(rawBody);
  return `${SLACK_SIGNATURE_VERSION}=${hmac.digest('hex')}`;
}

/** The two signing headers (lower-case names, as Node presents them) for `rawBody` at `timestamp` (default now). */
export function slackSignatureHeaders(
  secret: string,
  rawBody: string | Buffer,
  timestamp: number = nowSeconds(),
): { 'x-slack-request-timestamp': string; 'x-slack-signature': string } {
  return {
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signSlackRequest(secret, timestamp, rawBody),
  };
}

/** Why a request failed verification. */
export type SlackSignatureFailure =
  | 'missing_timestamp'
  | 'missing_signature'
  | 'malformed_timestamp'
  | 'malformed_signature'
  | 'stale'
  | 'future'
  | 'mismatch';

/**
 * Standalone verification, independent of Bolt, following Slack's documented algorithm: timestamp within
 * `maxAgeS` (default 300 s) of `nowS` in either direction, then a constant-time compare of the signature.
 */
export function verifySlackSignature(
  secret: string,
  headers: { timestamp?: string | number | null; signature?: string | null },
  rawBody: string | Buffer,
  options: { nowS?: number; maxAgeS?: number } = {},
): { ok: true } | { ok: false; reason: SlackSignatureFailure } {
  const { timestamp, signature } = headers;
  if (timestamp === undefined || timestamp === null || timestamp === '') return { ok: false, reason: 'missing_timestamp' };
  if (signature === undefined || signature === null || signature === '') return { ok: false, reason: 'missing_signature' };
  const ts = Number(timestamp);
  if (!Number.isInteger(ts)) return { ok: false, reason: 'malformed_timestamp' };
  const now = options.nowS ?? nowSeconds();
  const maxAge = options.maxAgeS ?? SLACK_SIGNATURE_MAX_AGE_S;
  if (now - ts > maxAge) return { ok: false, reason: 'stale' };
  if (ts - now > maxAge) return { ok: false, reason: 'future' };
  if (!/^v0=[0-9a-f]{64}$/.test(signature)) return { ok: false, reason: 'malformed_signature' };
  const expected = Buffer.from(signSlackRequest(secret, String(timestamp), rawBody));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'mismatch' };
  return { ok: true };
}
