import { setMaxListeners } from 'node:events';
import DataLoader from 'dataloader';
import type { Plugin } from 'graphql-yoga';
import type { BookCoverage, CustomerBook } from './book/book.js';
import type { QuotaChanges } from './book/changes.js';
import type { Config } from './config.js';
import type { CachedUinSource, UinKey } from './loaders/cached-uin-source.js';
import type { CustomerDirectory } from './loaders/customer-directory.js';
import type { CustomerProfile, VoucherList } from './loaders/customer-mapping.js';
import type { CustomerRoster } from './loaders/customer-roster.js';
import type { VoucherQuota } from './loaders/customer-sources.js';
import { createInteractiveAllowance } from './loaders/interactive-allowance.js';
import { PRIORITY } from './loaders/priorities.js';
import type { VoucherPoolSource } from './loaders/voucher-pool.js';
import type { AsOf, GatewayContext, MaybePromise } from './schema/context.js';
import { hasScope, verifiedCaller } from './server/caller-auth.js';
import { identifyCaller } from './server/caller-identity.js';
import { createCallerLanes } from './server/caller-lanes.js';
import type { GatewayMetrics } from './server/metrics.js';
import { whenRequestEnds } from './server/request-end.js';
import { newExecutionReads, recordRead, type ExecutionReads, type ResponseCacheContext } from './server/response-cache.js';
import { requestIdOf } from './server/request-log.js';
import { createUinRecorder, requestSpanOf } from './server/request-tracing.js';
import { createSubscriptions, type QuotaChangeEvent, type Subscriptions } from './server/subscriptions.js';
import type { Cached } from './store/timed-cache.js';
import { traceparentOf } from './tracing/tracing.js';
import type { VoucherPool, VoucherStatusFilter } from './upstream/client.js';
import { deadlineExceeded } from './upstream/errors.js';
import { ThrottleOverloadedError } from './upstream/throttle.js';

/**
 * Per-request policy, apart from the composition in `gateway.ts`: a request's context (its deadline
 * and the race against it, its caller's lane and priority, its loaders, its span), the book's part of
 * it, and the plugin that releases a request's deadline when it is over and asks a draining
 * replica's clients to leave.
 */

/** Requests naming at most this many UINs are interactive (within their caller's allowance): their UINs go first. */
export const INTERACTIVE_MAX_UINS = 20;

/** What a request reads from: the gateway's sources (`createSources` in gateway.ts). */
export interface RequestSources {
  readonly quotas: CachedUinSource<VoucherQuota>;
  readonly profiles: CachedUinSource<CustomerProfile>;
  readonly vouchers: ReadonlyMap<VoucherStatusFilter | undefined, CachedUinSource<VoucherList>>;
  readonly directory: CustomerDirectory;
  readonly voucherPool: VoucherPoolSource;
  readonly changes: QuotaChanges;
  readonly book: CustomerBook & { directoryWritten(): Promise<void>; coverage(): Promise<BookCoverage> };
  readonly roster: CustomerRoster | undefined;
  readonly refreshWatched: (uins: readonly number[]) => Promise<unknown>;
}

/**
 * The per-request part: one deadline for all of the request's upstream work, one DataLoader per source
 * (every selection of a field collects in one tick and goes to its action's queue), the caller's
 * identity and priority. The plugin releases the deadline timer with the response.
 */
export function createContextFactory(config: Config, sources: RequestSources, metrics: GatewayMetrics, draining: AbortSignal, tracing: boolean) {
  const isDraining = () => draining.aborted;
  const subscriptions = createSubscriptions({
    changes: sources.changes,
    book: sources.book,
    draining,
    limits: { maxPerCaller: config.subscriptions.maxPerCaller, maxUins: config.subscriptions.maxUinsPerSubscription, maxWatchedUins: config.subscriptions.watchMaxUins },
  });
  const { quotas, profiles, vouchers, directory, voucherPool } = sources;
  const allowance = createInteractiveAllowance(config.interactive);
  const lanes = createCallerLanes(config.callers);
  /** The request's deadline timer and listener, released when its response is sent. */
  const releases = new WeakMap<Request, () => void>();
  const context = (initial: { request: Request }): GatewayContext & { readonly responseCache: ResponseCacheContext } => {
    const { request } = initial;
    const requestId = requestIdOf(request);
    // The request's span: the upstream calls that carry its UINs link to it.
    const span = tracing ? requestSpanOf(request) : undefined;
    const traceparent = traceparentOf(span);
    const recordUins = createUinRecorder(span);
    // Made when the first load asks for it: an answer served from the response cache needs none.
    let timer: ReturnType<typeof deadlineSignal> | undefined;
    const release = () => timer?.release();
    // A query's upstream work has one deadline; a subscription's event fields get a fresh one each.
    const startedAt = Date.now();
    let subscription = false;
    const deadline = () => (subscription ? Date.now() : startedAt) + config.limits.requestDeadlineMs;
    const signalOf = () => (subscription ? request.signal : (timer ??= deadlineSignal(config.limits.requestDeadlineMs, request.signal, startedAt + config.limits.requestDeadlineMs - Date.now())).signal);
    const subscriber = () => {
      if (!subscription) {
        subscription = true;
        release();
      }
      const exp = verifiedCaller(initial)?.payload.exp;
      const transport = (initial as { transport?: string }).transport ?? 'sse';
      return { caller: caller(), clientGone: request.signal, expiresAt: typeof exp === 'number' ? exp * 1000 : undefined, transport };
    };
    releases.set(request, release);
    const budget = { requestedUins: 0 };
    // The lane (fair share, allowance, weight) a caller's name buys: bounded, and nothing for a rotated name.
    let callerLane: string | undefined;
    const caller = () => {
      if (callerLane !== undefined) return callerLane;
      const { name, verified } = identifyCaller(request, initial, config.auth, config.callers.trustNameHeader);
      return (callerLane = lanes.laneOf(name, verified));
    };
    // Decided once per request, when its first load asks (the UIN count is known by then): small
    // requests are interactive while their caller's allowance lasts, bulk beyond it.
    let lane: number | undefined;
    const priority = () =>
      (lane ??= budget.requestedUins <= INTERACTIVE_MAX_UINS && allowance.take(caller(), budget.requestedUins) ? PRIORITY.interactive : PRIORITY.bulk);
    const loaderOf = requestLoaders({ caller, priority, deadline, signalOf, requestId, traceparent, recordUins, metrics });
    // Made when first used: a request served from the response cache uses none.
    let quotas_: RequestLoader<VoucherQuota> | undefined;
    let profiles_: RequestLoader<CustomerProfile> | undefined;
    const quotaLoader = () => (quotas_ ??= loaderOf<VoucherQuota>(quotas));
    const profileLoader = () => (profiles_ ??= loaderOf<CustomerProfile>(profiles));
    const voucherLoaders = new Map<VoucherStatusFilter | undefined, RequestLoader<VoucherList>>();
    const pools = new Map<string, Promise<Cached<VoucherPool>>>();
    const canReadPersonalData = () => config.auth.mode === 'none' || hasScope(verifiedCaller(initial), config.auth.piiScope);
    const reads = newExecutionReads();
    const read = readRecorder(reads);
    const uncacheable = () => void (reads.cacheable = false);
    return {
      budget,
      loadVoucherQuota: (uin, maxAgeMs) => read(quotaLoader().load({ uin, maxAgeMs }), 'quota', config.cache.quotaTtlMs, uin, maxAgeMs),
      loadProfile: (uin, maxAgeMs) => read(profileLoader().load({ uin, maxAgeMs }), 'profile', config.cache.profileTtlMs, uin, maxAgeMs),
      loadVouchers: (uin, status, maxAgeMs) => {
        let loader = voucherLoaders.get(status);
        if (!loader) voucherLoaders.set(status, (loader = loaderOf(vouchers.get(status) as CachedUinSource<VoucherList>)));
        return read(loader.load({ uin, maxAgeMs }), 'vouchers', config.cache.quotaTtlMs, uin, maxAgeMs);
      },
      customerDirectory: (offset, limit) => (uncacheable(), raceSignal(directory.slice(offset, limit, { priority: priority() }), signalOf())),
      ...bookContext({ sources, subscriptions, quotaLoader, profileLoader, voucherLoaders, signalOf, subscriber, uncacheable }),
      canReadPersonalData,
      responseCache: responseCacheView(reads, canReadPersonalData, caller, metrics),
      loadVoucherPool: (maxAgeMs) => {
        uncacheable();
        // Memoised per request and maxAge: 50 aliases of voucherPool are one load.
        const key = String(maxAgeMs ?? '');
        let pool = pools.get(key);
        if (!pool) pools.set(key, (pool = raceSignal(voucherPool.load({ maxAgeMs, priority: PRIORITY.interactive }), signalOf())));
        return withAsOf(pool);
      },
      limits: { maxUinsPerQuery: config.limits.maxUinsPerQuery, maxCost: config.limits.maxCost },
    };
  };
  return { context, plugin: useRequestRelease(config, releases, isDraining) };
}

/** Names the caller for every request log, asks a draining replica's clients to leave, and releases each request's deadline timer when it is over. */
function useRequestRelease(config: Config, releases: WeakMap<Request, () => void>, isDraining: () => boolean): Plugin {
  return {
    onExecute({ args }) {
      // The caller is known once the JWT plugin has run; named here so that every request log has it.
      const request = (args.contextValue as { request?: Request }).request;
      if (request) identifyCaller(request, args.contextValue, config.auth, config.callers.trustNameHeader);
    },
    onResponse({ request, response }) {
      // Draining: clients must not send another request on this socket, which closes with the listener.
      if (isDraining()) response.headers.set('connection', 'close');
      // A streamed response is not over when its headers go out: the deadline keeps running to its end.
      void whenRequestEnds(request).then(() => {
        releases.get(request)?.();
        releases.delete(request);
      });
    },
  };
}

/** The request's loaders a book page or a subscription event primes. */
interface RequestLoaders {
  readonly quotaLoader: () => RequestLoader<VoucherQuota>;
  readonly profileLoader: () => RequestLoader<CustomerProfile>;
  readonly voucherLoaders: Map<VoucherStatusFilter | undefined, unknown>;
}

/**
 * The book's part of a request's context: pages read from the book (their rows primed into the
 * request's loaders, so the book's fields cost nothing) and subscriptions (each event resolved on
 * fresh loaders, its `voucherQuota` the event's current value).
 */
function bookContext(parts: RequestLoaders & {
  readonly sources: RequestSources;
  readonly subscriptions: Subscriptions;
  readonly signalOf: () => AbortSignal;
  readonly subscriber: () => Parameters<Subscriptions['lowBalances']>[1];
  /** What the book reads changes by the moment: an answer built on it is never kept (server/response-cache.ts). */
  readonly uncacheable: () => void;
}): Pick<GatewayContext, 'customerBook' | 'bookCoverage' | 'subscribeQuotaChanges' | 'subscribeLowBalance'> {
  const { sources, subscriptions, quotaLoader, profileLoader, voucherLoaders, uncacheable } = parts;
  const { roster, book } = sources;
  async function* fresh(events: AsyncIterable<QuotaChangeEvent>): AsyncGenerator<QuotaChangeEvent> {
    for await (const event of events) {
      quotaLoader().clearAll();
      profileLoader().clearAll();
      voucherLoaders.clear();
      const { totalAmount, remainAmount, asOf } = event.current;
      quotaLoader().prime({ uin: event.uin }, { value: { uin: event.uin, totalAmount, remainAmount }, asOf });
      yield event;
    }
  }
  return {
    customerBook: async (query, bookOptions = {}) => {
      uncacheable();
      // The book knows its customers once the directory has loaded: the first page waits for it.
      if (roster && !roster.current()) await raceSignal(roster.load(), parts.signalOf());
      await book.directoryWritten();
      const page = await book.page(query);
      // Each row's fields are the values it was sorted and filtered on (asked without `maxAge`).
      for (const { uin, quota, profile } of page.rows) {
        if (quota) quotaLoader().prime({ uin }, { value: { uin, totalAmount: quota.totalAmount, remainAmount: quota.remainAmount }, asOf: quota.asOf });
        if (profile && bookOptions.withProfiles) profileLoader().prime({ uin }, { value: { ...profile, email: null, phone: null }, asOf: profile.asOf });
      }
      return page;
    },
    bookCoverage: () => (uncacheable(), book.coverage()),
    subscribeQuotaChanges: (uins) => (uncacheable(), fresh(subscriptions.quotaChanges(uins, parts.subscriber(), sources.refreshWatched))),
    subscribeLowBalance: (below) => (uncacheable(), fresh(subscriptions.lowBalances(below, parts.subscriber()))),
  };
}

async function withAsOf<T>(loaded: Promise<Cached<T>>): Promise<AsOf<T>> {
  const { value, asOf } = await loaded;
  return { ...value, asOf };
}

/**
 * The request's loader of a source. Each key settles as soon as its own answer is known (DataLoader
 * adopts a promise per key), so a streamed list sends a customer when its call is back, not when the
 * batch's last call is.
 */
function requestLoaders(request: {
  readonly caller: () => string;
  readonly priority: () => number;
  readonly deadline: () => number;
  readonly signalOf: () => AbortSignal;
  readonly requestId: string;
  readonly traceparent: string | undefined;
  readonly recordUins: (uins: readonly number[]) => void;
  readonly metrics: GatewayMetrics;
}) {
  return <T>(source: CachedUinSource<T>): RequestLoader<T> =>
    settledLoader(new DataLoader<UinKey, Cached<T>, string>(
      async (keys) => {
        const who = request.caller();
        request.recordUins(keys.map((key) => key.uin));
        const { signalOf } = request;
        const answers = await source.lookUp(keys, {
          priority: request.priority(),
          caller: who,
          deadline: request.deadline(),
          // The deadline's timer and signal are made only when a key misses the caches (its queue reads it).
          get signal() {
            return signalOf();
          },
          requestId: request.requestId,
          traceparent: request.traceparent,
        });
        // The caller's UINs served and failed fast, counted once every key is answered (at once, when all were cached).
        const count = (results: readonly (Cached<T> | Error)[]) => {
          const failedFast = results.filter((result) => result instanceof ThrottleOverloadedError).length;
          request.metrics.recordCallerUins(who, results.filter((result) => !(result instanceof Error)).length, failedFast);
        };
        if (answers.some((answer) => answer instanceof Promise)) void Promise.all(answers).then(count);
        else count(answers as (Cached<T> | Error)[]);
        // An Error in the array rejects its key; a promise is adopted (that key settles when its call is back).
        return answers.map((answer) => (answer instanceof Promise ? answer.then((value) => (value instanceof Error ? Promise.reject(value) : value)) : answer)) as unknown as Cached<T>[];
      },
      { cacheKeyFn: keyOf },
    ));
}

const keyOf = (key: UinKey) => `${key.uin}:${key.maxAgeMs ?? ''}`;

/** A request's loader of a source: its DataLoader, and the values that have settled in this request. */
export interface RequestLoader<T> {
  /** A value that has settled is answered at once; otherwise DataLoader's promise. */
  load(key: UinKey): MaybePromise<Cached<T>>;
  prime(key: UinKey, value: Cached<T>): void;
  clearAll(): void;
}

/**
 * DataLoader answers a key it holds with a new promise a turn later (its cache hits wait for the next
 * batch); a field read again in the request (a list's prefetch read it first) gets the settled value
 * now, so the executor has no promise to wait on. The same value DataLoader would give: both forget together.
 */
export function settledLoader<T>(loader: DataLoader<UinKey, Cached<T>, string>): RequestLoader<T> {
  const settled = new Map<string, Cached<T>>();
  return {
    load(key) {
      const cacheKey = keyOf(key);
      const known = settled.get(cacheKey);
      if (known) return known;
      return loader.load(key).then((value) => {
        settled.set(cacheKey, value);
        return value;
      });
    },
    prime: (key, value) => void loader.prime(key, value),
    clearAll() {
      settled.clear();
      loader.clearAll();
    },
  };
}

/** The response cache's view of a request (server/response-cache.ts): what it read, its scope, and a hit's metrics. */
function responseCacheView(reads: ExecutionReads, canReadPersonalData: () => boolean, caller: () => string, metrics: GatewayMetrics): ResponseCacheContext {
  return {
    reads,
    scope: () => (canReadPersonalData() ? 'pii' : 'no-pii'),
    // A hit serves what the kept answer served: the same counts as an execution from the caches.
    onHit: (served) => {
      let total = 0;
      for (const [cache, count] of served) {
        metrics.recordCacheLookup(cache, count, 0);
        total += count;
      }
      metrics.recordCallerUins(caller(), total, 0);
    },
  };
}

/**
 * A per-customer value with its `asOf`, recorded for the response cache: when it stops being fresh
 * (its cache's TTL), and which customer it was. A value asked with `maxAge` makes the answer one not
 * to keep (its freshness bound is the request's own).
 */
function readRecorder(reads: ExecutionReads) {
  return <T>(loaded: MaybePromise<Cached<T>>, cache: string, ttlMs: number, uin: number, maxAgeMs: number | undefined): MaybePromise<AsOf<T>> => {
    if (maxAgeMs !== undefined) reads.cacheable = false;
    const record = (cached: Cached<T>) => {
      recordRead(reads, cache, cached.asOf, ttlMs, uin);
      return flat(cached);
    };
    return loaded instanceof Promise ? loaded.then(record) : record(loaded);
  };
}

/**
 * `{ ...value, asOf }`, made once per cached entry: the timed cache hands out the same object while its
 * entry is unchanged, so a hit costs no copy. Resolvers only read it.
 */
const flattened = new WeakMap<Cached<unknown>, object>();
function flat<T>(cached: Cached<T>): AsOf<T> {
  let value = flattened.get(cached) as AsOf<T> | undefined;
  if (!value) flattened.set(cached, (value = { ...cached.value, asOf: cached.asOf }));
  return value;
}

/**
 * Aborts after `ms`, or when the client goes away; `release` clears the timer and the listener once
 * the response is out. A plain controller and timer rather than AbortSignal.timeout/any, whose timers
 * can be lost with the composite signal under GC pressure.
 */
function deadlineSignal(ms: number, clientSignal: AbortSignal, remainingMs = ms): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  // Many loads of one request listen to this signal at once.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new Error(`request deadline of ${ms} ms passed`)), Math.max(0, remainingMs));
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
