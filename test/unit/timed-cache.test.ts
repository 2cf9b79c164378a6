import { describe, expect, it } from 'vitest';
import { PROFILE_SHAPE, QUOTA_SHAPE, VOUCHER_LIST_SHAPE } from '../../src/loaders/cache-shapes.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { CACHE_FORMAT, createTimedCache, parseEntry } from '../../src/store/timed-cache.js';
import { createClock } from './fakes.js';

const QUOTA = { uin: 200000097917, totalAmount: 100, remainAmount: 40 };

/** A cached entry this code did not write is a miss, counted, never an error or a wrong answer. */
describe('versioned, validated cache entries', () => {
  const setup = () => {
    const clock = createClock();
    const store = createLocalStore({ now: clock.now });
    const invalid: number[] = [];
    const lookups: [number, number][] = [];
    const cache = createTimedCache<typeof QUOTA>({
      store,
      namespace: 'quota:',
      ttlMs: 30_000,
      isValue: QUOTA_SHAPE,
      now: clock.now,
      onInvalid: (count) => invalid.push(count),
      onLookup: (hits, misses) => lookups.push([hits, misses]),
    });
    const put = (key: string, value: string) => store.setMany([{ key: `quota:${key}`, value, ttlMs: 30_000 }]);
    return { clock, cache, put, invalid, lookups };
  };

  it('reads back what it wrote, in the current format', async () => {
    const { clock, cache } = setup();
    await cache.setMany([{ key: '1', cached: { value: QUOTA, asOf: clock.now() } }]);
    expect(await cache.getMany(['1'])).toEqual([{ value: QUOTA, asOf: clock.now() }]);
  });

  it('garbage, old versions and foreign shapes are misses, each counted', async () => {
    const { clock, cache, put, invalid, lookups } = setup();
    const at = clock.now();
    await put('garbage', '{not json');
    await put('number', '42');
    await put('old', JSON.stringify({ value: QUOTA, asOf: at }));
    await put('next', JSON.stringify({ v: CACHE_FORMAT + 1, value: QUOTA, asOf: at }));
    await put('foreign', JSON.stringify({ v: CACHE_FORMAT, value: { uin: '1', balance: 3 }, asOf: at }));
    await put('nan', JSON.stringify({ v: CACHE_FORMAT, value: { ...QUOTA, remainAmount: 'lots' }, asOf: at }));
    await put('no-asof', JSON.stringify({ v: CACHE_FORMAT, value: QUOTA }));
    await put('good', JSON.stringify({ v: CACHE_FORMAT, value: QUOTA, asOf: at }));
    const keys = ['garbage', 'number', 'old', 'next', 'foreign', 'nan', 'no-asof', 'good'];
    expect(await cache.getMany(keys)).toEqual([...keys.slice(0, 7).map(() => undefined), { value: QUOTA, asOf: at }]);
    expect(invalid).toEqual([7]);
    expect(lookups).toEqual([[1, 7]]);
  });

  it('shape checks hold the enums the code knows, and nullable fields', () => {
    const profile = {
      name: null,
      email: 'a@example.com',
      phone: null,
      remark: null,
      boundAt: 1,
      registeredAt: null,
      verifiedAt: null,
      accountStatus: 'NORMAL',
      verificationStatus: 'VERIFIED',
      verificationType: 'PERSONAL',
      hasExpense: true,
    };
    const entry = (value: unknown) => JSON.stringify({ v: CACHE_FORMAT, asOf: 1, value });
    expect(parseEntry(entry(profile), PROFILE_SHAPE)).toEqual({ value: profile, asOf: 1 });
    expect(parseEntry(entry({ ...profile, accountStatus: 'SUSPENDED' }), PROFILE_SHAPE)).toBeUndefined();
    expect(parseEntry(entry({ ...profile, hasExpense: 'yes' }), PROFILE_SHAPE)).toBeUndefined();
    const vouchers = { totalCount: 1, items: [{ id: 'v1', status: 'UNUSED', totalAmount: 5, remainAmount: 5 }] };
    expect(parseEntry(entry(vouchers), VOUCHER_LIST_SHAPE)).toEqual({ value: vouchers, asOf: 1 });
    expect(parseEntry(entry({ ...vouchers, items: [{ id: 1 }] }), VOUCHER_LIST_SHAPE)).toBeUndefined();
    expect(parseEntry(entry({ ...vouchers, items: 'none' }), VOUCHER_LIST_SHAPE)).toBeUndefined();
  });
});
