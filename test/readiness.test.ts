import { afterEach, describe, expect, it, vi } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';

const data = createDemoData({ customers: 400 });
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Our own give-ups (deadlines, clients hanging up) are not upstream failures. */
describe('/ready judges the upstream, not our deadlines', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  it('a slow but healthy upstream and a burst of requests past their deadline leave /ready at 200', async () => {
    harness = await startHarness({ simulator: { data, latencyMs: [1000, 1400] }, env: { REQUEST_DEADLINE_MS: '1500', UPSTREAM_TIMEOUT_MS: '10000' } });
    expect((await harness.fetch('/ready')).status).toBe(200);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => harness.query(QUERY, { uins: data.customerUins.slice(i * 10, i * 10 + 10).map(String) })),
    );
    const codes = results.flatMap((result) => result.errors?.map((error) => error.extensions?.code) ?? []);
    // The burst was more than 1.5 s of budget: some UINs failed fast or ran past their deadline.
    expect(codes.length).toBeGreaterThan(0);
    await harness.gateway.onIdle();
    const ready = await harness.fetch('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.text)).toMatchObject({ ready: true });
    const metrics = (await harness.fetch('/metrics')).text;
    expect(metrics).not.toMatch(/upstream_calls_total\{action="[^"]+",outcome="Transport\./);
    expect(harness.logs.filter((line) => line.msg === 'upstream call failed')).toEqual([]);
  }, 30_000);

  it('a client hanging up mid-request is no upstream failure; the shared call completes for the cache', async () => {
    harness = await startHarness({ simulator: { data, latencyMs: 500 }, env: { QUOTA_CACHE_TTL_MS: '30000' } });
    const url = await harness.listen();
    const controller = new AbortController();
    const uin = String(data.customerUins[0]);
    const request = fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { uins: [uin] } }),
      signal: controller.signal,
    });
    await sleep(150);
    controller.abort();
    await expect(request).rejects.toThrow();
    await harness.gateway.onIdle();
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(1);
    expect((await harness.fetch('/ready')).status).toBe(200);
    expect(harness.logs.filter((line) => line.msg === 'upstream call failed')).toEqual([]);
    // The answer the client did not wait for is in the cache.
    const again = await harness.query(QUERY, { uins: [uin] });
    expect(again.errors).toBeUndefined();
    expect(harness.simulator.callsOf('QueryVoucherAmountByUin')).toHaveLength(1);
  });

  it('counts an attempt its caller abandoned as aborted, not as an upstream failure', async () => {
    harness = await startHarness({ simulator: { data, latencyMs: 500 } });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('gave up')), 100);
    await expect(harness.gateway.client.queryVoucherAmountByUin([data.customerUins[0] as number], { signal: controller.signal })).rejects.toMatchObject({
      code: 'Transport.DeadlineExceeded',
    });
    const metrics = (await harness.fetch('/metrics')).text;
    expect(metrics).toMatch(/^upstream_calls_total\{action="QueryVoucherAmountByUin",outcome="aborted"\} 1$/m);
    expect(metrics).not.toMatch(/outcome="Transport\.DeadlineExceeded"/);
    const ready = await harness.fetch('/ready');
    expect(ready.status).toBe(200);
  });
});

describe('request lifecycle', () => {
  it("releases each request's deadline timer when its response is sent", async () => {
    const harness = await startHarness({ env: { REQUEST_DEADLINE_MS: '600000' } });
    // Fake timers count every pending timer, unref'd ones included (the deadline timer is unref'd).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      await harness.query('{ __typename }');
      const before = vi.getTimerCount();
      for (let i = 0; i < 50; i++) await harness.query('{ __typename }');
      // Without the release, 50 ten-minute timers would still be pending here.
      expect(vi.getTimerCount() - before).toBeLessThan(5);
    } finally {
      vi.useRealTimers();
      await harness.close();
    }
  });
});
