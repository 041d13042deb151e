// Data-layer authorization: every read of an order, its images or its certificate goes through
// scopedOrders(principal), which only ever queries the caller's own rows (admins: all rows) and
// writes the read to the audit log (as a pending entry, chained soon after: audit/pending.ts).
// Another partner's order is NOT_FOUND: existence is not revealed.
import type { DataSource } from 'typeorm';
import { pendingAudit } from '../audit/pending';
import { EntityRows } from '../db/entity-rows';
import type { OrderStatus } from '../domain/order';
import { isUuid } from '../domain/uuid';
import { CertificateEntity, OrderEntity, OrderImageEntity } from '../entities/order';
import { badInput, notFound } from './errors';
import { Principal, auditActor } from './principal';

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
const MAX_INT4 = 2 ** 31 - 1;
const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
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

/** A page of images: the `limit` first with an index above `from`. */
export interface ImagePage {
  limit: number;
  from: number;
}

/** Checks an images page request (first, after) before any query runs. */
export function imagePage(first: number | null | undefined, after: string | null | undefined): ImagePage {
  const limit = pageSize(first);
  if (!after) return { limit, from: -1 };
  const [idx] = decodeCursor(after, 'after');
  // An image index is a PostgreSQL integer; anything else never came from this API.
  if (typeof idx !== 'number' || !Number.isInteger(idx) || idx < 0 || idx > MAX_INT4) throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned.`);
  return { limit, from: idx };
}

/**
 * What the Order type shows (schema/order.ts) and its field resolvers read: an order without its
 * internals (partner, raw mix input, shard plan, request hash). The read path selects only these.
 */
export const ORDER_VIEW = ['id', 'status', 'modelId', 'size', 'counts', 'seed', 'sampler', 'steps', 'guidance', 'certificateId', 'idempotencyKey', 'failureReason', 'createdAt', 'startedAt', 'finishedAt'] as const;
type ViewColumn = (typeof ORDER_VIEW)[number];
export type OrderView = Pick<OrderEntity, ViewColumn>;

interface OrderRows {
  whole: EntityRows<OrderEntity>;
  view: EntityRows<OrderEntity, ViewColumn>;
}
const orderRowsOf = new WeakMap<DataSource, OrderRows>();

/** Orders read with plain SQL (alias `o`): the read path's hot queries. */
function orderRows(ds: DataSource): OrderRows {
  let rows = orderRowsOf.get(ds);
  if (!rows) orderRowsOf.set(ds, (rows = { whole: new EntityRows(ds, OrderEntity, 'o'), view: new EntityRows(ds, OrderEntity, 'o', ORDER_VIEW) }));
  return rows;
}

/** A WHERE clause with positional parameters, to which conditions are added. */
class Where {
  private readonly conditions: string[] = [];
  readonly params: unknown[] = [];

  /** Adds `condition`, in which each `?` is the next of `values`. */
  and(condition: string, ...values: unknown[]): this {
    this.conditions.push(condition.replace(/\?/g, () => `$${this.params.push(values.shift())}`));
    return this;
  }

  get sql(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

export class ScopedOrders {
  constructor(
    readonly ds: DataSource,
    readonly who: Principal,
  ) {}

  /** The caller's own orders (admins: all). */
  private owned(): Where {
    const w = new Where();
    return this.who.role === 'ADMIN' ? w : w.and('o.partner_id = ?', this.who.partnerId);
  }

  private audit(action: string, targetType: string, targetId: string, detail: Record<string, unknown> = {}, outcome: 'ok' | 'denied' = 'ok') {
    // Off the chain's lock: pending.ts (the read waits only for its entry's INSERT).
    return pendingAudit(this.ds).write({ ...auditActor(this.who), action, targetType, targetId, detail, outcome });
  }

  /** The order if the caller may see it; NOT_FOUND otherwise. Not audited (internal use). */
  async find(orderId: string): Promise<OrderEntity> {
    const where = this.owned().and('o.id = ?', orderId);
    const [order] = isUuid(orderId) ? await orderRows(this.ds).whole.query(where.sql, where.params) : [];
    if (!order) throw notFound('order', orderId);
    return order;
  }

  /**
   * Several orders by id, in one query and one audit row (and one more for those refused): the
   * `order(id)` fields of one request, aliases included (OrderLoaders batches them per request).
   */
  async readMany(ids: readonly string[]): Promise<(OrderView | null)[]> {
    const wanted = [...new Set(ids)];
    const valid = wanted.filter(isUuid);
    const where = this.owned().and('o.id = ANY(?::uuid[])', valid);
    const rows = valid.length ? await orderRows(this.ds).view.query(where.sql, where.params) : [];
    const byId = new Map(rows.map((o) => [o.id, o]));
    const refused = wanted.filter((id) => !byId.has(id));
    if (rows.length) await this.audit('order.read', 'order', rows.map((o) => o.id).join(','), rows.length > 1 ? { count: rows.length } : {});
    // A probe for another partner's order leaves a trace too.
    if (refused.length) await this.audit('order.read', 'order', refused.join(','), { reason: 'ORDER_NOT_FOUND' }, 'denied');
    return ids.map((id) => byId.get(id) ?? null);
  }

  /** The caller's orders that match the filter. */
  private filtered(filter: OrderFilter): Where {
    const w = this.owned();
    if (filter.status?.length) w.and('o.status = ANY(?::text[])', filter.status);
    if (filter.modelId) w.and('o.model_id = ?', filter.modelId);
    if (filter.createdAfter) w.and('o.created_at >= ?', filter.createdAfter);
    if (filter.createdBefore) w.and('o.created_at < ?', filter.createdBefore);
    return w;
  }

  /** How many of the caller's orders match the filter (every page). */
  async count(filter: OrderFilter): Promise<number> {
    const w = this.filtered(filter);
    const [{ n }] = (await this.ds.query(`SELECT count(*)::int AS n FROM orders o ${w.sql}`, w.params)) as { n: number }[];
    return n;
  }

  /** Newest first; the cursor is the last item's (createdAt, id). */
  async list(filter: OrderFilter, first: number | null | undefined, after: string | null | undefined): Promise<Page<OrderView>> {
    const limit = pageSize(first);
    const w = this.filtered(filter);
    if (after) {
      const [at, id] = decodeCursor(after, 'after');
      // The time must be exactly as encodeCursor wrote it, with a four-digit year (PostgreSQL's range).
      if (typeof at !== 'string' || typeof id !== 'string' || !isUuid(id) || !ISO_TIME.test(at) || Number.isNaN(Date.parse(at)) || new Date(at).toISOString() !== at) {
        throw badInput('after', 'CURSOR_INVALID', `"${after}" is not a cursor this API returned.`);
      }
      w.and('(o.created_at, o.id) < (?, ?)', new Date(at), id);
    }
    const rows = await orderRows(this.ds).view.query(`${w.sql} ORDER BY o.created_at DESC, o.id DESC LIMIT ${limit + 1}`, w.params);
    const items = rows.slice(0, limit);
    await this.audit('order.list', 'order', items.map((o) => o.id).join(','), { count: items.length });
    return { items, hasNextPage: rows.length > limit, cursorOf: (o) => encodeCursor([o.createdAt.toISOString(), o.id]) };
  }

  /** Image metadata of several orders by index, one page each, in one query and one audit row. */
  async imagePages(orderIds: readonly string[], page: ImagePage): Promise<Map<string, Page<OrderImageEntity>>> {
    const rows = await this.ds
      .getRepository(OrderImageEntity)
      .createQueryBuilder('i')
      .where(
        `(i.order_id, i.idx) IN (
           SELECT p.order_id, p.idx FROM orders o CROSS JOIN LATERAL (
             SELECT order_id, idx FROM order_images WHERE order_id = o.id AND idx > :from ORDER BY idx LIMIT :take) p
            WHERE o.id IN (:...ids)${this.who.role === 'ADMIN' ? '' : ' AND o.partner_id = :pid'})`,
        { from: page.from, take: page.limit + 1, ids: orderIds, pid: this.who.partnerId },
      )
      .orderBy('i.order_id', 'ASC')
      .addOrderBy('i.idx', 'ASC')
      .getMany();
    const pages = new Map<string, Page<OrderImageEntity>>();
    for (const id of orderIds) {
      const mine = rows.filter((i) => i.orderId === id);
      pages.set(id, { items: mine.slice(0, page.limit), hasNextPage: mine.length > page.limit, cursorOf: (i) => encodeCursor([i.idx]) });
    }
    const indices = Object.fromEntries([...pages].map(([id, p]) => [id, p.items.map((i) => i.idx)]));
    await this.audit('image.list', 'order', orderIds.join(','), { indices });
    return pages;
  }

  /** The certificates of several orders (absent: not issued yet), in one query and one audit row. */
  async certificates(orders: readonly Pick<OrderEntity, 'id' | 'certificateId'>[]): Promise<Map<string, CertificateEntity>> {
    const qb = this.ds.getRepository(CertificateEntity).createQueryBuilder('c').innerJoin(OrderEntity, 'o', 'o.id = c.order_id').where('c.order_id IN (:...ids)', { ids: orders.map((o) => o.id) });
    if (this.who.role !== 'ADMIN') qb.andWhere('o.partner_id = :pid', { pid: this.who.partnerId });
    const found = new Map((await qb.getMany()).map((c) => [c.orderId, c]));
    await this.audit('certificate.read', 'certificate', orders.map((o) => o.certificateId).join(','), {
      orderIds: orders.map((o) => o.id),
      issued: orders.map((o) => found.has(o.id)),
    });
    return found;
  }

  /** The delivered images (by index) and the certificate of an order found through find(). Not audited: downloads audit themselves. */
  async contents(order: OrderEntity): Promise<{ images: OrderImageEntity[]; certificate: CertificateEntity | null }> {
    const [images, certificate] = await Promise.all([
      this.ds.getRepository(OrderImageEntity).find({ where: { orderId: order.id }, order: { idx: 'ASC' } }),
      this.ds.getRepository(CertificateEntity).findOneBy({ orderId: order.id }),
    ]);
    return { images, certificate };
  }
}

/** The reads `who` may make. Holds no state: per-request batching lives in resolvers/order-loaders.ts. */
export function scopedOrders(ds: DataSource, who: Principal): ScopedOrders {
  return new ScopedOrders(ds, who);
}
