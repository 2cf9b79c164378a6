import type { Cached, TimedCache } from '../store/timed-cache.js';
import type { Throttle } from '../upstream/throttle.js';
import type { UpstreamClient, VoucherPool } from '../upstream/client.js';
import { createSharedFetch } from './shared-fetch.js';

/**
 * The reseller's pool: cached, and one process-wide call in flight that every concurrent request
 * shares, at the highest priority among them (see shared-fetch.ts).
 */
export interface VoucherPoolSource {
  load(options?: { readonly maxAgeMs?: number | undefined; readonly priority?: number | undefined }): Promise<Cached<VoucherPool>>;
  /** A call is in flight. */
  busy(): boolean;
}

export interface VoucherPoolSourceOptions {
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly cache: TimedCache<VoucherPool>;
  readonly now?: () => number;
}

export function createVoucherPoolSource(options: VoucherPoolSourceOptions): VoucherPoolSource {
  const { client } = options;
  const shared = createSharedFetch<VoucherPool>({
    action: 'QueryVoucherPool',
    throttle: options.throttle,
    cache: options.cache,
    now: options.now,
    fetchFn: (_key, callOptions) => client.queryVoucherPool(callOptions),
  });
  return {
    busy: shared.busy,
    load: (loadOptions) => shared.load('pool', loadOptions),
  };
}
