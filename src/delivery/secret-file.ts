// A server secret from config when set, otherwise generated once into the data dir (mode 0600)
// so it survives restarts and every replica sharing the dir agrees.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

const MIN_BYTES = 32;

/** `what` names the secret in errors (e.g. "download link secret"). */
export async function loadOrCreateSecret(opts: { configured?: string; dataDir: string; file: string; what: string }): Promise<Buffer> {
  if (opts.configured !== undefined && opts.configured !== '') {
    const secret = Buffer.from(opts.configured, 'utf8');
    if (secret.length < MIN_BYTES) {
      throw new Error(`the ${opts.what} must be at least ${MIN_BYTES} bytes (got ${secret.length})`);
    }
    return secret;
  }
  const path = join(opts.dataDir, opts.file);
  await fs.mkdir(opts.dataDir, { recursive: true });
  try {
    await fs.writeFile(path, randomBytes(MIN_BYTES).toString('base64'), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const secret = Buffer.from((await fs.readFile(path, 'utf8')).trim(), 'base64');
  if (secret.length < MIN_BYTES) throw new Error(`${path} holds a ${opts.what} shorter than ${MIN_BYTES} bytes`);
  return secret;
}
