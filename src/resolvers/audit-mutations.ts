// Every mutation, allowed or refused, lands in the audit log with its arguments and outcome.
// It wraps the built schema's mutation fields, outside type-graphql's middlewares, because the
// authorization check runs before those: a refusal by @Authorized is audited too.
import { GraphQLError, GraphQLSchema, defaultFieldResolver } from 'graphql';
import { appendAudit } from '../audit/log';
import { auditActor } from '../services/principal';
import type { GraphQLContext } from './context';

function targetOf(args: Record<string, unknown>, result: unknown): string | null {
  for (const k of ['id', 'orderId', 'partnerId', 'keyId']) if (typeof args[k] === 'string') return args[k] as string;
  if (result && typeof result === 'object' && 'id' in result && typeof (result as { id: unknown }).id === 'string') return (result as { id: string }).id;
  return null;
}

/**
 * A placeOrder that returned the order an earlier request with its idempotency key placed: that
 * order was created before this request began (both times are this API's clock).
 */
function isReplay(fieldName: string, result: unknown, started: Date): boolean {
  return fieldName === 'placeOrder' && result !== null && typeof result === 'object' && 'createdAt' in result && result.createdAt instanceof Date && result.createdAt < started;
}

export function auditMutations(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getMutationType()?.getFields() ?? {})) {
    const resolve = field.resolve ?? defaultFieldResolver;
    field.resolve = async (root, args: Record<string, unknown>, context: GraphQLContext, info) => {
      const base = { ...auditActor(context.principal), action: `mutation.${info.fieldName}`, targetType: info.fieldName };
      const started = new Date();
      try {
        const result: unknown = await resolve(root, args, context, info);
        // A replay is audited as one, not as a second order.
        const replay = isReplay(info.fieldName, result, started);
        await appendAudit(context.ds, { ...base, action: replay ? `${base.action}.replay` : base.action, targetId: targetOf(args, result), outcome: 'ok', detail: replay ? { args, replay: true } : { args } });
        return result;
      } catch (e) {
        const code = e instanceof GraphQLError ? e.extensions.code : 'INTERNAL';
        await appendAudit(context.ds, { ...base, targetId: targetOf(args, null), outcome: code === 'INTERNAL' ? 'error' : 'denied', detail: { args, code, reason: e instanceof GraphQLError ? (e.extensions.reason ?? null) : null } });
        throw e;
      }
    };
  }
  return schema;
}
