import { Field, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Relay cursor pagination state.' })
export class PageInfo {
  @Field() hasNextPage: boolean;
  @Field() hasPreviousPage: boolean;
  @Field(() => String, { nullable: true }) startCursor: string | null;
  @Field(() => String, { nullable: true }) endCursor: string | null;
}

export function pageInfoOf<T>(items: T[], hasNextPage: boolean, cursorOf: (t: T) => string, after: string | null | undefined): PageInfo {
  return {
    hasNextPage,
    hasPreviousPage: Boolean(after),
    startCursor: items.length ? cursorOf(items[0]) : null,
    endCursor: items.length ? cursorOf(items[items.length - 1]) : null,
  };
}
