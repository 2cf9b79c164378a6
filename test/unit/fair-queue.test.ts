import { describe, expect, it } from 'vitest';
import { FairQueue, fairTag } from '../../src/loaders/fair-queue.js';
import { FAIR_CASES } from './fair-queue-cases.js';

describe('FairQueue (in process)', () => {
  for (const fairCase of FAIR_CASES) {
    it(fairCase.name, () => {
      const queue = new FairQueue<number>();
      for (const step of fairCase.steps) {
        if ('push' in step) {
          const { caller, uins, priority = 0, weight = 1 } = step.push;
          for (const uin of uins) {
            const queued = queue.priorityOf(uin);
            if (queued === undefined || priority > queued) queue.push(uin, priority, caller, weight);
          }
        } else {
          expect(queue.take(step.take)).toEqual(step.expect);
        }
      }
    });
  }

  it('inOrder lists what take would take, and remove takes an item out anywhere', () => {
    const queue = new FairQueue<number>();
    for (const uin of [1, 2, 3]) queue.push(uin, 0, 'a');
    for (const uin of [11, 12]) queue.push(uin, 0, 'b');
    expect([...queue.inOrder()]).toEqual([1, 11, 2, 12, 3]);
    expect(queue.remove(11)).toBe(true);
    expect(queue.remove(11)).toBe(false);
    expect(queue.size).toBe(4);
    expect(queue.take(10)).toEqual([1, 2, 12, 3]);
    expect(queue.size).toBe(0);
  });

  it('fairTag: max(virtual time, last tag) + 1 / weight', () => {
    expect(fairTag(10, undefined, 1)).toBe(11);
    expect(fairTag(10, 14, 1)).toBe(15);
    expect(fairTag(0, undefined, 4)).toBe(0.25);
    expect(() => new FairQueue<number>().push(1, 0, 'a', 0)).toThrow(/weight must be > 0/);
  });
});
