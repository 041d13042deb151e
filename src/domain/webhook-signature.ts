// Webhook signatures (Stripe/GitHub style), shared by the dispatcher that signs and by receivers
// that verify: `SynthBUS-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, keyed
// with the endpoint's secret. Signing the timestamp with the body lets a receiver refuse replays
// of an old delivery; the delivery id header lets it drop duplicates within the tolerance.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'SynthBUS-Signature';
export const DELIVERY_HEADER = 'SynthBUS-Delivery';
export const EVENT_HEADER = 'SynthBUS-Event';
/** A receiver refuses a delivery signed longer ago than this (or this far in the future). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`, 'utf8').digest('hex');
}

/** The header value for `body` signed at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, timestamp: number, body: string): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type SignatureFailure = 'MALFORMED_HEADER' | 'TIMESTAMP_OUT_OF_TOLERANCE' | 'SIGNATURE_MISMATCH';

export class WebhookSignatureError extends Error {
  constructor(
    readonly reason: SignatureFailure,
    message: string,
  ) {
    super(message);
    this.name = 'WebhookSignatureError';
  }
}

/**
 * For receivers: checks that `body` (the exact bytes received, as text) was signed with `secret`
 * within `toleranceSeconds` of `now` (unix seconds). Throws WebhookSignatureError saying why not.
 * Any v1 entry may match (several are allowed, for a future signing-secret overlap).
 */
export function verifyWebhookSignature(opts: { secret: string; header: string | undefined; body: string; now?: number; toleranceSeconds?: number }): void {
  const parts = (opts.header ?? '').split(',').map((p) => p.trim().split('='));
  const t = parts.find(([k]) => k === 't')?.[1];
  const sigs = parts.filter(([k, v]) => k === 'v1' && v !== undefined && /^[0-9a-f]{64}$/.test(v)).map(([, v]) => v);
  if (!t || !/^\d{1,12}$/.test(t) || sigs.length === 0) throw new WebhookSignatureError('MALFORMED_HEADER', `expected "${SIGNATURE_HEADER}: t=<unix seconds>,v1=<64 hex digits>"`);
  const timestamp = Number(t);
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  if (Math.abs(now - timestamp) > tolerance) throw new WebhookSignatureError('TIMESTAMP_OUT_OF_TOLERANCE', `signed at ${timestamp}, ${now - timestamp} s from now; the limit is ${tolerance} s`);
  const expected = Buffer.from(hmacHex(opts.secret, timestamp, opts.body), 'hex');
  if (!sigs.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected))) throw new WebhookSignatureError('SIGNATURE_MISMATCH', 'no v1 signature matches the body and this secret');
}
