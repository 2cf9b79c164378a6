import { printSubgraphSchema } from '@apollo/subgraph';
import { builder } from './builder.js';
import './types/uin.js';
import './types/freshness.js';
import './types/voucher-pool.js';
import './types/voucher-quota.js';
import './types/customer-profile.js';
import './types/voucher-list.js';
import './types/customer.js';
import './query.js';
import './types/subscription.js';

export type { GatewayContext } from './context.js';

/**
 * The executable schema: an Apollo Federation v2 subgraph (`_service { sdl }`, `_entities`), which
 * also serves ordinary clients directly.
 */
export const schema = builder.toSubGraphSchema({
  linkUrl: 'https://specs.apollo.dev/federation/v2.6',
  federationDirectives: ['@key'],
  sortSchema: false,
});

/** The subgraph SDL a partner graph composes (federation directives included): `schema.graphql`. */
export function printSchemaSdl(): string {
  return `${printSubgraphSchema(schema).trim()}\n`;
}
