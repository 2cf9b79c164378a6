import type { TimedCache } from '../store/timed-cache.js';
import { MAX_UINS_PER_CALL, type UpstreamClient } from '../upstream/client.js';
import type { Throttle } from '../upstream/throttle.js';
import { createCachedUinSource, type CachedUinSource } from './cached-uin-source.js';
import type { UinDenylist } from './uin-denylist.js';

export { CustomerNotFoundError } from './customer-isolation.js';

/** A customer's voucher amounts, as `QueryVoucherAmountByUin` gives them. */
export interface VoucherQuota {
  readonly uin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

export interface VoucherQuotaSourceOptions {
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly cache: TimedCache<VoucherQuota>;
  readonly denylist: UinDenylist;
  readonly maxQueued?: number;
  readonly onOverload?: () => void;
  readonly now?: () => number;
}

/** Quotas: cache, denylist, then the gateway-wide `QueryVoucherAmountByUin` queue (20 UINs a call). */
export function createVoucherQuotaSource(options: VoucherQuotaSourceOptions): CachedUinSource<VoucherQuota> {
  const { client } = options;
  return createCachedUinSource<VoucherQuota>({
    action: 'QueryVoucherAmountByUin',
    throttle: options.throttle,
    cache: options.cache,
    denylist: options.denylist,
    maxBatchSize: MAX_UINS_PER_CALL,
    maxQueued: options.maxQueued,
    onOverload: options.onOverload,
    now: options.now,
    callFn: async (uins, callOptions) => {
      const { items } = await client.queryVoucherAmountByUin(uins, callOptions);
      return new Map(items.map((item) => [item.clientUin, { uin: item.clientUin, totalAmount: item.totalAmount, remainAmount: item.remainAmount }]));
    },
  });
}
