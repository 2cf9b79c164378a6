import type { GraphQLResolveInfo } from 'graphql';
import { parseResolveInfo, type ResolveTree } from 'graphql-parse-resolve-info';

/** A field selected on the items of a list, with its arguments as the field's resolver will get them. */
export interface LookaheadField {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/**
 * The fields of `typeName` that the current field's items select, found by walking each of `paths`
 * (field names) down from the current field: `[]` for a list of the type itself, `['edges', 'node']`
 * for a connection's edges. `graphql-parse-resolve-info` reads the selection (fragments and inline fragments
 * followed, `@skip`/`@include` applied, arguments coerced by graphql-js); each distinct (name,
 * arguments) pair is kept once: two aliases with the same arguments are one load.
 *
 * A list resolver uses it to start the per-item loads of every item at once, before the executor
 * walks the items one by one (1000 items take it tens of milliseconds): the first upstream call
 * leaves while that walk runs, and the items' own resolvers find their loads already under way.
 */
export function lookahead(info: GraphQLResolveInfo, typeName: string, paths: readonly (readonly string[])[], names: ReadonlySet<string>): LookaheadField[] {
  let tree: ResolveTree | undefined;
  try {
    tree = parseResolveInfo(info) as ResolveTree | undefined;
  } catch {
    // A selection it cannot read (arguments the fields themselves will refuse): no lookahead.
    return [];
  }
  const root: ResolveTree[] = tree ? [tree] : [];
  const parents = paths.flatMap((path) => path.reduce((level, step) => level.flatMap((parent) => childrenOf(parent).filter((child) => child.name === step)), root));
  const found = new Map<string, LookaheadField>();
  for (const parent of parents) {
    for (const field of Object.values(parent.fieldsByTypeName[typeName] ?? {})) {
      if (names.has(field.name)) found.set(`${field.name}(${JSON.stringify(field.args)})`, { name: field.name, args: field.args as Record<string, unknown> });
    }
  }
  return [...found.values()];
}

function childrenOf(tree: ResolveTree): ResolveTree[] {
  return Object.values(tree.fieldsByTypeName).flatMap((fields) => Object.values(fields));
}
