import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { createUpstreamClient, type AttemptEvent, type UpstreamClientOptions } from '../src/upstream/client.js';
import { UpstreamError } from '../src/upstream/errors.js';
import { createInProcessThrottle, type Throttle } from '../src/upstream/throttle.js';
import { createFetchTransport, type Transport, type TransportRequest } from '../src/upstream/transport.js';

describe('upstream client against the simulator', () => {
  let simulator: Simulator;
  let sent: TransportRequest[];
  let attempts: AttemptEvent[];
  let throttled: number;

  beforeAll(async () => {
    simulator = await startSimulator();
  });
  afterAll(() => simulator.close());
  beforeEach(() => {
    simulator.clearFaults();
    simulator.resetStats();
    sent = [];
    attempts = [];
    throttled = 0;
  });

  /** Real transport and throttle, wrapped only to record what passed through them. */
  function client(overrides: Partial<UpstreamClientOptions> = {}) {
    const fetchTransport = createFetchTransport({ timeoutMs: 300 });
    const transport: Transport = (request) => {
      sent.push(request);
      return fetchTransport(request);
    };
    const inner = createInProcessThrottle({ intervalCap: 50, interval: 1000 });
    const throttle: Throttle = { ...inner, schedule: (action, task, options) => inner.schedule(action, (slot) => (throttled++, task(slot)), options) };
    return createUpstreamClient({
      endpoint: simulator.url,
      credentials: simulator.credentials,
      transport,
      throttle,
      retry: { maxAttempts: 3, baseDelayMs: 5, random: () => 0.5 },
      onAttempt: (event) => attempts.push(event),
      ...overrides,
    });
  }

  it('sends the documented headers and parses both actions', async () => {
    const pool = await client().queryVoucherPool();
    expect(pool).toMatchObject({ agentName: simulator.data.pool.agentName, accountType: 1, issuedNum: 300 });
    const [first, second] = simulator.data.customerUins;
    const amounts = await client().queryVoucherAmountByUin([first as number, second as number]);
    expect(amounts.items.map((item) => item.clientUin).sort()).toEqual([first, second].sort());
    expect(Object.keys(sent[0]?.headers ?? {}).sort()).toEqual(
      ['Authorization', 'Content-Type', 'X-TC-Action', 'X-TC-Timestamp', 'X-TC-TraceId', 'X-TC-Version'].sort(),
    );
    expect(sent[1]?.body).toBe(`{"ClientUins":[${first},${second}]}`);
  });

  it('sends X-TC-Token with temporary credentials', async () => {
    await expect(client({ credentials: { ...simulator.credentials, sessionToken: 'tok-123' } }).queryVoucherPool()).resolves.toBeDefined();
    expect(sent[0]?.headers['X-TC-Token']).toBe('tok-123');
  });

  it('refuses 0 or 21 UINs without calling the upstream', async () => {
    await expect(client().queryVoucherAmountByUin([])).rejects.toThrow(/1 to 20 UINs, got 0/);
    await expect(client().queryVoucherAmountByUin(Array.from({ length: 21 }, (_, i) => i + 1))).rejects.toThrow(/got 21/);
    expect(sent).toHaveLength(0);
  });

  it('retries retryable codes with a fresh signature per attempt, each through the throttle', async () => {
    simulator.injectFault({ fault: { type: 'error', code: 'InternalError' } });
    simulator.injectFault({ fault: { type: 'error', code: 'RequestLimitExceeded' } });
    // A clock that moves a second per reading, so each attempt's signature is visibly its own.
    let skew = 0;
    const pool = await client({ now: () => Date.now() + (skew += 1000) }).queryVoucherPool();
    expect(pool.agentName).toBe(simulator.data.pool.agentName);
    expect(attempts.map((event) => event.code ?? event.outcome)).toEqual(['InternalError', 'RequestLimitExceeded', 'ok']);
    expect(throttled).toBe(3);
    const signatures = new Set(sent.map((request) => request.headers.Authorization));
    expect(signatures.size).toBe(3);
  });

  it('gives up after maxAttempts with a typed, retryable UpstreamError', async () => {
    simulator.injectFault({ fault: { type: 'http-status', status: 503 }, times: 5 });
    const error = await client().queryVoucherPool().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ code: 'Transport.HttpStatus', kind: 'unavailable', retryable: true });
    expect(sent).toHaveLength(3);
  });

  it.each([
    ['AuthFailure.SecretIdNotFound', 'auth'],
    ['AuthFailure.SignatureFailure', 'auth'],
    ['InvalidParameterValue', 'invalid-request'],
    ['UnauthorizedOperation.UinNoAuth', 'uin-not-authorized'],
  ])('does not retry %s', async (code, kind) => {
    simulator.injectFault({ fault: { type: 'error', code } });
    const error = await client().queryVoucherPool().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code, kind, retryable: false, requestId: expect.any(String) });
    expect(sent).toHaveLength(1);
  });

  it('re-signs once on SignatureExpire, then gives up', async () => {
    const skewed = () => Date.now() - 10 * 60 * 1000;
    const error = await client({ now: skewed }).queryVoucherPool().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'AuthFailure.SignatureExpire' });
    expect(sent).toHaveLength(2);
  });

  it('times out a slow attempt and retries it', async () => {
    simulator.injectFault({ fault: { type: 'delay', ms: 1000 } });
    const pool = await client().queryVoucherPool();
    expect(pool.issuedNum).toBe(300);
    expect(attempts.map((event) => event.code ?? event.outcome)).toEqual(['Transport.Timeout', 'ok']);
  });

  it.each(['malformed-json', 'truncated-json', 'reset'] as const)('treats %s as a retryable transport failure', async (type) => {
    simulator.injectFault({ fault: { type }, times: 3 });
    const error = await client().queryVoucherPool().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ kind: 'unavailable', retryable: true });
    expect(sent).toHaveLength(3);
    expect((error as Error).message).not.toContain('not json');
  });
});
