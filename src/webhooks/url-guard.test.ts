import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { checkUrlForm, isBlockedAddress, resolveSafely } from './url-guard';
import { sendWebhook } from './webhook-sender';
import { signatureOf, verifySignature } from './signer';

describe('the webhook URL guard', () => {
  it('blocks loopback, private, link-local, CGNAT, unspecified, multicast and metadata addresses', () => {
    for (const a of ['127.0.0.1', '10.0.0.5', '172.16.3.4', '192.168.1.1', '169.254.169.254', '100.64.1.1', '0.0.0.0', '224.0.0.1', '::1', '::', 'fd00::1', 'fe80::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isBlockedAddress(a), a).toBe(true);
    }
    for (const a of ['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111', '172.32.0.1']) expect(isBlockedAddress(a), a).toBe(false);
  });

  it('refuses a host when any of its addresses is private (a DNS answer mixing good and bad)', async () => {
    const resolve = async () => [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }];
    await expect(resolveSafely(new URL('https://hooks.example.com/'), false, resolve)).rejects.toThrow(/10\.0\.0\.7/);
    await expect(resolveSafely(new URL('https://hooks.example.com/'), true, resolve)).resolves.toHaveLength(2);
  });

  it('allows plain http only with the private-address setting, and never credentials in the URL', () => {
    expect(() => checkUrlForm('http://hooks.example.com/', false)).toThrow(/https:\/\//);
    expect(checkUrlForm('http://hooks.example.com/', true).protocol).toBe('http:');
    expect(() => checkUrlForm('https://user:pw@hooks.example.com/', false)).toThrow(/user name or password/);
  });

  it('checks the host again at delivery: a name that now resolves to a private address is not contacted', async () => {
    let contacted = false;
    const server = http.createServer((_req, res) => {
      contacted = true;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const input = { url: `https://hooks.example.com:${port}/`, secret: 's', eventId: 'e1', type: 'ping', body: '{}', timestamp: 1 };
      const result = await sendWebhook(input, { allowPrivate: false, timeoutMs: 2000, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      expect(result).toMatchObject({ ok: false, error: expect.stringContaining('refused') });
      expect(contacted).toBe(false);
      // Allowed, the request goes to the address that was checked, not to a second DNS answer.
      const plain = { ...input, url: `http://hooks.example.com:${port}/` };
      const sent = await sendWebhook(plain, { allowPrivate: true, timeoutMs: 2000, resolve: async () => [{ address: '127.0.0.1', family: 4 }] });
      expect(sent).toEqual({ ok: true, status: 200 });
      expect(contacted).toBe(true);
    } finally {
      server.close();
    }
  });

  it('does not follow redirects and times out a receiver that does not answer', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/hang') return;
      res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    try {
      const base = { secret: 's', eventId: 'e1', type: 'ping', body: '{}', timestamp: 1 };
      expect(await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/` }, { allowPrivate: true, timeoutMs: 2000 })).toEqual({ ok: false, error: 'HTTP 302' });
      const hung = await sendWebhook({ ...base, url: `http://127.0.0.1:${port}/hang` }, { allowPrivate: true, timeoutMs: 200 });
      expect(hung).toMatchObject({ ok: false, error: expect.stringContaining('no answer within 200 ms') });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('the webhook signature', () => {
  it('verifies with the right secret and a recent timestamp only', () => {
    const sig = signatureOf('secret', 1_000, '{"a":1}');
    expect(verifySignature('secret', { timestamp: '1000', signature: sig }, '{"a":1}', 1_010)).toBe(true);
    expect(verifySignature('other', { timestamp: '1000', signature: sig }, '{"a":1}', 1_010)).toBe(false);
    expect(verifySignature('secret', { timestamp: '1000', signature: sig }, '{"a":2}', 1_010)).toBe(false);
    expect(verifySignature('secret', { timestamp: '1000', signature: sig }, '{"a":1}', 2_000)).toBe(false);
  });
});
