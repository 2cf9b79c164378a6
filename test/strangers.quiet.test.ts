import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';

/**
 * One caller's strangers cost that caller, never the others. The upstream refuses a whole call for a
 * UIN that is not a customer (`UinNoAuth`); the directory of 2000 customers (20 pages at 20/s: about
 * 1 s) tells strangers apart with no quota call at all. Counted from the simulator's call log.
 */
const data = createDemoData({ customers: 2000 });
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
const STRANGERS = Array.from({ length: 200 }, (_, i) => 900_000_000_000 + i * 7);
const CUSTOMERS = data.customerUins.slice(100, 120).map(Number);
type Answer = { data?: { customers: { uin: string; voucherQuota: { remainAmount: number } | null }[] } | null; errors?: { path?: (string | number)[]; extensions?: Record<string, unknown> }[] };

let simulator: Simulator;
let gateways: GatewayProcess[] = [];
afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  gateways = [];
  await simulator?.close();
});

const start = async (env: Record<string, string> = {}, count = 1) => {
  simulator = await startSimulator({ data, latencyMs: [50, 150], unknownUinMode: 'fail-call' });
  gateways = await Promise.all(Array.from({ length: count }, () => startGatewayProcess({ ...upstreamEnv(simulator), MAX_UINS_PER_QUERY: '1000', BOOK_SWEEP_CALLS_PER_SECOND: '0', ...env })));
  return gateways.map((gateway) => gateway.url);
};

/** Quota calls that carried any of `uins`. */
const callsCarrying = (uins: readonly number[]) => {
  const wanted = new Set(uins);
  return simulator.callsOf('QueryVoucherAmountByUin').filter((call) => (call.uins ?? []).some((uin) => wanted.has(uin))).length;
};

/** The customers answered right, and the strangers answered CUSTOMER_NOT_FOUND. */
function judge(answer: Answer, customers: readonly number[], strangers: readonly number[]) {
  const byUin = new Map(answer.data?.customers.map((customer, index) => [Number(customer.uin), { customer, index }]));
  const right = customers.filter((uin) => byUin.get(uin)?.customer.voucherQuota?.remainAmount === data.customers.get(uin)?.remainAmount).length;
  const notFound = new Set((answer.errors ?? []).filter((error) => error.extensions?.code === 'CUSTOMER_NOT_FOUND').map((error) => error.path?.[1]));
  return { right, notFound: strangers.filter((uin) => notFound.has(byUin.get(uin)?.index)).length };
}

describe('strangers (real gateway processes, the upstream refusing whole calls)', () => {
  it('200 strangers beside 20 customers: ≤ 40 quota calls carry them, every stranger CUSTOMER_NOT_FOUND, another caller unharmed; asked again, 0 calls', async () => {
    const [url] = (await start()) as [string];
    const mixed = [...STRANGERS.slice(0, 100), ...CUSTOMERS, ...STRANGERS.slice(100)];
    let done = false;
    const lookups: Promise<Answer>[] = [];
    const request = postGraphQL(url, QUERY, { uins: mixed.map(String) }, { 'apollographql-client-name': 'typo' }) as Promise<Answer>;
    void request.finally(() => (done = true));
    for (let i = 0; !done || i < 5; i++) {
      lookups.push(postGraphQL(url, QUERY, { uins: [String(data.customerUins[1000 + i])] }, { 'apollographql-client-name': 'console' }) as Promise<Answer>);
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const answer = await request;
    expect(judge(answer, CUSTOMERS, STRANGERS)).toEqual({ right: 20, notFound: 200 });
    expect(callsCarrying(mixed)).toBeLessThanOrEqual(40);
    // The other caller's lookups were all answered.
    const others = await Promise.all(lookups);
    expect(others.filter((other) => other.data?.customers[0]?.voucherQuota !== null && !other.errors).length).toBe(others.length);
    expect(simulator.stats().rateLimited).toBe(0);

    simulator.resetStats();
    const again = (await postGraphQL(url, QUERY, { uins: STRANGERS.map(String) })) as Answer;
    expect(judge(again, [], STRANGERS).notFound).toBe(200);
    expect(simulator.stats().calls).toHaveLength(0);
  });
});

describe('strangers across a deployment (2 processes, one Redis)', () => {
  let redis: RedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(() => redis.kill());

  it('one replica walks the directory; the other reads its list: 0 directory and 0 quota calls for the same strangers', async () => {
    const [a, b] = (await start({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: `strangers-${Date.now()}:` }, 2)) as [string, string];
    expect(judge((await postGraphQL(a, QUERY, { uins: STRANGERS.slice(0, 50).map(String) })) as Answer, [], STRANGERS.slice(0, 50)).notFound).toBe(50);
    expect(simulator.callsOf('DescribeCustomerUin').length).toBe(20);
    simulator.resetStats();
    const fromB = (await postGraphQL(b, QUERY, { uins: [...STRANGERS.slice(50, 100), ...CUSTOMERS].map(String) })) as Answer;
    expect(judge(fromB, CUSTOMERS, STRANGERS.slice(50, 100))).toEqual({ right: 20, notFound: 50 });
    expect(simulator.callsOf('DescribeCustomerUin')).toHaveLength(0);
    expect(callsCarrying(STRANGERS)).toBe(0);
  });
});
