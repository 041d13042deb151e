import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { queryAudit, verifyAudit } from '../audit/log';
import { AuditConnection, AuditFilterInput, AuditVerification } from '../schema/audit';
import { PAGE_ARGS, pageInfoOf } from '../schema/common';
import { badInput } from '../services/errors';
import { pageSize } from '../services/order-access';
import type { Grant } from '../services/principal';
import type { GraphQLContext } from './context';

@Resolver()
export class AuditResolver {
  @Authorized<Grant>('ADMIN')
  @Query(() => AuditConnection, { description: 'The audit log, oldest first. Admins only.' })
  async auditLog(
    @Arg('filter', () => AuditFilterInput, { nullable: true, description: 'Only the entries that match; all when omitted.' }) filter: AuditFilterInput | null,
    @Arg('first', () => Int, { nullable: true, description: PAGE_ARGS.first }) first: number | null,
    @Arg('after', () => String, { nullable: true, description: PAGE_ARGS.after }) after: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuditConnection> {
    const limit = pageSize(first);
    const afterSeq = after == null ? undefined : Number(after);
    if (afterSeq !== undefined && !Number.isSafeInteger(afterSeq)) throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned.`);
    const f = filter ?? {};
    const rows = await queryAudit(ctx.ds, {
      action: f.action ?? undefined,
      actor: f.actor ?? undefined,
      targetId: f.targetId ?? undefined,
      outcome: f.outcome ?? undefined,
      since: f.since ?? undefined,
      until: f.until ?? undefined,
      afterSeq,
      limit: limit + 1,
    });
    const items = rows.slice(0, limit);
    const cursorOf = (e: { seq: number }) => String(e.seq);
    return { edges: items.map((e) => ({ cursor: cursorOf(e), node: e })), pageInfo: pageInfoOf(items, rows.length > limit, cursorOf, after) };
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => AuditVerification, { description: 'Recomputes the whole hash chain. Admins only.' })
  async verifyAuditLog(@Ctx() ctx: GraphQLContext): Promise<AuditVerification> {
    const r = await verifyAudit(ctx.ds);
    return { ok: r.ok, entries: r.entries, lastHash: r.lastHash, brokenAtSeq: r.break?.seq ?? null, reason: r.break?.reason ?? null };
  }
}
