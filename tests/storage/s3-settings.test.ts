// SYNTHBUS_STORAGE_URL and the SYNTHBUS_S3_* settings (issue 14): read once at startup, a mistake
// stops the process with the setting's name, credentials are never echoed.
import { loadConfig } from '../../src/config';

const URL_ONLY = { SYNTHBUS_STORAGE_URL: 's3://synthbus-images/prod/cohorts' };

test('without SYNTHBUS_STORAGE_URL images stay in the local folder', () => {
  expect(loadConfig({}).s3Storage).toBeNull();
});

test('an S3-compatible server: bucket and prefix from the URL, path-style addressing, the given keys', () => {
  const c = loadConfig({
    SYNTHBUS_STORAGE_URL: 's3://synthbus-images/prod/cohorts/',
    SYNTHBUS_S3_ENDPOINT: 'http://minio.internal:9000/',
    SYNTHBUS_S3_REGION: 'eu-central-1',
    SYNTHBUS_S3_ACCESS_KEY_ID: 'AKIAEXAMPLE',
    SYNTHBUS_S3_SECRET_ACCESS_KEY: 'secret',
  });
  expect(c.s3Storage).toEqual({
    bucket: 'synthbus-images',
    prefix: 'prod/cohorts',
    endpoint: 'http://minio.internal:9000',
    region: 'eu-central-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret' },
  });
});

test('AWS S3: virtual-hosted addressing, the region from AWS_REGION, the SDK’s default credentials', () => {
  expect(loadConfig({ SYNTHBUS_STORAGE_URL: 's3://synthbus-images', AWS_REGION: 'us-west-2' }).s3Storage).toEqual({
    bucket: 'synthbus-images',
    prefix: '',
    endpoint: undefined,
    region: 'us-west-2',
    forcePathStyle: false,
    credentials: undefined,
  });
  expect(loadConfig({ ...URL_ONLY, SYNTHBUS_S3_PATH_STYLE: 'true' }).s3Storage?.forcePathStyle).toBe(true);
  expect(loadConfig({ ...URL_ONLY, SYNTHBUS_S3_ENDPOINT: 'https://s3.example.org', SYNTHBUS_S3_PATH_STYLE: 'false' }).s3Storage?.forcePathStyle).toBe(false);
});

test.each([
  ['http://synthbus-images/x', 'SYNTHBUS_STORAGE_URL must look like s3://bucket or s3://bucket/prefix, got "http://synthbus-images/x" (only s3:// is supported; the local folder is SYNTHBUS_STORAGE_DIR)'],
  ['synthbus-images', 'SYNTHBUS_STORAGE_URL must look like s3://bucket or s3://bucket/prefix, got "synthbus-images"'],
  ['s3://Bad_Bucket/x', 'SYNTHBUS_STORAGE_URL: "Bad_Bucket" is not a valid bucket name'],
  ['s3://ab', 'SYNTHBUS_STORAGE_URL: "ab" is not a valid bucket name'],
  ['s3://synthbus-images/a//b', 'SYNTHBUS_STORAGE_URL: the prefix "a//b" must not contain empty, "." or ".." parts'],
  ['s3://synthbus-images/a/%2E%2E/b', 'SYNTHBUS_STORAGE_URL: the prefix "a/../b" must not contain'],
  ['s3://synthbus-images/a%zz', 'SYNTHBUS_STORAGE_URL: the prefix "/a%zz" has a malformed %-escape'],
  ['s3://synthbus-images/a/./b', 'SYNTHBUS_STORAGE_URL: the prefix "a/./b" must not contain'],
  ['s3://synthbus-images/a?versionId=1', 'SYNTHBUS_STORAGE_URL must look like s3://bucket or s3://bucket/prefix, without a query or fragment'],
])('refuses SYNTHBUS_STORAGE_URL=%s at startup', (raw, message) => {
  expect(() => loadConfig({ SYNTHBUS_STORAGE_URL: raw })).toThrow(message);
});

test('credentials in a URL are refused without being repeated', () => {
  for (const env of [{ SYNTHBUS_STORAGE_URL: 's3://AKIA:topsecret@synthbus-images/x' }, { ...URL_ONLY, SYNTHBUS_S3_ENDPOINT: 'https://AKIA:topsecret@minio.internal' }]) {
    let message = '';
    try {
      loadConfig(env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^SYNTHBUS_(STORAGE_URL|S3_ENDPOINT) must not carry credentials: set SYNTHBUS_S3_ACCESS_KEY_ID and SYNTHBUS_S3_SECRET_ACCESS_KEY$/);
  }
});

test('settings that do not fit together are refused, each named', () => {
  expect(() => loadConfig({ ...URL_ONLY, SYNTHBUS_S3_ENDPOINT: 'ftp://minio.internal' })).toThrow('SYNTHBUS_S3_ENDPOINT must be an http:// or https:// URL, got "ftp://minio.internal"');
  expect(() => loadConfig({ ...URL_ONLY, SYNTHBUS_S3_ACCESS_KEY_ID: 'AKIA' })).toThrow('SYNTHBUS_S3_ACCESS_KEY_ID and SYNTHBUS_S3_SECRET_ACCESS_KEY must be set together');
  expect(() => loadConfig({ ...URL_ONLY, SYNTHBUS_STORAGE_DIR: '/srv/images' })).toThrow('SYNTHBUS_STORAGE_DIR and SYNTHBUS_STORAGE_URL are both set');
  expect(() => loadConfig({ SYNTHBUS_S3_ENDPOINT: 'http://minio.internal:9000' })).toThrow('SYNTHBUS_S3_ENDPOINT is set but SYNTHBUS_STORAGE_URL is not');
  expect(() => loadConfig({ ...URL_ONLY, SYNTHBUS_S3_PATH_STYLE: 'maybe' })).toThrow('SYNTHBUS_S3_PATH_STYLE must be true or false, got "maybe"');
});
