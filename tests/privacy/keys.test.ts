import { createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyRing, keyIdOf, signPayload } from '../../src/privacy/keys';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'synthbus-keys-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Ed25519 signing', () => {
  it('reproduces RFC 8032 section 7.1 test 1 (empty message)', () => {
    const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
    const pub = Buffer.from('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', 'hex');
    const privateKey = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: seed.toString('base64url'), x: pub.toString('base64url') }, format: 'jwk' });
    const publicKey = createPublicKey(privateKey);
    const signature = signPayload({ keyId: keyIdOf(publicKey), privateKey, publicKeyPem: '' }, '');
    expect(Buffer.from(signature, 'base64').toString('hex')).toBe(
      'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
    );
  });
});

describe('KeyRing', () => {
  it('generates a key on first start and reuses it on the next', () => {
    const lines: string[] = [];
    const first = KeyRing.open({ dataDir: dir, log: (l) => lines.push(l) });
    expect(lines.join('\n')).toMatch(/generated/);
    expect(first.current.keyId).toMatch(/^ed25519-[0-9a-f]{16}$/);
    const second = KeyRing.open({ dataDir: dir });
    expect(second.current.keyId).toBe(first.current.keyId);
    expect(statSync(join(dir, 'keys', `${first.current.keyId}.pem`)).mode & 0o777).toBe(0o600);
  });

  it('encrypts the private key at rest when a passphrase is set, and needs it to reopen', () => {
    const ring = KeyRing.open({ dataDir: dir, passphrase: 'correct horse' });
    const pem = readFileSync(join(dir, 'keys', `${ring.current.keyId}.pem`), 'utf8');
    expect(pem).toContain('ENCRYPTED PRIVATE KEY');
    expect(KeyRing.open({ dataDir: dir, passphrase: 'correct horse' }).current.keyId).toBe(ring.current.keyId);
    expect(() => KeyRing.open({ dataDir: dir, passphrase: 'wrong' })).toThrow(/signing key .* cannot be read/);
  });

  it('keeps old public keys published after a rotation, current first', () => {
    const ring = KeyRing.open({ dataDir: dir });
    const old = ring.current.keyId;
    const oldSignature = signPayload(ring.current, 'hello');
    const fresh = ring.rotate().keyId;
    expect(fresh).not.toBe(old);
    const reopened = KeyRing.open({ dataDir: dir });
    expect(reopened.current.keyId).toBe(fresh);
    const keys = reopened.publicKeys();
    expect(keys.map((k) => [k.keyId, k.current])).toEqual([
      [fresh, true],
      [old, false],
    ]);
    const oldKey = keys.find((k) => k.keyId === old);
    expect(verify(null, Buffer.from('hello'), createPublicKey(oldKey!.publicKeyPem), Buffer.from(oldSignature, 'base64'))).toBe(true);
  });

  it('names a damaged key ring file', () => {
    KeyRing.open({ dataDir: dir });
    writeFileSync(join(dir, 'keys', 'keyring.json'), '{"keys": [');
    expect(() => KeyRing.open({ dataDir: dir })).toThrow(/key ring .*keyring\.json cannot be read/);
  });

  it('uses a configured key file, and refuses one that is not Ed25519', () => {
    const other = KeyRing.open({ dataDir: join(dir, 'other') });
    const keyFile = join(dir, 'other', 'keys', `${other.current.keyId}.pem`);
    expect(KeyRing.open({ dataDir: join(dir, 'main'), keyFile }).current.keyId).toBe(other.current.keyId);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    const rsaFile = join(dir, 'rsa.pem');
    writeFileSync(rsaFile, rsa);
    expect(() => KeyRing.open({ dataDir: join(dir, 'main'), keyFile: rsaFile })).toThrow(/rsa key; an Ed25519 key is required/);
  });
});

describe('processes sharing a data dir', () => {
  // Several workers on one machine, started together (seen in bench/fleet): each generated its own
  // key and the last ring write won, or a rename found another's temporary file gone. The ring's
  // lock makes them take turns: one key is generated and every process signs with it.
  it('six processes opening one key ring at once all sign with the one key it lists', async () => {
    const { spawn } = await import('node:child_process');
    const compiled = join(__dirname, '..', '..', 'dist', 'src', 'privacy', 'keys.js');
    const script = `const { KeyRing } = require(${JSON.stringify(compiled)});
      const at = Number(process.argv[1]); while (Date.now() < at) {}
      process.stdout.write(KeyRing.open({ dataDir: ${JSON.stringify(dir)} }).current.keyId);`;
    const startAt = Date.now() + 1500; // all six past their start-up, then racing
    const runs = Array.from({ length: 6 }, () =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
        const child = spawn(process.execPath, ['-e', script, String(startAt)]);
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.on('close', (code) => resolve({ code, out, err }));
      }),
    );
    const results = await Promise.all(runs);
    expect(results.map((r) => [r.code, r.err])).toEqual(Array(6).fill([0, '']));
    const ring = JSON.parse(readFileSync(join(dir, 'keys', 'keyring.json'), 'utf8')) as { keys: { keyId: string }[]; generatedCurrent: string };
    expect(ring.keys.map((k) => k.keyId)).toEqual([ring.generatedCurrent]);
    expect(results.map((r) => r.out)).toEqual(Array(6).fill(ring.generatedCurrent));
  });
});
