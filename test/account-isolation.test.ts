import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData, EXAMPLE_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { accountKeyPrefix } from '../src/store/key-space.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv } from './support/gateway-process.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const QUERY = 'query ($uin: UIN!) { customer(uin: $uin) { voucherQuota { remainAmount } profile { name email } } }';
type Customer = { customer: { voucherQuota: { remainAmount: number } | null; profile: { name: string; email: string | null } | null } | null };

/**
 * Two gateways for two reseller accounts on one Redis with one key prefix (a shared Redis per cluster
 * is common): each account's answers, profiles and denylist stay its own. Both accounts have the
 * example customer (with different balances); each has customers the other does not.
 */
describe('shared state is scoped to its upstream account', () => {
  let redis: RedisServer;
  let simulators: Simulator[];
  let gateways: GatewayProcess[];
  const dataA = createDemoData({ customers: 50, seed: 1 });
  const dataB = createDemoData({ customers: 50, seed: 2 });

  beforeAll(async () => {
    redis = await startRedisServer();
    simulators = [
      await startSimulator({ data: dataA, unknownUinMode: 'fail-call' }),
      await startSimulator({ data: dataB, unknownUinMode: 'fail-call', credentials: { secretId: 'AKIDaccountBexample0000000000000000', secretKey: 'account-b-secret-key-example-00000' } }),
    ];
    gateways = await Promise.all(
      simulators.map((simulator) =>
        startGatewayProcess({
          ...upstreamEnv(simulator),
          REDIS_URL: redis.url,
          REDIS_KEY_PREFIX: 'voucher-gateway:',
          ...COUNTING_OTHER_FEATURES,
        }),
      ),
    );
  }, 60_000);
  afterAll(async () => {
    await Promise.all((gateways ?? []).map((gateway) => gateway.stop()));
    for (const simulator of simulators ?? []) await simulator.close();
    await redis?.kill();
  });

  it('no cached answer, profile or denylist entry crosses from one account to the other', async () => {
    const [a, b] = gateways as [GatewayProcess, GatewayProcess];
    const [simulatorA, simulatorB] = simulators as [Simulator, Simulator];
    const example = String(EXAMPLE_CUSTOMER_UIN);
    const onlyA = [...dataA.customerUins].find((uin) => !dataB.customers.has(uin)) as number;
    const onlyB = [...dataB.customerUins].find((uin) => !dataA.customers.has(uin)) as number;
    expect(dataA.customers.get(EXAMPLE_CUSTOMER_UIN)?.remainAmount).not.toBe(dataB.customers.get(EXAMPLE_CUSTOMER_UIN)?.remainAmount);

    // A reads the example customer (now cached) and denylists B's customer (a stranger to A).
    const fromA = await postGraphQL<Customer>(a.url, QUERY, { uin: example });
    expect(fromA.data?.customer?.voucherQuota?.remainAmount).toBe(dataA.customers.get(EXAMPLE_CUSTOMER_UIN)?.remainAmount);
    const strangerToA = await postGraphQL<Customer>(a.url, QUERY, { uin: String(onlyB) });
    expect(strangerToA.errors?.map((error) => error.extensions?.code)).toContain('CUSTOMER_NOT_FOUND');

    // B gets its own answers: its balance and profile of the example customer, fetched from its upstream.
    simulatorB.resetStats();
    const fromB = await postGraphQL<Customer>(b.url, QUERY, { uin: example });
    expect(fromB.errors).toBeUndefined();
    expect(fromB.data?.customer?.voucherQuota?.remainAmount).toBe(dataB.customers.get(EXAMPLE_CUSTOMER_UIN)?.remainAmount);
    expect(fromB.data?.customer?.profile?.name).toBe(dataB.customers.get(EXAMPLE_CUSTOMER_UIN)?.profile.Name);
    expect(simulatorB.callsOf('QueryVoucherAmountByUin').flatMap((call) => call.uins ?? [])).toEqual([EXAMPLE_CUSTOMER_UIN]);
    // A's stranger is B's customer: answered, not denied by A's denylist.
    const mine = await postGraphQL<Customer>(b.url, QUERY, { uin: String(onlyB) });
    expect(mine.errors).toBeUndefined();
    expect(mine.data?.customer?.voucherQuota?.remainAmount).toBe(dataB.customers.get(onlyB)?.remainAmount);
    // And A's customer is a stranger to B, whatever A cached.
    await postGraphQL<Customer>(a.url, QUERY, { uin: String(onlyA) });
    const strangerToB = await postGraphQL<Customer>(b.url, QUERY, { uin: String(onlyA) });
    expect(strangerToB.data?.customer?.voucherQuota).toBeNull();
    expect(simulatorA.stats().rateLimited + simulatorB.stats().rateLimited).toBe(0);

    // Every key lives under one of two account spaces, none under the bare prefix.
    const client = new Redis(redis.url);
    try {
      const keys = await client.keys('voucher-gateway:*');
      const spaces = new Set(keys.map((key) => key.split(':')[1]));
      expect(spaces.size).toBe(2);
      expect(keys.some((key) => /^voucher-gateway:(quota|profile|deny|pool|budget):/.test(key))).toBe(false);
    } finally {
      client.disconnect();
    }
  }, 60_000);

  it('garbage and old-version entries under the cache keys: right answers, counted as invalid misses, one warning', async () => {
    const [a] = gateways as [GatewayProcess];
    const [simulatorA] = simulators as [Simulator];
    const [garbage, old] = dataA.customerUins.slice(10, 12) as [number, number];
    const space = accountKeyPrefix('voucher-gateway:', { secretId: simulatorA.credentials.secretId, endpoint: simulatorA.url });
    const client = new Redis(redis.url);
    try {
      await client.set(`${space}quota:${garbage}`, '{"v":1,"asOf":', 'PX', 60_000);
      // The entry layout before formats were versioned: `{ value, asOf }`, and a balance that is long gone.
      await client.set(`${space}quota:${old}`, JSON.stringify({ value: { uin: old, totalAmount: 1, remainAmount: 1 }, asOf: Date.now() }), 'PX', 60_000);
    } finally {
      client.disconnect();
    }
    const answers = await Promise.all([garbage, old].map((uin) => postGraphQL<Customer>(a.url, QUERY, { uin: String(uin) })));
    for (const [index, uin] of [garbage, old].entries()) {
      expect(answers[index]?.errors).toBeUndefined();
      expect(answers[index]?.data?.customer?.voucherQuota?.remainAmount).toBe(dataA.customers.get(uin)?.remainAmount);
    }
    const metrics = await (await fetch(`${a.url}/metrics`)).text();
    expect(metrics).toMatch(/^cache_lookups_total\{cache="quota",result="invalid"\} 2$/m);
    expect(a.output().match(/treated as misses/g)).toHaveLength(1);
  }, 30_000);
});
