import { describe, expect, it } from 'vitest';
import { createCachedUinSource } from '../../src/loaders/cached-uin-source.js';
import { createUinDenylist } from '../../src/loaders/uin-denylist.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { createTimedCache } from '../../src/store/timed-cache.js';
import { createClock, createManualThrottle, flush } from './fakes.js';
import { createCustomerRoster, type CustomerRoster } from '../../src/loaders/customer-roster.js';
import type { KeyValueStore } from '../../src/store/key-value-store.js';

/**
 * A cached source over the in-process store, a manual throttle and a recording call: which UINs
 * each call carried, and when the calls were scheduled.
 */
function setup(options: { roster?: (store: KeyValueStore, now: () => number) => CustomerRoster } = {}) {
  const clock = createClock();
  const store = createLocalStore({ now: clock.now });
  const denylist = createUinDenylist({ store, ttlMs: 60_000 });
  const throttle = createManualThrottle();
  const calls: number[][] = [];
  const cache = createTimedCache<number>({ store, namespace: 'q:', ttlMs: 60_000, isValue: (value) => typeof value === 'number', now: clock.now });
  const source = createCachedUinSource<number>({
    action: 'A',
    throttle,
    cache,
    denylist,
    roster: options.roster?.(store, clock.now),
    now: clock.now,
    callFn: (uins, options) =>
      throttle.schedule(
        'A',
        async () => {
          const list = typeof uins === 'function' ? [...(await uins())] : [...uins];
          if (list.length > 0) calls.push(list);
          return new Map(list.map((uin) => [uin, uin * 10]));
        },
        { priority: options.priority, signal: options.signal },
      ),
  });
  return { throttle, calls, cache, clock, source, denylist };
}

/** Promise callbacks only: no macrotask runs, so whatever waits for a turn of the event loop still waits. */
async function microtasks(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const keys = (uins: number[]) => uins.map((uin) => ({ uin }));

describe('createCachedUinSource: a long batch', () => {
  it('queues its head (one full call) first: that call is scheduled before the rest is looked up', async () => {
    const { throttle, calls, source } = setup();
    const results = Promise.all(source.loadEach(keys(range(1, 100))));
    await microtasks();
    expect(source.queue.stats()).toEqual({ queued: 20, calls: 1 });
    await flush();
    expect(source.queue.stats()).toEqual({ queued: 100, calls: 5 });
    await throttle.grant(5);
    expect(calls).toEqual([range(1, 20), range(21, 20), range(41, 20), range(61, 20), range(81, 20)]);
    expect((await results).map((result) => (result as { value: number }).value)).toEqual(range(1, 100).map((uin) => uin * 10));
  });

  it('keeps calls full: a head that is partly cached waits for the rest and leaves with it', async () => {
    const { throttle, calls, cache, clock, source } = setup();
    await cache.setMany([1, 6, 11].map((uin) => ({ key: String(uin), cached: { value: -uin, asOf: clock.now() } })));
    const results = Promise.all(source.loadEach(keys(range(1, 100))));
    await microtasks();
    expect(source.queue.stats()).toEqual({ queued: 0, calls: 0 });
    await flush();
    await throttle.grant(5);
    const head = range(1, 20).filter((uin) => ![1, 6, 11].includes(uin));
    expect(calls.map((call) => call.length)).toEqual([20, 20, 20, 20, 17]);
    expect(calls[0]).toEqual([...head, 21, 22, 23]);
    const values = (await results).map((result) => (result as { value: number }).value);
    expect(values.slice(0, 6)).toEqual([-1, 20, 30, 40, 50, -6]);
  });
});

describe('the cached source and the customer list', () => {
  const listing = (uins: number[]) => (store: KeyValueStore, now: () => number) =>
    createCustomerRoster({ pageFn: async () => ({ value: { uins, total: uins.length }, asOf: 0 }), store, ttlMs: 60_000, pageSize: 100, pagesPerSecond: 20, now });

  it('answers strangers from the list with no call; a denylisted UIN the list holds again leaves the denylist and is fetched', async () => {
    const { source, throttle, calls, denylist } = setup({ roster: listing([1, 2, 3]) });
    await denylist.add([2]);
    const results = source.load([{ uin: 1 }, { uin: 2 }, { uin: 9 }]);
    await flush();
    await throttle.grant(1);
    const [one, two, nine] = await results;
    expect(calls).toEqual([[1, 2]]);
    expect(one).toMatchObject({ value: 10 });
    expect(two).toMatchObject({ value: 20 });
    expect((nine as Error).name).toBe('CustomerNotFoundError');
    expect(await denylist.filter([2])).toEqual(new Set());
  });
});

describe('createCachedUinSource: lookUp', () => {
  it('answers cached keys as values and each miss as the promise of its call', async () => {
    const { throttle, calls, cache, clock, source } = setup();
    await cache.setMany([1, 3].map((uin) => ({ key: String(uin), cached: { value: -uin, asOf: clock.now() } })));
    const answers = await source.lookUp(keys([1, 2, 3]));
    expect(answers[0]).toEqual({ value: -1, asOf: clock.now() });
    expect(answers[2]).toEqual({ value: -3, asOf: clock.now() });
    expect(answers[1]).toBeInstanceOf(Promise);
    await flush();
    await throttle.grant(1);
    expect(calls).toEqual([[2]]);
    expect(await answers[1]).toMatchObject({ value: 20 });
  });
});
