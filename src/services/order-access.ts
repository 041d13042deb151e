// Data-layer authorization: every read of an order, its images or its certificate goes through
// scopedOrders(principal), which only ever queries the caller's own rows (admins: all rows) and
// writes the read to the audit log. Another partner's order is NOT_FOUND: existence is not revealed.
import { DataSource } from 'typeorm';
import { appendAudit } from '../audit/log';
import type { OrderStatus } from '../domain/order';
import { CertificateEntity, OrderEntity, OrderImageEntity } from '../entities/order';
import { badInput, notFound } from './errors';
import { Principal, actorOf } from './principal';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OrderFilter {
  status?: OrderStatus[] | null;
  modelId?: string | null;
  createdAfter?: Date | null;
  createdBefore?: Date | null;
}

export interface Page<T> {
  items: T[];
  hasNextPage: boolean;
  cursorOf(item: T): string;
}

export const MAX_PAGE = 100;
export const DEFAULT_PAGE = 20;

function encodeCursor(parts: (string | number)[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, field: string): unknown[] {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v)) return v;
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'CURSOR_INVALID', `"${cursor}" is not a cursor this API returned.`);
}

export function pageSize(first: number | null | undefined): number {
  const n = first ?? DEFAULT_PAGE;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE) throw badInput('first', 'PAGE_SIZE_INVALID', `first must be from 1 to ${MAX_PAGE}, got ${n}.`);
  return n;
}

export class ScopedOrders {
  constructor(
    private readonly ds: DataSource,
    readonly who: Principal,
  ) {}

  private ownerWhere(): { partnerId?: string } {
    return this.who.role === 'ADMIN' ? {} : { partnerId: this.who.partnerId as string };
  }

  private audit(action: string, targetType: string, targetId: string, detail: Record<string, unknown> = {}) {
    return appendAudit(this.ds, { actor: actorOf(this.who), keyId: this.who.keyId, action, targetType, targetId, detail });
  }

  /** The order if the caller may see it; NOT_FOUND otherwise. Not audited (internal use). */
  async find(orderId: string): Promise<OrderEntity> {
    const order = UUID.test(orderId) ? await this.ds.getRepository(OrderEntity).findOneBy({ id: orderId, ...this.ownerWhere() }) : null;
    if (!order) throw notFound('order', orderId);
    return order;
  }

  async get(orderId: string): Promise<OrderEntity> {
    const order = await this.find(orderId);
    await this.audit('order.read', 'order', order.id);
    return order;
  }

  /** Newest first; the cursor is the last item's (createdAt, id). */
  async list(filter: OrderFilter, first: number | null | undefined, after: string | null | undefined): Promise<Page<OrderEntity>> {
    const limit = pageSize(first);
    const qb = this.ds.getRepository(OrderEntity).createQueryBuilder('o').orderBy('o.created_at', 'DESC').addOrderBy('o.id', 'DESC').limit(limit + 1);
    if (this.who.role !== 'ADMIN') qb.andWhere('o.partner_id = :pid', { pid: this.who.partnerId });
    if (filter.status?.length) qb.andWhere('o.status IN (:...st)', { st: filter.status });
    if (filter.modelId) qb.andWhere('o.model_id = :mid', { mid: filter.modelId });
    if (filter.createdAfter) qb.andWhere('o.created_at >= :ca', { ca: filter.createdAfter });
    if (filter.createdBefore) qb.andWhere('o.created_at < :cb', { cb: filter.createdBefore });
    if (after) {
      const [at, id] = decodeCursor(after, 'after');
      if (typeof at !== 'string' || typeof id !== 'string' || !UUID.test(id) || Number.isNaN(Date.parse(at))) {
        throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned.`);
      }
      qb.andWhere('(o.created_at, o.id) < (:at, :id)', { at: new Date(at), id });
    }
    const rows = await qb.getMany();
    const items = rows.slice(0, limit);
    await this.audit('order.list', 'order', items.map((o) => o.id).join(','), { count: items.length });
    return { items, hasNextPage: rows.length > limit, cursorOf: (o) => encodeCursor([o.createdAt.toISOString(), o.id]) };
  }

  /** Image metadata by index; the cursor is the index. */
  async images(orderId: string, first: number | null | undefined, after: string | null | undefined): Promise<Page<OrderImageEntity>> {
    const order = await this.find(orderId);
    const limit = pageSize(first);
    let from = -1;
    if (after) {
      const [idx] = decodeCursor(after, 'after');
      if (!Number.isInteger(idx)) throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned.`);
      from = idx as number;
    }
    const rows = await this.ds.getRepository(OrderImageEntity).createQueryBuilder('i').where('i.order_id = :id', { id: order.id }).andWhere('i.idx > :from', { from }).orderBy('i.idx', 'ASC').limit(limit + 1).getMany();
    const items = rows.slice(0, limit);
    await this.audit('image.list', 'order', order.id, { indices: items.map((i) => i.idx) });
    return { items, hasNextPage: rows.length > limit, cursorOf: (i) => encodeCursor([i.idx]) };
  }

  /** Every delivered image of an order, by index: for downloads, which audit themselves. */
  async allImages(orderId: string): Promise<OrderImageEntity[]> {
    const order = await this.find(orderId);
    return this.ds.getRepository(OrderImageEntity).find({ where: { orderId: order.id }, order: { idx: 'ASC' } });
  }

  async certificate(orderId: string): Promise<CertificateEntity | null> {
    const order = await this.find(orderId);
    const cert = await this.ds.getRepository(CertificateEntity).findOneBy({ orderId: order.id });
    await this.audit('certificate.read', 'certificate', order.certificateId, { orderId: order.id, issued: cert !== null });
    return cert;
  }
}

export function scopedOrders(ds: DataSource, who: Principal): ScopedOrders {
  return new ScopedOrders(ds, who);
}
