import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import DataLoader from 'dataloader';
import type { Plugin } from 'graphql-yoga';
import type { Config, UpstreamCredentials } from './config.js';
import type { Logger } from './logger.js';
import { createUinDenylist } from './loaders/uin-denylist.js';
import type { CachedUinSource, UinKey } from './loaders/cached-uin-source.js';
import { createCustomerProfileSource, createVoucherListSource, createVoucherQuotaSource, type VoucherQuota } from './loaders/customer-sources.js';
import { createCustomerDirectory, type DirectoryPage } from './loaders/customer-directory.js';
import { onceUnknownCode, type CustomerProfile, type VoucherList } from './loaders/customer-mapping.js';
import { createVoucherPoolSource } from './loaders/voucher-pool.js';
import { schema } from './schema/index.js';
import type { GatewayContext } from './schema/context.js';
import { hasScope, useCallerAuth, verifiedCaller } from './server/caller-auth.js';
import { createMetrics, useMetrics, type GatewayMetrics } from './server/metrics.js';
import { createReadiness, useReadiness, type Readiness } from './server/readiness.js';
import { requestIdOf, useRequestLog } from './server/request-log.js';
import { createGatewayYoga, type GatewayYoga } from './server/yoga.js';
import { createLocalStore, createRedisStore, type KeyValueStore } from './store/key-value-store.js';
import { createRedisRateBudget, type RateBudget } from './store/rate-budget.js';
import { accountKeyPrefix } from './store/key-space.js';
import type { RedisConnection } from './store/redis-connection.js';
import { createTimedCache, type Cached } from './store/timed-cache.js';
import { createUpstreamClient, VOUCHER_STATUSES, type AttemptEvent, type UpstreamClient, type VoucherPool, type VoucherStatusFilter } from './upstream/client.js';
import { deadlineExceeded } from './upstream/errors.js';
import { createInProcessThrottle, type Throttle } from './upstream/throttle.js';
import { createFetchTransport, type Transport } from './upstream/transport.js';

export interface GatewayOptions {
  readonly config: Config;
  /** Where to send upstream calls and with which key (the simulator's, when none is configured). */
  readonly upstream: { readonly endpoint: string; readonly credentials: UpstreamCredentials };
  readonly logger: Logger;
  /**
   * Shared state for replicas (rate budget, caches, denylist), connected by the caller
   * (`connectRedis`). Absent: everything in process.
   */
  readonly redis?: RedisConnection | undefined;
  /** Swappable for tests. */
  readonly throttle?: Throttle;
  readonly transport?: Transport;
  readonly onAttempt?: (event: AttemptEvent) => void;
}

export interface Gateway {
  readonly yoga: GatewayYoga;
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly metrics: GatewayMetrics;
  readonly readiness: Readiness;
  /** Where shared state lives now: `local`, or `redis` (`fallback` while Redis is down). */
  readonly sharedState: () => 'local' | 'redis' | 'fallback';
  /** Resolves when no UIN waits and no upstream call (including its retries and backoff) is under way. */
  onIdle(): Promise<void>;
}

/** Requests naming at most this many UINs are interactive: their UINs go first. */
export const INTERACTIVE_MAX_UINS = 20;
const PRIORITY = { interactive: 1, bulk: 0 } as const;

/**
 * Wires the layers: transport → signing/throttle/retries (upstream client) → UIN queues and caches
 * (loaders) → schema → Yoga. Per-process parts (throttle, budget, UIN queues, caches, denylist, pool
 * single-flight, metrics) are created once here; per-request parts (DataLoaders, the deadline) in the
 * context factory.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger, redis } = options;
  const sharedState = () => (redis === undefined ? 'local' : redis.state === 'up' ? 'redis' : 'fallback');
  // Gauges read the throttle and the queues lazily, at scrape time.
  const metrics: GatewayMetrics = createMetrics({
    throttle: () => throttle,
    queuedUins: () => ({
      QueryVoucherAmountByUin: quotas.queue.stats().queued,
      DescribeCustomerInfo: profiles.queue.stats().queued,
      QueryVoucherListByUin: [...vouchers.values()].reduce((sum, source) => sum + source.queue.stats().queued, 0),
    }),
    sharedState,
  });
  const interval = 1000 + config.upstream.throttleMarginMs;
  const keyPrefix = accountKeyPrefix(config.redis?.keyPrefix ?? 'voucher-gateway:', {
    secretId: options.upstream.credentials.secretId,
    endpoint: options.upstream.endpoint,
  });
  const capOf = (action: string) => config.upstream.rates[action] ?? 5;
  const budget: RateBudget | undefined =
    redis &&
    createRedisRateBudget({
      connection: redis,
      keyPrefix,
      cap: capOf,
      interval,
      fallbackCap: config.redis?.fallbackRatePerSecond ?? 1,
    });
  const throttle: Throttle =
    options.throttle ??
    createInProcessThrottle({
      intervalCap: capOf,
      interval,
      maxQueued: config.limits.maxQueuedCalls,
      budget,
      onStart: (action, waitedMs) => metrics.recordThrottleWait(action, waitedMs),
      onOverload: (action) => metrics.recordOverload(action),
    });
  const localStore = createLocalStore();
  const store: KeyValueStore = redis
    ? createRedisStore({ connection: redis, keyPrefix, fallback: localStore })
    : localStore;
  const readiness = createReadiness({ probe: () => voucherPool.load({ maxAgeMs: 0, priority: PRIORITY.bulk }) });

  const client = createUpstreamClient({
    endpoint: options.upstream.endpoint,
    credentials: options.upstream.credentials,
    transport: options.transport ?? createFetchTransport({ timeoutMs: config.upstream.timeoutMs }),
    throttle,
    retry: { maxAttempts: config.upstream.maxAttempts, baseDelayMs: config.upstream.retryBaseDelayMs },
    onAttempt: (event) => {
      // The upstream RequestId of every attempt is logged, for support tickets.
      if (event.outcome === 'ok') logger.debug({ upstream: event }, 'upstream call');
      else if (event.outcome === 'aborted') logger.info({ upstream: event }, 'upstream call abandoned: the request gave up');
      else logger.warn({ upstream: event }, 'upstream call failed');
      metrics.recordAttempt(event);
      readiness.observe(event);
      options.onAttempt?.(event);
    },
  });
  const denylist = createUinDenylist({ store, ttlMs: config.upstream.uinDenylistTtlMs });
  /** A cache in the shared store, its hits and misses counted under `name`. */
  const cacheOf = <T>(name: string, namespace: string, ttlMs: number) =>
    createTimedCache<T>({ store, namespace, ttlMs, onLookup: (hits, misses) => metrics.recordCacheLookup(name, hits, misses) });
  const quotas = createVoucherQuotaSource({
    client,
    throttle,
    denylist,
    maxQueued: config.limits.maxQueuedUins,
    onOverload: () => metrics.recordUinOverload('QueryVoucherAmountByUin'),
    cache: cacheOf<VoucherQuota>('quota', 'quota:', config.cache.quotaTtlMs),
  });
  const onUnknownCode = onceUnknownCode((field, code) => logger.warn({ field, code }, 'unknown upstream code mapped to UNKNOWN'));
  const profiles = createCustomerProfileSource({
    client,
    throttle,
    denylist,
    maxQueued: config.limits.maxQueuedUins,
    onOverload: () => metrics.recordUinOverload('DescribeCustomerInfo'),
    onUnknownCode,
    cache: cacheOf<CustomerProfile>('profile', 'profile:', config.cache.profileTtlMs),
  });
  // One queue per status filter: a call carries one `Status`. They share the action's budget.
  const vouchers = new Map<VoucherStatusFilter | undefined, ReturnType<typeof createVoucherListSource>>(
    [undefined, ...VOUCHER_STATUSES].map((status) => [
      status,
      createVoucherListSource({
        client,
        throttle,
        denylist,
        status,
        maxQueued: config.limits.maxQueuedUins,
        onOverload: () => metrics.recordUinOverload('QueryVoucherListByUin'),
        onUnknownCode,
        cache: cacheOf<VoucherList>('vouchers', `vouchers:${status ?? 'all'}:`, config.cache.quotaTtlMs),
      }),
    ]),
  );
  const directory = createCustomerDirectory({
    client,
    throttle,
    cache: cacheOf<DirectoryPage>('directory', 'directory:', config.cache.directoryTtlMs),
  });
  const voucherPool = createVoucherPoolSource({
    client,
    throttle,
    cache: cacheOf<VoucherPool>('pool', 'pool:', config.cache.poolTtlMs),
  });

  /** The request's deadline timer and listener, released when its response is sent. */
  const releases = new WeakMap<Request, () => void>();
  const context = (initial: { request: Request }): GatewayContext => {
    const { request } = initial;
    const requestId = requestIdOf(request);
    // One deadline for all upstream work of this request: queueing, attempts and backoff.
    const deadline = Date.now() + config.limits.requestDeadlineMs;
    const { signal, release } = deadlineSignal(config.limits.requestDeadlineMs, request.signal);
    releases.set(request, release);
    const budget = { requestedUins: 0 };
    const priority = () => (budget.requestedUins > INTERACTIVE_MAX_UINS ? PRIORITY.bulk : PRIORITY.interactive);
    // One DataLoader per source and request: every selection of a field collects in one tick and
    // goes to the gateway-wide queue of its action.
    const loaderOf = <T>(source: CachedUinSource<T>) =>
      new DataLoader<UinKey, Cached<T>, string>((keys) => source.load(keys, { priority: priority(), deadline, signal, requestId }), {
        cacheKeyFn: (key) => `${key.uin}:${key.maxAgeMs ?? ''}`,
      });
    const quotaLoader = loaderOf<VoucherQuota>(quotas);
    const profileLoader = loaderOf<CustomerProfile>(profiles);
    const voucherLoaders = new Map<VoucherStatusFilter | undefined, DataLoader<UinKey, Cached<VoucherList>, string>>();
    const withAsOf = async <T>(loaded: Promise<Cached<T>>) => {
      const { value, asOf } = await loaded;
      return { ...value, asOf };
    };
    const pools = new Map<string, Promise<Cached<VoucherPool>>>();
    return {
      budget,
      loadVoucherQuota: (uin, maxAgeMs) => withAsOf(quotaLoader.load({ uin, maxAgeMs })),
      loadProfile: (uin, maxAgeMs) => withAsOf(profileLoader.load({ uin, maxAgeMs })),
      loadVouchers: (uin, status, maxAgeMs) => {
        let loader = voucherLoaders.get(status);
        if (!loader) voucherLoaders.set(status, (loader = loaderOf(vouchers.get(status) as CachedUinSource<VoucherList>)));
        return withAsOf(loader.load({ uin, maxAgeMs }));
      },
      customerDirectory: (offset, limit) => raceSignal(directory.slice(offset, limit, { priority: priority() }), signal),
      canReadPersonalData: () => config.auth.mode === 'none' || hasScope(verifiedCaller(initial), config.auth.piiScope),
      loadVoucherPool: (maxAgeMs) => {
        // Memoised per request and maxAge: 50 aliases of voucherPool are one load.
        const key = String(maxAgeMs ?? '');
        let pool = pools.get(key);
        if (!pool) pools.set(key, (pool = raceSignal(voucherPool.load({ maxAgeMs, priority: PRIORITY.interactive }), signal)));
        return withAsOf(pool);
      },
      limits: { maxUinsPerQuery: config.limits.maxUinsPerQuery, maxCost: config.limits.maxCost },
    };
  };
  const useRequestRelease: Plugin = {
    onResponse({ request }) {
      releases.get(request)?.();
      releases.delete(request);
    },
  };

  const yoga = createGatewayYoga({
    schema,
    context,
    graphiql: config.graphiql,
    introspection: config.introspection,
    limits: { ...config.limits, blockFieldSuggestions: !config.introspection },
    logger,
    plugins: [useRequestLog(logger), useMetrics(metrics), useReadiness(readiness, sharedState), ...useCallerAuth(config.auth), useRequestRelease],
  });
  const busy = () => {
    const queues = [quotas, profiles, ...vouchers.values()].map((source) => source.queue.stats());
    return queues.some(({ queued, calls }) => queued > 0 || calls > 0) || voucherPool.busy() || directory.busy();
  };
  const onIdle = async () => {
    while (busy()) await sleep(10);
    await throttle.onIdle();
  };
  return { yoga, client, throttle, metrics, readiness, sharedState, onIdle };
}

/**
 * Aborts after `ms`, or when the client goes away; `release` clears the timer and the listener once
 * the response is out. A plain controller and timer rather than AbortSignal.timeout/any, whose timers
 * can be lost with the composite signal under GC pressure.
 */
function deadlineSignal(ms: number, clientSignal: AbortSignal): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  // Many loads of one request listen to this signal at once.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new Error(`request deadline of ${ms} ms passed`)), ms);
  timer.unref();
  const onClientGone = () => {
    clearTimeout(timer);
    controller.abort(clientSignal.reason);
  };
  const release = () => {
    clearTimeout(timer);
    clientSignal.removeEventListener('abort', onClientGone);
  };
  if (clientSignal.aborted) onClientGone();
  else clientSignal.addEventListener('abort', onClientGone, { once: true });
  return { signal: controller.signal, release };
}

/** Settles with `promise`, or rejects when `signal` aborts first (the shared call goes on for others). */
function raceSignal<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(deadlineExceeded(signal.reason));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(deadlineExceeded(signal.reason));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
