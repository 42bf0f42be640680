import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/**
 * Where Relay refuses to send tenants' and partners' HTTP: private, shared, link-local
 * (cloud metadata lives there), multicast, reserved and documentation ranges, IPv4 and
 * IPv6. Loopback is refused too, unless insecure local delivery is switched on.
 */
const refused = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  refused.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  refused.addSubnet(network, prefix, 'ipv6');
}
const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

export class SsrfRefused extends Error {
  override name = 'SsrfRefused';
}

/** An IPv4 address carried inside IPv6 (mapped ::ffff:a.b.c.d, or NAT64 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const mapped = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1]!, 16);
  const low = Number.parseInt(hex[2]!, 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** What kind of address `address` is when it may not be connected to (never the address itself), or undefined when it may. */
export function refusalFor(address: string, options: { allowLoopback: boolean }): string | undefined {
  const inner = embeddedIpv4(address);
  if (inner) return refusalFor(inner, options);
  const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
  if (loopback.check(address, family)) return options.allowLoopback ? undefined : 'a loopback address';
  if (refused.check(address, family)) return 'a private, link-local or reserved address';
  return undefined;
}

export interface UrlPolicy {
  /** RELAY_ALLOW_INSECURE_WEBHOOKS: http and loopback allowed, for local use and tests. */
  allowInsecure: boolean;
}

/**
 * Checks a target URL before it is stored and again before each delivery: https (http
 * only in insecure mode), no credentials in it, and every address its host resolves
 * to allowed. Throws SsrfRefused with the reason.
 */
export async function checkTargetUrl(value: string, policy: UrlPolicy, resolve = defaultResolve): Promise<URL> {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SsrfRefused('not a URL');
  }
  if (url.protocol !== 'https:' && !(policy.allowInsecure && url.protocol === 'http:')) {
    throw new SsrfRefused(policy.allowInsecure ? 'only http and https URLs' : 'only https URLs');
  }
  if (url.username || url.password) throw new SsrfRefused('credentials in the URL are not allowed');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await resolve(host);
  if (addresses.length === 0) throw new SsrfRefused(`${host} does not resolve`);
  for (const address of addresses) {
    const reason = refusalFor(address, { allowLoopback: policy.allowInsecure });
    if (reason) throw new SsrfRefused(refusalMessage(host, reason));
  }
  return url;
}

/** The refusal as people see it: an address they typed is named, an address a name resolves to never is. */
export function refusalMessage(host: string, reason: string): string {
  return isIP(host) ? `${host} is refused: it is ${reason}` : `${host} is refused: it resolves to ${reason}`;
}

async function defaultResolve(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    throw new SsrfRefused(`${host} does not resolve`);
  }
}
