import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import { ERROR_CODES } from '../../error-codes.js';
import { VOUCHER_STATUS_FILTER } from '../../loaders/customer-mapping.js';
import { builder, type CustomerRef } from '../builder.js';
import type { GatewayContext } from '../context.js';
import { lookahead } from '../lookahead.js';
import { CustomerProfile } from './customer-profile.js';
import { MAX_AGE_DESCRIPTION, maxAgeMs } from './freshness.js';
import { VoucherList, VoucherStatus, type VoucherStatusName } from './voucher-list.js';
import { parseUin, UIN } from './uin.js';
import { VoucherQuota } from './voucher-quota.js';

type MaxAgeArgs = { readonly maxAge?: number | null | undefined };
type VoucherArgs = MaxAgeArgs & { readonly status?: VoucherStatusName | null | undefined };

/**
 * How each per-customer field turns its arguments into a load: one definition, used by the field's
 * resolver and by `prefetchCustomers` (a list starting every item's loads at once).
 */
const CUSTOMER_LOADS = {
  voucherQuota: (uin: number, { maxAge }: MaxAgeArgs, context: GatewayContext) => context.loadVoucherQuota(uin, maxAgeMs(maxAge)),
  profile: (uin: number, { maxAge }: MaxAgeArgs, context: GatewayContext) => context.loadProfile(uin, maxAgeMs(maxAge)),
  vouchers: (uin: number, { status, maxAge }: VoucherArgs, context: GatewayContext) => {
    if (status === 'UNKNOWN') {
      throw new GraphQLError('vouchers(status:) filters by UNUSED, USED or EXPIRED; UNKNOWN is not a filter.', { extensions: { code: ERROR_CODES.badUserInput } });
    }
    return context.loadVouchers(uin, status ? VOUCHER_STATUS_FILTER[status] : undefined, maxAgeMs(maxAge));
  },
};
const LOADED_FIELDS: ReadonlySet<string> = new Set(Object.keys(CUSTOMER_LOADS));

/**
 * Starts the per-customer loads that a list's items select (each of `paths` leads from the list field
 * to its `Customer`s), for all `uins` at once. Resolves after the loads have had a turn of the event loop to
 * reach the upstream queue, so the first call is on the wire while the executor walks the items; the
 * items' resolvers then find their loads in the request's DataLoaders. Failures are left to those
 * resolvers (they report them per item); nothing is loaded that the items do not select.
 */
export async function prefetchCustomers(uins: readonly number[], info: GraphQLResolveInfo, context: GatewayContext, paths: readonly (readonly string[])[]): Promise<void> {
  let started = false;
  for (const { name, args } of lookahead(info, 'Customer', paths, LOADED_FIELDS)) {
    const load = CUSTOMER_LOADS[name as keyof typeof CUSTOMER_LOADS] as (uin: number, args: unknown, context: GatewayContext) => unknown;
    try {
      for (const uin of uins) {
        // A value already loaded in this request comes at once; a failure is its item's resolver's to report.
        const loading = load(uin, args, context);
        if (loading instanceof Promise) loading.catch(() => undefined);
      }
      started = true;
    } catch {
      // Arguments the field refuses (a negative maxAge): each item's resolver reports it.
    }
  }
  if (started) await new Promise((resolve) => setImmediate(resolve));
}

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
      resolve: (customer, args, context) => CUSTOMER_LOADS.voucherQuota(customer.uin, args, context),
    }),
    profile: t.field({
      type: CustomerProfile,
      nullable: true,
      description:
        'Who the customer is. Batched 20 to a `DescribeCustomerInfo` call across requests and cached (`PROFILE_CACHE_TTL_MS`, default 5 minutes). ' +
        "Null with `CUSTOMER_NOT_FOUND` when the UIN is not this reseller's customer.",
      args: { maxAge: t.arg.int({ description: MAX_AGE_DESCRIPTION }) },
      complexity: 5,
      resolve: (customer, args, context) => CUSTOMER_LOADS.profile(customer.uin, args, context),
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
      resolve: (customer, args, context) => CUSTOMER_LOADS.vouchers(customer.uin, args, context),
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
