import { describe, expect, it } from 'vitest';
import { createCustomerRoster, walkDirectory, type DirectoryPageFn } from '../../src/loaders/customer-roster.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { createClock, flush } from './fakes.js';

/** A directory of `customers` in pages of `size`; `reads` records every page asked for. */
function fakeDirectory(initial: number[], size = 10) {
  let customers = [...initial];
  const reads: number[] = [];
  let gate: Promise<void> | undefined;
  const pageFn: DirectoryPageFn = async (page) => {
    reads.push(page);
    if (gate) await gate;
    return { value: { uins: customers.slice((page - 1) * size, page * size), total: customers.length }, asOf: 0 };
  };
  return {
    pageFn,
    reads,
    set: (next: number[]) => (customers = [...next]),
    /** Holds every page read until the returned function is called. */
    hold: () => {
      let open: () => void = () => undefined;
      gate = new Promise((resolve) => (open = resolve));
      return () => {
        gate = undefined;
        open();
      };
    },
  };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('walkDirectory', () => {
  it('reads every page once when the total holds still', async () => {
    const directory = fakeDirectory(range(1, 35));
    const walk = await walkDirectory(directory.pageFn);
    expect(walk.uins).toEqual(range(1, 35));
    expect(directory.reads.sort((a, b) => a - b)).toEqual([1, 2, 3, 4]);
    expect(walk.restarts).toBe(0);
  });

  it('walks again when the total changes during the walk, so no customer is skipped', async () => {
    const directory = fakeDirectory(range(1, 30));
    let turned = false;
    const pageFn: DirectoryPageFn = async (page, options) => {
      // A customer joins at the front after page 1 was read: every later page shifts by one.
      if (page === 2 && !turned) {
        turned = true;
        directory.set([0, ...range(1, 30)]);
      }
      return directory.pageFn(page, options);
    };
    const walk = await walkDirectory(pageFn);
    expect(walk.restarts).toBe(1);
    expect(new Set(walk.uins)).toEqual(new Set(range(0, 31)));
  });
});

describe('the customer roster', () => {
  const setup = (customers = range(100, 30), ttlMs = 1000) => {
    const clock = createClock();
    const directory = fakeDirectory(customers);
    const store = createLocalStore({ now: clock.now });
    const roster = createCustomerRoster({ pageFn: directory.pageFn, store, ttlMs, pageSize: 10, pagesPerSecond: 20, now: clock.now });
    return { clock, directory, store, roster };
  };

  it('a UIN absent from a fresh list is a stranger; a listed one is not; nothing is walked twice', async () => {
    const { roster, directory } = setup();
    expect(await roster.strangers([100, 5, 129, 6])).toEqual(new Set([5, 6]));
    expect(await roster.strangers([7])).toEqual(new Set([7]));
    expect(directory.reads).toHaveLength(3);
  });

  it('an absent UIN and a stale list: one refresh, then judged by the new list', async () => {
    const { roster, directory, clock } = setup();
    await roster.load();
    directory.set([...range(100, 30), 5]);
    clock.advance(1001);
    // Listed customers need no refresh, stale list or not.
    expect(await roster.strangers([100])).toEqual(new Set());
    expect(directory.reads).toHaveLength(3);
    const [a, b] = await Promise.all([roster.strangers([5, 6]), roster.strangers([6])]);
    expect(a).toEqual(new Set([6]));
    expect(b).toEqual(new Set([6]));
    expect(directory.reads).toHaveLength(3 + 4);
    expect(roster.listsFresh(5)).toBe(true);
  });

  it('does not wait for a load that cannot finish by the deadline: nothing is called a stranger then', async () => {
    const { roster, directory, clock } = setup(range(100, 400));
    const release = directory.hold();
    const first = roster.strangers([5], { deadline: clock.now() + 10_000 });
    await flush();
    release();
    expect(await first).toEqual(new Set([5]));
    clock.advance(1001);
    directory.hold();
    // 40 pages at 20 a second: 2 s, more than the 500 ms this request has.
    const hurried = roster.strangers([6], { deadline: clock.now() + 500 });
    expect(await hurried).toEqual(new Set());
  });

  it('two replicas over one shared store walk once: the second reads the first one’s list', async () => {
    const clock = createClock();
    const store = createLocalStore({ now: clock.now });
    const directory = fakeDirectory(range(100, 30));
    const options = { pageFn: directory.pageFn, store, ttlMs: 60_000, pageSize: 10, pagesPerSecond: 20, now: clock.now };
    const [a, b] = [createCustomerRoster(options), createCustomerRoster(options)];
    expect(await a.strangers([1])).toEqual(new Set([1]));
    expect(await b.strangers([1, 100])).toEqual(new Set([1]));
    expect(directory.reads).toHaveLength(3);
  });

  it('after a failed walk it does not walk again for a while (a key without DescribeCustomerUin)', async () => {
    const clock = createClock();
    let reads = 0;
    const roster = createCustomerRoster({
      pageFn: async () => {
        reads += 1;
        throw new Error('UnauthorizedOperation');
      },
      store: createLocalStore({ now: clock.now }),
      ttlMs: 60_000,
      pageSize: 10,
      pagesPerSecond: 20,
      now: clock.now,
    });
    expect(await roster.strangers([1])).toEqual(new Set());
    expect(await roster.strangers([1])).toEqual(new Set());
    expect(reads).toBe(1);
    clock.advance(30_001);
    await roster.strangers([1]);
    expect(reads).toBe(2);
  });
});
