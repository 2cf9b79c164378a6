import { describe, expect, it } from 'vitest';
import { createResponseCache, newExecutionReads, recordRead } from '../../src/server/response-cache.js';
import { createClock } from './fakes.js';

const readsOf = (uins: number[], asOf: number, ttlMs: number) => {
  const reads = newExecutionReads();
  for (const uin of uins) recordRead(reads, 'quota', asOf, ttlMs, uin);
  return reads;
};

/** An answer is kept the second time its key is executed. */
const keep = (cache: ReturnType<typeof createResponseCache>, key: string, result: { data: Record<string, unknown> }, reads: ReturnType<typeof newExecutionReads>) => {
  cache.set(key, result, reads);
  cache.set(key, result, reads);
};

describe('createResponseCache', () => {
  it('keeps an answer the second time its key is executed, not the first', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 10, now: clock.now });
    cache.set('a', { data: {} }, readsOf([1], clock.now(), 1000));
    expect(cache.get('a')).toBeUndefined();
    cache.set('a', { data: {} }, readsOf([1], clock.now(), 1000));
    expect(cache.get('a')).toBeDefined();
  });

  it('keeps an answer until its first value stops being fresh', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 10, now: clock.now });
    const reads = readsOf([1], clock.now(), 1000);
    recordRead(reads, 'quota', clock.now() - 400, 1000, 2);
    keep(cache, 'a', { data: { x: 1 } }, reads);
    clock.advance(599);
    expect(cache.get('a')?.result).toEqual({ data: { x: 1 } });
    clock.advance(1);
    expect(cache.get('a')).toBeUndefined();
  });

  it('keeps nothing uncacheable or already stale, and at most maxEntries (least recently used leave first), forgetting their customers', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 2, now: clock.now });
    const uncacheable = readsOf([1], clock.now(), 1000);
    uncacheable.cacheable = false;
    keep(cache, 'no', { data: {} }, uncacheable);
    keep(cache, 'stale', { data: {} }, readsOf([1], clock.now(), 0));
    expect(cache.size).toBe(0);
    for (const key of ['a', 'b']) keep(cache, key, { data: { key } }, readsOf([key === 'a' ? 1 : 2], clock.now(), 1000));
    cache.get('a');
    keep(cache, 'c', { data: { key: 'c' } }, readsOf([3], clock.now(), 1000));
    expect(cache.size).toBe(2);
    expect(cache.get('b')).toBeUndefined();
    // Customer 2 left with b: invalidating it touches nothing that is kept.
    cache.invalidate([[2, clock.now() + 1]]);
    expect(cache.size).toBe(2);
    cache.invalidate([[1, clock.now() + 1]]);
    expect([cache.get('a'), cache.get('c')?.key]).toEqual([undefined, 'c']);
    // The keys seen once are bounded too.
    for (let i = 0; i < 100; i++) cache.set(`once-${i}`, { data: {} }, readsOf([9], clock.now(), 1000));
    cache.set('once-0', { data: {} }, readsOf([9], clock.now(), 1000));
    expect(cache.get('once-0')).toBeUndefined();
  });

  it('an answer newer than what a kept answer read drops it, and keeps out an execution under way that read the older value; the same answer again drops nothing', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 10, now: clock.now });
    const asOf = clock.now();
    keep(cache, 'a', { data: { old: true } }, readsOf([1, 2], asOf, 1000));
    // The same answers again (the results stream echoes this replica's own call): nothing changes.
    cache.invalidate([[1, asOf]]);
    expect(cache.get('a')?.result).toEqual({ data: { old: true } });
    // The next execution reads customer 1's value at `asOf`; a newer answer for 1 arrives before it ends.
    const reads = readsOf([1, 2], asOf, 1000);
    reads.since = cache.epoch();
    cache.invalidate([[1, asOf + 1]]);
    expect(cache.get('a')).toBeUndefined();
    keep(cache, 'a', { data: { old: true } }, reads);
    expect(cache.get('a')).toBeUndefined();
    // An execution that read the newer value is kept; an answer for a customer it did not read changes nothing.
    const later = readsOf([1], asOf + 1, 1000);
    recordRead(later, 'quota', asOf, 1000, 2);
    later.since = cache.epoch();
    cache.invalidate([[3, asOf + 5]]);
    keep(cache, 'a', { data: { old: false } }, later);
    expect(cache.get('a')?.result).toEqual({ data: { old: false } });
  });

  it('clear() drops every kept answer (the results stream had a gap), and an execution under way is not kept', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 10, now: clock.now });
    keep(cache, 'a', { data: {} }, readsOf([1], clock.now(), 1000));
    const reads = readsOf([2], clock.now(), 1000);
    reads.since = cache.epoch();
    cache.clear();
    expect(cache.size).toBe(0);
    keep(cache, 'b', { data: {} }, reads);
    expect(cache.get('b')).toBeUndefined();
  });

  it('remembers the newest answers of at most 10,000 customers: past that, an execution under way since before the oldest was forgotten is not kept', () => {
    const clock = createClock();
    const cache = createResponseCache({ maxEntries: 10, now: clock.now });
    const reads = readsOf([1], clock.now(), 1000);
    reads.since = cache.epoch();
    // 10,000 other customers answered: customer 1's execution still checks out.
    for (let uin = 2; uin <= 10_001; uin++) cache.invalidate([[uin, clock.now()]]);
    keep(cache, 'a', { data: {} }, reads);
    expect(cache.get('a')).toBeDefined();
    const next = readsOf([1], clock.now(), 1000);
    next.since = cache.epoch();
    // One more: the oldest is forgotten, and what began before it can no longer be checked.
    cache.invalidate([[10_002, clock.now()]]);
    keep(cache, 'b', { data: {} }, next);
    expect(cache.get('b')).toBeUndefined();
    const after = readsOf([1], clock.now(), 1000);
    after.since = cache.epoch();
    keep(cache, 'c', { data: {} }, after);
    expect(cache.get('c')).toBeDefined();
  });
});
