// The delivery dependencies of one API process, built once from the server's and shared by the
// download route and the createDownloadLink resolver (so both use the same link secret).
import type { ServerDeps } from '../server/context';
import { listSigningKeys } from '../services/models';
import { DEFAULT_LINK_TTL_SECONDS, DeliveryDeps } from './downloads';
import { loadLinkSecret } from './link-secret';

// Keyed by the data source: GraphQL contexts are fresh objects per request, the data source is not.
const built = new WeakMap<ServerDeps['ds'], Promise<DeliveryDeps>>();

function ttlSeconds(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LINK_TTL_SECONDS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 10 || n > 7 * 24 * 3600) {
    throw new Error(`SYNTHBUS_LINK_TTL_SECONDS must be an integer from 10 to 604800, got "${raw}"`);
  }
  return n;
}

export function deliveryDeps(server: ServerDeps, env: NodeJS.ProcessEnv = process.env): Promise<DeliveryDeps> {
  let deps = built.get(server.ds);
  if (!deps) {
    deps = loadLinkSecret({ configured: env.SYNTHBUS_LINK_SECRET, dataDir: server.config.dataDir }).then((linkSecret) => ({
      ds: server.ds,
      store: server.store,
      linkSecret,
      publicKeys: () => listSigningKeys(server.ds),
      linkTtlSeconds: ttlSeconds(env.SYNTHBUS_LINK_TTL_SECONDS),
      publicUrl: env.SYNTHBUS_PUBLIC_URL || null,
    }));
    built.set(server.ds, deps);
  }
  return deps;
}
