import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_NON_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { batchSizes, startHarness, type Harness } from './support/harness.js';

type CustomersData = { customers: { uin: string; voucherQuota: { remainAmount: number } | null }[] };
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';

describe('a UIN that is not a customer fails only its own field', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('when the upstream fails the whole call (UinNoAuth): the 19 resolve, the stranger is isolated and remembered', async () => {
    harness = await startHarness({ simulator: { unknownUinMode: 'fail-call' } });
    const good = harness.simulator.data.customerUins.slice(0, 19).map(String);
    const uins = [...good.slice(0, 7), String(EXAMPLE_NON_CUSTOMER_UIN), ...good.slice(7)];

    const result = await harness.query<CustomersData>(QUERY, { uins });
    expect(result.data?.customers).toHaveLength(20);
    result.data?.customers.forEach((customer, index) => {
      if (index === 7) expect(customer).toEqual({ uin: String(EXAMPLE_NON_CUSTOMER_UIN), voucherQuota: null });
      else expect(customer.voucherQuota?.remainAmount).toBe(harness.simulator.data.customers.get(Number(customer.uin))?.remainAmount);
    });
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['customers', 7, 'voucherQuota'],
        extensions: {
          code: 'CUSTOMER_NOT_FOUND',
          uin: String(EXAMPLE_NON_CUSTOMER_UIN),
          upstream: { code: 'UnauthorizedOperation.UinNoAuth', requestId: expect.any(String) },
        },
      }),
    ]);
    // Bisection: 1 failed call of 20, then halves; bounded at 1 + 2 * ceil(log2(20)) = 11 calls.
    const calls = harness.simulator.stats().calls.filter((call) => call.action === 'QueryVoucherAmountByUin');
    expect(calls.length).toBeLessThanOrEqual(11);
    expect(calls[0]).toMatchObject({ outcome: 'UnauthorizedOperation.UinNoAuth' });
    expect(calls[0]?.uins).toHaveLength(20);
    expect(calls.filter((call) => call.outcome === 'ok').flatMap((call) => call.uins).sort()).toEqual(good.map(Number).sort());

    // The next query does not pay again: the stranger is answered locally, the rest in one call.
    harness.simulator.resetStats();
    const again = await harness.query<CustomersData>(QUERY, { uins });
    expect(again.errors?.map((error) => error.extensions?.code)).toEqual(['CUSTOMER_NOT_FOUND']);
    expect(again.data?.customers.filter((customer) => customer.voucherQuota !== null)).toHaveLength(19);
    expect(batchSizes(harness.simulator)).toEqual([19]);
    expect(harness.simulator.stats().calls).toHaveLength(1);
  });

  it('when the upstream omits the UIN from Data: one call, the stranger gets CUSTOMER_NOT_FOUND', async () => {
    harness = await startHarness({ simulator: { unknownUinMode: 'omit' } });
    const good = harness.simulator.data.customerUins.slice(0, 19).map(String);
    const result = await harness.query<CustomersData>(QUERY, { uins: [String(EXAMPLE_NON_CUSTOMER_UIN), ...good] });
    expect(result.data?.customers[0]).toEqual({ uin: String(EXAMPLE_NON_CUSTOMER_UIN), voucherQuota: null });
    expect(result.data?.customers.slice(1).filter((customer) => customer.voucherQuota !== null)).toHaveLength(19);
    expect(result.errors?.map((error) => [error.path, error.extensions?.code])).toEqual([
      [['customers', 0, 'voucherQuota'], 'CUSTOMER_NOT_FOUND'],
    ]);
    expect(batchSizes(harness.simulator)).toEqual([20]);
  });
});
