import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv, quotasAnswered } from './support/gateway-process.js';
import { maxInWindow } from './support/arrivals.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount asOf } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number; asOf: string } | null }[] };
const data = createDemoData({ customers: 1500 });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** Three gateway processes with one key, sharing a real Redis (their own server on a free port). */
describe('replicas share one budget, one cache and one denylist through Redis', () => {
  let redis: RedisServer;
  let simulator: Simulator;
  let replicas: GatewayProcess[];

  beforeAll(async () => {
    redis = await startRedisServer();
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const env = {
      ...upstreamEnv(simulator),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `test-${process.pid}-${Date.now()}:`,
      MAX_UINS_PER_QUERY: '1000',
      REQUEST_DEADLINE_MS: '60000',
    };
    replicas = await Promise.all([1, 2, 3].map(() => startGatewayProcess({ ...env, ...COUNTING_OTHER_FEATURES })));
  }, 60_000);
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    await simulator?.close();
    await redis?.kill();
  });

  it('3 × 400 UINs at once: exactly 60 calls, never more than 5 in a second, 0 RequestLimitExceeded', async () => {
    simulator.resetStats();
    const results = await Promise.all(
      replicas.map((replica, i) => postGraphQL<Customers>(replica.url, QUERY, { uins: data.customerUins.slice(i * 400, (i + 1) * 400).map(String) })),
    );
    expect(results.map((result) => [result.errors, quotasAnswered(result)])).toEqual([0, 1, 2].map(() => [undefined, 400]));
    const calls = simulator.callsOf('QueryVoucherAmountByUin');
    expect(calls).toHaveLength(60);
    expect(simulator.stats().rateLimited).toBe(0);
    expect(maxInWindow(calls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
  }, 60_000);

  it('a quota fetched through one replica is served from the cache by the others', async () => {
    simulator.resetStats();
    const uin = String(data.customerUins[1400]);
    const first = await postGraphQL<Customers>(replicas[0]!.url, QUERY, { uins: [uin] });
    expect(simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(1);
    for (const replica of replicas.slice(1)) {
      const other = await postGraphQL<Customers>(replica.url, QUERY, { uins: [uin] });
      expect(other.data).toEqual(first.data);
    }
    expect(simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(1);
  });

  it('Redis killed mid-load: answers keep coming on the fallback budget, 0 RequestLimitExceeded, shared again when it returns', async () => {
    simulator.resetStats();
    let stop = false;
    const answered: { at: number; ok: boolean }[] = [];
    let next = 0;
    // Each replica keeps asking for fresh (maxAge: 0) quotas of 5 customers at a time.
    const load = replicas.map(async (replica) => {
      while (!stop) {
        const uins = Array.from({ length: 5 }, () => String(data.customerUins[next++ % 1200]));
        const result = await postGraphQL<{ customers: { voucherQuota: object | null }[] }>(
          replica.url,
          'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota(maxAge: 0) { remainAmount } } }',
          { uins },
        );
        answered.push({ at: Date.now(), ok: result.data?.customers.every((customer) => customer.voucherQuota !== null) ?? false });
      }
    });
    await sleep(1500);
    await redis.kill();
    const killedAt = Date.now();
    await sleep(4000);
    // /ready stays 200 and says where state lives now.
    const ready = await fetch(`${replicas[0]!.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, sharedState: 'fallback' });
    const metrics = await (await fetch(`${replicas[1]!.url}/metrics`)).text();
    expect(metrics).toMatch(/^shared_state_mode\{mode="fallback"\} 1$/m);
    await redis.start();
    const restartedAt = Date.now();
    await sleep(4000);
    stop = true;
    await Promise.all(load);

    const during = answered.filter((answer) => answer.at > killedAt + 2000 && answer.at < restartedAt);
    expect(during.filter((answer) => answer.ok).length).toBeGreaterThan(0);
    expect(answered.filter((answer) => answer.at > restartedAt + 2000 && answer.ok).length).toBeGreaterThan(0);
    expect(simulator.stats().rateLimited).toBe(0);
    const calls = simulator.callsOf('QueryVoucherAmountByUin');
    expect(maxInWindow(calls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
    for (const replica of replicas) {
      const body = (await (await fetch(`${replica.url}/ready`)).json()) as { sharedState: string };
      expect(body.sharedState).toBe('redis');
      expect(replica.output()).toMatch(/Redis unreachable: falling back/);
      expect(replica.output()).toMatch(/Redis is back/);
    }
  }, 60_000);
});

describe('an unreachable REDIS_URL at start-up', () => {
  it('starts in fallback mode with a warning, serves, and shares state once Redis comes up', async () => {
    const redis = await startRedisServer();
    await redis.kill();
    const simulator = await startSimulator({ data });
    const gateway = await startGatewayProcess({
      ...upstreamEnv(simulator),
      ...COUNTING_OTHER_FEATURES,
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `test-${process.pid}-${Date.now()}:`,
    });
    try {
      expect(gateway.output()).toMatch(/Redis unreachable at start-up: starting in fallback mode/);
      expect(gateway.output()).toMatch(/"sharedState":"fallback"/);
      const ready = await fetch(`${gateway.url}/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ ready: true, sharedState: 'fallback' });
      // The switch-over pause (one window + 0.5 s) passes, then the local fallback budget serves.
      const result = await postGraphQL<Customers>(gateway.url, QUERY, { uins: [String(data.customerUins[0])] });
      expect(result.errors).toBeUndefined();
      await redis.start();
      const deadline = Date.now() + 5000;
      let state = 'fallback';
      while (state !== 'redis' && Date.now() < deadline) {
        await sleep(100);
        state = ((await (await fetch(`${gateway.url}/ready`)).json()) as { sharedState: string }).sharedState;
      }
      expect(state).toBe('redis');
      expect(gateway.output()).toMatch(/Redis is back/);
    } finally {
      await gateway.stop();
      await simulator.close();
      await redis.kill();
    }
  }, 90_000);
});
