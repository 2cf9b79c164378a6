import type { TimedCache } from '../store/timed-cache.js';
import { MAX_UINS_PER_CALL, type UpstreamClient, type VoucherStatusFilter } from '../upstream/client.js';
import type { Throttle } from '../upstream/throttle.js';
import { createCachedUinSource, type CachedUinSource } from './cached-uin-source.js';
import { mapCustomerInfo, mapVoucherList, type CustomerProfile, type UnknownCodeFn, type VoucherList } from './customer-mapping.js';
import type { UinDenylist } from './uin-denylist.js';

interface DetailSourceOptions<T> {
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly cache: TimedCache<T>;
  readonly denylist: UinDenylist;
  readonly maxQueued?: number;
  readonly onOverload?: () => void;
  readonly onUnknownCode?: UnknownCodeFn;
}

/** Profiles: cache, denylist, then the gateway-wide `DescribeCustomerInfo` queue (20 UINs a call). */
export function createCustomerProfileSource(options: DetailSourceOptions<CustomerProfile>): CachedUinSource<CustomerProfile> {
  const { client } = options;
  return createCachedUinSource<CustomerProfile>({
    action: 'DescribeCustomerInfo',
    throttle: options.throttle,
    cache: options.cache,
    denylist: options.denylist,
    maxBatchSize: MAX_UINS_PER_CALL,
    maxQueued: options.maxQueued,
    onOverload: options.onOverload,
    callFn: async (uins, callOptions) => {
      const { items } = await client.describeCustomerInfo(uins, callOptions);
      return new Map(items.map((item) => [item.customerUin, mapCustomerInfo(item, options.onUnknownCode)]));
    },
  });
}

/**
 * Voucher lists for one status filter (`undefined`: all statuses): its own queue, since one call
 * carries one `Status`; every status shares the action's budget in the throttle.
 */
export function createVoucherListSource(options: DetailSourceOptions<VoucherList> & { readonly status: VoucherStatusFilter | undefined }): CachedUinSource<VoucherList> {
  const { client, status } = options;
  return createCachedUinSource<VoucherList>({
    action: 'QueryVoucherListByUin',
    throttle: options.throttle,
    cache: options.cache,
    denylist: options.denylist,
    maxBatchSize: MAX_UINS_PER_CALL,
    maxQueued: options.maxQueued,
    onOverload: options.onOverload,
    callFn: async (uins, callOptions) => {
      const { items } = await client.queryVoucherListByUin(uins, status, callOptions);
      return new Map(items.map((item) => [item.clientUin, mapVoucherList(item, options.onUnknownCode)]));
    },
  });
}
