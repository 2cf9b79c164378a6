import type { Config, UpstreamCredentials } from './config.js';
import type { Logger } from './logger.js';
import { createUinDenylist } from './loaders/uin-denylist.js';
import { createVoucherPoolSource } from './loaders/voucher-pool.js';
import { createVoucherQuotaBatchFn } from './loaders/voucher-quotas.js';
import { schema } from './schema/index.js';
import type { GatewayContext } from './schema/context.js';
import { toClientError, withClientErrors } from './server/errors.js';
import { createGatewayYoga, type GatewayYoga } from './server/yoga.js';
import { createUpstreamClient, type AttemptEvent, type UpstreamClient, type VoucherPool } from './upstream/client.js';
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
}

/**
 * Wires the layers: transport → signing/throttle/retries (upstream client) → loaders → schema → Yoga.
 * Per-process parts (throttle, connection pool, denylist, pool single-flight) are created once here;
 * per-request parts (DataLoaders) in the context factory.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { config, logger } = options;
  const throttle =
    options.throttle ??
    createInProcessThrottle({ intervalCap: config.upstream.ratePerSecond, interval: 1000 + config.upstream.throttleMarginMs });
  const client = createUpstreamClient({
    endpoint: options.upstream.endpoint,
    credentials: options.upstream.credentials,
    transport: options.transport ?? createFetchTransport({ timeoutMs: config.upstream.timeoutMs }),
    throttle,
    retry: { maxAttempts: config.upstream.maxAttempts, baseDelayMs: config.upstream.retryBaseDelayMs },
    onAttempt: (event) => {
      if (event.outcome === 'ok') logger.debug({ upstream: event }, 'upstream call');
      else logger.warn({ upstream: event }, 'upstream call failed');
      options.onAttempt?.(event);
    },
  });
  const loadVoucherQuotas = createVoucherQuotaBatchFn({
    client,
    denylist: createUinDenylist({ ttlMs: config.upstream.uinDenylistTtlMs }),
  });
  const voucherPool = createVoucherPoolSource(client);

  const context = (): GatewayContext => {
    let pool: Promise<VoucherPool> | undefined;
    return {
      loadVoucherQuotas: (uins) => withClientErrors(loadVoucherQuotas(uins)),
      loadVoucherPool: () => (pool ??= voucherPool.load().catch((error: unknown) => Promise.reject(toClientError(error)))),
      limits: { maxUinsPerQuery: config.limits.maxUinsPerQuery },
    };
  };

  const yoga = createGatewayYoga({ schema, context, graphiql: config.graphiql, introspection: config.introspection, logger });
  return { yoga, client, throttle };
}
