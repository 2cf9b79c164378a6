import { luaScript } from '../store/lua-scripts.js';
import { withRedis, type RedisConnection } from '../store/redis-connection.js';

/**
 * The distinct customers subscriptions watch across a deployment (`WATCH_MAX_UINS` bounds them all,
 * not each replica's). Each replica claims the UINs a new subscription watches, and renews its
 * watched UINs every refresh; a watch nobody renews lapses after `ttlMs`, so a replica that dies
 * frees its watches. While Redis is down each replica's own bound applies.
 */
export interface WatchRegistry {
  /** Watches `uins` unless the deployment would pass `most` distinct UINs; false when refused. */
  claim(uins: readonly number[], most: number): Promise<boolean>;
  /** Keeps watches held (every refresh). */
  renew(uins: readonly number[]): Promise<void>;
}

type WatchScript = { vgWatchUins(key: string, ttlMs: number, most: number, ...uins: number[]): Promise<number> };

export function createRedisWatchRegistry(options: { readonly connection: RedisConnection; readonly keyPrefix: string; readonly ttlMs: number }): WatchRegistry {
  const { connection, ttlMs } = options;
  const key = `${options.keyPrefix}watch`;
  const redis = connection.redis as unknown as WatchScript & Partial<WatchScript>;
  if (!(connection.redis as unknown as Partial<WatchScript>).vgWatchUins) connection.redis.defineCommand('vgWatchUins', luaScript('watch-uins-1'));
  const run = (uins: readonly number[], most: number) => (uins.length === 0 ? Promise.resolve(1) : redis.vgWatchUins(key, Math.ceil(ttlMs), most, ...new Set(uins)));
  return {
    claim: (uins, most) => withRedis(connection, async () => (await run(uins, most)) === 1, () => true),
    renew: async (uins) => {
      for (let i = 0; i < uins.length; i += 1000) await withRedis(connection, () => run(uins.slice(i, i + 1000), 0), () => 1);
    },
  };
}
