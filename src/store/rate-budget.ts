import { randomUUID } from 'node:crypto';
import type { RedisConnection } from './redis-connection.js';

/**
 * The budget every replica of one key shares: at most `cap(action)` upstream starts of an action in
 * any sliding `interval`. Consulted by the throttle right before a request is signed and sent.
 */
export interface RateBudget {
  /** Takes a slot now and returns 0, or takes nothing and returns the milliseconds until one frees. */
  take(action: string): Promise<number>;
  /** `shared`: Redis decides; `fallback`: Redis is down and this replica keeps to its fallback rate. */
  readonly mode: 'shared' | 'fallback';
}

export interface SlidingWindowOptions {
  /** Starts allowed in any sliding `interval`. Minimum 1. */
  readonly cap: number;
  /** Window length, milliseconds. Minimum 1. */
  readonly interval: number;
  readonly now?: () => number;
}

/** An in-process sliding-window log: the fallback budget, and a pure unit for tests. */
export interface SlidingWindow {
  /** 0 when a slot was taken at `now()`, else the milliseconds until the oldest start leaves the window. */
  take(): number;
  /** Treats the window as full until `until` (epoch ms). */
  blockUntil(until: number): void;
}

export function createSlidingWindow(options: SlidingWindowOptions): SlidingWindow {
  const { cap, interval } = options;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(cap) || cap < 1) throw new TypeError(`cap must be a whole number >= 1, got ${cap}`);
  if (!(interval >= 1)) throw new TypeError(`interval must be >= 1 ms, got ${interval}`);
  const starts: number[] = [];
  let blockedUntil = 0;
  return {
    take() {
      const at = now();
      if (at < blockedUntil) return blockedUntil - at;
      while (starts.length > 0 && at - (starts[0] as number) >= interval) starts.shift();
      if (starts.length < cap) {
        starts.push(at);
        return 0;
      }
      return Math.max(1, (starts[0] as number) + interval - at);
    },
    blockUntil(until) {
      blockedUntil = Math.max(blockedUntil, until);
    },
  };
}

/**
 * A sliding-window log per action in a Redis sorted set, checked and written by one Lua script, so
 * that any number of replicas together never start more than `cap` calls in any `interval`. The
 * script reads Redis's own clock (`TIME`), so replicas with skewed clocks still agree.
 */
const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local cap = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < cap then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now)
`;

export interface RedisRateBudgetOptions {
  readonly connection: RedisConnection;
  /** e.g. `voucher-gateway:` */
  readonly keyPrefix: string;
  /** Whose budget: the upstream SecretId (an identifier, not a secret). */
  readonly scope: string;
  /** Starts per `interval` for an action. */
  readonly cap: (action: string) => number;
  /** Window, milliseconds (1000 plus the jitter margin). */
  readonly interval: number;
  /** Starts per `interval` per action this replica allows itself while Redis is down. */
  readonly fallbackCap: number;
  /**
   * After Redis goes away or comes back, nothing is sent for this long (default: `interval` + 500 ms):
   * long enough that starts counted by the other mode (in Redis, or in the other replicas' local
   * windows) have left the window, and that every replica has noticed the switch (ioredis reconnects
   * every 200 ms).
   */
  readonly switchPauseMs?: number;
  readonly now?: () => number;
}

export function createRedisRateBudget(options: RedisRateBudgetOptions): RateBudget {
  const { connection } = options;
  const now = options.now ?? Date.now;
  const switchPauseMs = options.switchPauseMs ?? options.interval + 500;
  const replica = randomUUID();
  let sequence = 0;
  const fallback = new Map<string, SlidingWindow>();
  let pausedUntil = 0;
  const fallbackFor = (action: string): SlidingWindow => {
    let window = fallback.get(action);
    if (!window) {
      window = createSlidingWindow({ cap: options.fallbackCap, interval: options.interval, now });
      window.blockUntil(pausedUntil);
      fallback.set(action, window);
    }
    return window;
  };
  connection.onStateChange(() => {
    pausedUntil = now() + switchPauseMs;
    for (const window of fallback.values()) window.blockUntil(pausedUntil);
  });
  connection.redis.defineCommand('voucherGatewayTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const take = connection.redis as unknown as {
    voucherGatewayTake(key: string, interval: number, cap: number, member: string): Promise<number>;
  };

  return {
    get mode() {
      return connection.state === 'up' ? 'shared' : 'fallback';
    },
    async take(action) {
      const paused = pausedUntil - now();
      if (paused > 0) return paused;
      if (connection.state === 'up') {
        try {
          const key = `${options.keyPrefix}budget:${options.scope}:${action}`;
          const wait = Number(await take.voucherGatewayTake(key, options.interval, options.cap(action), `${replica}:${++sequence}`));
          // The connection may have dropped while the command ran: then this answer is stale.
          if (connection.state === 'up') return wait;
        } catch (error) {
          connection.markDown(error);
        }
        const pausedNow = pausedUntil - now();
        if (pausedNow > 0) return pausedNow;
      }
      return fallbackFor(action).take();
    },
  };
}
