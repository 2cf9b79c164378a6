import { MAX_UINS_PER_CALL } from '../../upstream/client.js';
import { builder, type CustomerRef } from '../builder.js';
import { parseUin, UIN } from './uin.js';
import { VoucherQuota } from './voucher-quota.js';

export const Customer = builder.objectRef<CustomerRef>('Customer').implement({
  description: "A customer of the reseller, identified by UIN. Selecting it costs nothing; `voucherQuota` costs a share of one batched upstream call.",
  fields: (t) => ({
    uin: t.expose('uin', { type: UIN, description: "The customer's Tencent Cloud account ID." }),
    voucherQuota: t.loadable({
      type: VoucherQuota,
      nullable: true,
      description:
        "The customer's voucher amounts. Null with a `CUSTOMER_NOT_FOUND` error when the UIN is not this reseller's customer, or with an `UPSTREAM_*` error when the upstream failed.",
      // One DataLoader per request: every selection of this field, however aliased or nested,
      // is merged into `QueryVoucherAmountByUin` calls of up to 20 distinct UINs.
      loaderOptions: { maxBatchSize: MAX_UINS_PER_CALL },
      // A twentieth of a rate-limited upstream call, rounded up generously.
      complexity: 5,
      load: (uins: number[], context) => context.loadVoucherQuotas(uins),
      resolve: (customer) => customer.uin,
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
