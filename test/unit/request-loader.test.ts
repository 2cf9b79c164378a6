import DataLoader from 'dataloader';
import { describe, expect, it } from 'vitest';
import { settledLoader } from '../../src/request-policy.js';
import type { UinKey } from '../../src/loaders/cached-uin-source.js';
import type { Cached } from '../../src/store/timed-cache.js';

/** A request's loader over a counting DataLoader: what a key costs, and when a value comes at once. */
function setup() {
  const batches: number[][] = [];
  let answer = 10;
  const loader = new DataLoader<UinKey, Cached<number>, string>(
    async (keys) => {
      batches.push(keys.map((key) => key.uin));
      return keys.map((key) => ({ value: key.uin * answer, asOf: 1 }));
    },
    { cacheKeyFn: (key) => `${key.uin}:${key.maxAgeMs ?? ''}` },
  );
  return { batches, loader: settledLoader(loader), setAnswer: (value: number) => (answer = value) };
}

describe('settledLoader (a request loader)', () => {
  it('answers a settled key at once with the value DataLoader gave, and batches the first asks', async () => {
    const { batches, loader } = setup();
    const first = [loader.load({ uin: 1 }), loader.load({ uin: 2 })];
    expect(first[0]).toBeInstanceOf(Promise);
    const values = await Promise.all(first);
    const again = loader.load({ uin: 1 });
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toBe(values[0]);
    // Another maxAge is another key: it goes to DataLoader.
    expect(loader.load({ uin: 1, maxAgeMs: 0 })).toBeInstanceOf(Promise);
    await Promise.resolve();
    expect(batches[0]).toEqual([1, 2]);
  });

  it('forgets with DataLoader: after clearAll a key loads again; a primed value is what the next load gives', async () => {
    const { batches, loader, setAnswer } = setup();
    await loader.load({ uin: 1 });
    loader.clearAll();
    setAnswer(100);
    const reloaded = loader.load({ uin: 1 });
    expect(reloaded).toBeInstanceOf(Promise);
    expect(await reloaded).toEqual({ value: 100, asOf: 1 });
    expect(batches).toEqual([[1], [1]]);
    loader.clearAll();
    loader.prime({ uin: 1 }, { value: 7, asOf: 2 });
    expect(await loader.load({ uin: 1 })).toEqual({ value: 7, asOf: 2 });
    expect(loader.load({ uin: 1 })).toEqual({ value: 7, asOf: 2 });
    expect(batches).toHaveLength(2);
  });
});
