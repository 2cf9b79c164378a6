import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { maxInWindow } from './support/arrivals.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv, quotasAnswered } from './support/gateway-process.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number } | null }[] };
const data = createDemoData({ customers: 1500 });
const ENTRY = new URL('../src/index.ts', import.meta.url).pathname;
const STALLER = new URL('./support/event-loop-staller.ts', import.meta.url).pathname;

/**
 * The upstream counts arrivals; a shared window that counts grants lets a replica whose event loop
 * stalls between its grant and its departure send late, bunching six arrivals into one upstream second.
 * Each replica here stalls 100–300 ms at random moments (Atomics.wait: no CPU taken from the simulator).
 */
describe('the shared window holds when replicas stall (needs a quiet CPU: runs serially)', () => {
  let redis: RedisServer;
  let simulator: Simulator;
  let replicas: GatewayProcess[];

  beforeAll(async () => {
    redis = await startRedisServer();
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const env = {
      ...upstreamEnv(simulator),
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: `stall-${process.pid}-${Date.now()}:`,
      MAX_UINS_PER_QUERY: '1000',
      REQUEST_DEADLINE_MS: '60000',
      STALL_MS: '100-300',
      STALL_EVERY_MS: '500',
    };
    const args = ['--import', 'tsx', '--import', STALLER, ENTRY];
    replicas = await Promise.all([1, 2, 3].map(() => startGatewayProcess({ ...env, ...COUNTING_OTHER_FEATURES }, { args })));
  }, 60_000);
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    await simulator?.close();
    await redis?.kill();
  });

  it('3 × 400 UINs on stalling replicas: 0 RequestLimitExceeded, never more than 5 arrivals in a second, every customer answered', async () => {
    simulator.resetStats();
    const results = await Promise.all(
      replicas.map((replica, i) => postGraphQL<Customers>(replica.url, QUERY, { uins: data.customerUins.slice(i * 400, (i + 1) * 400).map(String) })),
    );
    expect(results.map((result) => [result.errors, quotasAnswered(result)])).toEqual([0, 1, 2].map(() => [undefined, 400]));
    expect(simulator.stats().rateLimited).toBe(0);
    const calls = simulator.callsOf('QueryVoucherAmountByUin');
    expect(calls.length).toBeGreaterThanOrEqual(60);
    expect(maxInWindow(calls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
  }, 90_000);
});
