import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  headers: http.IncomingHttpHeaders;
  body: string;
  json: { id: string; type: string; createdAt: string; data: any };
  /** The status the receiver answered. */
  status: number;
}

/**
 * A real HTTP endpoint for outgoing webhooks on 127.0.0.1: records every request and answers with
 * what `answer` says (200 by default; a test makes it fail, hang or recover).
 */
export async function startWebhookReceiver(answer: (hook: Omit<ReceivedHook, 'status'>, n: number) => number | 'hang' = () => 200) {
  const received: ReceivedHook[] = [];
  let behaviour = answer;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const hook = { headers: req.headers, body, json: JSON.parse(body) };
      const status = behaviour(hook, received.length);
      if (status === 'hang') return;
      received.push({ ...hook, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    /** Those answered 2xx, in the order they arrived. */
    delivered: () => received.filter((h) => h.status >= 200 && h.status < 300),
    answer(fn: typeof answer) {
      behaviour = fn;
    },
    async waitFor(check: () => boolean, what: string, withinMs = 20_000) {
      const deadline = Date.now() + withinMs;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${received.map((h) => `${h.json.type}:${h.status}`).join(', ')}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
