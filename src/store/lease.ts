import type { KeyValueStore } from './key-value-store.js';

/**
 * A deployment-wide lease in the shared store: at most one replica holds it at a time (with Redis;
 * in process, this process always does). The holder renews it every third of `ttlMs`; when the
 * holder dies, the lease lapses and the next replica to ask takes it, within `ttlMs`. While Redis is
 * down every replica holds its own (the fallback store), as every other shared part falls back.
 */
export interface Lease {
  /** Whether this replica holds the lease now (taking it when it is free). */
  held(): Promise<boolean>;
  /** Gives the lease back (when still ours) and stops renewing it. */
  release(): Promise<void>;
}

export interface LeaseOptions {
  readonly store: KeyValueStore;
  readonly key: string;
  /** This replica's token. */
  readonly token: string;
  readonly ttlMs: number;
  readonly now?: () => number;
}

export function createLease(options: LeaseOptions): Lease {
  const { store, key, token, ttlMs } = options;
  const now = options.now ?? Date.now;
  let confirmedAt = -Infinity;
  let released = false;
  return {
    async held() {
      if (released) return false;
      if (now() - confirmedAt < ttlMs / 3) return true;
      const ours = (await store.extendIfHeld(key, token, ttlMs).catch(() => false)) || (await store.setIfAbsent(key, token, ttlMs).catch(() => false));
      confirmedAt = ours ? now() : -Infinity;
      return ours;
    },
    async release() {
      released = true;
      const [holder] = await store.getMany([key]).catch(() => [undefined]);
      if (holder === token) await store.deleteMany([key]).catch(() => undefined);
    },
  };
}
