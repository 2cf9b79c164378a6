import type { KeyValueStore } from './key-value-store.js';
import type { ShapeCheck } from './shape.js';

/**
 * The format of a cached entry, `{ "v": CACHE_FORMAT, "asOf": <epoch ms>, "value": … }`. Raise it when
 * the entry's layout changes; a value's own shape is checked by the cache's `isValue`. During a rolling
 * deploy, entries of the other version are misses for each side, nothing worse.
 */
export const CACHE_FORMAT = 1;

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
  /** Whether a value read back has the shape the current code reads; anything else is a miss. */
  readonly isValue: ShapeCheck;
  readonly now?: () => number;
  /** Observes each lookup's hits and misses (metrics). */
  readonly onLookup?: (hits: number, misses: number) => void;
  /** Observes entries read back that were not usable (garbage, another format, a foreign shape): each is also a miss. */
  readonly onInvalid?: (count: number) => void;
}

/** Parsed entries remembered per key, at most (a hit on an unchanged entry skips the parse and the shape check). */
const MAX_PARSED = 10_000;

export function createTimedCache<T>(options: TimedCacheOptions): TimedCache<T> {
  const { store, namespace, ttlMs } = options;
  const now = options.now ?? Date.now;
  const parsed = new Map<string, { readonly text: string; readonly cached: Cached<T> | undefined }>();
  const parse = (key: string, text: string): Cached<T> | undefined => {
    const known = parsed.get(key);
    if (known?.text === text) return known.cached;
    const cached = parseEntry<T>(text, options.isValue);
    parsed.delete(key);
    parsed.set(key, { text, cached });
    if (parsed.size > MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
    return cached;
  };
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
      let invalid = 0;
      const entries = raw.map((text, index) => {
        if (text === undefined) return undefined;
        const cached = parse(keys[index] as string, text);
        if (!cached) {
          invalid += 1;
          return undefined;
        }
        return at - cached.asOf <= limit ? cached : undefined;
      });
      const hits = entries.filter((entry) => entry !== undefined).length;
      options.onLookup?.(hits, keys.length - hits);
      if (invalid > 0) options.onInvalid?.(invalid);
      return entries;
    },
    async setMany(entries) {
      if (ttlMs <= 0 || entries.length === 0) return;
      await store.setMany(
        entries.map(({ key, cached }) => ({
          key: namespace + key,
          value: JSON.stringify({ v: CACHE_FORMAT, asOf: cached.asOf, value: cached.value }),
          // The entry lives `ttlMs` from when the upstream answered.
          ttlMs: Math.max(1, cached.asOf + ttlMs - now()),
        })),
      );
    },
  };
}

/** A stored entry, or `undefined` when it is not one this code wrote: unparsable, another format, a foreign shape. */
export function parseEntry<T>(text: string, isValue: ShapeCheck): Cached<T> | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { v, asOf, value } = parsed as { v?: unknown; asOf?: unknown; value?: unknown };
  if (v !== CACHE_FORMAT || typeof asOf !== 'number' || !Number.isFinite(asOf) || !isValue(value)) return undefined;
  return { value: value as T, asOf };
}
