import { GraphQLError } from 'graphql';
import { ERROR_CODES } from '../../error-codes.js';
import { VOUCHER_STATUS_FILTER } from '../../loaders/customer-mapping.js';
import { builder, type CustomerRef } from '../builder.js';
import { CustomerProfile } from './customer-profile.js';
import { MAX_AGE_DESCRIPTION, maxAgeMs } from './freshness.js';
import { VoucherList, VoucherStatus } from './voucher-list.js';
import { parseUin, UIN } from './uin.js';
import { VoucherQuota } from './voucher-quota.js';

export const Customer = builder.objectRef<CustomerRef>('Customer').implement({
  description:
    'A customer of the reseller, identified by UIN. Selecting it costs nothing; `voucherQuota`, `profile` and `vouchers` each cost a share of one batched upstream call.',
  fields: (t) => ({
    // The key costs nothing: it is known without any upstream call.
    uin: t.expose('uin', { type: UIN, complexity: 0, description: "The customer's Tencent Cloud account ID." }),
    voucherQuota: t.field({
      type: VoucherQuota,
      nullable: true,
      description:
        "The customer's voucher amounts. Null with a `CUSTOMER_NOT_FOUND` error when the UIN is not this reseller's customer, " +
        'with an `UPSTREAM_*` error when the upstream failed, or `GATEWAY_OVERLOADED` when the budget cannot serve it before the deadline.',
      args: { maxAge: t.arg.int({ description: MAX_AGE_DESCRIPTION }) },
      // A twentieth of a rate-limited upstream call, rounded up generously.
      complexity: 5,
      // Every selection of this field in the request, however aliased or nested, goes through one
      // DataLoader into the gateway-wide queue, which packs all requests' UINs 20 to a call.
      resolve: (customer, { maxAge }, context) => context.loadVoucherQuota(customer.uin, maxAgeMs(maxAge)),
    }),
    profile: t.field({
      type: CustomerProfile,
      nullable: true,
      description:
        'Who the customer is. Batched 20 to a `DescribeCustomerInfo` call across requests and cached (`PROFILE_CACHE_TTL_MS`, default 5 minutes). ' +
        "Null with `CUSTOMER_NOT_FOUND` when the UIN is not this reseller's customer.",
      args: { maxAge: t.arg.int({ description: MAX_AGE_DESCRIPTION }) },
      complexity: 5,
      resolve: (customer, { maxAge }, context) => context.loadProfile(customer.uin, maxAgeMs(maxAge)),
    }),
    vouchers: t.field({
      type: VoucherList,
      nullable: true,
      description:
        "The vouchers behind the customer's balance, all or of one status. One `QueryVoucherListByUin` call per 20 customers per status, " +
        "coalesced across requests and cached like quotas. Null with `CUSTOMER_NOT_FOUND` when the UIN is not this reseller's customer.",
      args: {
        status: t.arg({ type: VoucherStatus, description: 'Only vouchers in this state (not `UNKNOWN`). Omitted: all.' }),
        maxAge: t.arg.int({ description: MAX_AGE_DESCRIPTION }),
      },
      complexity: 5,
      resolve: (customer, { status, maxAge }, context) => {
        if (status === 'UNKNOWN') {
          throw new GraphQLError('vouchers(status:) filters by UNUSED, USED or EXPIRED; UNKNOWN is not a filter.', { extensions: { code: ERROR_CODES.badUserInput } });
        }
        return context.loadVouchers(customer.uin, status ? VOUCHER_STATUS_FILTER[status] : undefined, maxAgeMs(maxAge));
      },
    }),
  }),
});

/**
 * Apollo Federation v2 entity: a partner graph that knows its customers' UINs can attach
 * `voucherQuota` to its own `Customer`. References resolve through the same per-request loader,
 * so 100 representations cost ceil(100/20) = 5 upstream calls.
 */
builder.asEntity(Customer, {
  // The router passes the key as our UIN scalar serialised it: a decimal string.
  key: builder.selection<{ uin: string }>('uin'),
  // Async on purpose: a rejected promise fails only this representation's entry in `_entities`,
  // where a synchronous throw would fail the whole batch of representations.
  resolveReference: async ({ uin }) => ({ uin: parseUin(uin) }),
});
