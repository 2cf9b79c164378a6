import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createInProcessThrottle } from '../src/upstream/throttle.js';
import { maxInWindow } from './support/arrivals.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';

/**
 * The gateway runs as a process of its own and the simulator here: the simulator stamps arrivals on
 * this (otherwise idle) event loop, so a busy gateway cannot make it stamp late, and the production
 * margin (50 ms) is what is tested.
 */
describe('throttle: never more than 5 upstream requests per action in any sliding second (a gateway process; runs serially)', () => {
  let simulator: Simulator;
  let gateway: GatewayProcess;
  beforeAll(async () => {
    simulator = await startSimulator({ latencyMs: [5, 40] });
    gateway = await startGatewayProcess({ ...upstreamEnv(simulator), ...COUNTING_OTHER_FEATURES });
  }, 60_000);
  afterAll(async () => {
    await gateway?.stop();
    await simulator?.close();
  });

  it('concurrent requests totalling 200 UINs share full calls and cause zero RequestLimitExceeded', async () => {
    const uins = simulator.data.customerUins.slice(0, 200).map(String);
    const requests = Array.from({ length: 25 }, (_, i) =>
      postGraphQL(gateway.url, 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } voucherPool { issuedNum } }', {
        uins: uins.slice(i * 8, i * 8 + 8),
      }),
    );
    const results = await Promise.all(requests);
    for (const result of results) expect(result.errors).toBeUndefined();

    const stats = simulator.stats();
    expect(stats.rateLimited).toBe(0);
    const amountCalls = simulator.callsOf('QueryVoucherAmountByUin');
    // 25 requests of 8 UINs are coalesced across requests: the first call leaves with the first
    // request's 8 at once, the rest travel in full calls of 20 (and one remainder).
    expect(amountCalls.length).toBeLessThanOrEqual(11);
    expect(amountCalls.flatMap((call) => call.uins).length).toBe(200);
    expect(maxInWindow(amountCalls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
    const poolCalls = simulator.callsOf('QueryVoucherPool');
    expect(maxInWindow(poolCalls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
  });
});

describe('createInProcessThrottle', () => {
  it('validates its options, naming the option', () => {
    expect(() => createInProcessThrottle({ intervalCap: 0 })).toThrow(/intervalCap/);
    expect(() => createInProcessThrottle({ intervalCap: 5, interval: Number.POSITIVE_INFINITY })).toThrow(/interval/);
  });

  it('counts the window from actual departures when a request leaves late (fake clock)', async () => {
    vi.useFakeTimers();
    try {
      const throttle = createInProcessThrottle({ intervalCap: 2, interval: 200 });
      const t0 = Date.now();
      const starts: number[] = [];
      const sentLate = (slot: { sent(): void }) => {
        starts.push(Date.now() - t0);
        // The first two requests leave 300 ms after their start (a busy event loop).
        return new Promise<void>((resolve) =>
          setTimeout(() => {
            slot.sent();
            resolve();
          }, starts.length <= 2 ? 300 : 0),
        );
      };
      const all = Promise.all(Array.from({ length: 4 }, () => throttle.schedule('A', sentLate)));
      await vi.advanceTimersByTimeAsync(1000);
      await all;
      // p-queue alone would start tasks 3 and 4 at 200 ms; they wait for the departures (300) + 200 ms.
      expect(starts).toEqual([0, 0, 500, 500]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps separate budgets per action and runs higher priority first', async () => {
    const throttle = createInProcessThrottle({ intervalCap: 1, interval: 200 });
    const order: string[] = [];
    const run = (action: string, label: string, priority = 0) =>
      throttle.schedule(action, async () => void order.push(label), { priority });
    await Promise.all([run('A', 'a1'), run('B', 'b1'), run('A', 'bulk'), run('A', 'interactive', 10)]);
    // a1 and b1 start at once (separate budgets); the interactive task overtakes the queued bulk one.
    expect(order.slice(0, 2).sort()).toEqual(['a1', 'b1']);
    expect(order.slice(2)).toEqual(['interactive', 'bulk']);
    expect(throttle.stats()).toEqual({ A: { queued: 0, running: 0 }, B: { queued: 0, running: 0 } });
  });
});
