import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Where a page of a connection sits in the whole list (Relay cursor pagination).' })
export class PageInfo {
  @Field({ description: 'True when more items follow: ask again with `after: endCursor`.' }) hasNextPage: boolean;
  @Field({ description: 'True when this page was asked for with an `after` cursor, so items precede it.' }) hasPreviousPage: boolean;
  @Field(() => String, { nullable: true, description: "The first item's cursor; null on an empty page." }) startCursor: string | null;
  @Field(() => String, { nullable: true, description: "The last item's cursor, to pass as `after` for the next page; null on an empty page." }) endCursor: string | null;
}

/** Texts shared by every paginated field's arguments. */
export const PAGE_ARGS = {
  first: 'Items per page, 1 to 100; 20 when omitted.',
  after: "Return the items after this cursor (a previous page's `pageInfo.endCursor`); from the start when omitted.",
  totalCount: 'Items in the whole list (every page, the same filter). Counted only when asked for: it costs a query of its own.',
};

export function pageInfoOf<T>(items: T[], hasNextPage: boolean, cursorOf: (t: T) => string, after: string | null | undefined): PageInfo {
  return {
    hasNextPage,
    hasPreviousPage: Boolean(after),
    startCursor: items.length ? cursorOf(items[0]) : null,
    endCursor: items.length ? cursorOf(items[items.length - 1]) : null,
  };
}
