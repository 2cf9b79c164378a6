import { describe, expect, it } from 'vitest';
import { createInteractiveAllowance } from '../../src/loaders/interactive-allowance.js';
import { createClock } from './fakes.js';

describe('the interactive allowance (a token bucket per caller)', () => {
  it('grants up to the burst, then refuses until the bucket refills; callers are separate', () => {
    const clock = createClock();
    const allowance = createInteractiveAllowance({ burst: 40, perSecond: 10, now: clock.now });
    expect([20, 20, 20].map((uins) => allowance.take('loop', uins))).toEqual([true, true, false]);
    expect(allowance.take('console', 1)).toBe(true);
    clock.advance(1000);
    expect(allowance.take('loop', 20)).toBe(false);
    clock.advance(1000);
    expect(allowance.take('loop', 20)).toBe(true);
    // A refused request takes nothing: a 1-UIN lookup still fits.
    expect(allowance.take('loop', 20)).toBe(false);
    clock.advance(100);
    expect(allowance.take('loop', 1)).toBe(true);
  });

  it('never holds more than the burst, and forgets the least recently seen caller first', () => {
    const clock = createClock();
    const allowance = createInteractiveAllowance({ burst: 10, perSecond: 100, maxCallers: 2, now: clock.now });
    expect(allowance.take('a', 10)).toBe(true);
    clock.advance(60_000);
    expect(allowance.take('a', 10)).toBe(true);
    expect(allowance.take('a', 1)).toBe(false);
    allowance.take('b', 1);
    allowance.take('c', 1);
    // 'a' was forgotten: a fresh, full bucket.
    expect(allowance.take('a', 10)).toBe(true);
    expect(() => createInteractiveAllowance({ burst: 0, perSecond: 1 })).toThrow(/burst/);
  });
});
