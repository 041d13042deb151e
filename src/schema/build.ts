import 'reflect-metadata';
import { GraphQLSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
import { auditMutations } from '../resolvers/audit-middleware';
import { resolvers } from '../resolvers';

let cached: Promise<GraphQLSchema> | null = null;

/** The one schema (built once per process: type-graphql metadata is global). */
export function buildAppSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({ resolvers, globalMiddlewares: [auditMutations], validate: false });
  return cached;
}
