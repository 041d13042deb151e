// Limits that refuse expensive queries before they run: a maximum depth, and a
// complexity estimate where each field costs 1, multiplied by the page size of list arguments.
import { DEFAULT_PAGE } from '../services/order-access';
import { DocumentNode, FieldNode, FragmentDefinitionNode, GraphQLError, Kind, SelectionSetNode, ValueNode } from 'graphql';

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

interface Cost {
  depth: number;
  complexity: number;
}

function measure(set: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, variables: Record<string, unknown>, seen: Set<string>): Cost {
  let depth = 0;
  let complexity = 0;
  for (const sel of set.selections) {
    let child: Cost = { depth: 0, complexity: 0 };
    if (sel.kind === Kind.FIELD) {
      const inner = sel.selectionSet ? measure(sel.selectionSet, fragments, variables, seen) : { depth: 0, complexity: 0 };
      child = { depth: inner.depth + 1, complexity: 1 + pageArg(sel, variables) * inner.complexity };
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      child = measure(sel.selectionSet, fragments, variables, seen);
    } else {
      const frag = fragments[sel.name.value];
      if (frag && !seen.has(frag.name.value)) child = measure(frag.selectionSet, fragments, variables, new Set([...seen, frag.name.value]));
    }
    depth = Math.max(depth, child.depth);
    complexity += child.complexity;
  }
  return { depth, complexity };
}

/** Throws a BAD_USER_INPUT error if the operation is too deep or too complex. */
export function enforceCostLimits(doc: DocumentNode, variables: Record<string, unknown>, maxDepth: number, maxComplexity: number): void {
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments[d.name.value] = d;
  for (const op of doc.definitions) {
    if (op.kind !== Kind.OPERATION_DEFINITION) continue;
    const { depth, complexity } = measure(op.selectionSet, fragments, variables, new Set());
    if (depth > maxDepth) {
      throw new GraphQLError(`Query depth ${depth} exceeds the limit of ${maxDepth}.`, { extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_DEEP' } });
    }
    if (complexity > maxComplexity) {
      throw new GraphQLError(`Query complexity ${complexity} exceeds the limit of ${maxComplexity}; ask for fewer fields or smaller pages.`, {
        extensions: { code: 'BAD_USER_INPUT', reason: 'QUERY_TOO_COMPLEX' },
      });
    }
  }
}
