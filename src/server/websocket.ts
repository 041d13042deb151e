// GraphQL over WebSocket (graphql-ws) on the API's port and path. These operations bypass Apollo,
// so every operation does here what Apollo does over HTTP: authenticate (again: a key revoked
// since the connect is refused), rate-limit, parse, validate (introspection per its switch) and
// check the cost limits, each refusal a coded `error` message. A socket whose key is revoked or
// whose partner is suspended is ended by SocketSessions.
import type http from 'node:http';
import { DocumentNode, GraphQLError, GraphQLFormattedError, GraphQLSchema, NoSchemaIntrospectionCustomRule, getOperationAST, getVariableValues, parse, specifiedRules, validate } from 'graphql';
import type { ExecutionArgs } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type * as GraphqlWsUseWs from 'graphql-ws/dist/use/ws';
import { WebSocketServer } from 'ws';
import { ResolverDeps, requestContext } from '../resolvers/context';
import { AppError } from '../services/errors';
import type { Principal } from '../services/principal';
import { QueryLimits, limitErrors } from './limits';
import type { OperationTelemetry } from './operation-telemetry';
import { SocketSession, SocketSessions, untilEnded } from './socket-sessions';

// graphql-ws publishes its `ws` adapter only through package.json "exports", which this project's
// node10 module resolution cannot see; the types come straight from the file, the code via exports.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- see above
const { useServer } = require('graphql-ws/use/ws') as typeof GraphqlWsUseWs;

export interface WebSocketDeps {
  schema: GraphQLSchema;
  limits: QueryLimits;
  introspection: boolean;
  resolverDeps: ResolverDeps;
  sessions: SocketSessions;
  authenticate(header: string | null, ip: string): Promise<Principal | null>;
  /** Throws RATE_LIMITED when the caller (key, else address) has used up its allowance. */
  admit(principal: Principal | null, ip: string): Promise<void>;
  format(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError;
  /** Logs and counts each operation, connection and running subscription. */
  telemetry: OperationTelemetry;
}

function coded(errors: readonly GraphQLError[], code: string): GraphQLError[] {
  return errors.map((e) => (e.extensions.code ? e : new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, extensions: { ...e.extensions, code } })));
}

/** The operation as graphql-js will run it, or the coded errors that refuse it. */
function prepare(deps: WebSocketDeps, payload: SubscribePayload): { document: DocumentNode } | { errors: GraphQLError[] } {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (e) {
    return { errors: coded([e instanceof GraphQLError ? e : new GraphQLError('The operation could not be parsed.')], 'GRAPHQL_PARSE_FAILED') };
  }
  const rules = deps.introspection ? specifiedRules : [...specifiedRules, NoSchemaIntrospectionCustomRule];
  const invalid = validate(deps.schema, document, rules);
  if (invalid.length) return { errors: coded(invalid, 'GRAPHQL_VALIDATION_FAILED') };
  const operation = getOperationAST(document, payload.operationName);
  if (!operation) return { errors: [new GraphQLError('Name the operation to run: the document has several, or none by that name.', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })] };
  // Variables of the wrong type are the client's mistake, as Apollo says over HTTP.
  const coerced = getVariableValues(deps.schema, operation.variableDefinitions ?? [], payload.variables ?? {}, { maxErrors: 10 });
  if (coerced.errors) return { errors: coded(coerced.errors, 'BAD_USER_INPUT') };
  const refused = limitErrors(deps.schema, document, payload.variables ?? {}, deps.limits);
  return refused.length ? { errors: refused } : { document };
}

// Messages only a server sends. graphql-ws would take one from a client as its own failure (close
// 4500 and a stack trace in the log); read as no message at all, it is the client's 4400.
const SERVER_ONLY = new Set(['next', 'error', 'connection_ack']);

function refuseServerOnlyMessages(key: string, value: unknown): unknown {
  const type = key === '' && value !== null && typeof value === 'object' ? (value as { type?: unknown }).type : undefined;
  return typeof type === 'string' && SERVER_ONLY.has(type) ? null : value;
}

/** Serves /graphql over WebSocket on the HTTP server; dispose() closes every connection. */
export function serveWebSocket(httpServer: http.Server, deps: WebSocketDeps): { dispose(): void | Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: 64 * 1024 });
  const recheck = (s: SocketSession) => deps.authenticate(s.authorization, s.ip);
  return useServer<Record<string, unknown>, { session?: SocketSession }>(
    {
      schema: deps.schema,
      jsonMessageReviver: refuseServerOnlyMessages,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        const socket = ctx.extra.socket;
        const session = new SocketSession(typeof raw === 'string' ? raw : null, ctx.extra.request.socket.remoteAddress ?? '', (code, reason) => socket.close(code, reason));
        try {
          session.principal = await recheck(session);
          await deps.admit(session.principal, session.ip);
        } catch {
          return false; // closes with 4403 Forbidden
        }
        ctx.extra.session = session;
        deps.sessions.add(session);
        deps.telemetry.socketOpened();
        return true;
      },
      onClose: (ctx) => {
        if (!ctx.extra.session) return;
        deps.sessions.delete(ctx.extra.session);
        deps.telemetry.socketClosed();
      },
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | GraphQLError[]> => {
        const session = ctx.extra.session as SocketSession; // set by onConnect, which runs first
        try {
          if (session.isEnded) await session.ended;
          session.principal = await recheck(session);
          await deps.admit(session.principal, session.ip);
        } catch (e) {
          if (!(e instanceof GraphQLError)) throw e;
          if (e instanceof AppError && e.extensions.code === 'UNAUTHENTICATED') session.end(e);
          deps.telemetry.socketOperation(payload, null, [e]);
          return [e];
        }
        const prepared = prepare(deps, payload);
        if ('errors' in prepared) {
          deps.telemetry.socketOperation(payload, null, prepared.errors);
          return prepared.errors;
        }
        deps.telemetry.socketOperation(payload, prepared.document);
        return {
          schema: deps.schema,
          document: prepared.document,
          variableValues: payload.variables,
          operationName: payload.operationName,
          contextValue: requestContext(deps.resolverDeps, session.principal, session.ip),
        };
      },
      onOperation: (ctx, _id, _payload, _args, result) => {
        const session = ctx.extra.session;
        if (session && Symbol.asyncIterator in result) return deps.telemetry.subscription(untilEnded(result, session.ended));
        return undefined;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => deps.format(e.toJSON(), e)),
    },
    wss,
  );
}
