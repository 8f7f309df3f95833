import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Webhook URLs must not reach into our own network (SSRF): https only, and a host that resolves
 * only to public addresses. Checked when an endpoint is added and again at every delivery (DNS may
 * change), and the request then connects to the address that was checked (see `pinnedLookup`).
 * WEBHOOK_ALLOW_PRIVATE_URLS lifts both rules (a closed network, tests).
 */

const blocked = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], // "this network", unspecified
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // CGNAT
  ['127.0.0.0', 8],
  ['169.254.0.0', 16], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) blocked.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128],
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
  ['fd00:ec2::254', 128], // AWS metadata over IPv6 (inside fc00::/7 too)
  ['64:ff9b::', 96], // NAT64 may wrap a private IPv4: refused whole
] as const) blocked.addSubnet(net, prefix, 'ipv6');

export class UnsafeUrlError extends Error {
  readonly code = 'webhook_url_refused';
}

/** Whether an address is one we never send to (without the private-address setting). */
export function isBlockedAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return blocked.check(address, 'ipv4');
  if (family !== 6) return true;
  // ::ffff:10.0.0.1 and friends: judged as the IPv4 address they carry.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return blocked.check(mapped[1]!, 'ipv4');
  return blocked.check(address, 'ipv6');
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolve: Resolve = (host) => dnsLookup(host, { all: true, verbatim: true });

/** Parses and checks the URL's form (no DNS): throws UnsafeUrlError with a sentence for the admin. */
export function checkUrlForm(raw: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new UnsafeUrlError('That is not a URL. Example: https://hooks.example.com/handoff');
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) {
    throw new UnsafeUrlError(
      url.protocol === 'http:' ? 'The URL must start with https:// (plain http is allowed only with WEBHOOK_ALLOW_PRIVATE_URLS=true).' : 'The URL must start with https://.',
    );
  }
  if (url.username || url.password) throw new UnsafeUrlError('The URL must not carry a user name or password; the requests are signed instead.');
  if (raw.length > 2000) throw new UnsafeUrlError('The URL is too long (2000 characters at most).');
  return url;
}

/**
 * The addresses the URL's host resolves to, each checked: throws UnsafeUrlError when any is
 * loopback, private, link-local, CGNAT, unspecified, multicast or metadata (a host with one bad
 * address among good ones is refused whole, since the connection could pick it).
 */
export async function resolveSafely(url: URL, allowPrivate: boolean, resolve: Resolve = systemResolve, timeoutMs = 1_500): Promise<{ address: string; family: number }[]> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: { address: string; family: number }[];
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    let timer: NodeJS.Timeout | undefined;
    try {
      // Bounded: an admin's form waits on it, and Slack wants its answer within 3 s.
      const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs)));
      addresses = await Promise.race([resolve(host), late]);
    } catch {
      throw new UnsafeUrlError(`The host ${host} does not resolve (DNS did not answer, or in time).`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (!addresses.length) throw new UnsafeUrlError(`The host ${host} does not resolve (DNS).`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isBlockedAddress(a.address));
    if (bad) {
      throw new UnsafeUrlError(
        `The URL's host ${host} is a loopback, private, link-local or metadata address (${bad.address}); webhooks go only to public addresses (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow them).`,
      );
    }
  }
  return addresses;
}

/**
 * A `lookup` for http(s).request that answers with the addresses checked already, so that the
 * connection goes where the check looked (no second DNS answer in between).
 */
export function pinnedLookup(addresses: { address: string; family: number }[]) {
  return (_host: string, options: { all?: boolean } | number, cb: (...args: unknown[]) => void) => {
    if (typeof options === 'object' && options?.all) cb(null, addresses);
    else cb(null, addresses[0]!.address, addresses[0]!.family);
  };
}
