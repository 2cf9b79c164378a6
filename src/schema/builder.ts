import SchemaBuilder from '@pothos/core';
import DataloaderPlugin from '@pothos/plugin-dataloader';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import type { GatewayContext } from './context.js';

export interface CustomerRef {
  readonly uin: number;
}

/** The one SchemaBuilder. Federation is listed last, as its docs ask. */
export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  Scalars: {
    UIN: { Input: number; Output: number };
  };
  DefaultFieldNullability: false;
}>({
  plugins: [DirectivePlugin, DataloaderPlugin, FederationPlugin],
  defaultFieldNullability: false,
});
