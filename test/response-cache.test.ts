import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLE_NON_CUSTOMER_UIN } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount asOf } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number; asOf: string } | null }[] };

/** Repeated identical documents, answered from the response cache (src/server/response-cache.ts) without breaking freshness, scope or errors. */
describe('the response cache (in process)', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const responseLookups = async () => {
    const text = (await harness.fetch('/metrics')).text;
    const count = (result: string) => Number(new RegExp(`cache_lookups_total\\{cache="response",result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
    return { hit: count('hit'), miss: count('miss') };
  };

  it('the same document a third time is a hit (kept at its second execution): the same answer (asOf included), one upstream call; a hit still counts as quota hits', async () => {
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '60000' } });
    const uins = harness.simulator.data.customerUins.slice(0, 20).map(String);
    const quotaHits = async () => Number(/cache_lookups_total\{cache="quota",result="hit"\} (\d+)/.exec((await harness.fetch('/metrics')).text)?.[1] ?? 0);
    const first = await harness.query<Customers>(QUERY, { uins });
    expect(await harness.query<Customers>(QUERY, { uins })).toEqual(first);
    const before = await quotaHits();
    const second = await harness.query<Customers>(QUERY, { uins });
    expect(second).toEqual(first);
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(1);
    expect(await responseLookups()).toEqual({ hit: 1, miss: 2 });
    expect((await quotaHits()) - before).toBe(20);
  });

  it('a newer answer for one of its customers drops the kept answer: the next read shows the new balance', async () => {
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '60000' } });
    const [uin, other] = harness.simulator.data.customerUins;
    const uins = [String(uin), String(other)];
    await harness.query<Customers>(QUERY, { uins });
    await harness.query<Customers>(QUERY, { uins });
    const customer = harness.simulator.data.customers.get(uin as number) as { remainAmount: number };
    customer.remainAmount = 1.25;
    // Another document asks for a fresh answer for one of them.
    await harness.query(`{ customer(uin: "${uin}") { voucherQuota(maxAge: 0) { remainAmount } } }`);
    const again = await harness.query<Customers>(QUERY, { uins });
    expect(again.data?.customers[0]?.voucherQuota?.remainAmount).toBe(1.25);
    expect((await responseLookups()).hit).toBe(0);
  });

  it('answers with errors are never kept, nor answers that asked maxAge', async () => {
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '60000' } });
    const uins = [String(harness.simulator.data.customerUins[0]), String(EXAMPLE_NON_CUSTOMER_UIN)];
    const withMaxAge = '{ customer(uin: "200000097917") { voucherQuota(maxAge: 30) { remainAmount } } }';
    for (let i = 0; i < 2; i++) {
      expect((await harness.query<Customers>(QUERY, { uins })).errors?.[0]?.extensions?.code).toBe('CUSTOMER_NOT_FOUND');
      expect((await harness.query(withMaxAge)).errors).toBeUndefined();
    }
    expect(await responseLookups()).toEqual({ hit: 0, miss: 4 });
  });

  it('the caller’s scope is part of the key: an answer with personal data never reaches a caller without the customers:pii scope', async () => {
    const SECRET = 'response-cache-test-secret-of-at-least-32-characters';
    harness = await startHarness({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET } });
    const ask = async (scope: string) =>
      JSON.parse(
        (
          await harness.fetch('/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${jwt.sign({ sub: 'frontend', scope }, SECRET)}` },
            body: JSON.stringify({ query: '{ customer(uin: "200000097917") { profile { name email } } }' }),
          })
        ).text,
      ) as { data: { customer: { profile: { email: string | null } } }; errors?: { extensions: { code: string } }[] };
    const pii = await ask('customers:read customers:pii');
    expect(pii.data.customer.profile.email).not.toBeNull();
    await ask('customers:read customers:pii');
    expect((await ask('customers:read customers:pii')).data.customer.profile.email).toBe(pii.data.customer.profile.email);
    const without = await ask('customers:read');
    expect(without.data.customer.profile.email).toBeNull();
    expect(without.errors?.map((error) => error.extensions.code)).toEqual(['FORBIDDEN']);
    expect(await responseLookups()).toEqual({ hit: 1, miss: 3 });
  });
});
