import { describe, expect, it } from 'vitest';
import { POOL_SHAPE } from '../../src/loaders/cache-shapes.js';
import { createVoucherPoolSource } from '../../src/loaders/voucher-pool.js';
import { createLocalStore } from '../../src/store/key-value-store.js';
import { createTimedCache } from '../../src/store/timed-cache.js';
import type { UpstreamClient, VoucherPool } from '../../src/upstream/client.js';
import { createClock, createManualThrottle, flush } from './fakes.js';

const POOL: VoucherPool = { agentName: 'A', accountType: 1, totalQuota: 10, remainingQuota: 5, issuedNum: 2, requestId: 'r' };

function setup() {
  const throttle = createManualThrottle();
  const clock = createClock();
  let calls = 0;
  // A client whose pool call goes through the throttle, as the real one does.
  const client = {
    queryVoucherPool: (options: { priority?: number; throttleId?: string } = {}) =>
      throttle.schedule('QueryVoucherPool', async () => {
        calls += 1;
        return POOL;
      }, { priority: options.priority, id: options.throttleId }),
  } as unknown as UpstreamClient;
  const cache = createTimedCache<VoucherPool>({ store: createLocalStore({ now: clock.now }), namespace: 'pool:', ttlMs: 10_000, isValue: POOL_SHAPE, now: clock.now });
  const source = createVoucherPoolSource({ client, throttle, cache, now: clock.now });
  return { throttle, clock, source, calls: () => calls };
}

describe('createVoucherPoolSource', () => {
  it('shares one call in flight, and lifts it to the most urgent waiter', async () => {
    const { throttle, source, calls } = setup();
    const probe = source.load({ priority: 0 });
    await flush();
    const interactive = source.load({ priority: 1 });
    await flush();
    // The queued call now runs at the interactive priority.
    await throttle.grant();
    expect(throttle.priorities).toEqual([1]);
    expect(await probe).toEqual(await interactive);
    expect(calls()).toBe(1);
  });

  it('serves from the cache within the TTL and maxAge, and refreshes when asked', async () => {
    const { throttle, clock, source, calls } = setup();
    const first = source.load();
    await flush();
    await throttle.grant();
    const { asOf } = await first;
    clock.advance(5000);
    expect(await source.load()).toEqual({ value: POOL, asOf });
    expect(await source.load({ maxAgeMs: 6000 })).toEqual({ value: POOL, asOf });
    const fresh = source.load({ maxAgeMs: 1000 });
    await flush();
    await throttle.grant();
    expect((await fresh).asOf).toBe(asOf + 5000);
    expect(calls()).toBe(2);
  });
});
