// The archives an API process has prepared, by order and format. A completed order never changes,
// so its plan (entries, sizes, CRCs, certificate.json) is built once, not on every Range request
// of a resumed download; the least recently used plans are dropped beyond a bound.
import type { ArchivePlan } from './archive-plan';
import type { ArchiveFormat } from './links';

export interface PreparedDownload {
  plan: ArchivePlan;
  etag: string;
  fileName: string;
  contentType: string;
}

export class PreparedDownloads {
  // Promises, so that concurrent requests for one archive build it once; Map order is recency.
  private readonly byKey = new Map<string, Promise<PreparedDownload>>();

  constructor(private readonly limit = 64) {}

  get(orderId: string, format: ArchiveFormat, build: () => Promise<PreparedDownload>): Promise<PreparedDownload> {
    const key = `${orderId}/${format}`;
    let prepared = this.byKey.get(key);
    if (prepared) {
      this.byKey.delete(key);
    } else {
      prepared = build();
      // A failed build (e.g. a missing certificate) is not remembered.
      prepared.catch(() => {
        if (this.byKey.get(key) === prepared) this.byKey.delete(key);
      });
    }
    this.byKey.set(key, prepared);
    if (this.byKey.size > this.limit) this.byKey.delete(this.byKey.keys().next().value as string);
    return prepared;
  }
}
