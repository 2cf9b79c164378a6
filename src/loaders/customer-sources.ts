import type { Cached, TimedCache } from '../store/timed-cache.js';
import { MAX_UINS_PER_CALL, type UpstreamClient, type VoucherStatusFilter } from '../upstream/client.js';
import type { Throttle } from '../upstream/throttle.js';
import { createCachedUinSource, type CachedUinSource, type DeploymentQueueOptions } from './cached-uin-source.js';
import type { UinCallFn } from './customer-isolation.js';
import { mapCustomerInfo, mapVoucherList, type CustomerProfile, type UnknownCodeFn, type VoucherList } from './customer-mapping.js';
import type { UinDenylist } from './uin-denylist.js';
import type { CustomerRoster } from './customer-roster.js';

/**
 * The per-customer sources: quota, profile and voucher list. Each is cache → denylist → the
 * gateway-wide queue of its action (20 UINs a call); they differ only in the upstream call and its mapping.
 */

/** A customer's voucher amounts, as `QueryVoucherAmountByUin` gives them. */
export interface VoucherQuota {
  readonly uin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

export interface CustomerSourceOptions<T> {
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly cache: TimedCache<T>;
  readonly denylist: UinDenylist;
  readonly roster?: CustomerRoster | undefined;
  /** Observes every fresh answer (the book). */
  readonly onAnswers?: ((answers: ReadonlyMap<number, Cached<T>>) => void) | undefined;
  readonly maxQueued?: number;
  readonly onOverload?: (caller: string) => void;
  readonly onUnknownCode?: UnknownCodeFn;
  readonly weightOf?: (caller: string) => number;
  /** With Redis: the source's queue spans every replica. */
  readonly deployment?: DeploymentQueueOptions | undefined;
}

function customerSource<T>(action: string, options: CustomerSourceOptions<T>, callFn: UinCallFn<T>, name = action): CachedUinSource<T> {
  return createCachedUinSource<T>({
    action,
    weightOf: options.weightOf,
    deployment: options.deployment && { ...options.deployment, name },
    throttle: options.throttle,
    cache: options.cache,
    denylist: options.denylist,
    roster: options.roster,
    onAnswers: options.onAnswers,
    maxBatchSize: MAX_UINS_PER_CALL,
    maxQueued: options.maxQueued,
    onOverload: options.onOverload,
    callFn,
  });
}

export function createVoucherQuotaSource(options: CustomerSourceOptions<VoucherQuota>): CachedUinSource<VoucherQuota> {
  return customerSource('QueryVoucherAmountByUin', options, async (uins, callOptions) => {
    const { items } = await options.client.queryVoucherAmountByUin(uins, callOptions);
    return new Map(items.map((item) => [item.clientUin, { uin: item.clientUin, totalAmount: item.totalAmount, remainAmount: item.remainAmount }]));
  });
}

export function createCustomerProfileSource(options: CustomerSourceOptions<CustomerProfile>): CachedUinSource<CustomerProfile> {
  return customerSource('DescribeCustomerInfo', options, async (uins, callOptions) => {
    const { items } = await options.client.describeCustomerInfo(uins, callOptions);
    return new Map(items.map((item) => [item.customerUin, mapCustomerInfo(item, options.onUnknownCode)]));
  });
}

/**
 * Voucher lists for one status filter (`undefined`: all statuses): its own queue, since one call
 * carries one `Status`; every status shares the action's budget in the throttle.
 */
export function createVoucherListSource(options: CustomerSourceOptions<VoucherList> & { readonly status: VoucherStatusFilter | undefined }): CachedUinSource<VoucherList> {
  return customerSource('QueryVoucherListByUin', options, async (uins, callOptions) => {
    const { items } = await options.client.queryVoucherListByUin(uins, options.status, callOptions);
    return new Map(items.map((item) => [item.clientUin, mapVoucherList(item, options.onUnknownCode)]));
  }, `QueryVoucherListByUin:${options.status ?? 'all'}`);
}

