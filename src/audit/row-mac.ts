// Each audit entry's hash authenticated with a secret of the API's host (HMAC-SHA256, key derived
// from the checkpoint key file). The chain alone cannot tell an entry the API wrote from one
// inserted straight into the database and correctly chained (the app role may INSERT); the MAC
// can. Only processes that write audit entries (API, operator commands) hold the key.
import { createHmac, timingSafeEqual } from 'node:crypto';

let processKey: Buffer | null = null;

/** From now on, this process MACs every entry it appends. */
export function useAuditMacKey(key: Buffer): void {
  processKey = key;
}

/** The key this process MACs with (null: none). */
export function auditMacKey(): Buffer | null {
  return processKey;
}

/** The MAC of an entry's hash, or null when this process holds no key (entries before MACs existed). */
export function macOf(hash: string, key: Buffer | null = processKey): string | null {
  return key ? createHmac('sha256', key).update(hash, 'utf8').digest('hex') : null;
}

export function macMatches(hash: string, mac: string, key: Buffer): boolean {
  const expected = Buffer.from(macOf(hash, key) as string, 'hex');
  const given = Buffer.from(mac, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
