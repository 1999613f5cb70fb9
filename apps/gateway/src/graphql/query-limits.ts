// What a GraphQL operation may ask before anything runs: how deep its fields nest and what it is
// estimated to cost. Both are measured on the parsed, validated document with the request's
// variables (a `limit: $n` counts as the page size the variables give), so a query that would
// fan out into a large or expensive read is refused with a typed error (GRAPHQL.TOO_DEEP,
// GRAPHQL.TOO_COMPLEX, 400 through the app's one table) before a single resolver runs.
//
// The cost model: every field costs 1 plus what it selects; a field that answers a list
// multiplies what it selects by the most items it can answer (its `limit` argument, or the
// bound its definition declares through `complexity` in the code-first schema, which lands in
// the field's `extensions.complexity`). Introspection fields (`__schema`, `__type`) are answered
// from memory: they cost 1 each and are held to a depth of their own (INTROSPECTION_MAX_DEPTH),
// deep enough for the standard introspection query GraphiQL sends and no deeper.
import {
  getNamedType,
  GraphQLError,
  isCompositeType,
  Kind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { getArgumentValues } from 'graphql/execution/values';
import { CodedError } from '@atelier/kernel';

export type GraphqlLimitCode =
  'GRAPHQL.TOO_DEEP' | 'GRAPHQL.TOO_COMPLEX' | 'GRAPHQL.INTROSPECTION_DISABLED';

export class GraphqlLimitError extends CodedError<GraphqlLimitCode> {
  override readonly name = 'GraphqlLimitError';
}

/** The standard introspection query (graphql-js getIntrospectionQuery) nests 15 levels by this
 *  measure (its TypeRef fragment is 8 `ofType` deep); some room for clients asking a deeper one. */
export const INTROSPECTION_MAX_DEPTH = 20;

export interface QueryLimits {
  readonly maxDepth: number;
  readonly maxComplexity: number;
}

export interface Measure {
  /** Deepest nesting of non-introspection fields (a root field is depth 1). */
  readonly depth: number;
  /** Deepest nesting inside an introspection field. */
  readonly introspectionDepth: number;
  readonly complexity: number;
}

/** The arguments a `complexity` estimator receives (Nest's ComplexityEstimatorArgs). */
interface EstimatorArgs {
  readonly type: GraphQLCompositeType;
  readonly field: GraphQLField<unknown, unknown>;
  readonly args: Record<string, unknown>;
  readonly childComplexity: number;
}
type Estimator = (a: EstimatorArgs) => number | void;

const isIntrospection = (name: string) => name === '__schema' || name === '__type';

/**
 * Depth and cost of `operationName`, or the worst of the document's operations when it is not
 * known (mercurius' hooks are not told which operation a request runs).
 */
export function measure(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> = {},
  operationName?: string | null,
): Measure {
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const d of document.definitions) {
    if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
    else if (d.kind === Kind.OPERATION_DEFINITION) operations.push(d);
  }
  const chosen = operationName
    ? operations.filter((o) => o.name?.value === operationName)
    : operations;
  return chosen
    .map((o) => measureOperation(schema, o, fragments, variables))
    .reduce(
      (a, b) => ({
        depth: Math.max(a.depth, b.depth),
        introspectionDepth: Math.max(a.introspectionDepth, b.introspectionDepth),
        complexity: Math.max(a.complexity, b.complexity),
      }),
      { depth: 0, introspectionDepth: 0, complexity: 0 },
    );
}

function measureOperation(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  variables: Readonly<Record<string, unknown>>,
): Measure {
  const root =
    operation.operation === 'query'
      ? schema.getQueryType()
      : operation.operation === 'mutation'
        ? schema.getMutationType()
        : schema.getSubscriptionType();
  if (!root) return { depth: 0, introspectionDepth: 0, complexity: 0 };

  let depth = 0;
  let introspectionDepth = 0;

  /** The cost of `set` selected on `type` at nesting `level`; `seen` guards fragment cycles. */
  const walk = (
    set: SelectionSetNode,
    type: GraphQLCompositeType,
    level: number,
    inIntrospection: number,
    seen: ReadonlySet<string>,
  ): number => {
    let cost = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FRAGMENT_SPREAD) {
        const name = sel.name.value;
        const fragment = fragments.get(name);
        if (!fragment || seen.has(name)) continue;
        const on = schema.getType(fragment.typeCondition.name.value);
        cost += walk(
          fragment.selectionSet,
          on && isCompositeType(on) ? on : type,
          level,
          inIntrospection,
          new Set([...seen, name]),
        );
        continue;
      }
      if (sel.kind === Kind.INLINE_FRAGMENT) {
        const on = sel.typeCondition ? schema.getType(sel.typeCondition.name.value) : type;
        cost += walk(
          sel.selectionSet,
          on && isCompositeType(on) ? on : type,
          level,
          inIntrospection,
          seen,
        );
        continue;
      }
      const name = sel.name.value;
      if (name === '__typename') continue;
      const here = level + 1;
      const introspecting = inIntrospection > 0 || isIntrospection(name);
      const iLevel = introspecting ? inIntrospection + 1 : 0;
      if (introspecting) introspectionDepth = Math.max(introspectionDepth, iLevel);
      else depth = Math.max(depth, here);
      // Introspection fields are not in the type's field map; their selections are walked
      // for depth and counted one per field.
      const field = 'getFields' in type ? type.getFields()[name] : undefined;
      const child = field ? getNamedType(field.type) : undefined;
      if (!field || !sel.selectionSet || !child || !isCompositeType(child)) {
        cost += 1;
        if (sel.selectionSet && introspecting)
          cost += countFields(sel.selectionSet, fragments, iLevel, (d) => {
            introspectionDepth = Math.max(introspectionDepth, d);
          });
        continue;
      }
      const childComplexity = walk(sel.selectionSet, child, here, iLevel, seen);
      cost += fieldCost(field, type, sel, variables, childComplexity);
    }
    return cost;
  };

  const complexity = walk(operation.selectionSet, root, 0, 0, new Set());
  return { depth, introspectionDepth, complexity };
}

/** Fields under an introspection field: 1 each, and the depth they reach. */
function countFields(
  set: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  level: number,
  reached: (depth: number) => void,
  seen: ReadonlySet<string> = new Set(),
): number {
  let cost = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FRAGMENT_SPREAD) {
      const f = fragments.get(sel.name.value);
      if (f && !seen.has(f.name.value))
        cost += countFields(
          f.selectionSet,
          fragments,
          level,
          reached,
          new Set([...seen, f.name.value]),
        );
    } else if (sel.kind === Kind.INLINE_FRAGMENT) {
      cost += countFields(sel.selectionSet, fragments, level, reached, seen);
    } else {
      cost += 1;
      reached(level + 1);
      if (sel.selectionSet)
        cost += countFields(sel.selectionSet, fragments, level + 1, reached, seen);
    }
  }
  return cost;
}

function fieldCost(
  field: GraphQLField<unknown, unknown>,
  type: GraphQLCompositeType,
  node: Parameters<typeof getArgumentValues>[1],
  variables: Readonly<Record<string, unknown>>,
  childComplexity: number,
): number {
  const declared = field.extensions?.['complexity'] as number | Estimator | undefined;
  if (typeof declared === 'number') return declared + childComplexity;
  if (typeof declared === 'function') {
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(field, node, variables as Record<string, unknown>);
    } catch {
      // Variables that do not coerce are refused by execution anyway; count the defaults.
      args = getArgumentValues(field, { ...node, arguments: [] }, {});
    }
    const cost = declared({ type, field, args, childComplexity });
    if (typeof cost === 'number' && Number.isFinite(cost)) return cost;
  }
  return 1 + childComplexity;
}

/**
 * The refusal for `m` against `limits`, or null. The error names the measure and the limit, so a
 * client can split its query or ask for smaller pages.
 */
export function limitError(m: Measure, limits: QueryLimits): GraphqlLimitError | null {
  if (m.depth > limits.maxDepth)
    return new GraphqlLimitError(
      'GRAPHQL.TOO_DEEP',
      `the operation nests ${m.depth} levels deep; at most ${limits.maxDepth} are allowed`,
      { depth: m.depth, maxDepth: limits.maxDepth },
    );
  if (m.introspectionDepth > INTROSPECTION_MAX_DEPTH)
    return new GraphqlLimitError(
      'GRAPHQL.TOO_DEEP',
      `the introspection nests ${m.introspectionDepth} levels deep; at most ${INTROSPECTION_MAX_DEPTH} are allowed`,
      { depth: m.introspectionDepth, maxDepth: INTROSPECTION_MAX_DEPTH },
    );
  if (m.complexity > limits.maxComplexity)
    return new GraphqlLimitError(
      'GRAPHQL.TOO_COMPLEX',
      `the operation's estimated cost is ${m.complexity}; at most ${limits.maxComplexity} is allowed (ask for smaller pages or fewer fields)`,
      { complexity: m.complexity, maxComplexity: limits.maxComplexity },
    );
  return null;
}

/** Variable sets whose measure is kept per document before its memo starts over. */
const MEASURES_PER_DOCUMENT = 64;

/**
 * The measures of the documents seen, by schema, document (mercurius hands out the same parsed
 * document for the same query text from its cache) and variables (as JSON; one entry for a
 * document without variables). A measure depends on nothing else, and walking the document
 * again for each request cost more than the rest of a small query's execution (issue 10).
 */
const measures = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Measure>>>();

function measured(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>>,
): Measure {
  let byDocument = measures.get(schema);
  if (!byDocument) measures.set(schema, (byDocument = new WeakMap()));
  let byVariables = byDocument.get(document);
  if (!byVariables) byDocument.set(document, (byVariables = new Map()));
  let key: string;
  try {
    key = JSON.stringify(variables);
  } catch {
    return measure(schema, document, variables); // not JSON (not from a request): not kept
  }
  let m = byVariables.get(key);
  if (!m) {
    m = measure(schema, document, variables);
    if (byVariables.size >= MEASURES_PER_DOCUMENT) byVariables.clear();
    byVariables.set(key, m);
  }
  return m;
}

/** Throws the refusal of an operation over the limits (a hook before execution calls it). */
export function enforceLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  limits: QueryLimits,
): void {
  const refusal = limitError(measured(schema, document, variables ?? {}), limits);
  if (refusal) throw refusal;
}

/** A validation rule refusing introspection (when the config switches it off). */
export function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(node) {
      if (isIntrospection(node.name.value))
        context.reportError(
          new GraphQLError('introspection is disabled on this server', {
            nodes: node,
            extensions: { code: 'GRAPHQL.INTROSPECTION_DISABLED' satisfies GraphqlLimitCode },
          }),
        );
    },
  };
}

/** `complexity` for a field answering up to `limit` (its argument) items: each costs its selection. */
export const perItem =
  (fallback: number) =>
  ({ args, childComplexity }: { args: Record<string, unknown>; childComplexity: number }) => {
    const limit = typeof args['limit'] === 'number' ? args['limit'] : fallback;
    return 1 + Math.max(1, limit) * childComplexity;
  };

/** `complexity` for a list field bounded by the domain (e.g. at most 8 parents per work). */
export const upTo =
  (bound: number) =>
  ({ childComplexity }: { childComplexity: number }) =>
    1 + bound * childComplexity;
