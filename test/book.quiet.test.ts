import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData, type DemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';

/**
 * The book over real HTTP: a gateway process, the simulator with 2000 customers, the sweep at 5 calls/s
 * per action. Sorted and filtered pages come from the book with no upstream call. Counted, not timed
 * (the sweep's own pace is measured by `npm run bench`).
 */
const PAGE = `query ($first: Int, $after: String, $orderBy: CustomerOrder, $where: CustomerFilter) {
  allCustomers(first: $first, after: $after, orderBy: $orderBy, where: $where) {
    totalCount
    coverage { customers withQuota withProfile complete oldestQuotaAsOf }
    pageInfo { hasNextPage endCursor }
    nodes { uin voucherQuota { remainAmount totalAmount asOf } profile { name accountStatus } }
  }
}`;
type Page = {
  allCustomers: {
    totalCount: number;
    coverage: { customers: number; withQuota: number; withProfile: number; complete: boolean };
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: { uin: string; voucherQuota: { remainAmount: number } | null; profile: { name: string | null } | null }[];
  };
};

let simulator: Simulator | undefined;
let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  await simulator?.close();
  gateway = undefined;
  simulator = undefined;
});

async function start(data: DemoData, env: Record<string, string> = {}) {
  simulator = await startSimulator({ data, latencyMs: [50, 150] });
  gateway = await startGatewayProcess({ ...upstreamEnv(simulator), BOOK_SWEEP_CALLS_PER_SECOND: '5', ...env });
  return gateway.url;
}

let requests = 0;
const pageIds: string[] = [];
const page = async (url: string, variables: Record<string, unknown>) => {
  const id = `book-page-${++requests}`;
  pageIds.push(id);
  const result = await postGraphQL<Page>(url, PAGE, variables, { 'x-request-id': id });
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return (result.data as Page).allCustomers;
};

/** Upstream calls that carried each request's work, from the gateway's request log lines. */
async function upstreamCallsOf(ids: readonly string[]): Promise<number[]> {
  await new Promise((resolve) => setTimeout(resolve, 200));
  const lines = (gateway?.output() ?? '').split('\n').filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line) as { requestId: string; upstreamCalls: number });
  return ids.map((id) => lines.find((line) => line.requestId === id)?.upstreamCalls ?? -1);
}

async function untilComplete(url: string, maxSeconds: number) {
  for (let i = 0; i < maxSeconds * 4; i++) {
    const { coverage } = await page(url, { first: 1, orderBy: { field: 'REMAIN_AMOUNT' } });
    if (coverage.complete) return coverage;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('the book did not become complete');
}

const byRemain = (data: DemoData) => [...data.customers.values()].sort((a, b) => a.remainAmount - b.remainAmount || a.uin - b.uin);

describe('the book (a gateway process, 2000 customers, sweep at 5 calls/s)', () => {
  it('becomes complete by itself; the 20 lowest balances and a remainAmount filter, paged, cost 0 calls', async () => {
    const data = createDemoData({ customers: 2000 });
    // Caches of 1 ms: a page's fields are the book's, whatever the cache TTL.
    const url = await start(data, { QUOTA_CACHE_TTL_MS: '1', PROFILE_CACHE_TTL_MS: '1' });
    expect(await untilComplete(url, 40)).toMatchObject({ customers: 2000, withQuota: 2000, withProfile: 2000 });
    expect(simulator?.stats().rateLimited).toBe(0);

    pageIds.length = 0;
    const lowest = await page(url, { first: 20, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' } });
    expect(lowest.nodes.map((node) => Number(node.uin))).toEqual(byRemain(data).slice(0, 20).map((customer) => customer.uin));
    expect(lowest.nodes.map((node) => node.voucherQuota?.remainAmount)).toEqual(byRemain(data).slice(0, 20).map((customer) => customer.remainAmount));
    expect(lowest.nodes.every((node) => node.profile?.name !== undefined)).toBe(true);

    const below = 5000;
    const expected = byRemain(data).filter((customer) => customer.remainAmount < below).map((customer) => customer.uin);
    const seen: number[] = [];
    let after: string | null = null;
    let totalCount = -1;
    do {
      const next: Page['allCustomers'] = await page(url, { first: 50, after, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' }, where: { remainAmount: { lt: below } } });
      seen.push(...next.nodes.map((node) => Number(node.uin)));
      totalCount = next.totalCount;
      after = next.pageInfo.hasNextPage ? next.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual(expected);
    expect(totalCount).toBe(expected.length);
    // Sorted, filtered, paged: not one upstream call carried these requests' work (the sweep goes on beside them).
    expect(new Set(await upstreamCallsOf(pageIds))).toEqual(new Set([0]));
  }, 90_000);

  it('a 1000-UIN reader started during the sweep: no sweep call leaves while its UINs wait, 0 RequestLimitExceeded', async () => {
    const data = createDemoData({ customers: 2000 });
    const url = await start(data, { MAX_UINS_PER_QUERY: '1000', QUOTA_CACHE_TTL_MS: '0' });
    // The sweep is under way (the directory has loaded, quota calls are leaving).
    for (let i = 0; i < 80 && (simulator?.callsOf('QueryVoucherAmountByUin').length ?? 0) < 10; i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const reader = data.customerUins.slice(500, 1500).map(Number);
    const wanted = new Set(reader);
    const before = simulator?.callsOf('QueryVoucherAmountByUin').length ?? 0;
    const startedAt = performance.now();
    const result = await postGraphQL<{ customers: { voucherQuota: unknown }[] }>(url, 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }', { uins: reader.map(String) });
    expect(result.errors).toBeUndefined();
    const calls = (simulator?.callsOf('QueryVoucherAmountByUin') ?? []).slice(before);
    const lastReaderCall = calls.findLastIndex((call) => (call.uins ?? []).some((uin) => wanted.has(uin)));
    // While the reader's UINs waited, every quota call carried 20 of them (sweep calls already on the
    // wire when the request came arrive in its first moments, and may carry none).
    const whileWaiting = calls.slice(0, lastReaderCall).filter((call) => call.arrivedAt > startedAt + 250);
    expect(whileWaiting.filter((call) => (call.uins ?? []).filter((uin) => wanted.has(uin)).length < 20)).toEqual([]);
    // Every customer answered (a UIN that a sweep call already on the wire carried rode that call).
    expect(result.data?.customers.filter((customer) => customer.voucherQuota !== null)).toHaveLength(1000);
    expect(simulator?.stats().rateLimited).toBe(0);
  }, 60_000);

  it('a balance changed upstream shows in the order after one sweep cycle', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data);
    await untilComplete(url, 20);
    const target = byRemain(data)[150] as { uin: number; remainAmount: number };
    (target as { remainAmount: number }).remainAmount = 0.01;
    // 200 customers at 5 calls of 20 a second: a cycle is 2 s; wait for the book to see it.
    let first: number | undefined;
    for (let i = 0; i < 40 && first !== target.uin; i++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      first = Number((await page(url, { first: 1, orderBy: { field: 'REMAIN_AMOUNT', direction: 'ASC' } })).nodes[0]?.uin);
    }
    expect(first).toBe(target.uin);
    expect(simulator?.stats().rateLimited).toBe(0);
  }, 60_000);
});
