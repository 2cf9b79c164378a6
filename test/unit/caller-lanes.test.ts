import { describe, expect, it } from 'vitest';
import { createCallerLanes, OTHER_LANE } from '../../src/server/caller-lanes.js';
import { createClock } from './fakes.js';

describe('caller lanes', () => {
  it('a verified name has a lane of its own at once; an unverified one only after its probation', () => {
    const clock = createClock();
    const lanes = createCallerLanes({ probationMs: 1000, now: clock.now });
    expect(lanes.laneOf('portal', true)).toBe('portal');
    expect(lanes.laneOf('dashboard', false)).toBe(OTHER_LANE);
    clock.advance(999);
    expect(lanes.laneOf('dashboard', false)).toBe(OTHER_LANE);
    clock.advance(1);
    expect(lanes.laneOf('dashboard', false)).toBe('unverified:dashboard');
    expect(lanes.laneOf('dashboard', false)).toBe('unverified:dashboard');
  });

  it('an unverified name can never be a weighted (verified) name', () => {
    const clock = createClock();
    const lanes = createCallerLanes({ probationMs: 0, now: clock.now });
    lanes.laneOf('billing', false);
    expect(lanes.laneOf('billing', false)).toBe('unverified:billing');
    expect(lanes.laneOf('billing', true)).toBe('billing');
  });

  it('a new name on every request stays in the shared lane', () => {
    const clock = createClock();
    const lanes = createCallerLanes({ probationMs: 1000, now: clock.now });
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      seen.add(lanes.laneOf(`rotating-${i}`, false));
      clock.advance(50);
    }
    expect([...seen]).toEqual([OTHER_LANE]);
  });

  it('100,000 distinct names: at most maxLanes lanes and maxCandidates names on probation', () => {
    const clock = createClock();
    const lanes = createCallerLanes({ probationMs: 0, maxLanes: 100, maxCandidates: 1000, idleMs: 60_000, now: clock.now });
    for (let i = 0; i < 100_000; i++) {
      lanes.laneOf(`name-${i}`, i % 2 === 0);
      lanes.laneOf(`name-${i}`, i % 2 === 0);
    }
    expect(lanes.sizes().lanes).toBe(100);
    expect(lanes.sizes().candidates).toBeLessThanOrEqual(1000);
  });

  it('when every lane is taken a new name rides in other, until the least recently seen holder has been idle long enough', () => {
    const clock = createClock();
    const lanes = createCallerLanes({ maxLanes: 2, idleMs: 1000, now: clock.now });
    expect(lanes.laneOf('a', true)).toBe('a');
    expect(lanes.laneOf('b', true)).toBe('b');
    expect(lanes.laneOf('c', true)).toBe(OTHER_LANE);
    clock.advance(500);
    expect(lanes.laneOf('b', true)).toBe('b');
    clock.advance(600);
    // a: idle 1100 ms, the least recently seen: c takes its place; b keeps its own.
    expect(lanes.laneOf('c', true)).toBe('c');
    expect(lanes.laneOf('b', true)).toBe('b');
    expect(lanes.laneOf('a', true)).toBe(OTHER_LANE);
  });
});
