import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData, EXAMPLE_NON_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startSimulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, upstreamEnv } from './support/gateway-process.js';
import { batchSizes, startHarness, type Harness } from './support/harness.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number } | null }[] };
const data = createDemoData({ customers: 2100 });

/** Real HTTP both ways: concurrent requests' UINs share upstream calls. */
describe('coalescing across requests: UINs queue, not calls (saturates the budget against the in-process simulator: needs a quiet CPU, runs serially)', () => {
  let harness: Harness;
  afterEach(async () => {
    // The bulk test runs a gateway process instead: close only what this test opened.
    const opened = harness as Harness | undefined;
    harness = undefined as unknown as Harness;
    await opened?.close();
  });

  it('50 concurrent requests × 10 distinct UINs cost at most 26 calls, every UIN answered once', async () => {
    // A gateway process: it saturates the budget, and the simulator must stamp arrivals on an idle loop.
    const simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const gateway = await startGatewayProcess({ ...upstreamEnv(simulator), ...COUNTING_OTHER_FEATURES });
    try {
      const uins = data.customerUins.slice(0, 500).map(String);
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => postGraphQL<Customers>(gateway.url, QUERY, { uins: uins.slice(i * 10, i * 10 + 10) })));
      for (const [i, result] of results.entries()) {
        expect(result.errors).toBeUndefined();
        expect(result.data?.customers.map((customer) => customer.voucherQuota?.remainAmount)).toEqual(
          uins.slice(i * 10, i * 10 + 10).map((uin) => data.customers.get(Number(uin))?.remainAmount),
        );
      }
      const calls = simulator.callsOf('QueryVoucherAmountByUin');
      expect(calls.length).toBeLessThanOrEqual(26);
      expect(calls.reduce((sum, call) => sum + (call.uins?.length ?? 0), 0)).toBe(500);
      expect(new Set(calls.flatMap((call) => call.uins)).size).toBe(500);
      expect(simulator.stats().rateLimited).toBe(0);
    } finally {
      await gateway.stop();
      await simulator.close();
    }
  }, 60_000);

  it('20 concurrent requests for the same 10 UINs cost 1 call', async () => {
    harness = await startHarness({ simulator: { data, latencyMs: [50, 150] } });
    const uins = data.customerUins.slice(0, 10).map(String);
    const results = await Promise.all(Array.from({ length: 20 }, () => harness.query<Customers>(QUERY, { uins })));
    for (const result of results) expect(result.data?.customers.filter((customer) => customer.voucherQuota !== null)).toHaveLength(10);
    expect(batchSizes(harness.simulator)).toEqual([10]);
  });

  it('a lone 1-UIN request on an idle gateway leaves at once (no batching timer)', async () => {
    harness = await startHarness({ simulator: { data, latencyMs: 100 } });
    await harness.query('{ __typename }');
    const result = await harness.query<Customers>(QUERY, { uins: [String(data.customerUins[0])] });
    expect(result.data?.customers[0]?.voucherQuota).not.toBeNull();
    // One call of one UIN: nothing waited for company. How long it takes is measured by `npm run bench`
    // ("lone 1-UIN request": the overhead over the upstream round trip, target ≤ 30 ms).
    expect(batchSizes(harness.simulator)).toEqual([1]);
  });

  it("a stranger UIN in a call shared by two requests fails only its own request's field", async () => {
    harness = await startHarness({ simulator: { data, unknownUinMode: 'fail-call' } });
    const mine = data.customerUins.slice(0, 10).map(String);
    const theirs = [...data.customerUins.slice(10, 19).map(String), String(EXAMPLE_NON_CUSTOMER_UIN)];
    const [a, b] = await Promise.all([harness.query<Customers>(QUERY, { uins: mine }), harness.query<Customers>(QUERY, { uins: theirs })]);
    expect(a.errors).toBeUndefined();
    expect(a.data?.customers.filter((customer) => customer.voucherQuota !== null)).toHaveLength(10);
    expect(b.data?.customers.filter((customer) => customer.voucherQuota === null).map((customer) => customer.uin)).toEqual([String(EXAMPLE_NON_CUSTOMER_UIN)]);
    expect(b.errors).toEqual([expect.objectContaining({ path: ['customers', 9, 'voucherQuota'], extensions: expect.objectContaining({ code: 'CUSTOMER_NOT_FOUND' }) })]);
    // The first call carried both requests' UINs (20) and was refused as a whole; bisection isolated the stranger.
    const calls = harness.simulator.callsOf('QueryVoucherAmountByUin');
    expect(calls[0]?.uins).toHaveLength(20);
    expect(calls[0]?.outcome).toBe('UnauthorizedOperation.UinNoAuth');
    expect(calls.length).toBeLessThanOrEqual(1 + 10);
  });

  it('an interactive lookup during a 2 × 1000-UIN bulk load rides the next call; the bulk load gets >= 85% within the deadline', async () => {
    // A gateway process: the simulator here stamps arrivals on an idle event loop (see throttle.quiet.test.ts).
    const simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const gateway = await startGatewayProcess({ ...upstreamEnv(simulator), MAX_UINS_PER_QUERY: '1000', ...COUNTING_OTHER_FEATURES });
    try {
      const bulkA = postGraphQL<Customers>(gateway.url, QUERY, { uins: data.customerUins.slice(0, 1000).map(String) });
      const bulkB = postGraphQL<Customers>(gateway.url, QUERY, { uins: data.customerUins.slice(1000, 2000).map(String) });
      // Twelve lookups, one every 300 ms from the start: the bulk work (about 19 s of budget) is still queued.
      const lookups: number[] = [];
      let i = 0;
      while (lookups.length < 12) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const uin = data.customerUins[2000 + (i++ % 100)] as number;
        const lookup = await postGraphQL<Customers>(gateway.url, QUERY, { uins: [String(uin)] });
        expect(lookup.errors).toBeUndefined();
        lookups.push(uin);
      }
      const [a, b] = await Promise.all([bulkA, bulkB]);
      const served = [...(a.data?.customers ?? []), ...(b.data?.customers ?? [])].filter((customer) => customer.voucherQuota !== null).length;
      expect(served / 2000).toBeGreaterThanOrEqual(0.85);
      const codes = new Set([...(a.errors ?? []), ...(b.errors ?? [])].map((error) => error.extensions?.code));
      for (const code of codes) expect(code).toBe('GATEWAY_OVERLOADED');
      // Each lookup rode in a call beside bulk UINs (not a call of its own, not behind the bulk queue):
      // its call carried 20 UINs. Latencies: `npm run bench`.
      const calls = simulator.callsOf('QueryVoucherAmountByUin');
      const rode = lookups.filter((uin) => calls.some((call) => call.uins?.includes(uin) && call.uins.length === 20));
      expect(rode.length).toBeGreaterThanOrEqual(lookups.length - 2);
      expect(simulator.stats().rateLimited).toBe(0);
    } finally {
      await gateway.stop();
      await simulator.close();
    }
  }, 60_000);
});
