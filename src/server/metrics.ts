import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Plugin } from 'graphql-yoga';
import type { AttemptEvent } from '../upstream/client.js';
import type { Throttle } from '../upstream/throttle.js';
import { whenRequestEnds } from './request-end.js';
import type { BookCoverage } from '../book/book.js';

/**
 * Prometheus metrics, one registry per gateway (so tests and several gateways in one process never
 * share counters). Served at `/metrics`.
 */
export interface GatewayMetrics {
  readonly registry: Registry;
  recordAttempt(event: AttemptEvent): void;
  recordThrottleWait(action: string, waitedMs: number): void;
  recordOverload(action: string): void;
  recordCacheLookup(cache: string, hits: number, misses: number): void;
  /** Entries read back that were not usable (garbage, another format, a foreign shape); also counted as misses. */
  recordCacheInvalid(cache: string, count: number): void;
  recordUinOverload(action: string): void;
  /** A walk over the whole customer directory (the list of who is a customer). */
  recordDirectoryWalk(walk: { pages: number; restarts: number; customers: number }): void;
  /** A request's UINs answered and failed fast (`GATEWAY_OVERLOADED`), by caller. */
  recordCallerUins(caller: string, served: number, failedFast: number): void;
}

export interface MetricsSources {
  readonly throttle: () => Throttle;
  /** UINs waiting in the gateway-wide queues, by action. */
  readonly queuedUins: () => Record<string, number>;
  /** Where shared state lives now. */
  readonly sharedState: () => 'local' | 'redis' | 'fallback';
  /** Callers with a label of their own (`CALLER_WEIGHTS`); every other caller is counted as `other`. */
  readonly knownCallers?: readonly string[];
  /** The book's coverage, the distinct customers watched and the open subscriptions per transport. */
  readonly book?: (() => Promise<{ coverage: BookCoverage; watched: number; subscriptions: ReadonlyMap<string, number> }>) | undefined;
  /** Log lines dropped because stdout did not drain (or its reader is gone), and bytes waiting for it. */
  readonly log?: { readonly dropped: () => number; readonly bufferedBytes: () => number } | undefined;
}

export function createMetrics(sources: MetricsSources): GatewayMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const { calls, retries, duration, batchSize } = upstreamInstruments(registry);
  const uinsOverloaded = new Counter({
    name: 'uins_overloaded_total',
    help: 'UINs failed fast with GATEWAY_OVERLOADED (their deadline could not be met, or the UIN queue was full), by action.',
    labelNames: ['action'],
    registers: [registry],
  });
  const cacheLookups = new Counter({
    name: 'cache_lookups_total',
    help: 'Cache lookups by cache (quota, pool, ...) and result (hit, miss).',
    labelNames: ['cache', 'result'],
    registers: [registry],
  });
  const wait = new Histogram({
    name: 'throttle_wait_seconds',
    help: 'Time a task waited in the throttle queue before starting, by action.',
    labelNames: ['action'],
    buckets: [0, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20],
    registers: [registry],
  });
  const overloaded = new Counter({
    name: 'throttle_overloaded_total',
    help: 'Tasks refused at once because the expected wait exceeded the deadline or the queue was full.',
    labelNames: ['action'],
    registers: [registry],
  });
  registerStateGauges(registry, sources);
  registerBookMetrics(registry, sources);

  const known = new Set(['anonymous', ...(sources.knownCallers ?? [])]);
  const callerUins = new Counter({
    name: 'caller_uins_total',
    help: 'UINs asked for by requests, by caller and outcome (served, or failed_fast with GATEWAY_OVERLOADED). Callers not configured in CALLER_WEIGHTS count as other.',
    labelNames: ['caller', 'outcome'],
    registers: [registry],
  });

  const walks = new Counter({ name: 'directory_walks_total', help: 'Walks over every page of the customer directory (the list of who is a customer), restarts included.', registers: [registry] });
  const walkRestarts = new Counter({ name: 'directory_walk_restarts_total', help: 'Directory walks repeated because the total changed while they went on.', registers: [registry] });
  const directoryCustomers = new Gauge({ name: 'directory_customers', help: 'Customers in the latest directory walk.', registers: [registry] });
  return {
    registry,
    recordDirectoryWalk(walk) {
      walks.inc();
      if (walk.restarts > 0) walkRestarts.inc(walk.restarts);
      directoryCustomers.set(walk.customers);
    },
    recordCallerUins(caller, served, failedFast) {
      const label = known.has(caller) ? caller : 'other';
      if (served > 0) callerUins.inc({ caller: label, outcome: 'served' }, served);
      if (failedFast > 0) callerUins.inc({ caller: label, outcome: 'failed_fast' }, failedFast);
    },
    recordAttempt(event) {
      calls.inc({ action: event.action, outcome: event.outcome === 'error' ? (event.code ?? 'error') : event.outcome });
      duration.observe({ action: event.action }, event.durationMs / 1000);
      if (event.attempt > 1) retries.inc({ action: event.action });
      else if (event.batchSize !== undefined) batchSize.observe({ action: event.action }, event.batchSize);
    },
    recordThrottleWait(action, waitedMs) {
      wait.observe({ action }, waitedMs / 1000);
    },
    recordOverload(action) {
      overloaded.inc({ action });
    },
    recordUinOverload(action) {
      uinsOverloaded.inc({ action });
    },
    recordCacheInvalid(cache, count) {
      cacheLookups.inc({ cache, result: 'invalid' }, count);
    },
    recordCacheLookup(cache, hits, misses) {
      if (hits > 0) cacheLookups.inc({ cache, result: 'hit' }, hits);
      if (misses > 0) cacheLookups.inc({ cache, result: 'miss' }, misses);
    },
  };
}

/** The upstream attempts' counters and histograms. */
function upstreamInstruments(registry: Registry) {
  const calls = new Counter({
    name: 'upstream_calls_total',
    help: 'Upstream attempts by action and outcome: ok, aborted (our own give-up: deadline or client gone, not an upstream failure), or the error code.',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  const retries = new Counter({ name: 'upstream_retries_total', help: 'Upstream attempts after the first, by action.', labelNames: ['action'], registers: [registry] });
  const duration = new Histogram({
    name: 'upstream_call_duration_seconds',
    help: 'Upstream attempt duration (queue wait excluded), by action.',
    labelNames: ['action'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'upstream_batch_size',
    help: 'UINs per upstream call (first attempts), by action.',
    labelNames: ['action'],
    buckets: [1, 2, 5, 10, 15, 19, 20],
    registers: [registry],
  });
  return { calls, retries, duration, batchSize };
}

/** Gauges and counters read at scrape time: the log pipe, the UIN queues, the shared state, the throttle. */
function registerStateGauges(registry: Registry, sources: MetricsSources): void {
  const { throttle } = sources;
  new Counter({
    name: 'log_lines_dropped_total',
    help: 'Log lines dropped because stdout did not drain (a stalled log reader) or its reader went away; never queued without bound.',
    registers: [registry],
    collect() {
      const dropped = sources.log?.dropped() ?? 0;
      this.reset();
      if (dropped > 0) this.inc(dropped);
    },
  });
  new Gauge({
    name: 'log_buffered_bytes',
    help: 'Bytes of log lines waiting for the stdout reader (bounded by LOG_BUFFER_BYTES).',
    registers: [registry],
    collect() {
      this.set(sources.log?.bufferedBytes() ?? 0);
    },
  });
  new Gauge({
    name: 'uin_queue_depth',
    help: 'UINs waiting in the gateway-wide queue for an upstream call, by action.',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [action, queued] of Object.entries(sources.queuedUins())) this.set({ action }, queued);
    },
  });
  new Gauge({
    name: 'shared_state_mode',
    help: 'Where the budget, caches and denylist live: 1 for the current mode (local, redis, fallback = Redis configured but unreachable).',
    labelNames: ['mode'],
    registers: [registry],
    collect() {
      const mode = sources.sharedState();
      for (const candidate of ['local', 'redis', 'fallback']) this.set({ mode: candidate }, candidate === mode ? 1 : 0);
    },
  });
  new Gauge({
    name: 'throttle_queue_depth',
    help: 'Tasks waiting in the throttle queue, by action.',
    labelNames: ['action'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [action, stats] of Object.entries(throttle().stats())) this.set({ action }, stats.queued);
    },
  });

}

/** `/metrics`, plus `graphql_request_duration_seconds` for every GraphQL request. */
export function useMetrics(metrics: GatewayMetrics): Plugin {
  const requests = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL request duration, by operation name and HTTP status.',
    labelNames: ['operation', 'status'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
    registers: [metrics.registry],
  });
  const started = new WeakMap<Request, number>();
  const operations = new WeakMap<Request, string>();
  const knownOperations = new Set<string>();
  const MAX_OPERATION_LABELS = 100;
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname === '/metrics') {
        endResponse(new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }));
        return;
      }
      started.set(request, performance.now());
    },
    onParams({ params, request }) {
      // Operation names are client-chosen: keep label cardinality bounded (the first 100 names seen).
      let name = typeof params.operationName === 'string' && /^\w{1,64}$/.test(params.operationName) ? params.operationName : 'anonymous';
      if (!knownOperations.has(name)) {
        if (knownOperations.size < MAX_OPERATION_LABELS) knownOperations.add(name);
        else name = 'other';
      }
      operations.set(request, name);
    },
    onResponse({ request, response }) {
      const start = started.get(request);
      if (start === undefined || !operations.has(request)) return;
      const labels = { operation: operations.get(request) ?? 'anonymous', status: String(response.status) };
      void whenRequestEnds(request).then(() => requests.observe(labels, (performance.now() - start) / 1000));
    },
  };
}

/** The book (coverage, the sweep's lag) and the subscriptions (watched customers, open streams). */
function registerBookMetrics(registry: Registry, sources: MetricsSources): void {
  const read = () => sources.book?.().catch(() => undefined);
  new Gauge({
    name: 'book_customers',
    help: 'Customers in the book, by what it knows of them: all (the directory), with_quota, with_profile.',
    labelNames: ['known'],
    registers: [registry],
    async collect() {
      const book = await read();
      if (!book) return;
      this.set({ known: 'all' }, book.coverage.customers);
      this.set({ known: 'with_quota' }, book.coverage.withQuota);
      this.set({ known: 'with_profile' }, book.coverage.withProfile);
    },
  });
  new Gauge({
    name: 'book_oldest_quota_age_seconds',
    help: "Age of the book's oldest quota: the sweep's lag.",
    registers: [registry],
    async collect() {
      const oldest = (await read())?.coverage.oldestQuotaAsOf;
      this.set(oldest === null || oldest === undefined ? 0 : (Date.now() - oldest) / 1000);
    },
  });
  new Gauge({
    name: 'watched_uins',
    help: 'Distinct customers subscriptions watch (re-read every WATCH_REFRESH_MS).',
    registers: [registry],
    async collect() {
      this.set((await read())?.watched ?? 0);
    },
  });
  new Gauge({
    name: 'subscriptions_open',
    help: 'Open subscriptions, by transport (sse, graphql-ws).',
    labelNames: ['transport'],
    registers: [registry],
    async collect() {
      const subscriptions = (await read())?.subscriptions ?? [];
      this.reset();
      for (const [transport, open] of subscriptions) this.set({ transport }, open);
    },
  });
}
