import { randomUUID } from 'node:crypto';
import { luaScript } from './lua-scripts.js';
import { withRedis, type RedisConnection } from './redis-connection.js';

/**
 * The budget every replica of one key shares: at most `cap(action)` upstream *arrivals* of an action
 * in any sliding `interval`. The upstream counts arrivals, so a slot is held from the moment it is
 * granted until the request has left (`confirm`), and counted from its departure after that: a
 * replica whose event loop stalls between grant and departure delays the others instead of sending
 * a sixth request into the same upstream second.
 */
export interface RateBudget {
  /** Takes a slot now (`granted`), or takes nothing and says how long to wait before asking again. */
  take(action: string): Promise<BudgetAnswer>;
  /** `shared`: Redis decides; `fallback`: Redis is down and this replica keeps to its fallback rate. */
  readonly mode: 'shared' | 'fallback';
}

export type BudgetAnswer = { readonly granted: true; readonly grant: BudgetGrant } | { readonly granted: false; readonly waitMs: number };

/** A granted slot. Exactly one of `confirm` or `release` is called, once. */
export interface BudgetGrant {
  /** The request left now: the slot counts from this departure. */
  confirm(): void;
  /** Nothing was sent: the slot is given back. */
  release(): void;
  /** Milliseconds since the grant was asked for, on this replica's clock. */
  ageMs(): number;
  /** A grant older than this must not be sent on: its lease may have run out (release it, take another). */
  readonly maxAgeMs: number;
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

export interface RedisRateBudgetOptions {
  readonly connection: RedisConnection;
  /** The account's key space, e.g. `voucher-gateway:<account>:` (see `accountKeyPrefix`). */
  readonly keyPrefix: string;
  /** Starts per `interval` for an action. */
  readonly cap: (action: string) => number;
  /** Window, milliseconds (1000 plus the jitter margin). */
  readonly interval: number;
  /** Starts per `interval` per action this replica allows itself while Redis is down. */
  readonly fallbackCap: number;
  /**
   * How long a granted slot counts as "leaving now" before its departure is confirmed, milliseconds.
   * Default 5000. Bounds what a replica that dies between grant and departure costs the others (one
   * slot for lease + interval); a grant older than half of it is never sent on.
   */
  readonly leaseMs?: number;
  /**
   * After Redis goes away or comes back, nothing is sent for this long (default: `interval` + 500 ms):
   * long enough that starts counted by the other mode (in Redis, or in the other replicas' local
   * windows) have left the window, and that every replica has noticed the switch (ioredis reconnects
   * every 200 ms, the probe pings every 500 ms).
   */
  readonly switchPauseMs?: number;
  /** How long a replica grants nothing after Redis goes down, before its fallback budget. Default two windows and a second. */
  readonly outagePauseMs?: number;
  readonly now?: () => number;
}

/**
 * A sliding window per action in a Redis sorted set (`lua/take-slot-1.lua`, `lua/confirm-slot-1.lua`),
 * on Redis's own clock (`TIME`), so replicas with skewed clocks agree. While Redis is down each replica
 * keeps to `fallbackCap` in its own window, after a switch-over pause.
 */
export function createRedisRateBudget(options: RedisRateBudgetOptions): RateBudget {
  const { connection } = options;
  const now = options.now ?? Date.now;
  const leaseMs = options.leaseMs ?? 5000;
  const switchPauseMs = options.switchPauseMs ?? options.interval + 500;
  const outagePauseMs = options.outagePauseMs ?? 2 * options.interval + 1000;
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
  // Going down, a replica grants nothing for `outagePauseMs` (a Cluster's failover ends within it, and
  // replicas that notice it at different moments must not spend their fallback beside the others'
  // shared window); coming back, for a window and a margin (the shared window may have lost grants).
  connection.onStateChange((state) => {
    pausedUntil = now() + (state === 'down' ? Math.max(switchPauseMs, outagePauseMs) : switchPauseMs);
    for (const window of fallback.values()) window.blockUntil(pausedUntil);
  });
  const redis = connection.redis as typeof connection.redis & {
    voucherGatewayTakeSlot(key: string, interval: number, cap: number, member: string, leaseMs: number): Promise<number>;
    voucherGatewayConfirmSlot(key: string, member: string): Promise<number>;
  };
  redis.defineCommand('voucherGatewayTakeSlot', luaScript('take-slot-1'));
  redis.defineCommand('voucherGatewayConfirmSlot', luaScript('confirm-slot-1'));
  const keyOf = (action: string) => `${options.keyPrefix}budget:${action}`;

  /** A grant in Redis: confirmed or released once; a failure leaves it to its lease (counted, never lost). */
  const sharedGrant = (key: string, member: string, askedAt: number): BudgetGrant => {
    let settled = false;
    const settle = (command: () => Promise<unknown>) => {
      if (settled) return;
      settled = true;
      command().catch((error: unknown) => connection.markDown(error));
    };
    return {
      confirm: () => settle(() => redis.voucherGatewayConfirmSlot(key, member)),
      release: () => settle(() => redis.zrem(key, member)),
      ageMs: () => now() - askedAt,
      maxAgeMs: leaseMs / 2,
    };
  };
  const localGrant = (): BudgetGrant => ({ confirm: () => undefined, release: () => undefined, ageMs: () => 0, maxAgeMs: Number.POSITIVE_INFINITY });
  const paused = (): BudgetAnswer | undefined => {
    const waitMs = pausedUntil - now();
    return waitMs > 0 ? { granted: false, waitMs } : undefined;
  };
  const takeLocal = (action: string): BudgetAnswer => {
    const waitMs = fallbackFor(action).take();
    return waitMs > 0 ? { granted: false, waitMs } : { granted: true, grant: localGrant() };
  };

  return {
    get mode() {
      return connection.state === 'up' ? 'shared' : 'fallback';
    },
    async take(action) {
      const pause = paused();
      if (pause) return pause;
      return withRedis<BudgetAnswer>(
        connection,
        async () => {
          const key = keyOf(action);
          const member = `${replica}:${++sequence}`;
          const askedAt = now();
          const waitMs = Number(await redis.voucherGatewayTakeSlot(key, options.interval, options.cap(action), member, leaseMs));
          return waitMs > 0 ? { granted: false, waitMs } : { granted: true, grant: sharedGrant(key, member, askedAt) };
        },
        // Down, or the answer came after the connection dropped: the switch-over pause, then the fallback.
        () => paused() ?? takeLocal(action),
      );
    },
  };
}
