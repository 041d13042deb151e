// Runtime configuration, read once from the environment. Every knob has a safe default so that
// `npm start` works with no setup; production deployments override through env vars.
import path from 'node:path';
import { PROVIDERS, ProviderName } from './domain/model';
import { S3Settings, parseEndpoint, parseStorageUrl } from './storage/s3-settings';
import { LOG_FORMATS, LOG_LEVELS, LogFormat, LogLevel } from './log/levels';

export interface Config {
  /** Owner connection (runs migrations). Unset under `start`: an embedded PostgreSQL is used. */
  databaseUrl: string | undefined;
  /**
   * Optional separate login for `api` and `worker` (a role granted synthbus_app and nothing else),
   * so that a compromised process cannot RESET ROLE to the owner. Defaults to DATABASE_URL.
   */
  appDatabaseUrl: string | undefined;
  dataDir: string;
  storageRoot: string;
  /** The S3 bucket that stores images instead of storageRoot (SYNTHBUS_STORAGE_URL=s3://…); null: the folder. */
  s3Storage: S3Settings | null;
  host: string;
  port: number;
  /** 'development' shows stack traces to clients; anything else hides them. */
  env: string;
  introspection: boolean;
  playground: boolean;
  maxDepth: number;
  maxComplexity: number;
  /** Aliased fields per operation: each alias runs its resolver again. */
  maxAliases: number;
  bodyLimit: string;
  /** Requests per minute, shared by every API replica through PostgreSQL. */
  rateLimits: {
    /** Per API key. */
    perKeyPerMinute: number;
    /** Per client address, for requests without a key (apply, public reads). */
    anonymousPerMinute: number;
    /** Per client address: bad, unknown or revoked keys; beyond it no key is even looked up. */
    failedAuthPerMinute: number;
  };
  /**
   * The Ed25519 key that signs audit checkpoints and MACs audit entries; never in the database.
   * API replicas (and `audit verify`) must share it. Unset: <dataDir>/audit-checkpoint-key.pem.
   */
  auditCheckpointKeyFile: string | undefined;
  /** Signed checkpoints, one JSON line each, appended. Unset: <dataDir>/audit-checkpoints.jsonl. */
  auditCheckpointFile: string | undefined;
  /** The API signs the audit chain's head this often; 0: only on demand. */
  auditCheckpointSeconds: number;
  /** Images per shard job: the unit of work one worker claims. */
  shardSize: number;
  /**
   * Images generated per engine call inside a shard; progress is recorded after each batch.
   * Unset: the worker's provider's measured default (domain/batching.ts).
   */
  batchSize: number | undefined;
  /** Images per ONNX run inside an engine call. Unset: the provider's measured default. */
  microBatch: number | undefined;
  /** Failed runs of a shard before its order fails (lost leases and database outages do not count). */
  shardRetryLimit: number;
  /** How often a worker heartbeats and every process looks for lapsed shard leases. */
  heartbeatSeconds: number;
  /** A worker silent this long loses its shards to the queue. */
  leaseSeconds: number;
  /** Lapsed leases of one shard (its worker died running it) before its order fails. */
  shardLapseLimit: number;
  workerConcurrency: number;
  bundleDirs: string[] | undefined;
  provider: ProviderName;
  signingKeyFile: string | undefined;
  /** Encrypts the generated signing key at rest (workers). */
  signingKeyPassphrase: string | undefined;
  /** Signs download links; unset: a secret generated once into the data dir. API replicas must share it. */
  linkSecret: string | undefined;
  /** How long a download link stays valid. */
  linkTtlSeconds: number;
  /** The API's public origin (e.g. https://api.example.org); null: links are origin-relative paths. */
  publicUrl: string | null;
  /**
   * How long the service keeps a cohort's images after its order ends (SYNTHBUS_COHORT_RETENTION_DAYS,
   * default 90 days); 0 keeps them until the partner deletes them. The order and certificate stay.
   */
  cohortRetentionSeconds: number;
  /** How often the API looks for expired cohorts to delete (one replica at a time). */
  cohortSweepSeconds: number;
  quotaDefaults: { imagesPerOrder: number; imagesPer30Days: number; concurrentOrders: number };
  webhooks: {
    /**
     * Accept http webhook URLs to 127.0.0.1 / localhost / [::1] and deliver to loopback addresses.
     * Null (unset): on under `start`, off for `api` (production endpoints are https on public addresses).
     */
    allowLoopbackHttp: boolean | null;
    /** Encrypts webhook signing secrets at rest; unset: a key generated once into the data dir. API replicas must share it. */
    secretKey: string | undefined;
    /** Attempts per delivery, the first included, before it is FAILED. */
    maxAttempts: number;
    /** Wait after the first failed attempt; each further failure doubles it, up to retryMaxSeconds. */
    retryBaseSeconds: number;
    retryMaxSeconds: number;
    /** A delivery attempt that has no response in this time fails (and is retried). */
    timeoutSeconds: number;
  };
  /** The least severe log level written (JSON lines on stdout). */
  logLevel: LogLevel;
  /** json lines (for log collectors), plain text (for a person), or auto: plain on a terminal. */
  logFormat: LogFormat;
  /** A worker's own HTTP port (/healthz, /readyz, /metrics) on `host`; 0: any free port. */
  workerPort: number;
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new Error(max === Number.MAX_SAFE_INTEGER ? `${name} must be an integer >= ${min}, got "${raw}"` : `${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return v;
}

/** An integer setting with no fixed default (undefined when unset). */
function optionalInt(env: NodeJS.ProcessEnv, name: string, min: number): number | undefined {
  return env[name] === undefined || env[name] === '' ? undefined : int(env, name, 0, min);
}

function bool(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())) return true;
  if (['0', 'false', 'no', 'off'].includes(raw.toLowerCase())) return false;
  throw new Error(`${name} must be true or false, got "${raw}"`);
}

function logLevel(raw: string | undefined): LogLevel {
  const level = LOG_LEVELS.find((l) => l === (raw || 'info'));
  if (level) return level;
  throw new Error(`SYNTHBUS_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${raw}"`);
}

/** SYNTHBUS_STORAGE_URL and the SYNTHBUS_S3_* settings that go with it. */
function s3Storage(env: NodeJS.ProcessEnv): S3Settings | null {
  const raw = env.SYNTHBUS_STORAGE_URL;
  if (!raw) {
    const stray = ['SYNTHBUS_S3_ENDPOINT', 'SYNTHBUS_S3_ACCESS_KEY_ID', 'SYNTHBUS_S3_SECRET_ACCESS_KEY'].find((n) => env[n]);
    if (stray) throw new Error(`${stray} is set but SYNTHBUS_STORAGE_URL is not: set SYNTHBUS_STORAGE_URL=s3://bucket/prefix to store images in S3`);
    return null;
  }
  if (env.SYNTHBUS_STORAGE_DIR) throw new Error('SYNTHBUS_STORAGE_DIR and SYNTHBUS_STORAGE_URL are both set: images go to one store, set only one');
  const { bucket, prefix } = parseStorageUrl(raw, 'SYNTHBUS_STORAGE_URL');
  const endpoint = env.SYNTHBUS_S3_ENDPOINT ? parseEndpoint(env.SYNTHBUS_S3_ENDPOINT, 'SYNTHBUS_S3_ENDPOINT') : undefined;
  const accessKeyId = env.SYNTHBUS_S3_ACCESS_KEY_ID;
  const secretAccessKey = env.SYNTHBUS_S3_SECRET_ACCESS_KEY;
  if (!accessKeyId !== !secretAccessKey) throw new Error('SYNTHBUS_S3_ACCESS_KEY_ID and SYNTHBUS_S3_SECRET_ACCESS_KEY must be set together (or neither, for the AWS SDK\'s default credentials)');
  return {
    bucket,
    prefix,
    endpoint,
    region: env.SYNTHBUS_S3_REGION || env.AWS_REGION || 'us-east-1',
    forcePathStyle: bool(env, 'SYNTHBUS_S3_PATH_STYLE', endpoint !== undefined),
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
  };
}

function logFormat(raw: string | undefined): LogFormat {
  const format = LOG_FORMATS.find((f) => f === (raw || 'auto'));
  if (format) return format;
  throw new Error(`SYNTHBUS_LOG_FORMAT must be json, plain or auto, got "${raw}"`);
}

function provider(raw: string | undefined): ProviderName {
  const p = raw ?? 'cpu';
  const known = PROVIDERS.find((name) => name === p);
  if (known) return known;
  throw new Error(`SYNTHBUS_PROVIDER must be cpu, webgpu or cuda, got "${p}"`);
}

/**
 * The lease must span two heartbeats: one late beat (a GC pause, a slow database) must not hand a
 * healthy worker's shards to another, which would then make the same images twice.
 */
function leaseTimes(env: NodeJS.ProcessEnv): { heartbeatSeconds: number; leaseSeconds: number } {
  const heartbeatSeconds = int(env, 'SYNTHBUS_HEARTBEAT_SECONDS', 3, 1);
  const leaseSeconds = int(env, 'SYNTHBUS_LEASE_SECONDS', 15, 2);
  if (leaseSeconds < 2 * heartbeatSeconds) {
    throw new Error(`SYNTHBUS_LEASE_SECONDS (${leaseSeconds}) must be at least twice SYNTHBUS_HEARTBEAT_SECONDS (${heartbeatSeconds}), or one late heartbeat loses a healthy worker's shards`);
  }
  return { heartbeatSeconds, leaseSeconds };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(env.SYNTHBUS_DATA_DIR || '.data');
  return {
    databaseUrl: env.DATABASE_URL || undefined,
    appDatabaseUrl: env.SYNTHBUS_APP_DATABASE_URL || undefined,
    dataDir,
    storageRoot: path.resolve(env.SYNTHBUS_STORAGE_DIR || path.join(dataDir, 'images')),
    s3Storage: s3Storage(env),
    host: env.HOST || '127.0.0.1',
    port: int(env, 'PORT', 4000),
    env: env.NODE_ENV || 'production',
    introspection: bool(env, 'SYNTHBUS_INTROSPECTION', true),
    playground: bool(env, 'SYNTHBUS_PLAYGROUND', true),
    maxDepth: int(env, 'SYNTHBUS_MAX_DEPTH', 10, 1),
    maxComplexity: int(env, 'SYNTHBUS_MAX_COMPLEXITY', 2000, 1),
    maxAliases: int(env, 'SYNTHBUS_MAX_ALIASES', 15, 1),
    bodyLimit: env.SYNTHBUS_BODY_LIMIT || '100kb',
    rateLimits: {
      perKeyPerMinute: int(env, 'SYNTHBUS_RATE_LIMIT_PER_KEY', 600, 1),
      anonymousPerMinute: int(env, 'SYNTHBUS_RATE_LIMIT_ANONYMOUS', 20, 1),
      failedAuthPerMinute: int(env, 'SYNTHBUS_RATE_LIMIT_FAILED_AUTH', 10, 1),
    },
    auditCheckpointKeyFile: env.SYNTHBUS_AUDIT_CHECKPOINT_KEY_FILE || undefined,
    auditCheckpointFile: env.SYNTHBUS_AUDIT_CHECKPOINT_FILE || undefined,
    auditCheckpointSeconds: int(env, 'SYNTHBUS_AUDIT_CHECKPOINT_SECONDS', 300, 0),
    shardSize: int(env, 'SYNTHBUS_SHARD_SIZE', 16, 1),
    batchSize: optionalInt(env, 'SYNTHBUS_BATCH_SIZE', 1),
    microBatch: optionalInt(env, 'SYNTHBUS_MICRO_BATCH', 1),
    shardRetryLimit: int(env, 'SYNTHBUS_SHARD_RETRY_LIMIT', 5, 0),
    ...leaseTimes(env),
    shardLapseLimit: int(env, 'SYNTHBUS_SHARD_LAPSE_LIMIT', 5, 1),
    workerConcurrency: int(env, 'SYNTHBUS_WORKER_CONCURRENCY', 1, 1),
    bundleDirs: env.SYNTHBUS_BUNDLE_DIRS ? env.SYNTHBUS_BUNDLE_DIRS.split(path.delimiter).filter(Boolean) : undefined,
    provider: provider(env.SYNTHBUS_PROVIDER),
    signingKeyFile: env.SYNTHBUS_SIGNING_KEY_FILE || undefined,
    signingKeyPassphrase: env.SYNTHBUS_SIGNING_KEY_PASSPHRASE || undefined,
    linkSecret: env.SYNTHBUS_LINK_SECRET || undefined,
    linkTtlSeconds: int(env, 'SYNTHBUS_LINK_TTL_SECONDS', 15 * 60, 10, 7 * 24 * 3600),
    publicUrl: env.SYNTHBUS_PUBLIC_URL || null,
    cohortRetentionSeconds: int(env, 'SYNTHBUS_COHORT_RETENTION_DAYS', 90, 0, 100 * 365) * 24 * 3600,
    cohortSweepSeconds: int(env, 'SYNTHBUS_COHORT_SWEEP_SECONDS', 3600, 1),
    quotaDefaults: {
      imagesPerOrder: int(env, 'SYNTHBUS_QUOTA_IMAGES_PER_ORDER', 1000, 1),
      imagesPer30Days: int(env, 'SYNTHBUS_QUOTA_IMAGES_PER_30_DAYS', 10000, 1),
      concurrentOrders: int(env, 'SYNTHBUS_QUOTA_CONCURRENT_ORDERS', 3, 1),
    },
    webhooks: {
      allowLoopbackHttp: env.SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP ? bool(env, 'SYNTHBUS_WEBHOOK_ALLOW_LOOPBACK_HTTP', false) : null,
      secretKey: env.SYNTHBUS_WEBHOOK_SECRET_KEY || undefined,
      maxAttempts: int(env, 'SYNTHBUS_WEBHOOK_MAX_ATTEMPTS', 20, 1, 100),
      retryBaseSeconds: int(env, 'SYNTHBUS_WEBHOOK_RETRY_BASE_SECONDS', 1, 1),
      retryMaxSeconds: int(env, 'SYNTHBUS_WEBHOOK_RETRY_MAX_SECONDS', 3600, 1),
      timeoutSeconds: int(env, 'SYNTHBUS_WEBHOOK_TIMEOUT_SECONDS', 10, 1, 300),
    },
    logLevel: logLevel(env.SYNTHBUS_LOG_LEVEL),
    logFormat: logFormat(env.SYNTHBUS_LOG_FORMAT),
    workerPort: int(env, 'SYNTHBUS_WORKER_PORT', 4001, 0, 65535),
  };
}
