/**
 * How the driver reaches the app, as Slack does: signed HTTP POSTs to its endpoint (or signed wrongly on purpose),
 * or Socket Mode envelopes through the emulator, whose ack stands for the HTTP answer.
 */
/* eslint-disable @typescript-eslint/no-explicit-any */
import type { SlackEmulator, SocketEnvelopeType } from '../slack-emulator';
import { nowSeconds, signSlackRequest } from '../slack-signing';
import type { AppResponse, SendOptions, SlackDriverOptions } from './types';

const SLACK_USER_AGENT = 'Slackbot 1.0 (+https://api.slack.com/robots)';

/** How far a stale or future timestamp is off (Slack's apps refuse more than 5 minutes). */
const SKEW_SECONDS = 6 * 60;

export type PostOptions = SendOptions & { extraHeaders?: Record<string, string> };
export type SocketSendOptions = SendOptions & { retryNum?: number; retryReason?: string };

export interface Transport {
  readonly socketMode: boolean;
  readonly appUrl: string;
  signedHeaders(body: string, opts?: SendOptions): { headers: Record<string, string>; body: string };
  /** HTTP mode: POST `body` signed (or not, per `opts.signature`). */
  post(body: string, contentType: string, opts?: PostOptions): Promise<AppResponse>;
  /** Socket Mode: the same payload as an envelope. */
  viaSocket(type: SocketEnvelopeType, payload: Record<string, any>, opts?: SocketSendOptions): Promise<AppResponse>;
  /** An interaction payload: `payload=<json>` form over HTTP, an `interactive` envelope in Socket Mode. */
  sendInteraction(payload: Record<string, any>, opts?: SendOptions): Promise<AppResponse>;
  httpOnly(what: string): Promise<never>;
}

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

export function createTransport(options: SlackDriverOptions): Transport {
  const { emulator } = options;
  const socketMode = options.socketMode === true;
  const appUrl = options.appUrl ?? '';
  const signingSecret = options.signingSecret ?? '';
  if (!socketMode && (!appUrl || !signingSecret)) throw new Error('Slack driver: appUrl and signingSecret are required unless socketMode is true');

  function signedHeaders(body: string, opts: SendOptions = {}): { headers: Record<string, string>; body: string } {
    const mode = opts.signature ?? 'valid';
    const now = nowSeconds();
    const ts = opts.timestamp ?? (mode === 'stale' ? now - SKEW_SECONDS : mode === 'future' ? now + SKEW_SECONDS : now);
    let signature = signSlackRequest(mode === 'wrong_secret' ? `${signingSecret}-not` : signingSecret, ts, body);
    if (mode === 'malformed') signature = `v1=${signature.slice(3)}`;
    const headers: Record<string, string> = {};
    if (mode !== 'missing_timestamp') headers['x-slack-request-timestamp'] = String(ts);
    if (mode !== 'missing') headers['x-slack-signature'] = signature;
    let sent = mode === 'tampered' ? `${body} ` : body;
    if (opts.alterBody) sent = opts.alterBody(sent);
    return { headers, body: sent };
  }

  async function post(body: string, contentType: string, opts: PostOptions = {}): Promise<AppResponse> {
    const signed = signedHeaders(body, opts);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': SLACK_USER_AGENT,
      accept: '*/*',
      ...signed.headers,
      ...opts.extraHeaders,
      ...opts.headers,
    };
    const res = await fetch(appUrl, {
      method: 'POST',
      headers,
      body: signed.body,
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    });
    const text = await res.text();
    return { status: res.status, body: parseBody(text), text, headers: Object.fromEntries(res.headers.entries()) };
  }

  const viaSocket = (type: SocketEnvelopeType, payload: Record<string, any>, opts: SocketSendOptions = {}) => sendEnvelope(emulator, type, payload, opts);

  return {
    socketMode,
    appUrl,
    signedHeaders,
    post,
    viaSocket,
    sendInteraction(payload, opts = {}) {
      if (socketMode) return viaSocket('interactive', payload, opts);
      return post(form({ payload: JSON.stringify(payload) }), 'application/x-www-form-urlencoded', opts);
    },
    httpOnly(what) {
      return Promise.reject(new Error(`Slack driver: ${what} exists only in HTTP mode`));
    },
  };
}

/** JSON when the answer is JSON, else the text. */
function parseBody(text: string): any {
  if (!text) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Socket Mode: the same payload as an envelope; the ack stands for the HTTP answer. */
async function sendEnvelope(emulator: SlackEmulator, type: SocketEnvelopeType, payload: Record<string, any>, opts: SocketSendOptions): Promise<AppResponse> {
  if (opts.signature && opts.signature !== 'valid') throw new Error(`Slack driver: signature "${opts.signature}" means nothing in Socket Mode (nothing is signed)`);
  const d = await emulator.sendSocketEnvelope(type, payload, {
    timeoutMs: opts.timeoutMs ?? 10_000,
    retryAttempt: opts.retryNum,
    retryReason: opts.retryReason,
  });
  const empty = Object.keys(d.payload).length === 0;
  return { status: 200, body: empty ? '' : d.payload, text: empty ? '' : JSON.stringify(d.payload), headers: {}, socket: { envelope: d.envelope, ack: d.ack, ackMs: d.ackMs } };
}
