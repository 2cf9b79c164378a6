import {
  getArgumentValues,
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isObjectType,
  Kind,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';

/** A field selected on the items of a list, with its arguments as the field's resolver will get them. */
export interface LookaheadField {
  readonly name: string;
  readonly args: Record<string, unknown>;
}

/**
 * The fields of `typeName` that the current field's items select, found by walking `path` (field
 * names) down from the current field: `[]` for a list of the type itself, `['edges', 'node']` for a
 * connection's edges. Follows fragments and inline fragments, drops what `@skip`/`@include` exclude,
 * and keeps each distinct (name, arguments) pair once: two aliases with the same arguments are one.
 *
 * A list resolver uses it to start the per-item loads of every item at once, before the executor
 * walks the items one by one (1000 items take it tens of milliseconds): the first upstream call
 * leaves while that walk runs, and the items' own resolvers find their loads already under way.
 */
export function lookahead(info: GraphQLResolveInfo, typeName: string, path: readonly string[], names: ReadonlySet<string>): LookaheadField[] {
  const type = info.schema.getType(typeName);
  if (!isObjectType(type)) return [];
  const definitions = type.getFields();
  let level: readonly FieldNode[] = info.fieldNodes;
  for (const step of path) level = level.flatMap((node) => selectedFields(node.selectionSet, info).filter((field) => field.name.value === step));
  const found = new Map<string, LookaheadField>();
  for (const node of level.flatMap((parent) => selectedFields(parent.selectionSet, info))) {
    const definition = definitions[node.name.value];
    if (!definition || !names.has(node.name.value)) continue;
    let args: Record<string, unknown>;
    try {
      args = getArgumentValues(definition, node, info.variableValues);
    } catch {
      // Arguments the field itself will refuse: its resolver reports it, per item.
      continue;
    }
    found.set(`${node.name.value}(${JSON.stringify(args)})`, { name: node.name.value, args });
  }
  return [...found.values()];
}

/** Fields selected directly in `selectionSet`, through fragments, that `@skip`/`@include` keep. */
function selectedFields(selectionSet: SelectionSetNode | undefined, info: GraphQLResolveInfo): FieldNode[] {
  const fields: FieldNode[] = [];
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (!included(selection, info)) continue;
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (!visited.has(selection.name.value)) {
        visited.add(selection.name.value);
        walk(info.fragments[selection.name.value]?.selectionSet);
      }
    }
  };
  walk(selectionSet);
  return fields;
}

function included(node: Parameters<typeof getDirectiveValues>[1], info: GraphQLResolveInfo): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, info.variableValues)?.['if'] === true) return false;
    return getDirectiveValues(GraphQLIncludeDirective, node, info.variableValues)?.['if'] !== false;
  } catch {
    return false;
  }
}
