/**
 * A real S3-compatible HTTP server on 127.0.0.1 for tests: s3rver 3.7 (npm, pure Node), run in
 * this process, its objects in a temp folder. Both candidates that install from the registries we
 * reach, s3rver and moto 5.2's standalone server (pip), answered what the store sends with AWS SDK
 * 3.1175 (PUT with metadata, with and without the SDK's default CRC32 checksums; HEAD, 404 on a
 * missing key; ranged GET; s3rver also DELETE and ListObjectsV2, the rest untried on moto).
 * s3rver wins because `npm test` then needs nothing but Node, and it starts in-process in
 * milliseconds. MinIO (AGPL, a Go build) and SeaweedFS (not on the Go module proxy) were not
 * options. Neither server checks Content-MD5, and s3rver does not check SigV4 signatures, so no
 * test can rely on those being refused.
 *
 *   const s3 = await startLocalS3();                      // bucket `synthbus-test`
 *   const stack = await startTestStack({ worker: true, config: { s3Storage: s3.settings('images') } });
 *   startWorkerProcess(stack, s3.env('images'));          // a child process: same bucket
 *   await s3.down(); ... await s3.up();                     // an outage, same port and objects
 *   await s3.stop();                                        // in afterAll
 */
import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import S3rver from 's3rver';
import type { S3Settings } from '../../src/storage/s3-settings';

/** s3rver's only key pair. */
const ACCESS_KEY_ID = 'S3RVER';
const SECRET_ACCESS_KEY = 'S3RVER';

export interface LocalS3 {
  /** http://127.0.0.1:PORT */
  endpoint: string;
  bucket: string;
  /** The store's settings for this bucket, images under `prefix`. */
  settings(prefix?: string): S3Settings;
  /**
   * The same as SYNTHBUS_* variables, for a child process; SYNTHBUS_STORAGE_DIR is blanked, so
   * startWorkerProcess(stack, s3.env(prefix)) overrides the stack's folder (both set is refused).
   */
  env(prefix?: string): Record<string, string>;
  /** The keys of every object the server was sent (PUT), in order, from the server's own events. */
  writes: string[];
  /** Every key in the bucket, sorted. */
  keys(): Promise<string[]>;
  /** A client for the bucket, for reaching behind the store's back. */
  client: S3Client;
  /** Stops answering (connections refused) until up(); the objects stay. */
  down(): Promise<void>;
  up(): Promise<void>;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

export async function startLocalS3(bucket = 'synthbus-test'): Promise<LocalS3> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-s3-'));
  const writes: string[] = [];
  const serve = async (port: number) => {
    const server = new S3rver({ address: '127.0.0.1', port, silent: true, directory, configureBuckets: [{ name: bucket, configs: [] }] });
    // s3rver is a Koa app, so an EventEmitter; its types leave that out.
    (server as unknown as EventEmitter).on('event', (e: { Records: { eventName: string; s3: { object: { key: string } } }[] }) => {
      for (const r of e.Records) if (r.eventName.startsWith('ObjectCreated:')) writes.push(r.s3.object.key);
    });
    const { port: bound } = await server.run();
    return { server, port: bound };
  };
  let { server, port } = await serve(0);
  let running = true;
  const endpoint = `http://127.0.0.1:${port}`;
  const settings = (prefix = ''): S3Settings => ({
    bucket,
    prefix,
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY },
  });
  const client = new S3Client({ ...settings(), requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  return {
    endpoint,
    bucket,
    client,
    writes,
    settings,
    env: (prefix = '') => ({
      SYNTHBUS_STORAGE_DIR: '',
      SYNTHBUS_STORAGE_URL: `s3://${bucket}${prefix ? `/${prefix}` : ''}`,
      SYNTHBUS_S3_ENDPOINT: endpoint,
      SYNTHBUS_S3_REGION: 'us-east-1',
      SYNTHBUS_S3_ACCESS_KEY_ID: ACCESS_KEY_ID,
      SYNTHBUS_S3_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    }),
    keys: async () => {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
        keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
        token = page.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    down: async () => {
      if (running) await server.close();
      running = false;
    },
    up: async () => {
      if (!running) ({ server, port } = await serve(port));
      running = true;
    },
    stop: async () => {
      client.destroy();
      if (running) await server.close();
      running = false;
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
