import type { VoucherQuota as VoucherQuotaData } from '../../loaders/customer-sources.js';
import { builder } from '../builder.js';
import type { AsOf } from '../context.js';
import { AS_OF_DESCRIPTION, DateTime } from './freshness.js';

export const VoucherQuota = builder.objectRef<AsOf<VoucherQuotaData>>('VoucherQuota').implement({
  description: "A customer's voucher amounts (upstream action `QueryVoucherAmountByUin`).",
  fields: (t) => ({
    totalAmount: t.exposeFloat('totalAmount', { description: 'Total voucher amount issued to the customer, in USD.' }),
    remainAmount: t.exposeFloat('remainAmount', { description: 'Voucher amount the customer has not used yet, in USD.' }),
    usedAmount: t.float({
      description: 'Voucher amount already used (`totalAmount - remainAmount`), rounded to cents.',
      resolve: (quota) => Math.round((quota.totalAmount - quota.remainAmount) * 100) / 100,
    }),
    asOf: t.field({ type: DateTime, description: AS_OF_DESCRIPTION, resolve: (quota) => new Date(quota.asOf) }),
  }),
});
