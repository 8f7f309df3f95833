import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from '../logger';
import type { SlackInbox } from './inbox';

/** Slack refuses requests older than five minutes; so do we. */
export const MAX_SIGNATURE_AGE_S = 5 * 60;
/** Slack waits 3 s for an answer; past that (the request being stored) we answer 200 and let the listener go on. */
const ACK_TIMEOUT_MS = 2_900;

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

/** Verifies X-Slack-Signature over the raw body (v0 scheme), in constant time. */
export function verifySlackSignature(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  rawBody: Buffer,
  nowMs: number,
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing signature headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'malformed timestamp' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > MAX_SIGNATURE_AGE_S) return { ok: false, reason: 'stale timestamp' };
  const mac = createHmac('sha256', secret).update(`v0:${timestamp}:`).update(rawBody).digest('hex');
  const expected = Buffer.from(`v0=${mac}`);
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'wrong signature' };
  return { ok: true };
}

type Parsed = { kind: 'event'; body: Record<string, unknown> } | { kind: 'reply'; status: number; body: unknown };

/**
 * Turns a verified raw body into what Bolt processes. Anything that is not a well-formed Slack
 * request gets a 400 here, so no payload shape reaches Bolt that could crash it.
 */
export function parseSlackBody(contentType: string, raw: Buffer): Parsed {
  const text = raw.toString('utf8');
  const bad = (why: string): Parsed => ({ kind: 'reply', status: 400, body: { ok: false, error: why } });
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  // A Slack payload is a JSON object with a string `type`; undefined: not JSON, null: not a payload.
  const payloadOf = (raw: string): (Record<string, unknown> & { type: string }) | null | undefined => {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    return isObject(json) && typeof json.type === 'string' ? (json as Record<string, unknown> & { type: string }) : null;
  };
  if (contentType.startsWith('application/json')) {
    const json = payloadOf(text);
    if (json === undefined) return bad('invalid_json');
    if (json === null) return bad('invalid_payload');
    if (json.type === 'url_verification') return { kind: 'reply', status: 200, body: { challenge: String(json.challenge ?? '') } };
    if (json.type === 'event_callback' && !isObject(json.event)) return bad('invalid_payload');
    return { kind: 'event', body: json };
  }
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    if (form.get('ssl_check') === '1') return { kind: 'reply', status: 200, body: '' };
    const payload = form.get('payload');
    if (payload !== null) {
      const json = payloadOf(payload);
      if (!json) return bad('invalid_payload');
      if (['block_actions', 'interactive_message'].includes(json.type) && !Array.isArray(json.actions)) return bad('invalid_payload');
      if (['view_submission', 'view_closed'].includes(json.type) && !isObject(json.view)) return bad('invalid_payload');
      if (!isObject(json.user) && json.type !== 'event_callback') return bad('invalid_payload');
      return { kind: 'event', body: json };
    }
    if (form.get('command') && form.get('user_id')) return { kind: 'event', body: Object.fromEntries(form) };
    return bad('invalid_payload');
  }
  return { kind: 'reply', status: 415, body: { ok: false, error: 'unsupported_content_type' } };
}

export interface FastifyReceiverOptions {
  signingSecret: string;
  logger: Logger;
  /** Every request is stored here before it is answered 200 (see SlackInbox). */
  inbox: Pick<SlackInbox, 'store' | 'dispatch'>;
  path?: string;
  now?: () => number;
}

/**
 * Slack's HTTP requests, on our own Fastify server so Slack and the widget share one port. It
 * verifies every request before anything else (401 and nothing happens), guards the body shape
 * (400), stores the request durably (500 when it cannot: Slack then delivers it again), and hands
 * it to Bolt through the inbox with an ack that answers the HTTP request.
 */
export class FastifyReceiver {
  constructor(private readonly options: FastifyReceiverOptions) {}

  register(server: FastifyInstance): void {
    const { signingSecret, logger } = this.options;
    const now = this.options.now ?? Date.now;
    const path = this.options.path ?? '/slack/events';
    void server.register(async (scope) => {
      // The signature covers the exact bytes Slack sent: keep them raw.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 1024 * 1024 }, (_req, body, done) => done(null, body));

      scope.post(path, async (req, reply) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const check = verifySlackSignature(
          signingSecret,
          {
            timestamp: headerOf(req.headers['x-slack-request-timestamp']),
            signature: headerOf(req.headers['x-slack-signature']),
          },
          raw,
          now(),
        );
        if (!check.ok) {
          logger.warn({ reason: check.reason, ip: req.ip }, 'refused a Slack request: signature check failed');
          return reply.code(401).send({ ok: false, error: 'invalid_signature' });
        }
        const parsed = parseSlackBody(String(req.headers['content-type'] ?? ''), raw);
        if (parsed.kind === 'reply') return reply.code(parsed.status).send(parsed.body);
        return this.dispatch(parsed.body, req.headers, reply);
      });
    });
  }

  private async dispatch(body: Record<string, unknown>, headers: Record<string, unknown>, reply: FastifyReply): Promise<FastifyReply> {
    const { logger, inbox } = this.options;
    const receivedAt = Date.now();
    let ticket;
    try {
      // Slack never delivers again a request answered 200: store it first.
      ticket = await inbox.store(body, Number(headerOf(headers['x-slack-retry-num'])) || undefined, headerOf(headers['x-slack-retry-reason']));
    } catch (err) {
      logger.error({ err, type: body.type }, 'could not store a Slack request; answering 500 so that Slack delivers it again');
      return reply.code(500).send({ ok: false, error: 'not_stored' });
    }
    const stored = ticket;
    let answered = false;
    const answer = new Promise<{ status: number; body: unknown }>((resolve) => {
      const ack = async (response?: unknown) => {
        if (answered) return;
        answered = true;
        resolve({ status: 200, body: response ?? '' });
      };
      // Stored, so a 200 is safe; Slack must have its answer within 3 s of sending.
      const timer = setTimeout(() => {
        if (answered) return;
        answered = true;
        logger.warn({ type: body.type }, 'a Slack listener did not ack within 3 s');
        resolve({ status: 200, body: '' });
      }, Math.max(0, ACK_TIMEOUT_MS - (Date.now() - receivedAt)));
      inbox
        .dispatch(stored, ack)
        .catch((err: unknown) => {
          logger.error({ err, type: body.type }, 'Slack request failed');
          if (!answered) {
            answered = true;
            resolve({ status: 500, body: { ok: false, error: 'internal_error' } });
          }
        })
        .finally(() => {
          clearTimeout(timer);
          if (!answered) {
            answered = true;
            resolve({ status: 200, body: '' });
          }
        });
    });
    const { status, body: out } = await answer;
    if (typeof out === 'string') return reply.code(status).type('text/plain; charset=utf-8').send(out);
    return reply.code(status).send(out);
  }
}

function headerOf(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}
