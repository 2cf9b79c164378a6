import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv } from './support/gateway-process.js';

const QUOTA = '{ customer(uin: "200000097917") { voucherQuota { remainAmount } } }';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGTERM drains: out of rotation at once, still serving for the delay, in-flight work finished, exit 0. */
describe('graceful drain on SIGTERM (a real process)', () => {
  let simulator: Simulator;
  let gateway: GatewayProcess;
  afterEach(async () => {
    await gateway?.stop();
    await simulator?.close();
  });

  const start = async (latencyMs: number, delayMs = 1500) => {
    simulator = await startSimulator({ latencyMs });
    gateway = await startGatewayProcess({
      ...upstreamEnv(simulator),
      ...COUNTING_OTHER_FEATURES,
      SHUTDOWN_DELAY_MS: String(delayMs),
    });
  };

  // The delay (2.5 s) leaves a busy machine time to see the 503 and send a request; the call (5 s)
  // outlasts it, so the listener closes while the first request is still in flight.
  it('during a 5 s upstream call: /ready 503 at once, a new request in the delay served, the in-flight one answered, exit 0', async () => {
    await start(5000, 2500);
    const inFlight = postGraphQL<{ customer: { voucherQuota: { remainAmount: number } | null } }>(gateway.url, QUOTA);
    // The call is on the wire (the simulator has it) before the signal.
    for (let i = 0; i < 100 && simulator.stats().calls.length === 0; i++) await sleep(20);
    expect(simulator.stats().calls).toHaveLength(1);
    const exited = gateway.exited();
    process.kill(gateway.pid, 'SIGTERM');
    let ready = await fetch(`${gateway.url}/ready`);
    for (let i = 0; i < 50 && ready.status === 200; i++) ready = await fetch(`${gateway.url}/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ ready: false, reason: 'shutting down' });
    // Load balancers may still route here during the delay: served.
    const during = await postGraphQL(gateway.url, '{ __typename }');
    expect(during.data).toEqual({ __typename: 'Query' });
    const answer = await inFlight;
    expect(answer.errors).toBeUndefined();
    expect(answer.data?.customer.voucherQuota?.remainAmount).toBe(simulator.data.customers.get(200000097917)?.remainAmount);
    expect(await exited).toBe(0);
    expect(gateway.output()).toMatch(/"msg":"stopped"/);
  }, 30_000);

  it('a /ready check waiting on its upstream probe when the drain begins answers 503 then, not 200 after the probe', async () => {
    await start(3000);
    // A fresh gateway has no evidence about the upstream: /ready sends a probe, which takes 3 s.
    const pending = fetch(`${gateway.url}/ready`);
    for (let i = 0; i < 100 && simulator.callsOf('QueryVoucherPool').length === 0; i++) await sleep(20);
    expect(simulator.callsOf('QueryVoucherPool')).toHaveLength(1);
    process.kill(gateway.pid, 'SIGTERM');
    const ready = await pending;
    expect(ready.status).toBe(503);
    // Answered when the drain began: waiting for the probe, it would have said 200 (ready: true).
    expect(await ready.json()).toMatchObject({ ready: false, reason: 'shutting down' });
  }, 30_000);

  it('a second SIGTERM exits 1 at once', async () => {
    await start(3000);
    void postGraphQL(gateway.url, QUOTA).catch(() => undefined);
    for (let i = 0; i < 100 && simulator.stats().calls.length === 0; i++) await sleep(20);
    const exited = gateway.exited();
    process.kill(gateway.pid, 'SIGTERM');
    await sleep(100);
    process.kill(gateway.pid, 'SIGTERM');
    // Before the 1.5 s delay, let alone the 3 s call, could have ended.
    const code = await Promise.race([exited, sleep(1000).then(() => 'still running')]);
    expect(code).toBe(1);
    expect(gateway.output()).toMatch(/second signal while draining/);
  }, 30_000);
});

