// Limits that refuse expensive operations before they run, the same over HTTP and WebSocket:
// - depth and aliases: graphql-armor's maintained validation rules (introspection's `__schema`
//   is exempt from depth, so GraphiQL's own depth-15 introspection query loads the Docs pane);
// - complexity: each field costs 1, multiplied by the page size of list arguments (armor's cost
//   rule has no notion of page sizes, so `orders(first: 100)` would cost it as much as one order).
//   Every alias is its own field here, so 990 aliased `order(id)` fields cost 990.
// A refusal is HTTP 400 with code QUERY_TOO_DEEP or QUERY_TOO_COMPLEX.
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLError, GraphQLSchema, Kind, SelectionSetNode, ValidationContext, ValueNode, validate } from 'graphql';
import { DEFAULT_PAGE } from '../services/order-access';

export interface QueryLimits {
  maxDepth: number;
  maxComplexity: number;
  maxAliases: number;
}

export const LIMIT_CODES = ['QUERY_TOO_DEEP', 'QUERY_TOO_COMPLEX'] as const;

function limitError(code: (typeof LIMIT_CODES)[number], message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

/** The page size a field will return: its first/last argument, or the default for a connection. */
function pageArg(node: FieldNode, variables: Record<string, unknown>): number {
  const arg = node.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
  const isConnection = node.selectionSet?.selections.some((s) => s.kind === Kind.FIELD && s.name.value === 'edges') ?? false;
  const fallback = isConnection ? DEFAULT_PAGE : 1;
  if (!arg) return fallback;
  const v: ValueNode = arg.value;
  if (v.kind === Kind.INT) return Math.max(1, Number(v.value));
  if (v.kind === Kind.VARIABLE) {
    const n = Number(variables[v.name.value]);
    return Number.isFinite(n) && n > 0 ? n : fallback;
  }
  return fallback;
}

const INTROSPECTION = new Set(['__schema', '__type']);

function complexity(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>, seen: Set<string>): number {
  let total = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) {
      // Introspection is governed by its own switch, not by the cost of the schema's size.
      if (INTROSPECTION.has(sel.name.value)) continue;
      const inner = sel.selectionSet ? complexity(sel.selectionSet, fragments, variables, seen) : 0;
      total += 1 + pageArg(sel, variables) * inner;
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      total += complexity(sel.selectionSet, fragments, variables, seen);
    } else {
      const frag = fragments[sel.name.value];
      if (frag && !seen.has(frag.name.value)) total += complexity(frag.selectionSet, fragments, variables, new Set([...seen, frag.name.value]));
    }
  }
  return total;
}

function armorRules(limits: QueryLimits) {
  // armor reports through onReject; it must not throw out of validate().
  const report = (code: (typeof LIMIT_CODES)[number]) => (ctx: ValidationContext | null, err: GraphQLError) =>
    ctx?.reportError(limitError(code, err.message.replace(/^Syntax Error: /, '')));
  return [
    maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, propagateOnRejection: false, onReject: [report('QUERY_TOO_DEEP')] }),
    maxAliasesRule({ n: limits.maxAliases, propagateOnRejection: false, onReject: [report('QUERY_TOO_COMPLEX')] }),
  ];
}

/** The errors that refuse a valid operation as too costly: empty if it may run. */
export function limitErrors(schema: GraphQLSchema, doc: DocumentNode, variables: Record<string, unknown>, limits: QueryLimits): GraphQLError[] {
  const refused = validate(schema, doc, armorRules(limits));
  if (refused.length) return [...refused];
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  for (const op of doc.definitions) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    const cost = complexity(op.selectionSet, fragments, variables, new Set());
    if (cost > limits.maxComplexity) {
      return [limitError('QUERY_TOO_COMPLEX', `Query complexity ${cost} exceeds the limit of ${limits.maxComplexity}; ask for fewer fields or smaller pages.`)];
    }
  }
  return [];
}

/** Variable sets remembered per document (the oldest go first). */
const PASSED_PER_DOCUMENT = 64;

/**
 * `limitErrors` that remembers which operations passed, per parsed document and variables: Apollo
 * hands every request with the same query text the same DocumentNode, and the verdict depends
 * only on it and the variables (issue 15: computed anew, it was about 4% of a read's CPU).
 * Refusals are computed each time (rare; their errors are fresh objects for each response).
 */
export function passedLimitsCache(schema: GraphQLSchema, limits: QueryLimits): (doc: DocumentNode, variables: Record<string, unknown>) => GraphQLError[] {
  const passed = new WeakMap<DocumentNode, Set<string>>();
  return (doc, variables) => {
    const key = JSON.stringify(variables);
    const seen = passed.get(doc);
    if (seen?.has(key)) return [];
    const errors = limitErrors(schema, doc, variables, limits);
    if (errors.length === 0) {
      const set = seen ?? new Set<string>();
      if (set.size >= PASSED_PER_DOCUMENT) set.delete(set.values().next().value as string);
      set.add(key);
      passed.set(doc, set);
    }
    return errors;
  };
}
