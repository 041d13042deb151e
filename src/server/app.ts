// The API process: express + Apollo Server (HTTP) + graphql-ws (WebSocket) on one port, path
// /graphql. Stateless: any number of replicas share the database, the queue and NOTIFY.
import 'reflect-metadata';
import http from 'node:http';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, GraphQLFormattedError, parse } from 'graphql';
import type * as GraphqlWsUseWs from 'graphql-ws/dist/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import { openAppDataSource } from '../db/data-source';
import { openQueue } from '../db/queue';
import { buildAppSchema } from '../schema/build';
import { FileContentStore } from '../storage/content-store';
import { GraphQLContext, ServerDeps, authenticateBearer } from './context';
import { OrderEventHub } from '../services/order-event-hub';
import { enforceCostLimits } from './limits';
import { routes } from './routes';
import { asAppRole } from '../db/roles';

// graphql-ws publishes its `ws` adapter only through package.json "exports", which this project's
// node10 module resolution cannot see; the types come straight from the file, the code via exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { useServer } = require('graphql-ws/use/ws') as typeof GraphqlWsUseWs;

export interface ApiHandle {
  url: string;
  wsUrl: string;
  deps: ServerDeps;
  close(): Promise<void>;
}

const KNOWN_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'BAD_USER_INPUT', 'NOT_FOUND', 'QUOTA_EXCEEDED', 'CONFLICT', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED', 'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE']);

/** Outside development, unexpected errors reach clients as a generic message, never internals. */
export function maskError(dev: boolean, log: (line: string) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && KNOWN_CODES.has(code)) return formatted;
    log(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (dev) return formatted;
    return { message: 'Internal server error; the incident was logged.', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

export async function startApi(config: Config, url: string, log: (line: string) => void = () => undefined): Promise<ApiHandle> {
  const ds = await openAppDataSource(url);
  const boss = await openQueue(url);
  const hub = new OrderEventHub(asAppRole(url), ds, log);
  await hub.start();
  const deps: ServerDeps = { ds, boss, config, store: new FileContentStore(config.storageRoot), hub };
  const schema = await buildAppSchema(hub);
  const dev = config.env === 'development';
  const format = maskError(dev, log);

  const app = express();
  app.disable('x-powered-by');
  const httpServer = http.createServer(app);
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  // WebSocket operations bypass Apollo: authenticate in onConnect and check limits in onSubscribe.
  const wsServer = useServer<Record<string, unknown>, { principal?: GraphQLContext['principal'] }>(
    {
      schema,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          ctx.extra.principal = await authenticateBearer(ds, typeof raw === 'string' ? raw : null, ctx.extra.request.socket.remoteAddress ?? '');
          return true;
        } catch {
          return false; // closes with 4403 Forbidden
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        try {
          enforceCostLimits(parse(payload.query), payload.variables ?? {}, config.maxDepth, config.maxComplexity);
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError('The operation could not be parsed.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        return undefined;
      },
      context: (ctx): GraphQLContext => ({ ...deps, principal: ctx.extra.principal ?? null, ip: ctx.extra.request.socket.remoteAddress ?? '' }),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => format(e.toJSON(), e)),
    },
    wss,
  );

  const costPlugin: ApolloServerPlugin<GraphQLContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          enforceCostLimits(document, request.variables ?? {}, config.maxDepth, config.maxComplexity);
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
      // The landing page (Apollo Sandbox) loads from a CDN; the playground route replaces it.
      ApolloServerPluginLandingPageDisabled(),
    ],
  });
  await apollo.start();
  for (const mount of routes) mount(app, deps);
  app.use(
    '/graphql',
    express.json({ limit: config.bodyLimit }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<GraphQLContext> => {
        const ip = req.socket.remoteAddress ?? '';
        try {
          return { ...deps, principal: await authenticateBearer(ds, req.headers.authorization, ip), ip };
        } catch (e) {
          if (e instanceof GraphQLError) throw new GraphQLError(e.message, { extensions: { ...e.extensions, http: { status: 401 } } });
          throw e;
        }
      },
    }),
  );
  // Body too large or not JSON: a GraphQL-shaped error, never express's HTML page with a stack.
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(err);
    const status = err.status ?? 500;
    const message = err.type === 'entity.too.large' ? `Request body exceeds the ${config.bodyLimit} limit.` : status < 500 ? err.message : 'Internal server error.';
    if (status >= 500) log(`http error: ${err.stack ?? err.message}`);
    res.status(status).json({ errors: [{ message, extensions: { code: status < 500 ? 'BAD_REQUEST' : 'INTERNAL_SERVER_ERROR' } }] });
  });
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
      await hub.close();
      await boss.stop({ graceful: false, wait: true });
      await ds.destroy();
    },
  };
}
