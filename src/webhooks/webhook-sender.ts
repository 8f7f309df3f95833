import http from 'node:http';
import https from 'node:https';
import { checkUrlForm, pinnedLookup, resolveSafely, type Resolve } from './url-guard';
import { signatureOf } from './signer';

export interface SendInput {
  url: string;
  secret: string;
  eventId: string;
  type: string;
  body: string;
  /** Unix seconds, signed with the body. */
  timestamp: number;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string };

export interface SenderOptions {
  allowPrivate: boolean;
  timeoutMs: number;
  resolve?: Resolve;
}

/**
 * One POST of one delivery: the URL checked again (DNS may have changed since it was added), the
 * connection made to the checked address, no redirect followed (a 3xx is a failure), at most
 * `timeoutMs` for the whole exchange. Never throws.
 */
export async function sendWebhook(input: SendInput, o: SenderOptions): Promise<SendResult> {
  let url: URL;
  let addresses: { address: string; family: number }[];
  try {
    url = checkUrlForm(input.url, o.allowPrivate);
    addresses = await resolveSafely(url, o.allowPrivate, o.resolve);
  } catch (err) {
    return { ok: false, error: `refused: ${(err as Error).message}` };
  }
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const done = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    const req = request(url, {
      method: 'POST',
      lookup: pinnedLookup(addresses) as never,
      headers: {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(input.body),
        'User-Agent': 'Handoff-Webhooks/1',
        'X-Handoff-Event': input.type,
        'X-Handoff-Delivery': input.eventId,
        'X-Handoff-Request-Timestamp': String(input.timestamp),
        'X-Handoff-Signature': signatureOf(input.secret, input.timestamp, input.body),
      },
    });
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${o.timeoutMs} ms`));
    }, o.timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      // The answer's body is not needed; reading it (bounded) lets the socket be reused or closed cleanly.
      let read = 0;
      res.on('data', (chunk: Buffer) => {
        read += chunk.length;
        if (read > 64 * 1024) res.destroy();
      });
      res.on('error', () => undefined);
      res.on('close', () => done(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `HTTP ${status}` }));
    });
    req.on('error', (err) => done({ ok: false, error: err.message }));
    req.end(input.body);
  });
}
