// Declarative authorization: an operation names who may use it with @Authorized<Grant>(...), and
// this checker applies services/principal.ts's rule before the resolver runs. What a caller may
// see of the rows it reaches is decided in the data layer (services/order-access.ts).
import { AuthChecker, createParameterDecorator } from 'type-graphql';
import { Grant, PartnerPrincipal, Principal, asPartner, authorize } from '../services/principal';
import type { GraphQLContext } from './context';

/** Throws the exact UNAUTHENTICATED / FORBIDDEN error rather than type-graphql's generic ones. */
export const authChecker: AuthChecker<GraphQLContext, Grant> = ({ context }, grants) => {
  authorize(context.principal, grants);
  return true;
};

/** The caller of an @Authorized operation (the checker let it in, so there is one). */
export function callerOf(context: GraphQLContext): Principal {
  if (!context.principal) throw new Error('an operation without @Authorized asked for its caller');
  return context.principal;
}

/** The authorized caller, as a resolver parameter. */
export function Caller() {
  return createParameterDecorator<GraphQLContext>(({ context }) => callerOf(context));
}

/** The authorized partner, in a resolver of an operation that only partner grants let in. */
export function CallingPartner() {
  return createParameterDecorator<GraphQLContext>(({ context }): PartnerPrincipal => asPartner(callerOf(context)));
}
