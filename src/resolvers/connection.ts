// Relay connections of a service's page. totalCount is a getter: its count query runs only when
// a client selects the field.
import { PageInfo, pageInfoOf } from '../schema/common';
import type { Page } from '../services/order-access';

export interface Connection<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: PageInfo;
  readonly totalCount: Promise<number>;
}

export function connectionOf<T, N>(page: Page<T>, after: string | null | undefined, node: (item: T) => N, count: () => Promise<number>): Connection<N> {
  return {
    edges: page.items.map((i) => ({ cursor: page.cursorOf(i), node: node(i) })),
    pageInfo: pageInfoOf(page.items, page.hasNextPage, (i) => page.cursorOf(i), after),
    get totalCount() {
      return count();
    },
  };
}
