import { luaScript } from './lua-scripts.js';
import { withRedis, type RedisConnection } from './redis-connection.js';

/**
 * Shared state with expiry: the quota/pool/directory caches and the UIN denylist live here. In process
 * by default; in Redis when `REDIS_URL` is set, so that every replica sees what one fetched. While
 * Redis is down, each replica reads and writes its own local store instead.
 */
export interface KeyValueStore {
  /** Values in key order; `undefined` for a missing or expired key. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;
  /** Writes each value with its own time to live (milliseconds, > 0). */
  setMany(entries: readonly { readonly key: string; readonly value: string; readonly ttlMs: number }[]): Promise<void>;
  /** Writes `value` only when `key` holds nothing (a lease: `SET NX PX`); true when written. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  /** Extends `key`'s time to live only while it holds `value` (a lease still ours); true when extended. */
  extendIfHeld(key: string, value: string, ttlMs: number): Promise<boolean>;
  deleteMany(keys: readonly string[]): Promise<void>;
  /** Where the last operation went, for metrics and tests. */
  readonly backend: 'local' | 'redis';
}

export interface LocalStoreOptions {
  /** Most keys kept; the oldest written are evicted first. Default 100,000. */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/** A bounded in-process map with per-key expiry. */
export function createLocalStore(options: LocalStoreOptions = {}): KeyValueStore {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: string; expiresAt: number }>();
  const read = (key: string): string | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt > now()) return entry.value;
    entries.delete(key);
    return undefined;
  };
  const write = (key: string, value: string, ttlMs: number) => {
    if (!(ttlMs > 0)) return;
    // Re-insert so that insertion order is write order: eviction takes the oldest write.
    entries.delete(key);
    entries.set(key, { value, expiresAt: now() + ttlMs });
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };
  return {
    backend: 'local',
    getMany: async (keys) => keys.map(read),
    setMany: async (items) => {
      for (const { key, value, ttlMs } of items) write(key, value, ttlMs);
    },
    setIfAbsent: async (key, value, ttlMs) => {
      if (read(key) !== undefined) return false;
      write(key, value, ttlMs);
      return true;
    },
    extendIfHeld: async (key, value, ttlMs) => {
      if (read(key) !== value) return false;
      write(key, value, ttlMs);
      return true;
    },
    deleteMany: async (keys) => {
      for (const key of keys) entries.delete(key);
    },
  };
}

export interface RedisStoreOptions {
  readonly connection: RedisConnection;
  /** Every key is written under this prefix, e.g. `voucher-gateway:`. */
  readonly keyPrefix: string;
  /** Used while Redis is down. */
  readonly fallback: KeyValueStore;
}

/** Redis (MGET, SET PX in one pipeline) with a local fallback while the connection is down. */
type ExtendIfHeld = { vgExtendIfHeld(key: string, value: string, ttlMs: number): Promise<number> };

export function createRedisStore(options: RedisStoreOptions): KeyValueStore {
  const { connection, keyPrefix, fallback } = options;
  if (!(connection.redis as unknown as Partial<ExtendIfHeld>).vgExtendIfHeld) connection.redis.defineCommand('vgExtendIfHeld', luaScript('extend-if-held-1'));
  let backend: 'local' | 'redis' = connection.state === 'up' ? 'redis' : 'local';
  return {
    get backend() {
      return backend;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return withRedis(
        connection,
        async () => {
          const values = await connection.redis.mget(keys.map((key) => keyPrefix + key));
          backend = 'redis';
          return values.map((value) => value ?? undefined);
        },
        () => {
          backend = 'local';
          return fallback.getMany(keys);
        },
      );
    },
    async setMany(items) {
      const live = items.filter((item) => item.ttlMs > 0);
      if (live.length === 0) return;
      await withRedis(
        connection,
        async () => {
          const pipeline = connection.redis.pipeline();
          for (const { key, value, ttlMs } of live) pipeline.set(keyPrefix + key, value, 'PX', Math.ceil(ttlMs));
          const results = (await pipeline.exec()) ?? [];
          const failed = results.find(([error]) => error);
          if (failed) throw failed[0];
          backend = 'redis';
        },
        async () => {
          backend = 'local';
          await fallback.setMany(live);
        },
      );
    },
    setIfAbsent(key, value, ttlMs) {
      return withRedis(
        connection,
        async () => (await connection.redis.set(keyPrefix + key, value, 'PX', Math.ceil(ttlMs), 'NX')) === 'OK',
        () => fallback.setIfAbsent(key, value, ttlMs),
      );
    },
    extendIfHeld(key, value, ttlMs) {
      return withRedis(
        connection,
        async () => (await (connection.redis as unknown as ExtendIfHeld).vgExtendIfHeld(keyPrefix + key, value, Math.ceil(ttlMs))) === 1,
        () => fallback.extendIfHeld(key, value, ttlMs),
      );
    },
    async deleteMany(keys) {
      if (keys.length === 0) return;
      await withRedis(
        connection,
        async () => void (await connection.redis.del(...keys.map((key) => keyPrefix + key))),
        () => fallback.deleteMany(keys),
      );
    },
  };
}
