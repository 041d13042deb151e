// The key that signs download links: from config when set, otherwise generated once into the
// data dir (mode 0600) so links survive restarts and every api replica sharing the dir agrees.
import { loadOrCreateSecret } from './secret-file';

export const LINK_SECRET_FILE = 'download-link.key';

export function loadLinkSecret(opts: { configured?: string; dataDir: string }): Promise<Buffer> {
  return loadOrCreateSecret({ ...opts, file: LINK_SECRET_FILE, what: 'download link secret' });
}
