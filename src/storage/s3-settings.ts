// Where an S3 image store lives and how to reach it: parsed from settings once, at startup, so that
// a mistyped bucket URL stops the process with the setting's name instead of stalling every order.

export interface S3Settings {
  bucket: string;
  /** Key prefix without leading or trailing '/'; '' files images at the bucket's root. */
  prefix: string;
  /** An S3-compatible server's URL (MinIO, Ceph, …); undefined: AWS S3 for the region. */
  endpoint: string | undefined;
  region: string;
  /** bucket in the path (http://host/bucket/key) rather than the host name; S3-compatible servers usually need it. */
  forcePathStyle: boolean;
  /** undefined: the AWS SDK's default chain (AWS_* variables, shared config files, instance roles). */
  credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
}

// S3's rules for new buckets: 3 to 63 lower-case letters, digits, dots and hyphens, alphanumeric at both ends.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** `s3://bucket/prefix` → bucket and prefix; `setting` names the variable in errors. */
export function parseStorageUrl(raw: string, setting: string): { bucket: string; prefix: string } {
  const form = `${setting} must look like s3://bucket or s3://bucket/prefix`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${form}, got "${raw}"`);
  }
  // Credentials in the URL would end up in logs and process listings: refuse them without echoing them.
  if (url.username || url.password) throw new Error(`${setting} must not carry credentials: set SYNTHBUS_S3_ACCESS_KEY_ID and SYNTHBUS_S3_SECRET_ACCESS_KEY`);
  if (url.protocol !== 's3:') throw new Error(`${form}, got "${raw}" (only s3:// is supported; the local folder is SYNTHBUS_STORAGE_DIR)`);
  if (url.search || url.hash) throw new Error(`${form}, without a query or fragment, got "${raw}"`);
  if (!BUCKET.test(url.hostname)) throw new Error(`${setting}: "${url.hostname}" is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`);
  // From the text as given: URL parsing would resolve "a/../b" to "b" without a word.
  const prefix = decoded(raw.replace(/^s3:\/\/[^/]*/i, ''), setting).replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').some((p) => p === '.' || p === '..' || (prefix !== '' && p === ''))) {
    throw new Error(`${setting}: the prefix "${prefix}" must not contain empty, "." or ".." parts`);
  }
  return { bucket: url.hostname, prefix };
}

function decoded(text: string, setting: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`${setting}: the prefix "${text}" has a malformed %-escape`);
  }
}

/** An http(s) endpoint URL, without credentials (they would be logged). */
export function parseEndpoint(raw: string, setting: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`${setting} must be an http:// or https:// URL, got "${raw}"`);
  }
  if (url.username || url.password) throw new Error(`${setting} must not carry credentials: set SYNTHBUS_S3_ACCESS_KEY_ID and SYNTHBUS_S3_SECRET_ACCESS_KEY`);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`${setting} must be an http:// or https:// URL, got "${raw}"`);
  return url.toString().replace(/\/$/, '');
}
