import type { VoucherPool as VoucherPoolData } from '../../upstream/client.js';
import { builder } from '../builder.js';
import type { AsOf } from '../context.js';
import { AS_OF_DESCRIPTION, DateTime } from './freshness.js';

const ACCOUNT_TYPES: Readonly<Record<number, 'RESELLER' | 'DISTRIBUTOR' | 'SECOND_LEVEL_RESELLER'>> = {
  1: 'RESELLER',
  2: 'DISTRIBUTOR',
  3: 'SECOND_LEVEL_RESELLER',
};

export const AccountType = builder.enumType('AccountType', {
  description: 'Kind of partner account, from the upstream `AccountType` code.',
  values: {
    RESELLER: { description: 'Code 1: a reseller.' },
    DISTRIBUTOR: { description: 'Code 2: a distributor.' },
    SECOND_LEVEL_RESELLER: { description: 'Code 3: a second-level reseller.' },
    UNKNOWN: { description: 'Any other code (the upstream documentation itself shows 0); see `accountTypeCode`.' },
  } as const,
});

export const VoucherPool = builder.objectRef<AsOf<VoucherPoolData>>('VoucherPool').implement({
  description: "The reseller's own voucher pool (upstream action `QueryVoucherPool`).",
  fields: (t) => ({
    agentName: t.exposeString('agentName', { description: 'Name of the partner (agent) account.' }),
    accountType: t.field({
      type: AccountType,
      description: 'Kind of partner account.',
      resolve: (pool) => ACCOUNT_TYPES[pool.accountType] ?? 'UNKNOWN',
    }),
    accountTypeCode: t.exposeInt('accountType', { description: 'The raw upstream `AccountType` code, for values not yet in `AccountType`.' }),
    totalQuota: t.exposeFloat('totalQuota', { description: 'Total voucher quota of the pool, in USD.' }),
    remainingQuota: t.exposeFloat('remainingQuota', { description: 'Quota not yet issued, in USD.' }),
    usedQuota: t.float({
      description: 'Quota already issued (`totalQuota - remainingQuota`), rounded to cents.',
      resolve: (pool) => Math.round((pool.totalQuota - pool.remainingQuota) * 100) / 100,
    }),
    issuedNum: t.exposeInt('issuedNum', { description: 'Number of vouchers issued from the pool.' }),
    asOf: t.field({ type: DateTime, description: AS_OF_DESCRIPTION, resolve: (pool) => new Date(pool.asOf) }),
  }),
});
