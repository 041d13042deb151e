import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { PubSub, buildSchema } from 'type-graphql';
import { auditMutations } from '../resolvers/audit-middleware';
import { resolvers } from '../resolvers';

/** The schema; `pubSub` is the process's order event hub (LISTEN/NOTIFY). */
export function buildAppSchema(pubSub: PubSub): Promise<GraphQLSchema> {
  return buildSchema({ resolvers, pubSub, globalMiddlewares: [auditMutations], validate: false });
}
