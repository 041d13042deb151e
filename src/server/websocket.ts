// GraphQL over WebSocket (graphql-ws) on the API's port and path. These operations bypass Apollo,
// so they authenticate in onConnect and check the cost limits in onSubscribe themselves.
import type http from 'node:http';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema, parse } from 'graphql';
import type * as GraphqlWsUseWs from 'graphql-ws/dist/use/ws';
import { WebSocketServer } from 'ws';
import type { Config } from '../config';
import { GraphQLContext, ResolverDeps, requestContext } from '../resolvers/context';
import type { Principal } from '../services/principal';
import { enforceCostLimits } from './limits';

// graphql-ws publishes its `ws` adapter only through package.json "exports", which this project's
// node10 module resolution cannot see; the types come straight from the file, the code via exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { useServer } = require('graphql-ws/use/ws') as typeof GraphqlWsUseWs;

export interface WebSocketDeps {
  schema: GraphQLSchema;
  config: Pick<Config, 'maxDepth' | 'maxComplexity'>;
  resolverDeps: ResolverDeps;
  authenticate(header: string | null, ip: string): Promise<Principal | null>;
  format(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
}

/** Serves /graphql over WebSocket on the HTTP server; dispose() closes every connection. */
export function serveWebSocket(httpServer: http.Server, deps: WebSocketDeps): { dispose(): void | Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  return useServer<Record<string, unknown>, { principal?: Principal | null }>(
    {
      schema: deps.schema,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          ctx.extra.principal = await deps.authenticate(typeof raw === 'string' ? raw : null, ctx.extra.request.socket.remoteAddress ?? '');
          return true;
        } catch {
          return false; // closes with 4403 Forbidden
        }
      },
      onSubscribe: (_ctx, _id, payload) => {
        try {
          enforceCostLimits(parse(payload.query), payload.variables ?? {}, deps.config.maxDepth, deps.config.maxComplexity);
        } catch (e) {
          return [e instanceof GraphQLError ? e : new GraphQLError('The operation could not be parsed.', { extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        return undefined;
      },
      context: (ctx): GraphQLContext => requestContext(deps.resolverDeps, ctx.extra.principal ?? null, ctx.extra.request.socket.remoteAddress ?? ''),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => deps.format(e.toJSON(), e)),
    },
    wss,
  );
}
