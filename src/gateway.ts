import { setMaxListeners } from 'node:events';
import type { Config, UpstreamCredentials } from './config.js';
import type { Logger } from './logger.js';
import { createUinDenylist } from './loaders/uin-denylist.js';
import { createVoucherPoolSource } from './loaders/voucher-pool.js';
import { createVoucherQuotaBatchFn } from './loaders/voucher-quotas.js';
import { schema } from './schema/index.js';
import type { GatewayContext } from './schema/context.js';
import { useCallerAuth } from './server/caller-auth.js';
import { toClientError, withClientErrors } from './server/errors.js';
import { createMetrics, useMetrics, type GatewayMetrics } from './server/metrics.js';
import { createReadiness, useReadiness, type Readiness } from './server/readiness.js';
import { requestIdOf, useRequestLog } from './server/request-log.js';
import { createGatewayYoga, type GatewayYoga } from './server/yoga.js';
import { createUpstreamClient, type AttemptEvent, type CallOptions, type UpstreamClient, type VoucherPool } from './upstream/client.js';
import { deadlineExceeded } from './upstream/errors.js';
import { createInProcessThrottle, type Throttle } from './upstream/throttle.js';
import { createFetchTransport, type Transport } from './upstream/transport.js';

export interface GatewayOptions {
  readonly config: Config;
  /** Where to send upstream calls and with which key (the simulator's, when none is configured). */
  readonly upstream: { readonly endpoint: string; readonly credentials: UpstreamCredentials };
  readonly logger: Logger;
  /** Swappable for tests and, later, for a Redis-backed shared budget. */
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
}

/** Requests naming at most this many UINs are interactive: their upstream calls go first. */
export const INTERACTIVE_MAX_UINS = 20;
const PRIORITY = { interactive: 1, bulk: 0 } as const;

/**
 * Wires the layers: transport → signing/throttle/retries (upstream client) → loaders → schema → Yoga.
 * Per-process parts (throttle, connection pool, denylist, pool single-flight, metrics) are created
 * once here; per-request parts (DataLoaders, the deadline) in the context factory.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  // The queue-depth gauge reads the throttle lazily, at scrape time.
  const metrics: GatewayMetrics = createMetrics(() => throttle);
  const throttle: Throttle =
    options.throttle ??
    createInProcessThrottle({
      intervalCap: config.upstream.ratePerSecond,
      interval: 1000 + config.upstream.throttleMarginMs,
      maxQueued: config.limits.maxQueuedCalls,
      onStart: (action, waitedMs) => metrics.recordThrottleWait(action, waitedMs),
      onOverload: (action) => metrics.recordOverload(action),
    });
  const readiness = createReadiness({ probe: () => voucherPool.load({ priority: PRIORITY.bulk }) });

  const client = createUpstreamClient({
    endpoint: options.upstream.endpoint,
    credentials: options.upstream.credentials,
    transport: options.transport ?? createFetchTransport({ timeoutMs: config.upstream.timeoutMs }),
    throttle,
    retry: { maxAttempts: config.upstream.maxAttempts, baseDelayMs: config.upstream.retryBaseDelayMs },
    onAttempt: (event) => {
      // The upstream RequestId of every attempt is logged, for support tickets.
      if (event.outcome === 'ok') logger.debug({ upstream: event }, 'upstream call');
      else logger.warn({ upstream: event }, 'upstream call failed');
      metrics.recordAttempt(event);
      readiness.observe(event);
      options.onAttempt?.(event);
    },
  });
  const loadVoucherQuotas = createVoucherQuotaBatchFn({
    client,
    denylist: createUinDenylist({ ttlMs: config.upstream.uinDenylistTtlMs }),
  });
  const voucherPool = createVoucherPoolSource(client);

  const context = ({ request }: { request: Request }): GatewayContext => {
    const requestId = requestIdOf(request);
    // One deadline for all upstream work of this request: queueing, attempts and backoff.
    const deadline = Date.now() + config.limits.requestDeadlineMs;
    const signal = deadlineSignal(config.limits.requestDeadlineMs, request.signal);
    const budget = { requestedUins: 0 };
    const callOptions = (): CallOptions => ({
      signal,
      deadline,
      requestId,
      priority: budget.requestedUins > INTERACTIVE_MAX_UINS ? PRIORITY.bulk : PRIORITY.interactive,
    });
    let pool: Promise<VoucherPool> | undefined;
    return {
      budget,
      loadVoucherQuotas: (uins) => withClientErrors(loadVoucherQuotas(uins, callOptions())),
      loadVoucherPool: () =>
        (pool ??= raceSignal(voucherPool.load({ priority: PRIORITY.interactive }), signal).catch((error: unknown) => {
          throw toClientError(error);
        })),
      limits: { maxUinsPerQuery: config.limits.maxUinsPerQuery, maxCost: config.limits.maxCost },
    };
  };

  const yoga = createGatewayYoga({
    schema,
    context,
    graphiql: config.graphiql,
    introspection: config.introspection,
    limits: { ...config.limits, blockFieldSuggestions: !config.introspection },
    logger,
    plugins: [useRequestLog(logger), useMetrics(metrics), useReadiness(readiness), ...useCallerAuth(config.auth)],
  });
  return { yoga, client, throttle, metrics, readiness };
}

/**
 * Aborts after `ms`, or when the client goes away. A plain controller and timer rather than
 * AbortSignal.timeout/any, whose timers can be lost with the composite signal under GC pressure.
 */
function deadlineSignal(ms: number, clientSignal: AbortSignal): AbortSignal {
  const controller = new AbortController();
  // Many upstream calls of one request listen to this signal at once.
  setMaxListeners(0, controller.signal);
  const timer = setTimeout(() => controller.abort(new Error(`request deadline of ${ms} ms passed`)), ms);
  timer.unref();
  const onClientGone = () => {
    clearTimeout(timer);
    controller.abort(clientSignal.reason);
  };
  if (clientSignal.aborted) onClientGone();
  else clientSignal.addEventListener('abort', onClientGone, { once: true });
  return controller.signal;
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
