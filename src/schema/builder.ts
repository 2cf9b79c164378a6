import SchemaBuilder from '@pothos/core';
import { GraphQLError } from 'graphql';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import { ERROR_CODES } from '../error-codes.js';
import type { GatewayContext } from './context.js';

export interface CustomerRef {
  readonly uin: number;
}

/** The one SchemaBuilder. Federation is listed last, as its docs ask. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    UIN: { Input: number; Output: number };
    DateTime: { Input: Date; Output: Date | string | number };
  };
  DefaultFieldNullability: false;
  DefaultEdgesNullability: { list: false; items: false };
  DefaultNodeNullability: false;
}>({
  plugins: [DirectivePlugin, ComplexityPlugin, RelayPlugin, FederationPlugin],
  defaultFieldNullability: false,
  // Relay connections (`allCustomers`): opaque String cursors that encode the position, `nodes` beside `edges`.
  relay: {
    cursorType: 'String',
    nodeQueryOptions: false,
    nodesQueryOptions: false,
    // The connection's plumbing costs nothing: a page is priced by `first` times its per-customer fields.
    nodesOnConnection: { complexity: { field: 0, multiplier: 1 } },
    edgesFieldOptions: { nullable: { list: false, items: false }, complexity: { field: 0, multiplier: 1 } },
    nodeFieldOptions: { nullable: false, complexity: 0 },
    cursorFieldOptions: { complexity: 0 },
  },
  // Cost protects the upstream budget: plain fields cost 1, lists are priced by their fields
  // (`customers` multiplies by its UIN count), upstream-backed fields carry their own cost.
  complexity: {
    defaultComplexity: 1,
    defaultListMultiplier: 1,
    limit: (context) => ({ complexity: context.limits.maxCost }),
    complexityError: (_kind, result) =>
      new GraphQLError(`This query costs ${result.complexity}; at most ${result.maxComplexity} is allowed.`, {
        extensions: { code: ERROR_CODES.badUserInput, cost: result.complexity, maxCost: result.maxComplexity },
      }),
  },
});
