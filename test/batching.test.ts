import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CustomerQuotasDocument, VoucherPoolDocument } from '../operations/generated/graphql.js';
import { batchSizes, startHarness, type Harness } from './support/harness.js';

describe('batching: field requests become the fewest QueryVoucherAmountByUin calls', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  const customers = () => harness.simulator.data.customerUins;

  it.each([1, 19, 20, 21, 45, 100])('N = %i distinct UINs cost ceil(N/20) calls', async (n) => {
    const uins = customers().slice(0, n).map(String);
    const result = await harness.execute(CustomerQuotasDocument, { uins });
    expect(result.errors).toBeUndefined();
    expect(result.data?.customers.map((customer) => customer.uin)).toEqual(uins);
    for (const customer of result.data?.customers ?? []) {
      expect(customer.voucherQuota?.remainAmount).toBe(harness.simulator.data.customers.get(Number(customer.uin))?.remainAmount);
    }
    const expected = Array.from({ length: Math.ceil(n / 20) }, (_, i) => Math.min(20, n - i * 20));
    expect(batchSizes(harness.simulator).sort((a, b) => b - a)).toEqual(expected);
    // Every UIN crossed the wire exactly once.
    const sent = harness.simulator.callsOf('QueryVoucherAmountByUin').flatMap((call) => call.uins ?? []);
    expect(sent.map(String).sort()).toEqual([...uins].sort());
  });

  it('fetches duplicates once and keeps input order, duplicates included', async () => {
    const [a, b, c] = customers().map(String);
    const uins = [a, b, a, c, b, a] as string[];
    const result = await harness.query<{ customers: { uin: string; voucherQuota: { totalAmount: number } | null }[] }>(
      'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { totalAmount } } }',
      { uins },
    );
    expect(result.data?.customers.map((customer) => customer.uin)).toEqual(uins);
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin').map((call) => call.uins)).toEqual([[Number(a), Number(b), Number(c)]]);
  });

  it('merges aliases and separate fields into one batch', async () => {
    const [a, b, c] = customers();
    const result = await harness.query(`{
      x: customer(uin: ${a}) { voucherQuota { remainAmount } }
      y: customer(uin: "${b}") { voucherQuota { totalAmount } }
      z: customers(uins: [${a}, ${c}]) { voucherQuota { usedAmount } }
    }`);
    expect(result.errors).toBeUndefined();
    expect(batchSizes(harness.simulator)).toEqual([3]);
  });

  it('a list starts only the loads its items select: none for a skipped field; aliases share one', async () => {
    const uins = customers().slice(0, 30).map(String);
    const skipped = await harness.query('query ($u: [UIN!]!, $skip: Boolean!) { customers(uins: $u) { uin voucherQuota @skip(if: $skip) { remainAmount } } }', { u: uins, skip: true });
    expect(skipped.errors).toBeUndefined();
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(0);
    const aliased = await harness.query('query ($u: [UIN!]!) { customers(uins: $u) { a: voucherQuota { remainAmount } b: voucherQuota { totalAmount } } }', { u: uins });
    expect(aliased.errors).toBeUndefined();
    expect(batchSizes(harness.simulator).sort((a, b) => b - a)).toEqual([20, 10]);
    expect(harness.simulator.callsOf('DescribeCustomerInfo')).toHaveLength(0);
  });

  it('answers 50 aliases of voucherPool with one upstream call', async () => {
    const fields = Array.from({ length: 50 }, (_, i) => `p${i}: voucherPool { agentName remainingQuota }`).join('\n');
    const result = await harness.query<Record<string, { agentName: string }>>(`{ ${fields} }`);
    expect(result.errors).toBeUndefined();
    expect(Object.keys(result.data ?? {})).toHaveLength(50);
    expect(result.data?.p49?.agentName).toBe(harness.simulator.data.pool.agentName);
    expect(harness.simulator.callsOf('QueryVoucherPool')).toHaveLength(1);
  });

  it('shares one in-flight voucherPool call between concurrent requests', async () => {
    const results = await Promise.all(Array.from({ length: 8 }, () => harness.execute(VoucherPoolDocument)));
    for (const result of results) expect(result.data?.voucherPool).toMatchObject({ issuedNum: 300, accountType: 'RESELLER' });
    expect(harness.simulator.callsOf('QueryVoucherPool')).toHaveLength(1);
  });

  it('costs no upstream call for customer fields without voucherQuota', async () => {
    const result = await harness.query(`{ customer(uin: 200000097917) { uin } customers(uins: ["1", "2"]) { uin } }`);
    expect(result).toEqual({ data: { customer: { uin: '200000097917' }, customers: [{ uin: '1' }, { uin: '2' }] } });
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });
});
