// Per-request batching of the Order type's fields: listing N orders with their images, certificate
// and progress costs one query (and one audit row) per field, not one per order.
import DataLoader from 'dataloader';
import type { DataSource } from 'typeorm';
import type { OrderProgress } from '../domain/order';
import type { CertificateEntity, OrderEntity, OrderImageEntity } from '../entities/order';
import { notFound } from '../services/errors';
import { ImagePage, OrderView, Page, ScopedOrders, scopedOrders } from '../services/order-access';
import { progressOfOrders } from '../services/order-events';
import { cohortDeletions } from '../services/order-lifecycle';
import type { CohortDeletion } from '../domain/cohort-retention';
import type { Principal } from '../services/principal';

interface ImagesKey extends ImagePage {
  orderId: string;
}

type OrderRef = Pick<OrderEntity, 'id' | 'certificateId'>;

export class OrderLoaders {
  constructor(
    private readonly ds: DataSource,
    private readonly principal: Principal | null,
  ) {}

  /** The caller's scoped reads; the fields that use them are @Authorized, so a caller exists. */
  private access(): ScopedOrders {
    if (!this.principal) throw new Error('an order field that reads through scopedOrders lacks @Authorized');
    return scopedOrders(this.ds, this.principal);
  }

  // The `order(id)` fields of this request (aliases included): one query and one audit row. Never
  // shared between requests, so that each request's reads are audited as its own; cache: false,
  // so nothing is remembered between fields either.
  private readonly orders = new DataLoader<string, OrderView | null>((ids) => this.access().readMany(ids), { cache: false });

  /** The order if the caller may see it (NOT_FOUND otherwise), audited either way. */
  async order(id: string): Promise<OrderView> {
    const order = await this.orders.load(id);
    if (!order) throw notFound('order', id);
    return order;
  }

  // Keys that ask for different pages are batched per page request (one query each).
  readonly images = new DataLoader<ImagesKey, Page<OrderImageEntity>, string>(
    async (keys) => {
      const groups = new Map<string, { page: ImagePage; ids: string[] }>();
      for (const k of keys) {
        const group = groups.get(pageKey(k)) ?? { page: { limit: k.limit, from: k.from }, ids: [] };
        group.ids.push(k.orderId);
        groups.set(pageKey(k), group);
      }
      const pages = new Map<string, Page<OrderImageEntity>>();
      for (const { page, ids } of groups.values()) {
        for (const [id, p] of await this.access().imagePages(ids, page)) pages.set(imagesKey({ orderId: id, ...page }), p);
      }
      return keys.map((k) => pages.get(imagesKey(k)) as Page<OrderImageEntity>);
    },
    { cacheKeyFn: imagesKey },
  );

  readonly certificate = new DataLoader<OrderRef, CertificateEntity | null, string>(
    async (orders) => {
      const found = await this.access().certificates(orders);
      return orders.map((o) => found.get(o.id) ?? null);
    },
    { cacheKeyFn: (o) => o.id },
  );

  // Read with the order it belongs to (already scoped and audited by whoever loaded the order).
  readonly cohortDeletion = new DataLoader<string, CohortDeletion | null>(async (ids) => {
    const found = await cohortDeletions(this.ds, ids);
    return ids.map((id) => found.get(id) ?? null);
  });

  readonly progress = new DataLoader<string, OrderProgress | null>(async (ids) => {
    const found = await progressOfOrders(this.ds, ids);
    return ids.map((id) => found.get(id) ?? null);
  });
}

function pageKey(p: ImagePage): string {
  return `${p.limit}:${p.from}`;
}

function imagesKey(k: ImagesKey): string {
  return `${k.orderId}:${pageKey(k)}`;
}
