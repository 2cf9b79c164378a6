import type { Voucher as VoucherData, VoucherList as VoucherListData } from '../../loaders/customer-mapping.js';
import { builder } from '../builder.js';
import type { AsOf } from '../context.js';
import { AS_OF_DESCRIPTION, DateTime } from './freshness.js';

export const VoucherStatus = builder.enumType('VoucherStatus', {
  description: 'State of a voucher, from the upstream `VoucherStatus`.',
  values: {
    UNUSED: { description: '"Unused".' },
    USED: { description: '"Used".' },
    EXPIRED: { description: '"Expired".' },
    UNKNOWN: { description: 'A status the gateway does not know yet (logged once). Not accepted as a filter.' },
  } as const,
});

/** A `VoucherStatus` value as resolvers receive it. */
export type VoucherStatusName = 'UNUSED' | 'USED' | 'EXPIRED' | 'UNKNOWN';

export const Voucher = builder.objectRef<VoucherData>('Voucher').implement({
  description: 'One voucher issued to the customer.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'Upstream `VoucherId`.' }),
    status: t.field({ type: VoucherStatus, description: 'State of the voucher.', resolve: (voucher) => voucher.status }),
    totalAmount: t.exposeFloat('totalAmount', { description: 'Face value, in USD.' }),
    remainAmount: t.exposeFloat('remainAmount', { description: 'Amount not used yet, in USD.' }),
  }),
});

export const VoucherList = builder.objectRef<AsOf<VoucherListData>>('VoucherList').implement({
  description: "The vouchers behind a customer's balance (upstream action `QueryVoucherListByUin`).",
  fields: (t) => ({
    totalCount: t.exposeInt('totalCount', { description: 'Vouchers matching the filter.' }),
    items: t.field({ type: [Voucher], description: 'The vouchers.', resolve: (list) => list.items as VoucherData[] }),
    asOf: t.field({ type: DateTime, description: AS_OF_DESCRIPTION, resolve: (list) => new Date(list.asOf) }),
  }),
});
