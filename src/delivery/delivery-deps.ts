// The delivery dependencies of one API process, built once from the server's and shared by the
// download route and the createDownloadLink resolver (so both use the same link secret).
import type { ServerDeps } from '../server/context';
import { listSigningKeys } from '../services/models';
import { DeliveryDeps } from './downloads';
import { loadLinkSecret } from './link-secret';

// Keyed by the data source: GraphQL contexts are fresh objects per request, the data source is not.
const built = new WeakMap<ServerDeps['ds'], Promise<DeliveryDeps>>();

export function deliveryDeps(server: ServerDeps): Promise<DeliveryDeps> {
  let deps = built.get(server.ds);
  if (!deps) {
    deps = loadLinkSecret({ configured: server.config.linkSecret, dataDir: server.config.dataDir }).then((linkSecret) => ({
      ds: server.ds,
      store: server.store,
      linkSecret,
      publicKeys: () => listSigningKeys(server.ds),
      linkTtlSeconds: server.config.linkTtlSeconds,
      publicUrl: server.config.publicUrl,
    }));
    built.set(server.ds, deps);
  }
  return deps;
}
