import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { checkpointFiles } from '../audit/checkpoints';
import { countAudit, queryAudit } from '../audit/log';
import { chainPending } from '../audit/pending';
import { isUuid } from '../domain/uuid';
import { verifyWithKey } from '../audit/verify';
import type { AuditEntryEntity } from '../entities/audit-entry';
import { AuditConnection, AuditFilterInput, AuditVerification } from '../schema/audit';
import { PAGE_ARGS } from '../schema/common';
import { badInput } from '../services/errors';
import { Page, pageSize } from '../services/order-access';
import type { Grant } from '../services/principal';
import { connectionOf } from './connection';
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
    if (f.memberId != null && !isUuid(f.memberId)) throw badInput('filter.memberId', 'ID_INVALID', `"${f.memberId}" is not a member id.`);
    const fields = {
      action: f.action ?? undefined,
      actor: f.actor ?? undefined,
      memberId: f.memberId ?? undefined,
      targetId: f.targetId ?? undefined,
      outcome: f.outcome ?? undefined,
      since: f.since ?? undefined,
      until: f.until ?? undefined,
    };
    // Reads' entries wait a few ms to be chained (audit/pending.ts); an admin sees them all.
    await chainPending(ctx.ds);
    const rows = await queryAudit(ctx.ds, { ...fields, afterSeq, limit: limit + 1 });
    const page: Page<AuditEntryEntity> = { items: rows.slice(0, limit), hasNextPage: rows.length > limit, cursorOf: (e) => String(e.seq) };
    return connectionOf(page, after, (e) => e, () => countAudit(ctx.ds, fields));
  }

  @Authorized<Grant>('ADMIN')
  @Query(() => AuditVerification, { description: 'Recomputes the whole hash chain and checks it against the signed checkpoints and every entry MAC, as `audit verify` does. Admins only.' })
  async verifyAuditLog(@Ctx() ctx: GraphQLContext): Promise<AuditVerification> {
    const r = await verifyWithKey(ctx.ds, checkpointFiles(ctx.config));
    return { ok: r.ok, entries: r.entries, lastHash: r.lastHash, brokenAtSeq: r.break?.seq ?? null, reason: r.break?.reason ?? r.pendingProblem };
  }
}
