import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Config, UpstreamCredentials } from './config.js';
import type { Logger } from './logger.js';
import { createUinDenylist } from './loaders/uin-denylist.js';
import { DIRECTORY_PAGE_SHAPE, POOL_SHAPE, PROFILE_SHAPE, QUOTA_SHAPE, VOUCHER_LIST_SHAPE } from './loaders/cache-shapes.js';
import type { ShapeCheck } from './store/shape.js';
import type { CachedUinSource } from './loaders/cached-uin-source.js';
import { createCustomerProfileSource, createVoucherListSource, createVoucherQuotaSource, type VoucherQuota } from './loaders/customer-sources.js';
import { createCustomerDirectory, type CustomerDirectory, type DirectoryPage } from './loaders/customer-directory.js';
import { createCustomerRoster, type CustomerRoster } from './loaders/customer-roster.js';
import { createCustomerBook, type BookProfile, type CustomerBook } from './book/book.js';
import { createLocalBookStore } from './book/local-book.js';
import { BOOK_CHANGES, createRedisBookStore } from './book/redis-book.js';
import { answeredIn } from './loaders/result-codec.js';
import { createSharedCustomerBook } from './book/shared-book.js';
import { createLease } from './store/lease.js';
import { createRedisWatchRegistry } from './book/watch-registry.js';
import { startSweep, type Sweep } from './book/sweep.js';
import { createQuotaChanges } from './book/changes.js';
import { onceUnknownCode, type CustomerProfile, type VoucherList } from './loaders/customer-mapping.js';
import { createVoucherPoolSource } from './loaders/voucher-pool.js';
import { PRIORITY } from './loaders/priorities.js';
import { schema } from './schema/index.js';
import { useTrustedDocuments, type PersistedDocuments } from './server/persisted-documents.js';
import { useRequestEnd } from './server/request-end.js';
import { createResultsStream } from './store/results-stream.js';
import { useCallerAuth } from './server/caller-auth.js';
import { createMetrics, useMetrics, type GatewayMetrics } from './server/metrics.js';
import { createReadiness, useReadiness, type Readiness } from './server/readiness.js';
import { createTracing, type Tracing } from './tracing/tracing.js';
import { useRequestTracing } from './server/request-tracing.js';
import { createContextFactory } from './request-policy.js';
import { createResponseCache, useResponseCache, type ResponseCacheContext } from './server/response-cache.js';
import { createUpstreamCallCounter, useRequestLog, type UpstreamCallCounter } from './server/request-log.js';
import { createGatewayYoga, type GatewayYoga } from './server/yoga.js';
import { createLocalStore, createRedisStore, type KeyValueStore } from './store/key-value-store.js';
import { createRedisRateBudget, type RateBudget } from './store/rate-budget.js';
import { accountKeyPrefix } from './store/key-space.js';
import type { RedisConnection } from './store/redis-connection.js';
import { createTimedCache } from './store/timed-cache.js';
import { createUpstreamClient, VOUCHER_STATUSES, type AttemptEvent, type UpstreamClient, type VoucherPool, type VoucherStatusFilter } from './upstream/client.js';
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
  /** This replica's name in the deployment's queue (owner of the calls it composes). Default: a random UUID. */
  readonly replicaId?: string;
  /** Trusted documents, loaded and validated at start-up (`loadPersistedDocuments`). */
  readonly persistedDocuments?: PersistedDocuments | undefined;
  /** The process's log destination, for `log_lines_dropped_total` and `log_buffered_bytes`. */
  readonly log?: { readonly dropped: () => number; readonly bufferedBytes: () => number } | undefined;
  /** OpenTelemetry (shared with the Redis connection's command spans). Absent: made from `config.tracing`, and shut down by `close`. */
  readonly tracing?: Tracing | undefined;
}

export interface Gateway {
  /** This replica's name in the deployment's queue. */
  readonly replicaId: string;
  readonly yoga: GatewayYoga;
  readonly client: UpstreamClient;
  readonly throttle: Throttle;
  readonly metrics: GatewayMetrics;
  readonly readiness: Readiness;
  /** Where shared state lives now: `local`, or `redis` (`fallback` while Redis is down). */
  readonly sharedState: () => 'local' | 'redis' | 'fallback';
  /** Resolves when no UIN waits and no upstream call (including its retries and backoff) is under way. */
  onIdle(): Promise<void>;
  /** Starts draining: `/ready` answers 503 (`shutting down`) from now on; requests are still served. */
  drain(): void;
  /** Drains, and stops what the gateway started (the results stream reader); the Redis connection is the caller's. */
  close(): Promise<void>;
}

export { INTERACTIVE_MAX_UINS } from './request-policy.js';

/**
 * Wires the layers: transport → signing/throttle/retries (upstream client) → UIN queues and caches
 * (loaders) → schema → Yoga. Per-process parts (throttle, budget, UIN queues, caches, denylist, pool
 * single-flight, metrics) are created once here; per-request parts (DataLoaders, the deadline) in the
 * context factory. Each step is a named function below, in the order they are wired.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger, redis } = options;
  const sharedState = () => (redis === undefined ? 'local' : redis.state === 'up' ? 'redis' : 'fallback');
  // Gauges read the throttle and the queues lazily, at scrape time.
  const metrics: GatewayMetrics = createMetrics({
    throttle: () => throttle,
    queuedUins: () => sources.queuedUins(),
    sharedState,
    knownCallers: Object.keys(config.callerWeights),
    log: options.log,
    book: async () => ({ coverage: await sources.book.coverage(), watched: sources.changes.watched(), subscriptions: sources.changes.open }),
  });
  const shared = createSharedState(options);
  const throttle = options.throttle ?? createThrottle(config, shared.budget, metrics);
  const readiness = createReadiness({ probe: () => sources.voucherPool.load({ maxAgeMs: 0, priority: PRIORITY.bulk }) });
  // Aborted when the drain begins (SIGTERM): `/ready` answers 503 from then on.
  const draining = new AbortController();
  const drain = () => draining.abort();
  const callCounter = createUpstreamCallCounter();
  const tracing = options.tracing ?? createTracing(config.tracing, { propagateContext: redis !== undefined });
  const client = createClient(options, throttle, metrics, readiness, callCounter, tracing);
  const sources = createSources({ config, logger, client, throttle, metrics, shared });
  // The list of who is a customer loads at start-up, so that the first requests rarely wait for it;
  // then the sweep keeps the book fresh. With Redis, once it is reachable: a replica whose connection
  // is not up yet would take the walk's lease in its own fallback store and walk beside the holder.
  if (sources.membership || config.bookSweepCallsPerSecond > 0) whenSharing(redis, () => void sources.roster?.load().catch(() => undefined));
  const sweep = startBookSweep(config, sources, shared);
  const { context, plugin: useRequestRelease } = createContextFactory(config, sources, metrics, draining.signal, tracing.enabled);
  // A kept answer leaves when a newer answer for one of its customers arrives: this process's own, and
  // with Redis every replica's (each deployment call's results reach every replica in the results stream).
  const responseCache = createResponseCache({ maxEntries: config.cache.responseCacheEntries });
  sources.onAnswered((answers) => responseCache.invalidate(answers));
  shared.results?.onEveryEntry((name, results) => {
    if (name !== BOOK_CHANGES) responseCache.invalidate(answeredIn(results));
  });
  shared.results?.onGap(() => responseCache.clear());

  const yoga = createGatewayYoga({
    schema,
    context,
    graphiql: config.graphiql,
    introspection: config.introspection,
    limits: { ...config.limits, blockFieldSuggestions: !config.introspection },
    logger,
    plugins: [
      useRequestTracing(tracing),
      useRequestEnd(),
      useRequestLog(logger, callCounter),
      useMetrics(metrics),
      useReadiness(readiness, sharedState, draining.signal),
      ...useCallerAuth(config.auth),
      // Before any work: a refused document costs nothing upstream.
      ...(options.persistedDocuments && config.persistedDocuments
        ? useTrustedDocuments({
            documents: options.persistedDocuments,
            only: config.persistedDocuments.only,
            cacheScope: config.auth.mode === 'none' ? 'public' : 'private',
            maxAgeSeconds: config.persistedDocuments.getMaxAgeSeconds,
          })
        : []),
      useRequestRelease,
    ],
    afterLimits:
      responseCache.maxEntries > 0
        ? [useResponseCache(responseCache, (contextValue) => (contextValue as { responseCache?: ResponseCacheContext }).responseCache, (hit) => metrics.recordCacheLookup('response', hit ? 1 : 0, hit ? 0 : 1))]
        : [],
  });
  const onIdle = async () => {
    while (sources.busy()) await sleep(10);
    await throttle.onIdle();
  };
  const close = async () => {
    sweep?.stop();
    sources.changes.stop();
    drain();
    await sources.close();
    await shared.results?.close();
    if (!options.tracing) await tracing.shutdown();
  };
  return { replicaId: shared.replicaId, yoga, client, throttle, metrics, readiness, sharedState, onIdle, drain, close };
}

/** Runs `start` now, or with Redis once its connection is first up (a request that needs it sooner does it itself). */
function whenSharing(redis: RedisConnection | undefined, start: () => void): void {
  if (!redis || redis.state === 'up') return start();
  let started = false;
  redis.onStateChange((state) => {
    if (state !== 'up' || started) return;
    started = true;
    start();
  });
}

/** Where shared state lives: the account's key space in Redis (budget, store, results stream), or this process. */
function createSharedState(options: GatewayOptions) {
  const { config, redis, logger } = options;
  const keyPrefix = accountKeyPrefix(
    config.redis?.keyPrefix ?? 'voucher-gateway:',
    { secretId: options.upstream.credentials.secretId, endpoint: options.upstream.endpoint },
    { cluster: config.redis?.cluster ?? false },
  );
  const replicaId = options.replicaId ?? randomUUID();
  const localStore = createLocalStore();
  if (!redis) return { replicaId, keyPrefix, store: localStore, budget: undefined, results: undefined, deployment: undefined };
  const budget: RateBudget = createRedisRateBudget({
    connection: redis,
    keyPrefix,
    cap: (action) => capOf(config, action),
    interval: windowOf(config),
    fallbackCap: config.redis?.fallbackRatePerSecond ?? 1,
  });
  const store: KeyValueStore = createRedisStore({ connection: redis, keyPrefix, fallback: localStore });
  const results = createResultsStream({ connection: redis, keyPrefix, logger });
  return { replicaId, keyPrefix, store, budget, results, deployment: { connection: redis, keyPrefix, results, replicaId } };
}
type SharedState = ReturnType<typeof createSharedState>;

const capOf = (config: Config, action: string) => config.upstream.rates[action] ?? 5;
const windowOf = (config: Config) => 1000 + config.upstream.throttleMarginMs;

function createThrottle(config: Config, budget: RateBudget | undefined, metrics: GatewayMetrics): Throttle {
  return createInProcessThrottle({
    intervalCap: (action) => capOf(config, action),
    interval: windowOf(config),
    maxQueued: config.limits.maxQueuedCalls,
    budget,
    onStart: (action, waitedMs) => metrics.recordThrottleWait(action, waitedMs),
    onOverload: (action) => metrics.recordOverload(action),
  });
}

function createClient(options: GatewayOptions, throttle: Throttle, metrics: GatewayMetrics, readiness: Readiness, callCounter: UpstreamCallCounter, tracing: Tracing): UpstreamClient {
  const { config, logger } = options;
  return createUpstreamClient({
    tracer: tracing.enabled ? tracing.tracer : undefined,
    endpoint: options.upstream.endpoint,
    credentials: options.upstream.credentials,
    transport: options.transport ?? createFetchTransport({ timeoutMs: config.upstream.timeoutMs }),
    throttle,
    retry: { maxAttempts: config.upstream.maxAttempts, baseDelayMs: config.upstream.retryBaseDelayMs },
    onAttempt: (event) => {
      if (event.attempt === 1) callCounter.count(event.gatewayRequestIds);
      // The upstream RequestId of every attempt is logged, for support tickets.
      if (event.outcome === 'ok') logger.debug({ upstream: event }, 'upstream call');
      else if (event.outcome === 'aborted') logger.info({ upstream: event }, 'upstream call abandoned: the request gave up');
      else logger.warn({ upstream: event }, 'upstream call failed');
      metrics.recordAttempt(event);
      readiness.observe(event);
      options.onAttempt?.(event);
    },
  });
}

/** The per-customer sources (cache → denylist → UIN queue), the directory and the pool. */
function createSources(parts: { config: Config; logger: Logger; client: UpstreamClient; throttle: Throttle; metrics: GatewayMetrics; shared: SharedState }) {
  const { config, logger, client, throttle, metrics, shared } = parts;
  const { store } = shared;
  const denylist = createUinDenylist({ store, ttlMs: config.upstream.uinDenylistTtlMs });
  /** Caches whose foreign entries were reported (once each, at warn: the metric counts every one). */
  const reported = new Set<string>();
  /** A cache in the shared store, its hits, misses and unusable entries counted under `name`. */
  const cacheOf = <T>(name: string, namespace: string, ttlMs: number, isValue: ShapeCheck) =>
    createTimedCache<T>({
      store,
      namespace,
      ttlMs,
      isValue,
      onLookup: (hits, misses) => metrics.recordCacheLookup(name, hits, misses),
      onInvalid: (count) => {
        metrics.recordCacheInvalid(name, count);
        if (!reported.has(name)) logger.warn({ cache: name }, 'cached entries of another format or shape (another gateway version?) are treated as misses');
        reported.add(name);
      },
    });
  const weightOf = (caller: string) => config.callerWeights[caller] ?? 1;
  const directory = createCustomerDirectory({ client, throttle, cache: cacheOf<DirectoryPage>('directory', 'directory:', config.cache.directoryTtlMs, DIRECTORY_PAGE_SHAPE) });
  const book = createBook(parts.shared);
  const refreshWatched = (uins: readonly number[]) =>
    Promise.all(quotas.loadEach(uins.map((uin) => ({ uin, maxAgeMs: config.subscriptions.watchRefreshMs / 2 })), { priority: PRIORITY.watch, caller: 'watch', deadline: Date.now() + config.subscriptions.watchRefreshMs }));
  const { deployment } = shared;
  const changes = createQuotaChanges({
    maxUins: config.subscriptions.watchMaxUins,
    refreshMs: config.subscriptions.watchRefreshMs,
    refresh: refreshWatched,
    // A watch lapses when its replica stops renewing it for three refreshes.
    registry: deployment && createRedisWatchRegistry({ connection: deployment.connection, keyPrefix: deployment.keyPrefix, ttlMs: 3 * config.subscriptions.watchRefreshMs }),
  });
  book.onChanges((found) => changes.publish(found));
  book.onLost(() => changes.lost());
  const roster = createRoster(config, directory, store, metrics, book);
  const membership = config.cache.directoryMembership ? roster : undefined;
  const common = { client, throttle, denylist, roster: membership, maxQueued: config.limits.maxQueuedUins, weightOf, deployment: shared.deployment };
  // Every fresh per-customer answer this process fetches (the response cache drops what it read).
  const answered = createAnswerListeners();
  const tell = answered.tell;
  const quotas = createVoucherQuotaSource({
    ...common,
    onOverload: () => metrics.recordUinOverload('QueryVoucherAmountByUin'),
    cache: cacheOf<VoucherQuota>('quota', 'quota:', config.cache.quotaTtlMs, QUOTA_SHAPE),
    onAnswers: (answers) => {
      tell(answers);
      void book.recordQuotas([...answers].map(([uin, { value, asOf }]) => ({ uin, quota: { totalAmount: value.totalAmount, remainAmount: value.remainAmount, asOf } }))).catch(() => undefined);
    },
  });
  const onUnknownCode = onceUnknownCode((field, code) => logger.warn({ field, code }, 'unknown upstream code mapped to UNKNOWN'));
  const profiles = createCustomerProfileSource({
    ...common,
    onOverload: () => metrics.recordUinOverload('DescribeCustomerInfo'),
    onUnknownCode,
    cache: cacheOf<CustomerProfile>('profile', 'profile:', config.cache.profileTtlMs, PROFILE_SHAPE),
    onAnswers: (answers) => {
      tell(answers);
      void book.recordProfiles([...answers].map(([uin, { value, asOf }]) => ({ uin, profile: bookProfileOf(value, asOf) }))).catch(() => undefined);
    },
  });
  // One queue per status filter: a call carries one `Status`. They share the action's budget.
  const vouchers = new Map<VoucherStatusFilter | undefined, CachedUinSource<VoucherList>>(
    [undefined, ...VOUCHER_STATUSES].map((status) => [
      status,
      createVoucherListSource({
        ...common,
        status,
        onOverload: () => metrics.recordUinOverload('QueryVoucherListByUin'),
        onUnknownCode,
        cache: cacheOf<VoucherList>('vouchers', `vouchers:${status ?? 'all'}:`, config.cache.quotaTtlMs, VOUCHER_LIST_SHAPE),
        onAnswers: tell,
      }),
    ]),
  );
  const voucherPool = createVoucherPoolSource({ client, throttle, cache: cacheOf<VoucherPool>('pool', 'pool:', config.cache.poolTtlMs, POOL_SHAPE) });
  const perCustomer = () => [quotas, profiles, ...vouchers.values()];
  return {
    quotas,
    profiles,
    vouchers,
    directory,
    roster,
    membership,
    book,
    changes,
    refreshWatched,
    voucherPool,
    queuedUins: () => ({
      QueryVoucherAmountByUin: quotas.queue.stats().queued,
      DescribeCustomerInfo: profiles.queue.stats().queued,
      QueryVoucherListByUin: [...vouchers.values()].reduce((sum, source) => sum + source.queue.stats().queued, 0),
    }),
    busy: () =>
      perCustomer().some((source) => source.queue.stats().queued > 0 || source.queue.stats().calls > 0) || voucherPool.busy() || directory.busy() || (roster?.busy() ?? false),
    close: () => Promise.all(perCustomer().map((source) => source.queue.close())),
    onAnswered: answered.listen,
  };
}
type Sources = ReturnType<typeof createSources>;

/** Listeners to the customers every fresh per-customer answer names, with its `asOf`. */
function createAnswerListeners() {
  type Listener = (answers: readonly (readonly [uin: number, asOf: number])[]) => void;
  const listeners: Listener[] = [];
  return {
    listen: (listener: Listener) => void listeners.push(listener),
    tell: (answers: ReadonlyMap<number, { readonly asOf: number }>) => {
      const answered = [...answers].map(([uin, { asOf }]) => [uin, asOf] as const);
      for (const listener of listeners) listener(answered);
    },
  };
}

/**
 * The book: in process, or the deployment's one in Redis (with this process's own beside it for
 * while Redis is down). `directoryWritten` resolves when the latest directory list is in it.
 */
function createBook(shared: SharedState): CustomerBook & { directoryWritten(): Promise<void> } {
  const local = createLocalBookStore();
  const { deployment } = shared;
  const book = deployment
    ? createSharedCustomerBook({
        connection: deployment.connection,
        local,
        results: deployment.results,
        shared: createRedisBookStore({ redis: deployment.connection.redis, keyPrefix: deployment.keyPrefix, streamKey: deployment.results.key, replicaId: deployment.replicaId }),
      })
    : createCustomerBook(local);
  let written: Promise<void> = Promise.resolve();
  return {
    ...book,
    setDirectory: (uins) => (written = book.setDirectory(uins).catch(() => undefined)),
    directoryWritten: () => written,
  };
}

/** What the book keeps of a profile: no personal data. */
function bookProfileOf(profile: CustomerProfile, asOf: number): BookProfile {
  const { name, remark, boundAt, registeredAt, verifiedAt, accountStatus, verificationStatus, verificationType, hasExpense } = profile;
  return { name, remark, boundAt, registeredAt, verifiedAt, accountStatus, verificationStatus, verificationType, hasExpense, asOf };
}

/**
 * The book's sweep over quotas and profiles, side by side, at the lowest priority
 * (`BOOK_SWEEP_CALLS_PER_SECOND`). With Redis, one replica sweeps for the deployment: the one holding
 * the sweeper's lease (taken over within `SWEEPER_LEASE_MS` when its holder dies).
 */
function startBookSweep(config: Config, sources: Sources, shared: SharedState): Sweep | undefined {
  const { roster, book, quotas, profiles } = sources;
  if (!roster || config.bookSweepCallsPerSecond <= 0) return undefined;
  const fresh = (source: CachedUinSource<unknown>) => (uins: readonly number[]) =>
    Promise.all(source.loadEach(uins.map((uin) => ({ uin, maxAgeMs: 0 })), { priority: PRIORITY.sweep, caller: 'book-sweep', deadline: Date.now() + 30_000 }));
  const lease = shared.deployment ? createLease({ store: shared.store, key: 'book:sweeper', token: shared.replicaId, ttlMs: SWEEPER_LEASE_MS }) : undefined;
  const sweep = startSweep({
    book,
    callsPerSecond: config.bookSweepCallsPerSecond,
    ready: async () => {
      await roster.load();
      await book.directoryWritten();
    },
    mayRun: lease && (async () => lease.held()),
    lanes: [
      { kind: 'quota', load: fresh(quotas as CachedUinSource<unknown>) },
      { kind: 'profile', load: fresh(profiles as CachedUinSource<unknown>) },
    ],
  });
  return {
    ...sweep,
    stop() {
      sweep.stop();
      void lease?.release();
    },
  };
}

/** How long the sweeper's lease lives unrenewed: another replica sweeps within this of its holder's death. */
export const SWEEPER_LEASE_MS = 3000;

/**
 * The list of who is a customer, walked over the directory's pages at reader priority on its own
 * budget (`DescribeCustomerUin`); the book keeps it. Off when the directory cache is
 * (`DIRECTORY_CACHE_TTL_MS=0`); with `DIRECTORY_MEMBERSHIP=false` it does not judge strangers.
 */
function createRoster(config: Config, directory: CustomerDirectory, store: KeyValueStore, metrics: GatewayMetrics, book: CustomerBook): CustomerRoster | undefined {
  if (config.cache.directoryTtlMs <= 0) return undefined;
  return createCustomerRoster({
    onList: (list) => void book.setDirectory(list.uins),
    store,
    ttlMs: config.cache.directoryTtlMs,
    pageSize: directory.pageSize,
    pagesPerSecond: config.upstream.rates.DescribeCustomerUin ?? 20,
    pageFn: (page, pageOptions) => directory.page(page, { ...pageOptions, priority: PRIORITY.interactive }),
    onWalk: (walk) => metrics.recordDirectoryWalk(walk),
  });
}
