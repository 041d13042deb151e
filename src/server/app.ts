// The API process, wired in one place: Apollo Server (HTTP, on node:http: graphql-http.ts) and
// graphql-ws (WebSocket) on one port, path /graphql, plus express for the download, playground,
// health and metrics routes. Every dependency is built
// once here from config and handed down; nothing below imports the server back. Stateless: any
// number of replicas share the database, the queue and NOTIFY.
import 'reflect-metadata';
import http from 'node:http';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import express from 'express';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import { PubSub, buildSchema } from 'type-graphql';
import type { Config } from '../config';
import { openAppDataSource } from '../db/data-source';
import { startLeaseKeeper } from '../db/leases';
import { startCohortSweeper } from '../services/cohort-expiry';
import { isDatabaseUnavailable } from '../db/unavailable';
import { systemCounts } from '../db/system-counts';
import { asAppRole } from '../db/roles';
import { loadDeliveryDeps } from '../delivery/delivery-deps';
import { mountDownloads } from '../delivery/download-route';
import { startWebhookDispatcher } from '../delivery/webhook-dispatcher';
import { loadWebhookSettings } from '../delivery/webhook-settings';
import { mountPlayground } from '../playground/route';
import { mountHealth } from './health';
import { Logger, lineLog, silentLogger } from '../log/logger';
import { createApiMetrics } from '../metrics/api-metrics';
import { mountMetrics } from './metrics-route';
import { OperationTelemetry } from './operation-telemetry';
import { requestLogging } from './request-log';
import { answerHttpError, graphqlHttp, isGraphqlPath } from './graphql-http';
import { resolvers } from '../resolvers';
import { auditMutations } from '../resolvers/audit-mutations';
import { authChecker } from '../resolvers/authorization';
import { GraphQLContext, ResolverDeps, requestContext } from '../resolvers/context';
import { OrderEventHub } from '../services/order-event-hub';
import type { Principal } from '../services/principal';
import { failOrderOfLostShard } from '../services/shards';
import { openContentStore } from '../storage/open-content-store';
import { startChaining } from './audit-chainer';
import { startCheckpointing } from './audit-checkpointer';
import { authenticateBearer } from './authenticate';
import { PrincipalCache } from './principal-cache';
import { guardInputs } from './input-guard';
import { LIMIT_CODES, QueryLimits, passedLimitsCache } from './limits';
import { RateLimits, rateLimitPool, rateLimitedAuthentication } from './rate-limits';
import { RevocationListener } from './revocation-listener';
import { SocketSessions } from './socket-sessions';
import { formatUnavailable, unavailableError, unavailablePlugin } from './unavailable';
import { serveWebSocket } from './websocket';

export interface ApiHandle {
  url: string;
  wsUrl: string;
  deps: ResolverDeps;
  close(): Promise<void>;
}

const KNOWN_CODES = new Set<string>(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'QUOTA_EXCEEDED', 'CONFLICT', 'GONE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'RATE_LIMITED', ...LIMIT_CODES]);

/** graphql-js's "Did you mean …?" hint names fields and types: schema details, like introspection. */
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Outside development, unexpected errors reach clients as a generic message, never internals.
 * With `hideSuggestions` (introspection off), validation errors lose their "Did you mean" hints.
 */
export function maskError(dev: boolean, log: (line: string) => void, hideSuggestions = false) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (hideSuggestions && SUGGESTION.test(formatted.message)) return { ...formatted, message: formatted.message.replace(SUGGESTION, '') };
    if (typeof code === 'string' && KNOWN_CODES.has(code)) return formatted;
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (dev) return formatted;
    return { message: 'Internal server error; the incident was logged.', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

// The one subscription brings its own `subscribe` (the context's order event hub); type-graphql
// still asks for a PubSub when a schema has subscriptions.
const UNUSED_PUBSUB: PubSub = {
  publish: () => {
    throw new Error('subscriptions read the order event hub from the context');
  },
  subscribe: () => {
    throw new Error('subscriptions read the order event hub from the context');
  },
};

/** The GraphQL schema: the resolvers, @Authorized checked by authChecker, string inputs checked, every mutation audited. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  // Inputs are checked inside the audit wrapper, so that a refused control character is audited too.
  return auditMutations(guardInputs(await buildSchema({ resolvers, authChecker, pubSub: UNUSED_PUBSUB, validate: false })));
}

export async function startApi(config: Config, url: string, logger: Logger = silentLogger()): Promise<ApiHandle> {
  const log = lineLog(logger);
  const ds = await openAppDataSource(url);
  // Every API replica also hands back the shards of workers that went silent (one at a time).
  const leases = startLeaseKeeper(ds, { intervalSeconds: config.heartbeatSeconds, leaseSeconds: config.leaseSeconds, log, lapseLimit: config.shardLapseLimit, onGaveUp: failOrderOfLostShard });
  const hub = new OrderEventHub(asAppRole(url), ds, log);
  await hub.start();
  const store = openContentStore(config);
  const delivery = await loadDeliveryDeps(config, ds, store);
  // Every API replica also deletes expired cohorts (one at a time).
  const cohortSweeper = startCohortSweeper({ ds, store }, { intervalSeconds: config.cohortSweepSeconds, retentionSeconds: config.cohortRetentionSeconds, log });
  const webhooks = await loadWebhookSettings(config);
  const principals = new PrincipalCache();
  const deps: ResolverDeps = { ds, config, hub, delivery, store, webhooks: { box: webhooks.box, policy: webhooks.policy }, accessChanged: (c) => principals.evict(c) };
  const limitsPool = rateLimitPool(asAppRole(url));
  // An idle connection cut by a database restart: without a listener, its 'error' would crash the process.
  limitsPool.on('error', (e) => log(`rate limits: lost an idle database connection (${e.message})`));
  const metrics = createApiMetrics(systemCounts(ds), (e) => logger.warn(`metrics: a gauge could not be read (${e.message})`));
  const telemetry = new OperationTelemetry(metrics, logger);
  const rateLimits = new RateLimits(limitsPool, config.rateLimits, (limit) => metrics.rateLimitRefusals.inc({ limit }), log);
  const authenticate = rateLimitedAuthentication(rateLimits, (header, ip) => authenticateBearer(ds, header, ip, principals));
  const schema = await buildAppSchema();
  const dev = config.env === 'development';
  const format = formatUnavailable(maskError(dev, lineLog(logger, 'error'), !config.introspection));
  const limits: QueryLimits = { maxDepth: config.maxDepth, maxComplexity: config.maxComplexity, maxAliases: config.maxAliases };

  const app = express();
  app.disable('x-powered-by');
  // Requests are routed below, once Apollo has started: /graphql to graphql-http.ts, the rest to express.
  const httpServer = http.createServer();
  const sockets = new SocketSessions();
  const admit = (p: Principal | null, ip: string) => rateLimits.admit(p, ip);
  const wsServer = serveWebSocket(httpServer, { schema, limits, introspection: config.introspection, resolverDeps: deps, sessions: sockets, authenticate, admit, format, telemetry });
  const revocations = new RevocationListener(asAppRole(url), {
    onRevoked: (r) => {
      principals.evict(r);
      sockets.revoke(r);
    },
    onChanged: (c) => principals.evict(c),
    onLost: () => principals.setListening(false),
    onResync: () => {
      principals.setListening(true);
      void sockets.recheck((s) => authenticate(s.authorization, s.ip));
    },
    log,
  });
  await revocations.start();
  principals.setListening(true);
  const checkpointing = await startCheckpointing(ds, config, log);
  const dispatcher = startWebhookDispatcher(ds, { ...webhooks, log });
  // After the MAC key is set: the chainer MACs the entries it links.
  const chaining = startChaining(ds, log);

  const limitErrors = passedLimitsCache(schema, limits);
  const costPlugin: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request, operation }) {
          // Apollo would run a subscription's field once as if it were a query (and fail inside).
          if (operation?.operation === 'subscription') {
            throw new GraphQLError('Subscriptions run over WebSocket (graphql-ws) at this same URL, not over HTTP.', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          const [refused] = limitErrors(document, request.variables ?? {});
          if (refused) throw refused;
        },
      };
    },
  };
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.introspection,
    csrfPrevention: true,
    // main.ts owns shutdown (API, worker, embedded database, in order); Apollo's own signal
    // handlers would race it.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: dev,
    formatError: format,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { async serverWillStart() { return { async drainServer() { await wsServer.dispose(); } }; } },
      costPlugin,
      telemetry.plugin(),
      unavailablePlugin,
      // The landing page (Apollo Sandbox) loads from a CDN; the playground route replaces it.
      ApolloServerPluginLandingPageDisabled(),
      // Its per-field hooks wrapped every field resolver to compute cache hints that no field
      // gives (every answer is private: no-store, set below) — issue 15's read path.
      ApolloServerPluginCacheControlDisabled(),
    ],
  });
  await apollo.start();
  mountHealth(app, ds);
  mountMetrics(app, metrics.registry, authenticate);
  mountDownloads(app, { delivery, authenticate });
  if (config.playground) mountPlayground(app);
  const httpError = answerHttpError(config.bodyLimit, logger);
  app.use((err: Error & { status?: number; type?: string }, req: express.Request, res: express.Response, _next: express.NextFunction) => httpError(err, req, res));
  const graphql = graphqlHttp(apollo, {
    bodyLimit: config.bodyLimit,
    context: async (req): Promise<GraphQLContext> => {
      const ip = req.socket.remoteAddress ?? '';
      try {
        const principal = await authenticate(req.headers.authorization, ip);
        await admit(principal, ip);
        return requestContext(deps, principal, ip);
      } catch (e) {
        if (isDatabaseUnavailable(e)) throw unavailableError();
        if (e instanceof GraphQLError && e.extensions.code === 'UNAUTHENTICATED') throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 401 } } });
        throw e;
      }
    },
    onError: httpError,
  });
  const logRequest = requestLogging(logger);
  httpServer.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => logRequest(req, res, () => (isGraphqlPath(req.url) ? graphql(req, res) : app(req, res))));
  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const addr = httpServer.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}/graphql`,
    wsUrl: `ws://${host}:${port}/graphql`,
    deps,
    close: async () => {
      await apollo.stop();
      await dispatcher.stop();
      await chaining.stop();
      checkpointing.stop();
      await revocations.close();
      await rateLimits.close();
      await limitsPool.end();
      await leases.stop();
      await cohortSweeper.stop();
      await hub.close();
      await ds.destroy();
    },
  };
}
