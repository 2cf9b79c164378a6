import type { CallOptions, UpstreamClient } from '../upstream/client.js';
import { UpstreamError } from '../upstream/errors.js';
import type { UinDenylist } from './uin-denylist.js';

export interface VoucherQuota {
  readonly uin: number;
  readonly totalAmount: number;
  readonly remainAmount: number;
}

/** The UIN is not among the caller's customers: omitted from `Data`, or refused with `UinNoAuth`. */
export class CustomerNotFoundError extends Error {
  override name = 'CustomerNotFoundError';
  constructor(
    readonly uin: number,
    /** The upstream answer that proved it, when there was one. */
    readonly upstream?: { readonly code: string; readonly requestId: string | undefined },
  ) {
    super(`UIN ${uin} is not a customer of this reseller account.`);
  }
}

export type VoucherQuotaBatchFn = (uins: readonly number[], options?: CallOptions) => Promise<(VoucherQuota | Error)[]>;

export interface VoucherQuotaBatchOptions {
  readonly client: UpstreamClient;
  readonly denylist: UinDenylist;
  /**
   * Extra upstream calls one batch may spend isolating UINs that made the whole call fail with
   * `UinNoAuth`. Bisection finds one bad UIN among 20 in at most 10 extra calls. Default 20.
   */
  readonly maxIsolationCalls?: number;
}

/**
 * The batch function behind the per-request voucher-quota DataLoader. Keeps the DataLoader contract:
 * one result per key, in key order; an `Error` for a key that failed alone; a rejection only when the
 * whole batch failed.
 */
export function createVoucherQuotaBatchFn(options: VoucherQuotaBatchOptions): VoucherQuotaBatchFn {
  const { client, denylist } = options;
  const maxIsolationCalls = options.maxIsolationCalls ?? 20;

  return async (uins, callOptions) => {
    const results = new Map<number, VoucherQuota | Error>();
    for (const uin of uins) if (denylist.has(uin)) results.set(uin, new CustomerNotFoundError(uin));
    const toFetch = [...new Set(uins)].filter((uin) => !results.has(uin));
    let isolationBudget = maxIsolationCalls;

    const fetchGroup = async (group: readonly number[], isWholeBatch: boolean): Promise<void> => {
      try {
        const { items } = await client.queryVoucherAmountByUin(group, callOptions);
        const found = new Map(items.map((item) => [item.clientUin, item]));
        for (const uin of group) {
          const item = found.get(uin);
          results.set(uin, item ? { uin, totalAmount: item.totalAmount, remainAmount: item.remainAmount } : new CustomerNotFoundError(uin));
        }
      } catch (error) {
        const refused = error instanceof UpstreamError && error.kind === 'uin-not-authorized';
        if (refused && group.length === 1) {
          const uin = group[0] as number;
          denylist.add(uin);
          results.set(uin, new CustomerNotFoundError(uin, { code: error.code, requestId: error.requestId }));
          return;
        }
        if (refused && isolationBudget >= 2) {
          // The upstream blamed the whole call on some UIN(s): bisect to find which.
          isolationBudget -= 2;
          const middle = Math.ceil(group.length / 2);
          await Promise.all([fetchGroup(group.slice(0, middle), false), fetchGroup(group.slice(middle), false)]);
          return;
        }
        if (isWholeBatch) throw error;
        for (const uin of group) results.set(uin, error instanceof Error ? error : new Error(String(error)));
      }
    };

    if (toFetch.length > 0) await fetchGroup(toFetch, toFetch.length === uins.length);
    return uins.map((uin) => results.get(uin) as VoucherQuota | Error);
  };
}
