import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import {
  GraphQLError,
  Kind,
  getNamedType,
  isInputType,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { ERROR_CODES } from '../error-codes.js';
import { DIRECTORY_FIRST } from '../schema/directory-limits.js';
import { parseUin } from '../schema/types/uin.js';

/**
 * Limits that protect the upstream's 5-per-second budget from abusive documents. Every check here
 * runs before execution, so a rejected document costs zero upstream calls.
 */
export interface RequestLimits {
  /** Aliases per operation. */
  readonly maxAliases: number;
  /** Selection depth, introspection excluded. */
  readonly maxDepth: number;
  /** Lexer tokens per document. */
  readonly maxTokens: number;
  /** Directives per operation. */
  readonly maxDirectives: number;
  /** Distinct UINs one request may name across all fields, aliases and entity representations. */
  readonly maxUinsPerRequest: number;
  /** Request body bytes. */
  readonly maxBodyBytes: number;
  /** Hide "Did you mean …?" suggestions (when introspection is off, they would leak the schema). */
  readonly blockFieldSuggestions: boolean;
}

/** Structural limits from graphql-armor, each a parse- or validation-time check. */
export function useDocumentLimits(limits: RequestLimits): Plugin[] {
  const plugins: Plugin[] = [
    maxTokensPlugin({ n: limits.maxTokens }),
    maxAliasesPlugin({ n: limits.maxAliases }),
    maxDepthPlugin({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true }),
    maxDirectivesPlugin({ n: limits.maxDirectives }),
  ] as Plugin[];
  if (limits.blockFieldSuggestions) plugins.push(blockFieldSuggestionsPlugin() as Plugin);
  return plugins;
}

/**
 * Caps the distinct UINs a request names, counted from the document and its variables before
 * execution: `customer(uin:)`, `customers(uins:)` and `_entities(representations:)`, however aliased
 * or spread through fragments. Stores the count on the context (`budget.requestedUins`) for prioritising.
 */
export function useRequestUinBudget(maxUins: number): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const uins = requestedUins(args.schema, args.document, args.operationName ?? undefined, args.variableValues ?? {});
      // `allCustomers(first:)` names no UIN but can bring `first` customers into the request.
      const listed = listedCustomers(args.document, args.operationName ?? undefined, args.variableValues ?? {});
      const total = uins.size + listed;
      if (total > maxUins) {
        setResultAndStopExecution({
          errors: [
            new GraphQLError(
              listed === 0
                ? `This request names ${total} distinct UINs; at most ${maxUins} are allowed per request.`
                : `This request names ${uins.size} distinct UINs and lists up to ${listed} customers (allCustomers first); at most ${maxUins} are allowed per request.`,
              {
                extensions: { code: ERROR_CODES.badUserInput, maxUins, requestedUins: total },
              },
            ),
          ],
        });
        return;
      }
      const budget = (args.contextValue as { budget?: { requestedUins: number } }).budget;
      if (budget) budget.requestedUins = total;
    },
  };
}

/** Refuses bodies over `maxBytes` (413) and bodies of unknown length (411) before reading them. */
export function useBodyLimit(maxBytes: number): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (request.method !== 'POST') return;
      const length = request.headers.get('content-length');
      const reject = (status: number, message: string) =>
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code: ERROR_CODES.badUserInput } }] }), {
            status,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
      if (length === null) {
        if (request.body === null) return;
        reject(411, 'A Content-Length header is required.');
        return;
      }
      if (!/^\d+$/.test(length) || Number(length) > maxBytes) {
        reject(413, `The request body exceeds ${maxBytes} bytes.`);
      }
    },
  };
}

/** Distinct, valid UINs named by the operation; invalid ones are left to the UIN scalar's errors. */
export function requestedUins(
  schema: GraphQLSchema,
  document: DocumentNode,
  operationName: string | undefined,
  variables: Record<string, unknown>,
): Set<number> {
  const queryType = schema.getQueryType();
  const uins = new Set<number>();
  if (!queryType) return uins;
  const add = (value: unknown) => {
    try {
      uins.add(parseUin(value));
    } catch {
      // Not a valid UIN: the scalar rejects it with its own message.
    }
  };
  forEachRootField(document, operationName, (selection) => {
    const field = queryType.getFields()[selection.name.value];
    for (const argument of selection.arguments ?? []) {
      const definition = field?.args.find((arg) => arg.name === argument.name.value);
      if (!definition || !isInputType(definition.type)) continue;
      const named = getNamedType(definition.type).name;
      if (named !== 'UIN' && named !== '_Any') continue;
      // Variables are substituted as sent; literals keep their source text.
      const value = argumentValue(argument.value, variables);
      for (const item of Array.isArray(value) ? value : [value]) {
        add(named === '_Any' && typeof item === 'object' && item !== null ? (item as { uin?: unknown }).uin : item);
      }
    }
  });
  return uins;
}

/** Customers `allCustomers` selections may list: the sum of their `first` (default 50), however aliased. */
export function listedCustomers(document: DocumentNode, operationName: string | undefined, variables: Record<string, unknown>): number {
  let total = 0;
  forEachRootField(document, operationName, (selection) => {
    if (selection.name.value !== 'allCustomers') return;
    const argument = selection.arguments?.find((arg) => arg.name.value === 'first');
    const value = argument === undefined ? undefined : argumentValue(argument.value, variables);
    const first = value === undefined || value === null ? DIRECTORY_FIRST.default : Number(value);
    // Out-of-range values are refused by the field itself; count them as the most they could be.
    total += Number.isFinite(first) && first > 0 ? Math.min(first, DIRECTORY_FIRST.max) : 0;
  });
  return total;
}

/**
 * Calls `visit` for every root field of the query operation, however reached: directly, through
 * inline fragments or fragment spreads (each fragment once).
 */
function forEachRootField(document: DocumentNode, operationName: string | undefined, visit: (field: FieldNode) => void): void {
  const operations = document.definitions.filter((node): node is OperationDefinitionNode => node.kind === Kind.OPERATION_DEFINITION);
  const operation = operationName ? operations.find((node) => node.name?.value === operationName) : operations[0];
  if (!operation || operation.operation !== 'query') return;
  const fragments = new Map(
    document.definitions.filter((node): node is FragmentDefinitionNode => node.kind === Kind.FRAGMENT_DEFINITION).map((node) => [node.name.value, node]),
  );
  const visited = new Set<string>();
  const walk = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet);
      else if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && !visited.has(fragment.name.value)) {
          visited.add(fragment.name.value);
          walk(fragment.selectionSet);
        }
      } else visit(selection);
    }
  };
  walk(operation.selectionSet);
}

function argumentValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  return node.kind === Kind.VARIABLE ? variables[node.name.value] : literal(node, variables);
}

function literal(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.INT:
    case Kind.STRING:
      return node.value;
    case Kind.LIST:
      return node.values.map((item) => literal(item, variables));
    case Kind.OBJECT:
      return Object.fromEntries(node.fields.map((field) => [field.name.value, literal(field.value, variables)]));
    case Kind.VARIABLE:
      return variables[node.name.value];
    default:
      return undefined;
  }
}

