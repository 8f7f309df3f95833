import { ErrorCode } from '@slack/web-api';
import { describe, expect, it } from 'vitest';
import { apiErrorCode } from './slack-errors';

/** The code a failed call is counted under in /metrics: bounded, whatever Slack or the network sends. */
describe('apiErrorCode', () => {
  const error = (fields: Record<string, unknown>) => Object.assign(new Error('failed'), fields);

  it("is Slack's own error code for a platform error", () => {
    expect(apiErrorCode(error({ code: ErrorCode.PlatformError, data: { ok: false, error: 'channel_not_found' } }))).toBe('channel_not_found');
  });

  it('keeps odd codes out of the label set', () => {
    expect(apiErrorCode(error({ code: ErrorCode.PlatformError, data: { ok: false, error: 'x'.repeat(200) } }))).toBe('unknown_error');
    expect(apiErrorCode(error({ code: ErrorCode.PlatformError, data: { ok: false, error: 'Bad "code"\n' } }))).toBe('unknown_error');
    expect(apiErrorCode(error({ code: ErrorCode.PlatformError, data: { ok: false } }))).toBe('unknown_error');
  });

  it('names rate limits, HTTP errors by status, network failures, and anything else', () => {
    expect(apiErrorCode(error({ code: ErrorCode.RateLimitedError, retryAfter: 3 }))).toBe('ratelimited');
    expect(apiErrorCode(error({ code: ErrorCode.HTTPError, statusCode: 503 }))).toBe('http_503');
    expect(apiErrorCode(error({ code: ErrorCode.RequestError }))).toBe('request_error');
    expect(apiErrorCode(new Error('boom'))).toBe('unknown');
    expect(apiErrorCode(null)).toBe('unknown');
  });
});
