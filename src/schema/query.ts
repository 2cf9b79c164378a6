import { GraphQLError } from 'graphql';
import { ERROR_CODES } from '../error-codes.js';
import { builder } from './builder.js';
import { Customer } from './types/customer.js';
import { UIN } from './types/uin.js';
import { MAX_AGE_DESCRIPTION, maxAgeMs } from './types/freshness.js';
import { VoucherPool } from './types/voucher-pool.js';

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
      resolve: (_root, { uins }, context) => {
        const max = context.limits.maxUinsPerQuery;
        if (uins.length > max) {
          throw new GraphQLError(`customers takes at most ${max} UINs, got ${uins.length}.`, {
            extensions: { code: ERROR_CODES.badUserInput, maxUins: max },
          });
        }
        return uins.map((uin) => ({ uin }));
      },
    }),
  }),
});
