import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv } from './support/gateway-process.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount asOf } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number; asOf: string } | null }[] };

/**
 * The response cache on a deployment (two replicas, one Redis): a replica keeps a repeated document's
 * answer, and drops it as soon as another replica fetches a newer answer for one of its customers
 * (the results stream brings every deployment call's results to every replica).
 */
describe('the response cache with Redis', () => {
  let redis: RedisServer;
  let simulator: Simulator;
  let gateways: GatewayProcess[];
  const data = createDemoData({ customers: 40 });

  beforeAll(async () => {
    redis = await startRedisServer();
    simulator = await startSimulator({ data });
    const env = { ...upstreamEnv(simulator), REDIS_URL: redis.url, QUOTA_CACHE_TTL_MS: '60000', ...COUNTING_OTHER_FEATURES };
    gateways = [await startGatewayProcess(env), await startGatewayProcess(env)];
  }, 60_000);
  afterAll(async () => {
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    await simulator?.close();
    await redis?.kill();
  });

  const responseHits = async (gateway: GatewayProcess) => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    return Number(/cache_lookups_total\{cache="response",result="hit"\} (\d+)/.exec(text)?.[1] ?? 0);
  };

  it('a kept answer on one replica leaves when another replica fetches a newer answer for one of its customers', async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const [uin, other] = data.customerUins as [number, number];
    const uins = [String(uin), String(other)];
    // B keeps the answer (at its second execution) and serves the third from it.
    for (let i = 0; i < 3; i++) expect((await postGraphQL<Customers>(b.url, QUERY, { uins })).errors).toBeUndefined();
    expect(await responseHits(b)).toBe(1);
    const kept = await postGraphQL<Customers>(b.url, QUERY, { uins });
    expect(await responseHits(b)).toBe(2);

    // The balance changes upstream; A asks for a fresh answer.
    (data.customers.get(uin) as { remainAmount: number }).remainAmount = 4.5;
    const fresh = await postGraphQL(a.url, `{ customer(uin: "${uin}") { voucherQuota(maxAge: 0) { remainAmount } } }`);
    expect(fresh.errors).toBeUndefined();

    // B's next answers show the new balance once the results stream has brought A's answer (milliseconds).
    await expect
      .poll(async () => (await postGraphQL<Customers>(b.url, QUERY, { uins })).data?.customers[0]?.voucherQuota?.remainAmount, { timeout: 5000, interval: 50 })
      .toBe(4.5);
    const again = await postGraphQL<Customers>(b.url, QUERY, { uins });
    expect(again.data?.customers[0]?.voucherQuota?.asOf).not.toBe(kept.data?.customers[0]?.voucherQuota?.asOf);
    expect(again.data?.customers[1]).toEqual(kept.data?.customers[1]);
    expect(simulator.stats().rateLimited).toBe(0);
  });
});
