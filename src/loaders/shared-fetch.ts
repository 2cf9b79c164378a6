import type { Cached, TimedCache } from '../store/timed-cache.js';
import type { Throttle } from '../upstream/throttle.js';

/**
 * One upstream answer per key, shared: from the cache when young enough, else one call in flight per
 * key that every concurrent caller joins (single flight). The shared call belongs to no one request's
 * deadline; while it waits for a throttle slot it runs at the highest priority among its callers.
 * Used for the pool (one key) and the directory pages (a key per page).
 */
export interface SharedFetch<T> {
  load(key: string, options?: { readonly maxAgeMs?: number | undefined; readonly priority?: number | undefined }): Promise<Cached<T>>;
  /** A call is in flight. */
  busy(): boolean;
}

export interface SharedFetchOptions<T> {
  /** The throttle's action the calls are scheduled under (for `setPriority`). */
  readonly action: string;
  readonly throttle: Throttle;
  readonly cache: TimedCache<T>;
  /** The upstream call for `key`; pass `throttleId` on to the client, so the call can be lifted. */
  readonly fetchFn: (key: string, options: { readonly priority: number; readonly throttleId: string }) => Promise<T>;
  readonly now?: () => number;
}

export function createSharedFetch<T>(options: SharedFetchOptions<T>): SharedFetch<T> {
  const { action, throttle, cache } = options;
  const now = options.now ?? Date.now;
  const inFlight = new Map<string, { promise: Promise<Cached<T>>; priority: number; throttleId: string }>();
  let calls = 0;
  return {
    busy: () => inFlight.size > 0,
    async load(key, loadOptions = {}) {
      const priority = loadOptions.priority ?? 0;
      const [hit] = await cache.getMany([key], loadOptions.maxAgeMs);
      if (hit) return hit;
      const shared = inFlight.get(key);
      if (shared) {
        if (priority > shared.priority) {
          // A later, more urgent caller lifts the shared call (while it still waits for a slot).
          shared.priority = priority;
          throttle.setPriority(action, shared.throttleId, priority);
        }
        return shared.promise;
      }
      const throttleId = `${action}-${++calls}`;
      const promise = options.fetchFn(key, { priority, throttleId }).then(async (value) => {
        const cached = { value, asOf: now() };
        await cache.setMany([{ key, cached }]);
        return cached;
      });
      inFlight.set(key, { promise, priority, throttleId });
      const done = () => inFlight.delete(key);
      void promise.then(done, done);
      return promise;
    },
  };
}
