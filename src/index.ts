import { ConfigError, loadConfig, type Config } from './config.js';
import { createGateway } from './gateway.js';
import { createStdoutLogger } from './logger.js';
import { listen } from './server/http.js';
import { createShutdown } from './server/shutdown.js';
import { loadPersistedDocuments, PersistedDocumentsError, type PersistedDocuments } from './server/persisted-documents.js';
import { schema } from './schema/index.js';
import { startSimulator, type Simulator } from './simulator/simulator.js';
import { connectRedis, redactUrl, type RedisConnection } from './store/redis-connection.js';
import { createTracing } from './tracing/tracing.js';

/** Entry point: only starts things and listens. Everything is built in `createGateway`. */
let config: Config;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`voucher-gateway: invalid configuration: ${error.message}`);
  process.exit(1);
}

const { logger, destination: logDestination } = createStdoutLogger(config.logLevel, config.logBufferBytes);
let persistedDocuments: PersistedDocuments | undefined;
try {
  persistedDocuments = config.persistedDocuments && loadPersistedDocuments(config.persistedDocuments.paths, schema);
} catch (error) {
  if (!(error instanceof PersistedDocumentsError)) throw error;
  console.error(`voucher-gateway: invalid trusted documents: ${error.message}`);
  process.exit(1);
}
let simulator: Simulator | undefined;
let upstream: { endpoint: string; credentials: NonNullable<Config['credentials']> };
if (config.credentials) {
  upstream = { endpoint: config.endpoint, credentials: config.credentials };
} else {
  // A few demo customers spend a little every few seconds: GraphiQL's subscriptions show live events.
  simulator = await startSimulator({ latencyMs: [20, 60], spending: { everyMs: 3000, customers: 3, amount: 25 } });
  upstream = { endpoint: simulator.url, credentials: simulator.credentials };
  logger.info(
    { simulator: simulator.url, exampleUins: simulator.data.customerUins.slice(0, 3).map(String) },
    'no TENCENTCLOUD_SECRET_ID/TENCENTCLOUD_SECRET_KEY set: serving the built-in partner API simulator with its demo credentials',
  );
}

// OTEL_* set: traces leave through the batch span processor; unset: a no-op tracer.
// Redis commands become child spans of the request that made them: that needs the active context.
const tracing = createTracing(config.tracing, { propagateContext: config.redis !== undefined });
// With REDIS_URL, replicas share one budget, cache and denylist; an unreachable Redis is not fatal.
let redis: RedisConnection | undefined;
if (config.redis) redis = await connectRedis({ url: config.redis.url, cluster: config.redis.cluster, logger, tracer: tracing.enabled ? tracing.tracer : undefined });

const gateway = createGateway({ config, upstream, logger, redis, persistedDocuments, log: logDestination, tracing });
const http = await listen(gateway.yoga, config.port, '0.0.0.0', config.auth);
logger.info(
  {
    url: `${http.url}/graphql`,
    graphiql: config.graphiql,
    upstream: upstream.endpoint,
    sharedState: gateway.sharedState(),
    replica: gateway.replicaId,
    ...(persistedDocuments ? { trustedDocuments: persistedDocuments.size, trustedDocumentsOnly: config.persistedDocuments?.only } : {}),
    ...(config.redis ? { redis: redactUrl(config.redis.url) } : {}),
    ...(config.tracing ? { traces: config.tracing.url, tracesProtocol: config.tracing.protocol } : {}),
  },
  'voucher gateway ready',
);

const shutdown = createShutdown({
  drain: () => gateway.drain(),
  closeListener: () => http.close(),
  close: async () => {
    await gateway.close();
    await redis?.close();
    await simulator?.close();
    await tracing.shutdown();
  },
  logger,
  delayMs: config.shutdownDelayMs,
  deadlineMs: config.limits.requestDeadlineMs,
});
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
