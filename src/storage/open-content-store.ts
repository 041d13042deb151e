// The image store a process uses: the S3 bucket when one is configured, else the local folder.
import { ContentStore, FileContentStore } from './content-store';
import { S3ContentStore } from './s3-content-store';
import type { S3Settings } from './s3-settings';

export function openContentStore(settings: { storageRoot: string; s3Storage: S3Settings | null }): ContentStore {
  return settings.s3Storage ? new S3ContentStore(settings.s3Storage) : new FileContentStore(settings.storageRoot);
}
