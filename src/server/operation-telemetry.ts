// What the API tells about each GraphQL operation, over HTTP (an Apollo plugin) and WebSocket
// (graphql-ws hooks): one log line with the request id, and the operations counter and latency
// histogram. Operations are labelled by their first root field (placeOrder, order, …): the
// schema bounds those, whereas operation names are whatever clients choose.
import { randomUUID } from 'node:crypto';
import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, FieldNode, GraphQLError, GraphQLSchema, OperationDefinitionNode, getNamedType, getNullableType, getOperationAST, isListType } from 'graphql';
import type { Logger } from '../log/logger';
import type { ApiMetrics } from '../metrics/api-metrics';

export interface OperationLabels {
  operation: string;
  type: string;
  outcome: string;
}

function firstField(op: OperationDefinitionNode | null | undefined): FieldNode | undefined {
  return op?.selectionSet.selections.find((s): s is FieldNode => s.kind === 'Field');
}

function rootField(op: OperationDefinitionNode | null | undefined): string {
  return firstField(op)?.name.value ?? 'unknown';
}

/** ok, or the first error's code (an error without one is an internal error). */
export function outcomeOf(errors: readonly GraphQLError[] | undefined): string {
  if (!errors?.length) return 'ok';
  const code = errors[0].extensions?.code;
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** Root fields whose `id` argument is an order's. */
const ORDER_ID_FIELDS = new Set(['order', 'cancelOrder']);

/** The order an operation is about: its root field's orderId argument (or id, on order fields). */
function orderIdOf(op: OperationDefinitionNode | null | undefined, variables: Record<string, unknown> | null | undefined): { orderId?: string } {
  const field = firstField(op);
  const arg = field?.arguments?.find((a) => a.name.value === 'orderId' || (a.name.value === 'id' && ORDER_ID_FIELDS.has(field.name.value)));
  const value = arg?.value.kind === 'Variable' ? variables?.[arg.value.name.value] : arg?.value.kind === 'StringValue' ? arg.value.value : undefined;
  return typeof value === 'string' ? { orderId: value } : {};
}

/** The id of the order a query or mutation returned (placeOrder's new order), when selected. */
function returnedOrderId(schema: GraphQLSchema, op: OperationDefinitionNode | null | undefined, data: Record<string, unknown> | null | undefined): { orderId?: string } {
  const field = firstField(op);
  const root = op?.operation === 'mutation' ? schema.getMutationType() : op?.operation === 'query' ? schema.getQueryType() : null;
  const type = field && root?.getFields()[field.name.value]?.type;
  if (!field || !type || isListType(getNullableType(type)) || getNamedType(type).name !== 'Order') return {};
  const id = (data?.[field.alias?.value ?? field.name.value] as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? { orderId: id } : {};
}

export class OperationTelemetry {
  constructor(
    private readonly metrics: ApiMetrics,
    private readonly logger: Logger,
  ) {}

  private record(labels: OperationLabels, requestId: string | undefined, about: { orderId?: string }, seconds: number | null, transport: string): void {
    this.metrics.operations.inc({ ...labels });
    if (seconds !== null) this.metrics.operationSeconds.observe({ ...labels }, seconds);
    const ms = seconds === null ? undefined : Math.round(seconds * 1000);
    // An internal error's stack is logged by maskError; this line gives it the request id.
    const level = labels.outcome === 'INTERNAL_SERVER_ERROR' ? 'error' : 'info';
    this.logger[level]({ requestId, ...about, ...labels, transport, ms }, `graphql ${labels.type} ${labels.operation}: ${labels.outcome}`);
  }

  /** Over HTTP: the request id comes from requestLogging's header (request-log.ts). */
  plugin(): ApolloServerPlugin {
    return {
      requestDidStart: async ({ request }) => {
        const started = performance.now();
        let errors: readonly GraphQLError[] | undefined;
        return {
          didEncounterErrors: async (ctx) => {
            errors = ctx.errors;
          },
          willSendResponse: async ({ operation, response, schema }) => {
            const labels = { operation: rootField(operation), type: operation?.operation ?? 'unknown', outcome: outcomeOf(errors) };
            const data = response.body.kind === 'single' ? response.body.singleResult.data : undefined;
            const about = { ...returnedOrderId(schema, operation, data), ...orderIdOf(operation, request.variables) };
            this.record(labels, request.http?.headers.get('x-request-id') ?? undefined, about, (performance.now() - started) / 1000, 'http');
          },
        };
      },
    };
  }

  /**
   * A WebSocket operation, accepted (no errors) or refused; returns its request id. Subscriptions
   * run for as long as their order does: counted, not timed.
   */
  socketOperation(payload: { operationName?: string | null; variables?: Record<string, unknown> | null }, document: DocumentNode | null, errors?: readonly GraphQLError[]): string {
    const requestId = randomUUID();
    const op = document ? getOperationAST(document, payload.operationName) : null;
    this.record({ operation: rootField(op), type: op?.operation ?? 'unknown', outcome: outcomeOf(errors) }, requestId, orderIdOf(op, payload.variables), null, 'websocket');
    return requestId;
  }

  socketOpened(): void {
    this.metrics.webSocketConnections.inc();
  }

  socketClosed(): void {
    this.metrics.webSocketConnections.dec();
  }

  /** `source`, counted in the active subscriptions until it ends, fails or is returned. */
  subscription<T>(source: AsyncIterable<T>): AsyncIterableIterator<T> {
    const it = source[Symbol.asyncIterator]();
    this.metrics.subscriptions.inc();
    let ended = false;
    const end = () => {
      if (!ended) this.metrics.subscriptions.dec();
      ended = true;
    };
    const wrapped: AsyncIterableIterator<T> = {
      next: async () => {
        try {
          const r = await it.next();
          if (r.done) end();
          return r;
        } catch (e) {
          end();
          throw e;
        }
      },
      // Not through an async generator: its return() would wait for a pending next() (an event).
      return: async () => {
        end();
        return (await it.return?.()) ?? { done: true, value: undefined };
      },
      [Symbol.asyncIterator]: () => wrapped,
    };
    return wrapped;
  }
}
