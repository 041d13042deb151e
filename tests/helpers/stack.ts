/**
 * Test stack: a fresh database on the run's embedded PostgreSQL (started once by
 * tests/global-setup.mjs), migrations, the real API on a free port, and optionally an in-process
 * worker on the tiny fixture bundle.
 *
 *   const stack = await startTestStack({ worker: true });
 *   const partner = await createApprovedPartner(stack);            // key with every partner scope
 *   const r = await gql(stack.url, 'query { models { modelId } }', {}, partner.key);
 *   ...
 *   await stack.close();                                           // in afterAll
 *
 * Options: `worker` runs a worker in this process (loads the ONNX engine); `models` registers the
 * engine's models without a worker (orders then stay QUEUED); `config` overrides any Config knob.
 * The compiled server (dist/, built by global setup) is what child-process tests run.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Config, loadConfig } from '../../src/config';
import { migrate } from '../../src/db/migrate';
import { FIXTURE_BUNDLE_DIR } from '../../src/generation/bundle';
import { ApiHandle, startApi } from '../../src/server/app';
import { issueKey } from '../../src/services/api-keys';
import { registerModels, registerSigningKeys } from '../../src/services/models';
import { PARTNER_SCOPES } from '../../src/services/principal';
import type { SamplingEngine } from '../../src/domain/sampling-engine';
import { Certifier } from '../../src/privacy/certifier';
import { loadEngine } from '../../src/worker/engine-loader';
import { WorkerHandle, startWorker } from '../../src/worker/worker';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export interface TestStack {
  /** http://127.0.0.1:PORT/graphql */
  url: string;
  wsUrl: string;
  /** A full admin bearer token. */
  adminKey: string;
  /** Owner URL of this file's own database. */
  databaseUrl: string;
  config: Config;
  api: ApiHandle;
  engine?: SamplingEngine;
  worker?: WorkerHandle;
  close(): Promise<void>;
}

export interface StackOptions {
  worker?: boolean;
  models?: boolean;
  config?: Partial<Config>;
}

/** Settings that make tests quick: small shards, fast lost-lease recovery. */
export function testConfig(dataDir: string, overrides: Partial<Config> = {}): Config {
  const base = loadConfig({});
  return {
    ...base,
    port: 0,
    workerPort: 0,
    dataDir,
    storageRoot: path.join(dataDir, 'images'),
    bundleDirs: [FIXTURE_BUNDLE_DIR],
    shardSize: 4,
    batchSize: 2,
    heartbeatSeconds: 1,
    leaseSeconds: 6,
    // Test receivers listen on 127.0.0.1 over plain http, as under `npm start`.
    webhooks: { ...base.webhooks, allowLoopbackHttp: true },
    ...overrides,
  };
}

/** Creates an empty database on the run's server and returns its owner URL. */
export async function createDatabase(): Promise<string> {
  const base = process.env.SYNTHBUS_TEST_PG_URL;
  if (!base) throw new Error('SYNTHBUS_TEST_PG_URL is unset: run the tests through jest (tests/global-setup.mjs)');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const c = new Client({ connectionString: base });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function startTestStack(opts: StackOptions = {}): Promise<TestStack> {
  const databaseUrl = await createDatabase();
  await migrate(databaseUrl);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'synthbus-stack-'));
  const config = testConfig(dataDir, opts.config);
  const api = await startApi(config, databaseUrl);
  const { secret: adminKey } = await issueKey(api.deps.ds, { partnerId: null, name: 'test admin', scopes: [...PARTNER_SCOPES] });
  const silent = () => undefined;
  let engine: SamplingEngine | undefined;
  let worker: WorkerHandle | undefined;
  if (opts.worker) {
    worker = await startWorker(config, databaseUrl, silent);
    engine = worker.engine;
  } else if (opts.models) {
    engine = await loadEngine(config, silent);
    await registerModels(api.deps.ds, engine.models());
    await registerSigningKeys(api.deps.ds, Certifier.open({ dataDir: config.dataDir }, engine).publicKeys());
  }
  return {
    url: api.url,
    wsUrl: api.wsUrl,
    adminKey,
    databaseUrl,
    config,
    api,
    engine,
    worker,
    close: async () => {
      if (worker) await worker.close();
      else if (engine) await engine.close();
      await api.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface GqlResult<T = Record<string, unknown>> {
  status: number;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; reason?: string; field?: string } }[];
}

/** A GraphQL request over real HTTP. */
export async function gql<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, key?: string | null): Promise<GqlResult<T>> { // eslint-disable-line @typescript-eslint/no-explicit-any -- tests read arbitrary response shapes
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as GqlResult<T>;
  return { ...body, status: res.status };
}

/** Like gql, but fails the test on any GraphQL error. */
export async function gqlOk<T = Record<string, any>>(url: string, query: string, variables: Record<string, unknown> = {}, key?: string | null): Promise<T> { // eslint-disable-line @typescript-eslint/no-explicit-any -- as above
  const r = await gql<T>(url, query, variables, key);
  if (r.errors?.length || !r.data) throw new Error(`GraphQL errors: ${JSON.stringify(r.errors)}`);
  return r.data;
}

export interface TestPartner {
  partnerId: string;
  /** Bearer token with every partner scope. */
  key: string;
  keyId: string;
  /** The "account"-scoped key from the application. */
  accountKey: string;
}

/** apply → approve → accept the current agreement → issue a key, all through the API. */
export async function createApprovedPartner(stack: Pick<TestStack, 'url' | 'adminKey'>, name = 'Test Hospital'): Promise<TestPartner> {
  const applied = await gqlOk(
    stack.url,
    `mutation($i: ApplyInput!) { apply(input: $i) { partner { id } secret } }`,
    { i: { name, institution: `${name} Research`, contactEmail: 'research@example.org', purpose: 'Testing classifiers on synthetic cohorts.' } },
  );
  const partnerId: string = applied.apply.partner.id;
  const accountKey: string = applied.apply.secret;
  await gqlOk(stack.url, `mutation($id: ID!) { approvePartner(id: $id) { status } }`, { id: partnerId }, stack.adminKey);
  const { currentAgreement } = await gqlOk(stack.url, `{ currentAgreement { version } }`);
  await gqlOk(stack.url, `mutation($v: Int!) { acceptAgreement(version: $v) { agreementVersion } }`, { v: currentAgreement.version }, accountKey);
  const issued = await gqlOk(
    stack.url,
    `mutation { issueApiKey(name: "tests", scopes: [ACCOUNT, ORDERS_READ, ORDERS_WRITE, DOWNLOADS]) { secret key { id } } }`,
    {},
    accountKey,
  );
  return { partnerId, key: issued.issueApiKey.secret, keyId: issued.issueApiKey.key.id, accountKey };
}

/** Subscribes to orderProgress over a real WebSocket and collects events until the stream ends. */
export function collectProgress(wsUrl: string, key: string | null, orderId: string, onEvent?: (e: Record<string, any>) => void): Promise<Record<string, any>[]> { // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, connectionParams: key ? { authorization: `Bearer ${key}` } : {}, retryAttempts: 0, lazy: true });
  const events: Record<string, any>[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any -- event payloads
  return new Promise((resolve, reject) => {
    client.subscribe(
      {
        query: `subscription($id: ID!) { orderProgress(orderId: $id) {
          type orderId status size delivered rejected deliveredByClass { birads count } certificateId failureReason index birads nnDistance stalledBecause estimatedSecondsLeft } }`,
        variables: { id: orderId },
      },
      {
        next: (msg) => {
          if (msg.errors) return reject(Object.assign(new Error(msg.errors[0].message), { errors: msg.errors }));
          const e = msg.data?.orderProgress as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- event payload
          events.push(e);
          onEvent?.(e);
        },
        error: (err) => {
          void client.dispose();
          // graphql-ws reports GraphQL errors as an array, a refused connection as a CloseEvent.
          const first = Array.isArray(err) ? (err[0] as { message?: string }) : null;
          reject(err instanceof Error ? err : Object.assign(new Error(first?.message ?? 'subscription failed'), { cause: err }));
        },
        complete: () => {
          void client.dispose();
          resolve(events);
        },
      },
    );
  });
}

export const ORDER_FIELDS = `id status modelId size counts { birads count } seed steps guidance certificateId failureReason`;
