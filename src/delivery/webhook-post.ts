// One webhook request: POST the JSON body, report the status or why there was none. Connects only
// to addresses the URL policy allows, checked on the addresses actually dialled (a host name that
// resolves to a private address is refused at connection time, so DNS cannot point the dispatcher
// into the operator's network). Redirects are not followed: a 3xx is a failed attempt.
import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { LookupFunction, isIP } from 'node:net';
import { WebhookUrlPolicy, refusedAddress } from '../domain/webhook-url';

export interface PostResult {
  status: number | null;
  error: string | null;
}

const MAX_ERROR_LENGTH = 300;

function guardedLookup(policy: WebhookUrlPolicy): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.map((a) => refusedAddress(a.address, policy)).find((r) => r !== null);
      if (refused || addresses.length === 0) return callback(new Error(`refused to connect: ${hostname} resolves to ${refused ?? 'no address'}`), '', 0);
      // net asks for every address (happy eyeballs) or for one, and reads the callback accordingly.
      if (options.all) return (callback as unknown as (e: null, all: dns.LookupAddress[]) => void)(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}

export function postJson(rawUrl: string, body: string, headers: Record<string, string>, opts: { timeoutMs: number; policy: WebhookUrlPolicy }): Promise<PostResult> {
  const url = new URL(rawUrl);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const refused = isIP(host) ? refusedAddress(host, opts.policy) : null;
  if (refused) return Promise.resolve({ status: null, error: `refused to connect: ${refused}` });
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    const req = request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), 'user-agent': 'SynthBUS-Webhooks/1', ...headers },
      lookup: guardedLookup(opts.policy),
      agent: false,
    });
    // Whole-request deadline: a socket timeout alone would let a slow trickle keep it open.
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    req.on('response', (res) => {
      resolve({ status: res.statusCode ?? null, error: null });
      res.on('end', () => clearTimeout(timer)).on('error', () => clearTimeout(timer));
      res.resume();
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      resolve({ status: null, error: e.message.slice(0, MAX_ERROR_LENGTH) });
    });
    req.end(body);
  });
}
