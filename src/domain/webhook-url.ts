// Where a webhook may point. Production endpoints are https URLs on public addresses: the
// dispatcher must not become a way to reach the operator's own network (SSRF). With
// `allowLoopbackHttp` (development and tests) plain http to this machine's loopback is allowed too.
// A literal address is checked here; a host name's addresses are checked again by the dispatcher
// at each connection (a name may resolve differently later).
import { BlockList, isIP } from 'node:net';
import { InputError } from './input-error';

export const MAX_WEBHOOK_URL_LENGTH = 2048;

export interface WebhookUrlPolicy {
  allowLoopbackHttp: boolean;
}

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/**
 * Addresses that are not the public internet: private, loopback, link-local, shared, reserved,
 * documentation, multicast. One list per family: a BlockList would match IPv4 addresses against
 * IPv6 rules such as ::ffff:0:0/96.
 */
const NON_PUBLIC_V4 = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  NON_PUBLIC_V4.addSubnet(net, bits, 'ipv4');
}
const NON_PUBLIC_V6 = new BlockList();
// ::ffff:0:0/96 (IPv4-mapped) is judged by its IPv4 address below; one this cannot read stays refused.
for (const [net, bits] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['2001:db8::', 32], ['64:ff9b::', 96], ['::ffff:0:0', 96]] as const) {
  NON_PUBLIC_V6.addSubnet(net, bits, 'ipv6');
}

/** The IPv4 address an IPv4-mapped IPv6 address (::ffff:a.b.c.d, or ::ffff:hhhh:hhhh as URL writes it) stands for. */
function mappedIpv4(address: string): string | null {
  const m = /^::ffff:(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(address);
  if (!m) return null;
  if (m[1]) return m[1];
  const hi = parseInt(m[2], 16);
  const lo = parseInt(m[3], 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

const LOOPBACK_NAMES = new Set(['localhost']);

function isLoopbackHost(host: string): boolean {
  const family = isIP(host);
  return LOOPBACK_NAMES.has(host) || (family !== 0 && LOOPBACK.check(host, family === 4 ? 'ipv4' : 'ipv6'));
}

/** Why the dispatcher may not connect to `address` (an IP literal), or null if it may. */
export function refusedAddress(address: string, policy: WebhookUrlPolicy): string | null {
  const family = isIP(address);
  if (family === 0) return `"${address}" is not an IP address`;
  const mapped = family === 6 ? mappedIpv4(address) : null;
  if (mapped) return refusedAddress(mapped, policy);
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (policy.allowLoopbackHttp && LOOPBACK.check(address, type)) return null;
  const nonPublic = family === 4 ? NON_PUBLIC_V4 : NON_PUBLIC_V6;
  return nonPublic.check(address, type) ? `${address} is not a public address` : null;
}

/** The endpoint as stored, or an InputError naming `field` and the problem. */
export function validateWebhookUrl(raw: string, policy: WebhookUrlPolicy, field = 'input.url'): string {
  if (raw.length > MAX_WEBHOOK_URL_LENGTH) throw new InputError(field, `A webhook URL may be at most ${MAX_WEBHOOK_URL_LENGTH} characters (got ${raw.length}).`, 'URL_TOO_LONG');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(field, `"${raw}" is not an absolute URL.`, 'URL_INVALID');
  }
  if (url.username || url.password) throw new InputError(field, 'A webhook URL may not carry a user name or password; authenticate deliveries by their signature.', 'URL_CREDENTIALS');
  if (url.hash) throw new InputError(field, 'A webhook URL may not have a #fragment (it is never sent).', 'URL_FRAGMENT');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  const localHttp = policy.allowLoopbackHttp && isLoopbackHost(host);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && localHttp)) {
    const allowed = policy.allowLoopbackHttp ? 'https (or http to 127.0.0.1 / localhost / [::1] on this server)' : 'https';
    throw new InputError(field, `A webhook URL must use ${allowed}; got "${url.protocol.replace(/:$/, '')}".`, 'URL_SCHEME');
  }
  if (LOOPBACK_NAMES.has(host) && !policy.allowLoopbackHttp) throw new InputError(field, `"${host}" is this server; a webhook must reach a public address.`, 'URL_PRIVATE_ADDRESS');
  if (isIP(host) !== 0) {
    const refused = refusedAddress(host, policy);
    if (refused) throw new InputError(field, `A webhook must reach a public address: ${refused}.`, 'URL_PRIVATE_ADDRESS');
  }
  return url.href;
}
