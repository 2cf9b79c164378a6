import { afterEach, describe, expect, it, vi } from 'vitest';
import { batchSizes, startHarness, type Harness } from './support/harness.js';

const UIN = '200000097917';
const QUOTA = (args = '') => `{ customer(uin: "${UIN}") { voucherQuota${args} { remainAmount asOf } } }`;
const POOL = (args = '') => `{ voucherPool${args} { issuedNum asOf } }`;
type Quota = { customer: { voucherQuota: { remainAmount: number; asOf: string } | null } };
type Pool = { voucherPool: { issuedNum: number; asOf: string } };

/**
 * Entry ages come from the wall clock (`Date`). The tests move it forward instead of sleeping, so a
 * busy machine can never age an entry between two queries: only `Date` is faked, timers stay real.
 */
const advanceClock = (ms: number) => vi.setSystemTime(new Date(Date.now() + ms));
const quotaCalls = (harness: Harness) => batchSizes(harness.simulator).length;
const poolCalls = (harness: Harness) => harness.simulator.callsOf('QueryVoucherPool').length;

describe('freshness-bounded cache: quotas, the pool and _entities', () => {
  let harness: Harness;
  afterEach(async () => {
    await harness.close();
    vi.useRealTimers();
  });

  it('serves a repeat quota read from the cache with the asOf of the upstream answer; maxAge bounds it; maxAge: 0 refreshes it', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '30000' } });
    const before = Date.now();
    const first = await harness.query<Quota>(QUOTA());
    const after = Date.now();
    const asOf = Date.parse(first.data?.customer.voucherQuota?.asOf ?? '');
    expect(first.data?.customer.voucherQuota?.asOf).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(asOf).toBeGreaterThanOrEqual(before);
    expect(asOf).toBeLessThanOrEqual(after);
    expect(quotaCalls(harness)).toBe(1);

    // Hit: same answer, same asOf, no call.
    const second = await harness.query<Quota>(QUOTA());
    expect(second.data).toEqual(first.data);
    expect(quotaCalls(harness)).toBe(1);

    // maxAge larger than the entry's age: still a hit.
    expect((await harness.query<Quota>(QUOTA('(maxAge: 60)'))).data).toEqual(first.data);
    expect(quotaCalls(harness)).toBe(1);

    // maxAge: 0 forces a fresh upstream answer, which replaces the cached one.
    advanceClock(5);
    const fresh = await harness.query<Quota>(QUOTA('(maxAge: 0)'));
    const freshAsOf = Date.parse(fresh.data?.customer.voucherQuota?.asOf ?? '');
    expect(freshAsOf).toBeGreaterThan(asOf);
    expect(quotaCalls(harness)).toBe(2);
    expect((await harness.query<Quota>(QUOTA())).data?.customer.voucherQuota?.asOf).toBe(fresh.data?.customer.voucherQuota?.asOf);
    expect(quotaCalls(harness)).toBe(2);

    // An entry older than maxAge is not served.
    advanceClock(1100);
    await harness.query<Quota>(QUOTA('(maxAge: 1)'));
    expect(quotaCalls(harness)).toBe(3);
  });

  it('expires quota entries after QUOTA_CACHE_TTL_MS, and 0 turns the cache off', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '30000' } });
    await harness.query<Quota>(QUOTA());
    advanceClock(29_000);
    await harness.query<Quota>(QUOTA());
    expect(quotaCalls(harness)).toBe(1);
    advanceClock(1_001);
    await harness.query<Quota>(QUOTA());
    expect(quotaCalls(harness)).toBe(2);
    await harness.close();

    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '0' } });
    await harness.query<Quota>(QUOTA());
    await harness.query<Quota>(QUOTA());
    expect(quotaCalls(harness)).toBe(2);
  });

  it('caches the pool for POOL_CACHE_TTL_MS, with asOf and maxAge', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    harness = await startHarness({ env: { POOL_CACHE_TTL_MS: '10000' } });
    const first = await harness.query<Pool>(POOL());
    expect(Date.parse(first.data?.voucherPool.asOf ?? '')).toBeLessThanOrEqual(Date.now());
    expect((await harness.query<Pool>(POOL())).data).toEqual(first.data);
    expect(poolCalls(harness)).toBe(1);
    const fresh = await harness.query<Pool>(POOL('(maxAge: 0)'));
    expect(poolCalls(harness)).toBe(2);
    expect(Date.parse(fresh.data?.voucherPool.asOf ?? '')).toBeGreaterThanOrEqual(Date.parse(first.data?.voucherPool.asOf ?? ''));
    advanceClock(10_001);
    await harness.query<Pool>(POOL());
    expect(poolCalls(harness)).toBe(3);
  });

  it('answers _entities from the same cache', async () => {
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '30000' } });
    const direct = await harness.query<Quota>(QUOTA());
    const entities = await harness.query<{ _entities: { voucherQuota: { remainAmount: number; asOf: string } }[] }>(
      'query ($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { voucherQuota { remainAmount asOf } } } }',
      { r: [{ __typename: 'Customer', uin: UIN }] },
    );
    expect(entities.data?._entities[0]?.voucherQuota).toEqual(direct.data?.customer.voucherQuota);
    expect(quotaCalls(harness)).toBe(1);
  });

  it('refuses a negative maxAge before any upstream call', async () => {
    harness = await startHarness();
    const result = await harness.query(QUOTA('(maxAge: -1)'));
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/maxAge/);
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('reports cache hits and misses in /metrics', async () => {
    harness = await startHarness({ env: { QUOTA_CACHE_TTL_MS: '30000' } });
    await harness.query(QUOTA());
    await harness.query(QUOTA());
    const metrics = (await harness.fetch('/metrics')).text;
    expect(metrics).toMatch(/^cache_lookups_total\{cache="quota",result="hit"\} 1$/m);
    expect(metrics).toMatch(/^cache_lookups_total\{cache="quota",result="miss"\} 1$/m);
  });
});
