import { GraphQLError, Kind, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { BookFilter, BookOrderField } from '../book/book.js';
import type { GatewayContext } from './context.js';
import { ERROR_CODES } from '../error-codes.js';
import { builder } from './builder.js';
import { Customer, prefetchCustomers } from './types/customer.js';
import { UIN } from './types/uin.js';
import { cursorToOffset, offsetToCursor } from '@pothos/plugin-relay';
import { DIRECTORY_FIRST } from './directory-limits.js';
import { MAX_AGE_DESCRIPTION, maxAgeMs } from './types/freshness.js';
import { VoucherPool } from './types/voucher-pool.js';
import { BookCoverage, CustomerFilter, CustomerOrder } from './types/book.js';
import { bookCursor, parseBookCursor, querySignature } from './book-cursor.js';


const CustomerConnection = builder.connectionObject(
  {
    type: Customer,
    name: 'CustomerConnection',
    description: 'A page of the customer directory.',
    fields: (t) => ({
      totalCount: t.int({
        description: 'Customers in the whole directory (the upstream sends it as a string); with `orderBy` or `where`, the customers that match.',
        resolve: (connection) => (connection as unknown as { totalCount: number }).totalCount,
      }),
      coverage: t.field({
        type: BookCoverage,
        description: 'How much of the book (the customers with a known quota and profile) the gateway holds now.',
        complexity: 0,
        resolve: (_connection, _args, context) => context.bookCoverage(),
      }),
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
        orderBy: t.arg({ type: CustomerOrder, description: "Sort from the book (0 upstream calls for the book's fields). Without `orderBy` and `where`: the upstream's order." }),
        where: t.arg({ type: CustomerFilter, description: 'Filter from the book (0 upstream calls for its fields).' }),
      },
      // Priced by `first`: every per-customer field below it counts once per customer asked for.
      complexity: (args) => ({ field: 10, multiplier: Math.max(1, Math.min(args.first ?? DIRECTORY_FIRST.default, DIRECTORY_FIRST.max)) }),
      resolve: async (_root, { first, after, orderBy, where }, context, info) => {
        const limit = first ?? DIRECTORY_FIRST.default;
        if (!Number.isInteger(limit) || limit < 1 || limit > DIRECTORY_FIRST.max) {
          throw new GraphQLError(`allCustomers takes first from 1 to ${DIRECTORY_FIRST.max}, got ${limit}.`, {
            extensions: { code: ERROR_CODES.badUserInput, maxFirst: DIRECTORY_FIRST.max },
          });
        }
        if (orderBy || where) return bookPage({ limit, after, orderBy, where }, context, info);
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

type BookArgs = {
  readonly limit: number;
  readonly after: string | null | undefined;
  readonly orderBy: { readonly field: BookOrderField; readonly direction: 'ASC' | 'DESC' } | null | undefined;
  readonly where: BookFilter | null | undefined;
};

/** A page read from the book: 0 upstream calls for the book's own fields, cursors that carry the sort key. */
async function bookPage(args: BookArgs, context: GatewayContext, info: GraphQLResolveInfo) {
  const order = args.orderBy ?? undefined;
  const filter = args.where ?? {};
  const signature = querySignature(order, filter);
  const after = args.after === null || args.after === undefined ? undefined : parseBookCursor(args.after, signature);
  const page = await context.customerBook({ order, filter, after, first: args.limit }, { withProfiles: !selectsAny(info.fieldNodes, PERSONAL_FIELDS, info) });
  const uins = page.rows.map((row) => row.uin);
  await prefetchCustomers(uins, info, context, [['edges', 'node'], ['nodes']]);
  const edges = page.rows.map((row) => ({ cursor: bookCursor(row, signature), node: { uin: row.uin } }));
  return {
    totalCount: page.totalCount,
    edges,
    pageInfo: { hasNextPage: page.hasNextPage, hasPreviousPage: after !== undefined, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

const PERSONAL_FIELDS: ReadonlySet<string> = new Set(['email', 'phone']);

/** Whether the selection below `nodes` names any of `names` (through fragments): the book holds no personal data. */
function selectsAny(nodes: readonly { readonly selectionSet?: SelectionSetNode | undefined }[], names: ReadonlySet<string>, info: GraphQLResolveInfo, seen = new Set<string>()): boolean {
  for (const node of nodes) {
    for (const selection of node.selectionSet?.selections ?? []) {
      if (selection.kind === Kind.FIELD && (names.has(selection.name.value) || selectsAny([selection], names, info, seen))) return true;
      if (selection.kind === Kind.INLINE_FRAGMENT && selectsAny([selection], names, info, seen)) return true;
      if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = info.fragments[selection.name.value];
        if (fragment && selectsAny([fragment], names, info, seen)) return true;
      }
    }
  }
  return false;
}

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
