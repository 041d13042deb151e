// What resolvers get: the process's dependencies (built once by server/app.ts) plus, per request,
// the caller and the request's batching loaders.
import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import type { DeliveryDeps } from '../delivery/downloads';
import type { OrderEventHub } from '../services/order-event-hub';
import type { AccessChange, Principal } from '../services/principal';
import type { SecretBox } from '../services/secret-box';
import type { WebhookUrlPolicy } from '../domain/webhook-url';
import type { ContentStore } from '../storage/content-store';
import { OrderLoaders } from './order-loaders';

export interface ResolverDeps {
  ds: DataSource;
  config: Config;
  hub: OrderEventHub;
  delivery: DeliveryDeps;
  /** The image store (cohort deletion removes bytes from it). */
  store: ContentStore;
  /** Seals webhook signing secrets; which endpoint URLs are allowed. */
  webhooks: { box: SecretBox; policy: WebhookUrlPolicy };
  /**
   * After a committed access change: this process forgets the principals it cached for it at
   * once (other processes on its announcement, which may arrive after this caller's next request).
   */
  accessChanged(c: AccessChange): void;
}

export interface GraphQLContext extends ResolverDeps {
  /** Null when the request carried no key (only public operations then work). */
  principal: Principal | null;
  ip: string;
  orders: OrderLoaders;
}

/** The context of one HTTP request or one WebSocket operation. */
export function requestContext(deps: ResolverDeps, principal: Principal | null, ip: string): GraphQLContext {
  return { ...deps, principal, ip, orders: new OrderLoaders(deps.ds, principal) };
}
