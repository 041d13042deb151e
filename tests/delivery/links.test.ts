import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadClaims, signDownloadToken, verifyDownloadToken } from '../../src/delivery/links';
import { LINK_SECRET_FILE, loadLinkSecret } from '../../src/delivery/link-secret';

const secret = Buffer.alloc(32, 7);
const now = new Date('2026-01-01T00:00:00Z');
const claims: DownloadClaims = {
  orderId: 'ord-1',
  partnerId: 'partner-a',
  format: 'zip',
  expiresAt: now.getTime() / 1000 + 600,
};
const token = signDownloadToken(claims, secret);

describe('download tokens', () => {
  it('accept a fresh token for its own partner and return its claims', () => {
    expect(verifyDownloadToken(token, secret, { now, partnerId: 'partner-a' })).toEqual({ ok: true, claims });
  });

  it('refuse another partner', () => {
    expect(verifyDownloadToken(token, secret, { now, partnerId: 'partner-b' })).toEqual({ ok: false, reason: 'other-partner' });
  });

  it('refuse at and after the expiry second', () => {
    const at = new Date(claims.expiresAt * 1000);
    expect(verifyDownloadToken(token, secret, { now: at, partnerId: 'partner-a' })).toEqual({ ok: false, reason: 'expired' });
  });

  it('refuse a token whose claims were altered, even to another valid-looking order', () => {
    const [v, , sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify(['ord-2', 'partner-a', 'zip', claims.expiresAt])).toString('base64url');
    expect(verifyDownloadToken(`${v}.${forged}.${sig}`, secret, { now, partnerId: 'partner-a' })).toEqual({
      ok: false,
      reason: 'bad-signature',
    });
  });

  it('refuse a token signed with another secret, and garbage', () => {
    const other = signDownloadToken(claims, Buffer.alloc(32, 8));
    expect(verifyDownloadToken(other, secret, { now, partnerId: 'partner-a' }).ok).toBe(false);
    for (const bad of ['', 'v1', 'v2.a.b', 'v1..', `${token}.x`]) {
      expect(verifyDownloadToken(bad, secret, { now, partnerId: 'partner-a' })).toMatchObject({ ok: false });
    }
  });
});

describe('link secret', () => {
  it('is generated once into the data dir, private to the owner, and reused', async () => {
    const dir = await fs.mkdtemp(join(tmpdir(), 'synthbus-secret-'));
    const a = await loadLinkSecret({ dataDir: dir });
    const b = await loadLinkSecret({ dataDir: dir });
    expect(a.length).toBe(32);
    expect(b.equals(a)).toBe(true);
    expect((await fs.stat(join(dir, LINK_SECRET_FILE))).mode & 0o077).toBe(0);
    await fs.rm(dir, { recursive: true });
  });

  it('comes from config when set, and a short one is refused', async () => {
    const configured = 'x'.repeat(40);
    expect((await loadLinkSecret({ configured, dataDir: '/nonexistent' })).toString()).toBe(configured);
    await expect(loadLinkSecret({ configured: 'short', dataDir: '/nonexistent' })).rejects.toThrow(/at least 32 bytes \(got 5\)/);
  });
});
