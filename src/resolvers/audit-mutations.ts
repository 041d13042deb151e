// Every mutation, allowed or refused, lands in the audit log with its arguments and outcome.
import { GraphQLError } from 'graphql';
import type { MiddlewareFn } from 'type-graphql';
import { appendAudit } from '../audit/log';
import type { GraphQLContext } from '../server/context';
import { actorOf } from '../services/principal';

function targetOf(args: Record<string, unknown>, result: unknown): string | null {
  for (const k of ['id', 'orderId', 'partnerId', 'keyId']) if (typeof args[k] === 'string') return args[k] as string;
  if (result && typeof result === 'object' && 'id' in result && typeof (result as { id: unknown }).id === 'string') return (result as { id: string }).id;
  return null;
}

export const auditMutations: MiddlewareFn<GraphQLContext> = async ({ info, args, context }, next) => {
  if (info.parentType.name !== 'Mutation') return next();
  const base = { actor: actorOf(context.principal), keyId: context.principal?.keyId ?? null, action: `mutation.${info.fieldName}`, targetType: info.fieldName };
  try {
    const result: unknown = await next();
    await appendAudit(context.ds, { ...base, targetId: targetOf(args, result), outcome: 'ok', detail: { args } });
    return result;
  } catch (e) {
    const code = e instanceof GraphQLError ? e.extensions.code : 'INTERNAL';
    await appendAudit(context.ds, { ...base, targetId: targetOf(args, null), outcome: code === 'INTERNAL' ? 'error' : 'denied', detail: { args, code, reason: e instanceof GraphQLError ? (e.extensions.reason ?? null) : null } });
    throw e;
  }
};
