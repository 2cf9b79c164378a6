import { describe, expect, it } from 'vitest';
import { createIsolatingFetch, CustomerNotFoundError, type UinCallFn } from '../../src/loaders/customer-isolation.js';
import { createUinDenylist } from '../../src/loaders/uin-denylist.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { UpstreamError } from '../../src/upstream/errors.js';
import { createCustomerRoster } from '../../src/loaders/customer-roster.js';
import { PRIORITY } from '../../src/loaders/priorities.js';
import { createClock } from './fakes.js';

/** A fake upstream call that refuses any list containing a stranger (UinNoAuth) and records each list. */
function fakeUpstream(strangers: Set<number>, mode: 'fail-call' | 'omit' = 'fail-call') {
  const calls: number[][] = [];
  const priorities: (number | undefined)[] = [];
  const callFn: UinCallFn<string> = async (uins, options) => {
    const list = [...(typeof uins === 'function' ? await uins() : uins)];
    calls.push(list);
    priorities.push(options.priority);
    if (mode === 'fail-call' && list.some((uin) => strangers.has(uin))) {
      throw new UpstreamError({ code: 'UnauthorizedOperation.UinNoAuth', message: 'no', requestId: `req-${calls.length}` });
    }
    return new Map(list.filter((uin) => !strangers.has(uin)).map((uin) => [uin, `q${uin}`]));
  };
  return { calls, priorities, callFn };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('createIsolatingFetch (bisection of a refused call)', () => {
  it('isolates one stranger among 20 by halving, in at most 11 calls, and puts it on the denylist', async () => {
    const { calls, callFn } = fakeUpstream(new Set([8]));
    const denylist = createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 });
    const fetch = createIsolatingFetch({ callFn, denylist });
    const results = await fetch(() => range(1, 20), {});
    expect(calls).toEqual([
      range(1, 20),
      range(1, 10),
      range(11, 10),
      range(1, 5),
      range(6, 5),
      [6, 7, 8],
      [9, 10],
      [6, 7],
      [8],
    ]);
    expect(calls.length).toBeLessThanOrEqual(11);
    for (const uin of range(1, 20)) {
      if (uin === 8) expect(results.get(uin)).toEqual(new CustomerNotFoundError(8, { code: 'UnauthorizedOperation.UinNoAuth', requestId: 'req-9' }));
      else expect(results.get(uin)).toBe(`q${uin}`);
    }
    expect(await denylist.filter(range(1, 20))).toEqual(new Set([8]));
  });

  it('isolation calls are the refused call’s own cost: below every reader, never ahead of another caller’s UINs', async () => {
    const { priorities, callFn } = fakeUpstream(new Set([2]));
    const fetch = createIsolatingFetch({ callFn, denylist: createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 }) });
    await fetch(() => [1, 2, 3, 4], { priority: PRIORITY.interactive });
    expect(priorities[0]).toBe(PRIORITY.interactive);
    expect(priorities.slice(1).length).toBeGreaterThan(0);
    expect(new Set(priorities.slice(1))).toEqual(new Set([PRIORITY.isolation]));
    expect(PRIORITY.isolation).toBeLessThan(PRIORITY.bulk);
  });

  it('a refused call asks the customer list first: its strangers cost no bisection', async () => {
    const { calls, callFn } = fakeUpstream(new Set([3, 9]));
    const clock = createClock();
    const roster = createCustomerRoster({
      pageFn: async () => ({ value: { uins: [1, 2, 4, 5, 6, 7, 8, 10], total: 8 }, asOf: 0 }),
      store: createLocalStore({ now: clock.now }),
      ttlMs: 60_000,
      pageSize: 100,
      pagesPerSecond: 20,
      now: clock.now,
    });
    const fetch = createIsolatingFetch({ callFn, denylist: createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 }), roster });
    const results = await fetch(() => range(1, 10), {});
    expect(calls).toEqual([range(1, 10), [1, 2, 4, 5, 6, 7, 8, 10]]);
    expect(results.get(3)).toBeInstanceOf(CustomerNotFoundError);
    expect(results.get(9)).toBeInstanceOf(CustomerNotFoundError);
    expect(results.get(10)).toBe('q10');
  });

  it('answers an omitted UIN as not found without any extra call', async () => {
    const { calls, callFn } = fakeUpstream(new Set([3]), 'omit');
    const fetch = createIsolatingFetch({ callFn, denylist: createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 }) });
    const results = await fetch(() => [1, 2, 3], {});
    expect(calls).toEqual([[1, 2, 3]]);
    expect(results.get(3)).toBeInstanceOf(CustomerNotFoundError);
    expect(results.get(1)).toBe('q1');
  });

  it('stops bisecting when the isolation budget is spent: the rest fail with the refusal, never silently', async () => {
    const { calls, callFn } = fakeUpstream(new Set([1, 2, 3, 4]));
    const fetch = createIsolatingFetch({ callFn, denylist: createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 }), maxIsolationCalls: 2 });
    const results = await fetch(() => [1, 2, 3, 4], {});
    expect(calls).toEqual([[1, 2, 3, 4], [1, 2], [3, 4]]);
    for (const uin of [1, 2, 3, 4]) expect((results.get(uin) as UpstreamError).code).toBe('UnauthorizedOperation.UinNoAuth');
  });

  it('rejects when the whole call fails for another reason (the queue answers it to every UIN)', async () => {
    const down = new UpstreamError({ code: 'InternalError', message: 'down' });
    const fetch = createIsolatingFetch<string>({
      callFn: async () => {
        throw down;
      },
      denylist: createUinDenylist({ store: createLocalStore(), ttlMs: 60_000 }),
    });
    await expect(fetch(() => [1, 2], {})).rejects.toBe(down);
  });
});
