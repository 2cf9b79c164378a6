import { Cluster, Redis } from 'ioredis';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from '../logger.js';
import { traceCommands } from './redis-tracing.js';

/**
 * The one Redis connection of a gateway process, shared by the rate budget, the caches and the
 * denylist. ioredis, because it gives exactly the failure behaviour a shared budget needs: no offline
 * queue (a command on a dead connection fails at once instead of waiting), a per-command timeout,
 * automatic reconnects, and Lua scripts as named commands (EVALSHA with an EVAL fallback).
 *
 * `state` is `up` only while commands succeed. Any failed command marks the connection down; a
 * reconnect (`ready`) or a successful ping brings it back. Each transition is logged once and
 * reported to `onStateChange` (metrics, the budget's switch-over pause).
 */
export interface RedisConnection {
  /** A server's connection, or a Cluster's (ioredis routes each command to its slot's master). */
  readonly redis: Redis;
  readonly state: 'up' | 'down';
  /** Reports a failed command: the connection is treated as down until Redis answers again. */
  markDown(error: unknown): void;
  onStateChange(listener: (state: 'up' | 'down') => void): void;
  close(): Promise<void>;
}

export interface RedisConnectionOptions {
  /** One server's URL; with `cluster`, seed nodes' URLs, comma-separated. */
  readonly url: string;
  readonly cluster?: boolean;
  readonly logger: Logger;
  /** Longest wait for one command, milliseconds. Default 500 (a false outage costs a switch-over pause). */
  readonly commandTimeoutMs?: number;
  /** Longest wait for the first connection at start-up, milliseconds. Default 1000. */
  readonly connectTimeoutMs?: number;
  /** OpenTelemetry: commands become child spans of the active span. */
  readonly tracer?: Tracer | undefined;
}

/** Connects, waiting at most `connectTimeoutMs`; an unreachable Redis starts the gateway in fallback mode. */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  const { logger } = options;
  const commandTimeout = options.commandTimeoutMs ?? 500;
  const connectTimeoutMs = options.connectTimeoutMs ?? 1000;
  const redis = options.cluster ? connectCluster(options.url, commandTimeout, connectTimeoutMs) : connectServer(options.url, commandTimeout, connectTimeoutMs);
  if (options.tracer) traceCommands(redis, options.tracer);
  const listeners: ((state: 'up' | 'down') => void)[] = [];
  let state: 'up' | 'down' = 'down';
  let announcedDown = false;
  let closing = false;
  let probe: NodeJS.Timeout | undefined;

  const setState = (next: 'up' | 'down', detail?: unknown) => {
    if (next === state) return;
    state = next;
    if (next === 'down') {
      if (!announcedDown) {
        announcedDown = true;
        logger.warn({ redis: redactUrl(options.url), err: describe(detail) }, 'Redis unreachable: falling back to the local budget, cache and denylist');
      }
      startProbe();
    } else {
      if (announcedDown) logger.info({ redis: redactUrl(options.url) }, 'Redis is back: sharing the budget, cache and denylist again');
      announcedDown = false;
      stopProbe();
    }
    for (const listener of listeners) listener(next);
  };
  // A command that timed out on a socket that is still open gets no `ready` event: ping until it answers.
  const startProbe = () => {
    if (probe || closing) return;
    probe = setInterval(() => {
      if (redis.status !== 'ready') return;
      probe_().then(
        (ok) => ok && setState('up'),
        () => undefined,
      );
    }, 500);
    probe.unref();
  };
  const stopProbe = () => {
    if (probe) clearInterval(probe);
    probe = undefined;
  };

  redis.on('ready', () => setState('up'));
  const probe_ = options.cluster ? watchCluster(redis, (error) => setState('down', error)) : async () => (await redis.ping()) === 'PONG';
  redis.on('close', () => {
    if (!closing) setState('down', new Error('connection closed'));
  });
  // ioredis emits `error` for every failed reconnect; the state change above is the one log line.
  redis.on('error', () => undefined);

  const connected = redis.connect().then(
    () => true,
    (error: unknown) => {
      setState('down', error);
      return false;
    },
  );
  const timedOut = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), connectTimeoutMs).unref());
  if (!(await Promise.race([connected, timedOut]))) {
    if (!announcedDown) {
      announcedDown = true;
      logger.warn({ redis: redactUrl(options.url) }, 'Redis unreachable at start-up: starting in fallback mode (local budget, cache and denylist); will keep reconnecting');
    }
    startProbe();
  }

  return {
    redis,
    get state() {
      return state;
    },
    markDown(error) {
      setState('down', error);
    },
    onStateChange(listener) {
      listeners.push(listener);
    },
    async close() {
      closing = true;
      stopProbe();
      redis.disconnect();
    },
  };
}

/**
 * A Cluster's failover: the promoted replica may not have the window's last grants (replication is
 * asynchronous). A node whose connection fails marks the connection down (`onNodeFailed`; not `-node`:
 * a topology refresh right after a cluster forms may drop and re-add nodes that are fine),
 * which pauses the budget (rate-budget.ts) before granting again. The returned probe says when it is
 * back: every slot served again (a ping would reach a live node while the account's slot is still
 * down, and the budget would flap between modes), and no node failed for a second.
 */
function watchCluster(redis: Redis, onNodeFailed: (error: unknown) => void): () => Promise<boolean> {
  let lastNodeError = -Infinity;
  for (const event of ['node error']) {
    redis.on(event, (error: unknown) => {
      lastNodeError = Date.now();
      onNodeFailed(error ?? new Error(`cluster ${event}`));
    });
  }
  return async () => String(await redis.cluster('INFO')).includes('cluster_state:ok') && Date.now() - lastNodeError > 1000;
}

/** One server: no offline queue, a per-command timeout, quick reconnects (see the interface's note). */
function connectServer(url: string, commandTimeout: number, connectTimeout: number): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    commandTimeout,
    connectTimeout,
    maxRetriesPerRequest: 0,
    // Reconnect quickly: every replica must notice a returning Redis within a fraction of a second,
    // because the budget's switch-over pause is sized on it (see rate-budget.ts).
    retryStrategy: () => 200,
    lazyConnect: true,
  });
}

/**
 * A Redis Cluster through ioredis' `Cluster`: it learns the slots from any seed node, routes each
 * command to its slot's master and follows MOVED/ASK redirects and `CLUSTERDOWN` retries by itself,
 * within the same per-command timeout. Typed as a server's connection: the commands the gateway uses
 * (single-slot scripts, pipelines, streams) are the same on both.
 */
function connectCluster(urls: string, commandTimeout: number, connectTimeout: number): Redis {
  const nodes = urls.split(',').map((raw) => {
    const url = new URL(raw.trim());
    return { host: url.hostname, port: Number(url.port || 6379) };
  });
  const first = new URL(urls.split(',')[0]?.trim() ?? '');
  const cluster = new Cluster(nodes, {
    enableOfflineQueue: false,
    lazyConnect: true,
    clusterRetryStrategy: () => 200,
    retryDelayOnClusterDown: 100,
    retryDelayOnFailover: 100,
    slotsRefreshTimeout: connectTimeout,
    // A failed master leaves the topology within a second (its `node error`s stop, see the probe).
    slotsRefreshInterval: 1000,
    redisOptions: {
      commandTimeout,
      connectTimeout,
      maxRetriesPerRequest: 0,
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
    },
  });
  return cluster as unknown as Redis;
}

/**
 * The one fallback path for shared state: runs `shared` against Redis while the connection is up and
 * returns its answer; a failed command marks the connection down. When the connection is down, the
 * command failed, or it dropped while the command ran (the answer may be stale), `local` answers.
 */
export async function withRedis<T>(connection: RedisConnection, shared: () => Promise<T>, local: () => T | Promise<T>): Promise<T> {
  if (connection.state === 'up') {
    try {
      const answer = await shared();
      if (connection.state === 'up') return answer;
    } catch (error) {
      connection.markDown(error);
    }
  }
  return local();
}

/** `redis://user:password@host:port/db` without the password, for logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'redis://(unparseable URL)';
  }
}

function describe(error: unknown): string | undefined {
  if (error === undefined) return undefined;
  return error instanceof Error ? error.message : String(error);
}
