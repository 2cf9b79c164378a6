import { GraphQLError } from 'graphql';
import { ERROR_CODES } from '../error-codes.js';
import { builder } from './builder.js';
import { Customer, prefetchCustomers } from './types/customer.js';
import { UIN } from './types/uin.js';
import { cursorToOffset, offsetToCursor } from '@pothos/plugin-relay';
import { DIRECTORY_FIRST } from './directory-limits.js';
import { MAX_AGE_DESCRIPTION, maxAgeMs } from './types/freshness.js';
import { VoucherPool } from './types/voucher-pool.js';


const CustomerConnection = builder.connectionObject(
  {
    type: Customer,
    name: 'CustomerConnection',
    description: 'A page of the customer directory.',
    fields: (t) => ({
      totalCount: t.int({ description: 'Customers in the whole directory (the upstream sends it as a string).', resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount }),
    }),
  },
  { name: 'CustomerEdge', description: 'A customer and its cursor.' },
);

builder.queryType({
  description: 'Read-only access to the voucher budget of a Tencent Cloud reseller or distributor.',
  fields: (t) => ({
    voucherPool: t.field({
      type: VoucherPool,
      description:
        "The reseller's own voucher pool. Cached (`asOf` tells the age); at most one upstream call in flight, shared by all requests.",
      args: { maxAge: t.arg.int({ description: MAX_AGE_DESCRIPTION }) },
      complexity: 10,
      resolve: (_root, { maxAge }, context) => context.loadVoucherPool(maxAgeMs(maxAge)),
    }),
    allCustomers: t.field({
      type: CustomerConnection,
      description:
        "All customers of this reseller account, in the upstream's order. `first`: 1 to 1000 (default 50); `after`: an `endCursor` from an earlier page " +
        '(cursors encode the position, so they work across requests and replicas). Costs one `DescribeCustomerUin` call per upstream page of 100 it ' +
        'touches (cached for `DIRECTORY_CACHE_TTL_MS`); per-customer fields are batched like everywhere else.',
      args: {
        first: t.arg.int({ defaultValue: DIRECTORY_FIRST.default, description: 'Customers in this page, 1 to 1000.' }),
        after: t.arg.string({ description: 'Start after this cursor (`pageInfo.endCursor` of the previous page).' }),
      },
      // Priced by `first`: every per-customer field below it counts once per customer asked for.
      complexity: (args) => ({ field: 10, multiplier: Math.max(1, Math.min(args.first ?? DIRECTORY_FIRST.default, DIRECTORY_FIRST.max)) }),
      resolve: async (_root, { first, after }, context, info) => {
        const limit = first ?? DIRECTORY_FIRST.default;
        if (!Number.isInteger(limit) || limit < 1 || limit > DIRECTORY_FIRST.max) {
          throw new GraphQLError(`allCustomers takes first from 1 to ${DIRECTORY_FIRST.max}, got ${limit}.`, {
            extensions: { code: ERROR_CODES.badUserInput, maxFirst: DIRECTORY_FIRST.max },
          });
        }
        const offset = after === null || after === undefined ? 0 : parseCursor(after) + 1;
        const { uins, total } = await context.customerDirectory(offset, limit);
        await prefetchCustomers(uins, info, context, [['edges', 'node'], ['nodes']]);
        const edges = uins.map((uin, index) => ({ cursor: offsetToCursor(offset + index), node: { uin } }));
        return {
          totalCount: total,
          edges,
          pageInfo: {
            hasNextPage: offset + uins.length < total,
            hasPreviousPage: offset > 0,
            startCursor: edges[0]?.cursor ?? null,
            endCursor: edges.at(-1)?.cursor ?? null,
          },
        };
      },
    }),
    customer: t.field({
      type: Customer,
      description: 'One customer by UIN. Costs no upstream call by itself; `voucherQuota` does.',
      args: { uin: t.arg({ type: UIN, required: true, description: "The customer's UIN." }) },
      resolve: (_root, { uin }) => ({ uin }),
    }),
    customers: t.field({
      type: [Customer],
      description:
        'Customers by UIN, in input order (duplicates included, fetched once). At most the configured maximum (default 1000) UINs.',
      args: { uins: t.arg({ type: [UIN], required: true, description: 'Customer UINs.' }) },
      complexity: (args) => ({ field: 1, multiplier: args.uins.length }),
      resolve: async (_root, { uins }, context, info) => {
        const max = context.limits.maxUinsPerQuery;
        if (uins.length > max) {
          throw new GraphQLError(`customers takes at most ${max} UINs, got ${uins.length}.`, {
            extensions: { code: ERROR_CODES.badUserInput, maxUins: max },
          });
        }
        await prefetchCustomers(uins, info, context, [[]]);
        return uins.map((uin) => ({ uin }));
      },
    }),
  }),
});

function parseCursor(cursor: string): number {
  let offset: number;
  try {
    offset = cursorToOffset(cursor);
  } catch {
    offset = Number.NaN;
  }
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new GraphQLError('after is not a cursor of allCustomers; pass pageInfo.endCursor of an earlier page.', { extensions: { code: ERROR_CODES.badUserInput } });
  }
  return offset;
}
