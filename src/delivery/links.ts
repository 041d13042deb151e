// Download tokens: HMAC-SHA256-signed, expiring, bound to one partner, one order and one format.
// Pure: the secret and the clock are passed in.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const ARCHIVE_FORMATS = ['zip', 'tar'] as const;
export type ArchiveFormat = (typeof ARCHIVE_FORMATS)[number];

export interface DownloadClaims {
  orderId: string;
  partnerId: string;
  format: ArchiveFormat;
  /** Expiry, whole seconds since the epoch. */
  expiresAt: number;
}

export type TokenRefusal = 'malformed' | 'bad-signature' | 'expired' | 'other-partner';
export type TokenCheck = { ok: true; claims: DownloadClaims } | { ok: false; reason: TokenRefusal };

const VERSION = 'v1';
/** Domain separation: the same secret signing anything else can never produce a valid token. */
const CONTEXT = 'synthbus-download-link';

export function signDownloadToken(claims: DownloadClaims, secret: Buffer): string {
  const body = Buffer.from(
    JSON.stringify([claims.orderId, claims.partnerId, claims.format, claims.expiresAt]),
  ).toString('base64url');
  return `${VERSION}.${body}.${mac(body, secret).toString('base64url')}`;
}

/**
 * Checks a token's signature, expiry and partner. `partnerId` is the partner whose API key made the
 * request; a link only works for the partner it was issued to.
 */
export function verifyDownloadToken(
  token: string,
  secret: Buffer,
  at: { now: Date; partnerId: string },
): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION) return { ok: false, reason: 'malformed' };
  const [, body, sig] = parts;
  const expected = mac(body, secret);
  const given = Buffer.from(sig, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  const claims = parseClaims(body);
  if (!claims) return { ok: false, reason: 'malformed' };
  if (at.now.getTime() >= claims.expiresAt * 1000) return { ok: false, reason: 'expired' };
  if (claims.partnerId !== at.partnerId) return { ok: false, reason: 'other-partner' };
  return { ok: true, claims };
}

function mac(body: string, secret: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${CONTEXT}.${VERSION}.${body}`).digest();
}

function parseClaims(body: string): DownloadClaims | null {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(v) || v.length !== 4) return null;
  const [orderId, partnerId, format, expiresAt] = v as unknown[];
  if (typeof orderId !== 'string' || typeof partnerId !== 'string') return null;
  if (!ARCHIVE_FORMATS.includes(format as ArchiveFormat) || !Number.isSafeInteger(expiresAt)) return null;
  return { orderId, partnerId, format: format as ArchiveFormat, expiresAt: expiresAt as number };
}
