import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CustomerQuotaDocument } from '../operations/generated/graphql.js';
import { startHarness, type Harness } from './support/harness.js';

describe('bad input: clear errors, zero upstream calls', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { MAX_UINS_PER_QUERY: '50' } });
  });
  afterAll(() => harness.close());

  it('round-trips a 12-digit UIN exactly, from a string or an integer literal', async () => {
    const result = await harness.query('{ a: customer(uin: 200000097917) { uin } b: customer(uin: "200000097917") { uin } }');
    expect(result).toEqual({ data: { a: { uin: '200000097917' }, b: { uin: '200000097917' } } });
    const viaVariable = await harness.execute(CustomerQuotaDocument, { uin: 200000097917 });
    expect(viaVariable.data?.customer.uin).toBe('200000097917');
    expect(viaVariable.data?.customer.voucherQuota?.remainAmount).toBe(harness.simulator.data.customers.get(200000097917)?.remainAmount);
  });

  const literals: [string, string][] = [
    ['0', 'got 0.'],
    ['-5', 'got -5.'],
    ['1.5', 'got 1.5.'],
    ['9007199254740993', 'got 9007199254740993.'],
    ['"12ab"', 'got "12ab".'],
    ['""', 'got "".'],
    ['true', 'got true.'],
  ];
  it.each(literals)('rejects the literal %s, naming the value', async (literal, named) => {
    const result = await harness.query(`{ customer(uin: ${literal}) { uin voucherQuota { remainAmount } } }`);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toContain(named);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  const variables: [unknown, string][] = [
    [0, '0'],
    [-200000097917, '-200000097917'],
    [2.5, '2.5'],
    [2 ** 53, String(2 ** 53)],
    ['0200000097917', '"0200000097917"'],
    [' 200000097917', '" 200000097917"'],
  ];
  it.each(variables)('rejects the variable value %s, naming it', async (value, named) => {
    const result = await harness.query('query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }', {
      uins: ['200000097917', value],
    });
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.message).toContain(named);
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('rejects more UINs than the configured maximum before any upstream call', async () => {
    const uins = harness.simulator.data.customerUins.slice(0, 51).map(String);
    const result = await harness.query('query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }', { uins });
    expect(result.data).toBeNull();
    expect(result.errors).toEqual([
      expect.objectContaining({ message: 'customers takes at most 50 UINs, got 51.', extensions: { code: 'BAD_USER_INPUT', maxUins: 50 } }),
    ]);
  });

  it('spent no upstream call on any of the above but the round trip', () => {
    expect(harness.simulator.stats().calls.map((call) => call.uins)).toEqual([[200000097917]]);
  });
});
