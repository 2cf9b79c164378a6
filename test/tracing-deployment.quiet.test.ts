import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv } from './support/gateway-process.js';
import { startOtlpReceiver, type OtlpReceiver } from './support/otlp-receiver.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
const data = createDemoData({ customers: 1000 });

/**
 * Three gateway processes on one Redis, one OTLP receiver: an upstream call composed by one replica
 * carries other replicas' UINs, and its span links to their request spans (the asking spans travel
 * with the UINs through the deployment queue).
 */
describe('traces of a deployment (three processes on one Redis; needs a quiet CPU: runs serially)', () => {
  let redis: RedisServer;
  let simulator: Simulator;
  let receiver: OtlpReceiver;
  let replicas: GatewayProcess[] = [];
  beforeAll(async () => {
    [redis, simulator, receiver] = await Promise.all([startRedisServer(), startSimulator({ data, latencyMs: [50, 150] }), startOtlpReceiver()]);
    const env = {
      ...upstreamEnv(simulator),
      ...COUNTING_OTHER_FEATURES,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `traces-${process.pid}:`,
      QUOTA_CACHE_TTL_MS: '0',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    replicas = await Promise.all([1, 2, 3].map((n) => startGatewayProcess({ ...env, OTEL_SERVICE_NAME: `replica-${n}` })));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    await Promise.all([simulator?.close(), receiver?.close(), redis?.kill()]);
  });

  it('30 requests × 10 UINs over three replicas: every request span is linked by a call span, calls link across processes, Redis commands are child spans', async () => {
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => postGraphQL((replicas[i % 3] as GatewayProcess).url, QUERY, { uins: data.customerUins.slice(i * 10, i * 10 + 10).map(String) })),
    );
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    // SIGTERM: each replica flushes its spans on the way out.
    await Promise.all(replicas.map((replica) => replica.stop()));
    const spans = receiver.spans;
    const requests = spans.filter((span) => span.name === 'graphql.request');
    const calls = spans.filter((span) => span.name === 'upstream QueryVoucherAmountByUin');
    expect(requests).toHaveLength(30);
    expect(calls).toHaveLength(simulator.callsOf('QueryVoucherAmountByUin').length);
    const serviceOf = new Map(requests.map((span) => [`${span.traceId}-${span.spanId}`, span.service]));
    const links = calls.flatMap((call) => call.links.map((link) => ({ from: call.service, to: serviceOf.get(`${link.traceId}-${link.spanId}`) })));
    expect(new Set(links.map((link) => link.to))).toEqual(new Set(['replica-1', 'replica-2', 'replica-3']));
    const linkedIds = new Set(calls.flatMap((call) => call.links.map((link) => `${link.traceId}-${link.spanId}`)));
    expect(requests.filter((span) => !linkedIds.has(`${span.traceId}-${span.spanId}`))).toEqual([]);
    // A call composed by one replica links to another replica's requests.
    expect(links.filter((link) => link.to !== undefined && link.to !== link.from).length).toBeGreaterThan(0);
    // Redis commands of a request are children of its span, in its trace.
    const requestIds = new Set(requests.map((span) => span.spanId));
    const redisChildren = spans.filter((span) => span.name.startsWith('redis ') && requestIds.has(span.parentSpanId));
    expect(redisChildren.length).toBeGreaterThan(0);
    expect(redisChildren.every((span) => span.attributes['db.system.name'] === 'redis')).toBe(true);
  }, 60_000);
});
