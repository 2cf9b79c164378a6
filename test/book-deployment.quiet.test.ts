import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';
import { SHARED_REDIS_KINDS, startSharedRedis, untilSharing, type SharedRedis } from './support/redis-cluster.js';

/**
 * One book for a deployment: 3 gateway processes on Redis, the simulator with 2000 customers, the
 * sweep at 5 calls/s. One replica sweeps (the holder of the sweeper's lease); when it is SIGKILLed,
 * another takes over. Pages read on any replica, with cursors from another, cost 0 calls. Counted, not timed.
 */
const PAGE = `query ($first: Int, $after: String, $orderBy: CustomerOrder, $where: CustomerFilter) {
  allCustomers(first: $first, after: $after, orderBy: $orderBy, where: $where) {
    totalCount
    coverage { customers withQuota withProfile complete oldestQuotaAsOf }
    pageInfo { hasNextPage endCursor }
    nodes { uin voucherQuota { remainAmount } }
  }
}`;
type Page = {
  allCustomers: {
    totalCount: number;
    coverage: { customers: number; withQuota: number; withProfile: number; complete: boolean; oldestQuotaAsOf: string | null };
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { uin: string; voucherQuota: { remainAmount: number } | null }[];
  };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const data = createDemoData({ customers: 2000 });
const original = new Map([...data.customers.values()].map((customer) => [customer.uin, customer.remainAmount]));
const byRemain = () => [...data.customers.values()].sort((a, b) => a.remainAmount - b.remainAmount || a.uin - b.uin);

/** Quota calls this process made (its `/metrics`): the sweeper's are the only ones while nobody reads. */
async function quotaCallsOf(replica: GatewayProcess): Promise<number> {
  const text = await (await fetch(`${replica.url}/metrics`)).text();
  return [...text.matchAll(/^upstream_calls_total\{action="QueryVoucherAmountByUin",outcome="[^"]+"\} (\d+)/gm)].reduce((sum, match) => sum + Number(match[1]), 0);
}

describe.each(SHARED_REDIS_KINDS)('the book of a deployment (3 processes on %s, 2000 customers, sweep at 5 calls/s)', (kind) => {
  let redis: SharedRedis;
  let simulator: Simulator;
  let replicas: GatewayProcess[];
  let requests = 0;
  const page = async (replica: GatewayProcess, variables: Record<string, unknown>) => {
    const result = await postGraphQL<Page>(replica.url, PAGE, variables, { 'x-request-id': `deployment-page-${++requests}` });
    if (result.errors) throw new Error(JSON.stringify(result.errors));
    return (result.data as Page).allCustomers;
  };
  const untilComplete = async (replica: GatewayProcess, maxSeconds: number) => {
    for (let i = 0; i < maxSeconds * 4; i++) {
      const { coverage } = await page(replica, { first: 1, orderBy: { field: 'REMAIN_AMOUNT' } });
      if (coverage.complete) return coverage;
      await sleep(250);
    }
    throw new Error('the book did not become complete');
  };

  beforeAll(async () => {
    redis = await startSharedRedis(kind);
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    // Each run its own book: the data's balances change in the tests.
    for (const customer of data.customers.values()) (customer as { remainAmount: number }).remainAmount = original.get(customer.uin) as number;
    const env = { ...upstreamEnv(simulator), ...redis.env, BOOK_SWEEP_CALLS_PER_SECOND: '5', MAX_UINS_PER_QUERY: '1000', QUOTA_CACHE_TTL_MS: '1', PROFILE_CACHE_TTL_MS: '1' };
    replicas = await Promise.all([1, 2, 3].map(() => startGatewayProcess(env)));
    await untilSharing(replicas.map((replica) => replica.url));
  }, 60_000);
  afterAll(async () => {
    await Promise.all((replicas ?? []).map((replica) => replica.stop()));
    await simulator?.close();
    await redis?.close();
  });

  it('one replica sweeps; the book becomes complete; pages on every replica, cursors across replicas, cost 0 calls', async () => {
    const [a, b, c] = replicas as [GatewayProcess, GatewayProcess, GatewayProcess];
    expect(await untilComplete(c, 60)).toMatchObject({ customers: 2000, withQuota: 2000, withProfile: 2000 });
    const counts = await Promise.all(replicas.map(quotaCallsOf));
    // One sweeper: one process made every quota call (at least the 100 of a first cycle).
    expect(counts.filter((count) => count > 0)).toHaveLength(1);
    expect(Math.max(...counts)).toBeGreaterThanOrEqual(100);

    const directoryCalls = simulator.callsOf('DescribeCustomerUin').length;
    // The pages below count. A page read while the book filled may list a customer whose quota the book
    // does not hold yet: its voucherQuota loads it (a call that page rode in).
    const firstCounted = requests + 1;
    const lowest = await page(a, { first: 20, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' } });
    expect(lowest.nodes.map((node) => Number(node.uin))).toEqual(byRemain().slice(0, 20).map((customer) => customer.uin));
    const below = 5000;
    const expected = byRemain().filter((customer) => customer.remainAmount < below).map((customer) => customer.uin);
    const seen: number[] = [];
    let after: string | null = null;
    // Each page on the next replica, with the cursor of the page before.
    for (let i = 0; i === 0 || after; i++) {
      const next: Page['allCustomers'] = await page(replicas[i % 3] as GatewayProcess, { first: 50, after, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, where: { remainAmount: { lt: below } } });
      expect(next.totalCount).toBe(expected.length);
      seen.push(...next.nodes.map((node) => Number(node.uin)));
      after = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
    }
    expect(seen).toEqual(expected);
    // The pages made no call of their own (no directory page either): the request log counts them.
    expect(simulator.callsOf('DescribeCustomerUin')).toHaveLength(directoryCalls);
    await sleep(200);
    const logged = [a, b, c]
      .flatMap((replica) => replica.output().split('\n').filter((line) => line.includes('deployment-page-')))
      .map((line) => JSON.parse(line) as { requestId: string; upstreamCalls?: number })
      .filter((line) => Number(line.requestId.slice('deployment-page-'.length)) >= firstCounted)
      .map((line) => line.upstreamCalls);
    expect(logged.length).toBeGreaterThan(5);
    expect(new Set(logged)).toEqual(new Set([0]));
    expect(simulator.stats().rateLimited).toBe(0);
  }, 120_000);

  it('the sweeper is SIGKILLed: another replica sweeps within seconds, and a balance changed upstream shows in the order', async () => {
    const counts = await Promise.all(replicas.map(quotaCallsOf));
    const holder = counts.indexOf(Math.max(...counts));
    const killed = replicas[holder] as GatewayProcess;
    process.kill(killed.pid, 'SIGKILL');
    await killed.exited();
    const rest = replicas.filter((replica) => replica !== killed);
    const restBefore = await Promise.all(rest.map(quotaCallsOf));
    const target = byRemain()[1500] as { uin: number; remainAmount: number };
    target.remainAmount = 0.01;
    // 2000 customers at 5 calls of 20 a second: a cycle is 20 s; the lease lapses within 3 s.
    let first: number | undefined;
    for (let i = 0; i < 200 && first !== target.uin; i++) {
      await sleep(250);
      first = Number((await page(rest[i % 2] as GatewayProcess, { first: 1, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' } })).nodes[0]?.uin);
    }
    expect(first).toBe(target.uin);
    const grown = (await Promise.all(rest.map(quotaCallsOf))).map((count, i) => count - (restBefore[i] as number));
    // One of the two took the sweep over; the other made no quota call.
    expect(grown.filter((count) => count > 0)).toHaveLength(1);
    expect(simulator.stats().rateLimited).toBe(0);
    replicas = rest;
  }, 90_000);

  it('a 1000-UIN reader on the replica that does not sweep: no sweep call leaves while its UINs wait, 0 RequestLimitExceeded', async () => {
    const counts = await Promise.all(replicas.map(quotaCallsOf));
    const reader = replicas[counts.indexOf(Math.min(...counts))] as GatewayProcess;
    const uins = data.customerUins.slice(200, 1200).map(Number);
    const wanted = new Set(uins);
    const before = simulator.callsOf('QueryVoucherAmountByUin').length;
    const result = await postGraphQL<{ customers: { voucherQuota: unknown }[] }>(reader.url, 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }', { uins: uins.map(String) });
    expect(result.errors).toBeUndefined();
    expect(result.data?.customers.filter((customer) => customer.voucherQuota !== null)).toHaveLength(1000);
    const calls = simulator.callsOf('QueryVoucherAmountByUin').slice(before);
    const lastReaderCall = calls.findLastIndex((call) => (call.uins ?? []).some((uin) => wanted.has(uin)));
    const readerUinsOf = (call: (typeof calls)[number]) => (call.uins ?? []).filter((uin) => wanted.has(uin)).length;
    // The sweeper's calls go through the deployment's queue below every reader: once the reader's UINs
    // are queued, every call carries 20 of them. They are queued when the first call of 20 of them is
    // composed; a call composed before that (a sweep call may hold some of these customers too) left
    // at once, so it arrives within a window of that first call.
    const firstFull = calls.find((call) => readerUinsOf(call) === 20);
    const whileWaiting = calls.slice(0, lastReaderCall).filter((call) => call.arrivedAt > (firstFull?.arrivedAt ?? Number.POSITIVE_INFINITY) + 1050);
    expect(whileWaiting.length).toBeGreaterThan(30);
    expect(whileWaiting.filter((call) => readerUinsOf(call) < 20)).toEqual([]);
    expect(simulator.stats().rateLimited).toBe(0);
  }, 60_000);
});
