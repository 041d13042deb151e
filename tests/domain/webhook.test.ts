// Webhook rules without I/O: signatures and their verification, which URLs and addresses an
// endpoint may use, and the retry schedule.
import { createHmac } from 'node:crypto';
import { InputError } from '../../src/domain/input-error';
import { retryDelaySeconds } from '../../src/domain/webhook';
import { signatureHeader, verifyWebhookSignature } from '../../src/domain/webhook-signature';
import { refusedAddress, validateWebhookUrl } from '../../src/domain/webhook-url';

const secret = 'whsec_test';
const body = '{"event":"COMPLETED"}';

function reasonOf(run: () => unknown): string | undefined {
  try {
    run();
  } catch (e) {
    return (e as { reason?: string }).reason;
  }
  return undefined;
}

describe('signatures', () => {
  const t = 1_800_000_000;
  const header = signatureHeader(secret, t, body);

  test('the header is t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    expect(header).toBe(`t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`);
  });

  test('a fresh, untouched delivery verifies', () => {
    expect(() => verifyWebhookSignature({ secret, header, body, now: t + 299 })).not.toThrow();
  });

  test('a replay older than the tolerance, a tampered body, another secret and a malformed header are refused, each saying why', () => {
    expect(reasonOf(() => verifyWebhookSignature({ secret, header, body, now: t + 301 }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    expect(reasonOf(() => verifyWebhookSignature({ secret, header, body, now: t - 301 }))).toBe('TIMESTAMP_OUT_OF_TOLERANCE');
    expect(reasonOf(() => verifyWebhookSignature({ secret, header, body: body.replace('COMPLETED', 'FAILED'), now: t }))).toBe('SIGNATURE_MISMATCH');
    expect(reasonOf(() => verifyWebhookSignature({ secret: 'whsec_other', header, body, now: t }))).toBe('SIGNATURE_MISMATCH');
    // The timestamp is signed: moving it forward breaks the signature.
    expect(reasonOf(() => verifyWebhookSignature({ secret, header: header.replace(`t=${t}`, `t=${t + 100}`), body, now: t + 100 }))).toBe('SIGNATURE_MISMATCH');
    for (const bad of [undefined, '', 'v1=abc', `t=${t}`, `t=x,v1=${'0'.repeat(64)}`]) {
      expect(reasonOf(() => verifyWebhookSignature({ secret, header: bad, body, now: t }))).toBe('MALFORMED_HEADER');
    }
  });

  test('any of several v1 signatures may match (a secret overlap)', () => {
    const other = signatureHeader('whsec_old', t, body).split(',')[1];
    expect(() => verifyWebhookSignature({ secret, header: `${header},${other}`, body, now: t })).not.toThrow();
  });
});

describe('webhook URLs', () => {
  const prod = { allowLoopbackHttp: false };
  const dev = { allowLoopbackHttp: true };
  const refusal = (url: string, policy = prod) => {
    try {
      validateWebhookUrl(url, policy);
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return { field: e.field, reason: e.reason };
    }
    return null;
  };

  test('public https URLs are accepted as they are', () => {
    expect(validateWebhookUrl('https://hooks.example.org/synthbus?x=1', prod)).toBe('https://hooks.example.org/synthbus?x=1');
    expect(refusal('https://93.184.216.34/hook')).toBeNull();
  });

  test('each bad URL gets its own reason, naming input.url', () => {
    expect(refusal('not a url')).toEqual({ field: 'input.url', reason: 'URL_INVALID' });
    expect(refusal('ftp://example.org/x')).toEqual({ field: 'input.url', reason: 'URL_SCHEME' });
    expect(refusal('http://example.org/x')).toEqual({ field: 'input.url', reason: 'URL_SCHEME' });
    expect(refusal('https://user:pw@example.org/x')).toEqual({ field: 'input.url', reason: 'URL_CREDENTIALS' });
    expect(refusal('https://example.org/x#frag')).toEqual({ field: 'input.url', reason: 'URL_FRAGMENT' });
    expect(refusal(`https://example.org/${'a'.repeat(2048)}`)).toEqual({ field: 'input.url', reason: 'URL_TOO_LONG' });
  });

  test('private, loopback, link-local and metadata addresses are refused in production', () => {
    for (const url of ['https://10.1.2.3/', 'https://192.168.0.1/', 'https://172.20.0.1/', 'https://169.254.169.254/latest/meta-data', 'https://127.0.0.1/', 'https://localhost/', 'https://[::1]/', 'https://[fd00::1]/', 'https://[::ffff:10.0.0.1]/', 'https://0.0.0.0/']) {
      expect([url, refusal(url)]).toEqual([url, { field: 'input.url', reason: 'URL_PRIVATE_ADDRESS' }]);
    }
  });

  test('with the loopback flag, http to this machine is allowed, and nothing else more', () => {
    expect(refusal('http://127.0.0.1:9000/hook', dev)).toBeNull();
    expect(refusal('http://localhost:9000/hook', dev)).toBeNull();
    expect(refusal('http://[::1]:9000/hook', dev)).toBeNull();
    expect(refusal('http://127.0.0.1:9000/hook', prod)).toEqual({ field: 'input.url', reason: 'URL_SCHEME' });
    expect(refusal('http://example.org/hook', dev)).toEqual({ field: 'input.url', reason: 'URL_SCHEME' });
    expect(refusal('https://10.0.0.1/hook', dev)).toEqual({ field: 'input.url', reason: 'URL_PRIVATE_ADDRESS' });
  });

  test('dialled addresses are judged the same way', () => {
    expect(refusedAddress('93.184.216.34', { allowLoopbackHttp: false })).toBeNull();
    expect(refusedAddress('2606:2800:220:1:248:1893:25c8:1946', { allowLoopbackHttp: false })).toBeNull();
    expect(refusedAddress('127.0.0.1', { allowLoopbackHttp: false })).toMatch(/not a public address/);
    expect(refusedAddress('127.0.0.1', { allowLoopbackHttp: true })).toBeNull();
    expect(refusedAddress('::ffff:127.0.0.1', { allowLoopbackHttp: true })).toBeNull();
    expect(refusedAddress('::ffff:192.168.1.1', { allowLoopbackHttp: true })).toMatch(/not a public address/);
    expect(refusedAddress('fe80::1', { allowLoopbackHttp: true })).toMatch(/not a public address/);
  });
});

test('retries back off 1 s, 2 s, 4 s … up to the cap, and stop after the last attempt', () => {
  const policy = { maxAttempts: 20, baseSeconds: 1, maxSeconds: 3600 };
  expect([1, 2, 3, 4, 12, 13, 19].map((n) => retryDelaySeconds(policy, n))).toEqual([1, 2, 4, 8, 2048, 3600, 3600]);
  expect(retryDelaySeconds(policy, 20)).toBeNull();
  expect(retryDelaySeconds({ maxAttempts: 1, baseSeconds: 1, maxSeconds: 10 }, 1)).toBeNull();
  expect(retryDelaySeconds({ maxAttempts: 100, baseSeconds: 5, maxSeconds: 60 }, 99)).toBe(60);
});
