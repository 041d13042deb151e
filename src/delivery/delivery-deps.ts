// The delivery dependencies of one API process, built once at start from config and shared by the
// download route and the createDownloadLink resolver (so both use the same link secret).
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { listSigningKeys } from '../services/models';
import type { ImageReader } from './cohort-entries';
import { DeliveryDeps } from './downloads';
import { loadLinkSecret } from './link-secret';
import { PreparedDownloads } from './prepared-downloads';

export type DeliverySettings = Pick<Config, 'dataDir' | 'linkSecret' | 'linkTtlSeconds' | 'publicUrl' | 'cohortRetentionSeconds'>;

export async function loadDeliveryDeps(settings: DeliverySettings, ds: DataSource, store: ImageReader): Promise<DeliveryDeps> {
  return {
    ds,
    store,
    linkSecret: await loadLinkSecret({ configured: settings.linkSecret, dataDir: settings.dataDir }),
    publicKeys: () => listSigningKeys(ds),
    linkTtlSeconds: settings.linkTtlSeconds,
    publicUrl: settings.publicUrl,
    prepared: new PreparedDownloads(),
    cohortRetentionSeconds: settings.cohortRetentionSeconds,
  };
}
