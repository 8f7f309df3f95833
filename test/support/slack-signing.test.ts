import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SLACK_TEST_VECTOR, nowSeconds, signSlackRequest, slackSignatureHeaders, verifySlackSignature } from './slack-signing';

describe('slack-signing', () => {
  it("reproduces Slack's documented test vector", () => {
    // Values exactly as on Slack's "Verifying requests from Slack" page.
    const secret = '8f742231b10e8888abcd99yyyzzz85a5';
    const body =
      'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar' +
      '&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com' +
      '%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
    expect(signSlackRequest(secret, 1531420618, body)).toBe('v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503');
    expect(SLACK_TEST_VECTOR.body).toBe(body);
    expect(signSlackRequest(SLACK_TEST_VECTOR.secret, SLACK_TEST_VECTOR.timestamp, Buffer.from(SLACK_TEST_VECTOR.body))).toBe(SLACK_TEST_VECTOR.signature);
  });

  it('is HMAC-SHA256 over v0:{ts}:{body}', () => {
    const expected = createHmac('sha256', 's3cret').update('v0:1700000000:{"a":1}').digest('hex');
    expect(signSlackRequest('s3cret', '1700000000', '{"a":1}')).toBe(`v0=${expected}`);
  });

  it('builds headers that verify, and rejects stale, future, wrong and tampered requests', () => {
    const now = nowSeconds();
    const h = slackSignatureHeaders('s3cret', 'payload=%7B%7D', now);
    const ok = { timestamp: h['x-slack-request-timestamp'], signature: h['x-slack-signature'] };
    expect(verifySlackSignature('s3cret', ok, 'payload=%7B%7D')).toEqual({ ok: true });
    expect(verifySlackSignature('other', ok, 'payload=%7B%7D')).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackSignature('s3cret', ok, 'payload=%7B%7D ')).toEqual({ ok: false, reason: 'mismatch' });
    expect(verifySlackSignature('s3cret', { signature: ok.signature }, 'x')).toEqual({ ok: false, reason: 'missing_timestamp' });
    expect(verifySlackSignature('s3cret', { timestamp: ok.timestamp }, 'x')).toEqual({ ok: false, reason: 'missing_signature' });
    const stale = slackSignatureHeaders('s3cret', 'b', now - 301);
    expect(verifySlackSignature('s3cret', { timestamp: stale['x-slack-request-timestamp'], signature: stale['x-slack-signature'] }, 'b')).toEqual({ ok: false, reason: 'stale' });
    const future = slackSignatureHeaders('s3cret', 'b', now + 301);
    expect(verifySlackSignature('s3cret', { timestamp: future['x-slack-request-timestamp'], signature: future['x-slack-signature'] }, 'b')).toEqual({ ok: false, reason: 'future' });
    expect(verifySlackSignature('s3cret', { timestamp: now, signature: 'v1=abc' }, 'b')).toEqual({ ok: false, reason: 'malformed_signature' });
    // The test vector verifies at its own time.
    expect(
      verifySlackSignature(SLACK_TEST_VECTOR.secret, SLACK_TEST_VECTOR, SLACK_TEST_VECTOR.body, { nowS: SLACK_TEST_VECTOR.timestamp + 10 }),
    ).toEqual({ ok: true });
  });
});
