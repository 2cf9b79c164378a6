import type { Cached, TimedCache } from '../store/timed-cache.js';
import type { Throttle } from '../upstream/throttle.js';
import type { UpstreamClient, VoucherPool } from '../upstream/client.js';

/**
 * The reseller's pool: from the cache when young enough, else one process-wide call in flight that
 * every concurrent request shares (single flight). The shared call is not tied to any one request's
 * deadline; it runs at the highest priority among the requests waiting for it.
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

const ACTION = 'QueryVoucherPool';
const CACHE_KEY = 'pool';

export function createVoucherPoolSource(options: VoucherPoolSourceOptions): VoucherPoolSource {
  const { client, throttle, cache } = options;
  const now = options.now ?? Date.now;
  let inFlight: { promise: Promise<Cached<VoucherPool>>; priority: number; id: string } | undefined;
  let calls = 0;
  return {
    busy: () => inFlight !== undefined,
    async load(loadOptions = {}) {
      const priority = loadOptions.priority ?? 0;
      const [hit] = await cache.getMany([CACHE_KEY], loadOptions.maxAgeMs);
      if (hit) return hit;
      if (inFlight) {
        if (priority > inFlight.priority) {
          // A later, more urgent caller lifts the shared call (while it still waits for a slot).
          inFlight.priority = priority;
          throttle.setPriority(ACTION, inFlight.id, priority);
        }
        return inFlight.promise;
      }
      const id = `pool-${++calls}`;
      const promise = client.queryVoucherPool({ priority, throttleId: id }).then(async (pool) => {
        const cached = { value: pool, asOf: now() };
        await cache.setMany([{ key: CACHE_KEY, cached }]);
        return cached;
      });
      inFlight = { promise, priority, id };
      void promise.then(
        () => (inFlight = undefined),
        () => (inFlight = undefined),
      );
      return promise;
    },
  };
}
