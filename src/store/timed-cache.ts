import type { KeyValueStore } from './key-value-store.js';

/** A cached upstream answer and when the upstream gave it. */
export interface Cached<T> {
  readonly value: T;
  /** Epoch milliseconds at which the upstream answered. */
  readonly asOf: number;
}

/**
 * Upstream answers by key in a `KeyValueStore`, each with the time the upstream gave it. Entries
 * live `ttlMs`; a reader may ask for younger ones (`maxAgeMs`). `ttlMs` 0 turns the cache off.
 */
export interface TimedCache<T> {
  readonly ttlMs: number;
  /** Entries no older than `maxAgeMs` (default: the TTL), in key order. */
  getMany(keys: readonly string[], maxAgeMs?: number): Promise<(Cached<T> | undefined)[]>;
  setMany(entries: readonly { readonly key: string; readonly cached: Cached<T> }[]): Promise<void>;
}

export interface TimedCacheOptions {
  readonly store: KeyValueStore;
  /** Key prefix inside the store, e.g. `quota:`. */
  readonly namespace: string;
  readonly ttlMs: number;
  readonly now?: () => number;
  /** Observes each lookup's hits and misses (metrics). */
  readonly onLookup?: (hits: number, misses: number) => void;
}

export function createTimedCache<T>(options: TimedCacheOptions): TimedCache<T> {
  const { store, namespace, ttlMs } = options;
  const now = options.now ?? Date.now;
  return {
    ttlMs,
    async getMany(keys, maxAgeMs) {
      const limit = Math.min(maxAgeMs ?? ttlMs, ttlMs);
      if (ttlMs <= 0 || limit <= 0 || keys.length === 0) {
        options.onLookup?.(0, keys.length);
        return keys.map(() => undefined);
      }
      const raw = await store.getMany(keys.map((key) => namespace + key));
      const at = now();
      const entries = raw.map((text) => {
        if (text === undefined) return undefined;
        const cached = JSON.parse(text) as Cached<T>;
        return at - cached.asOf <= limit ? cached : undefined;
      });
      const hits = entries.filter((entry) => entry !== undefined).length;
      options.onLookup?.(hits, keys.length - hits);
      return entries;
    },
    async setMany(entries) {
      if (ttlMs <= 0 || entries.length === 0) return;
      await store.setMany(
        entries.map(({ key, cached }) => ({
          key: namespace + key,
          value: JSON.stringify(cached),
          // The entry lives `ttlMs` from when the upstream answered.
          ttlMs: Math.max(1, cached.asOf + ttlMs - now()),
        })),
      );
    },
  };
}
