import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fault } from '../src/simulator/simulator.js';
import { startHarness, type Harness } from './support/harness.js';

/** Recognisable credentials: if any of these bytes reach a log line or a response, the test fails. */
const CANARY = {
  secretId: 'AKIDcanaryVoucherGatewayFaultSuite000',
  secretKey: 'CANARY-SECRET-KEY-must-never-be-seen-5f1e',
};

const QUERY = `{
  voucherPool { agentName }
  customer(uin: 200000097917) { uin voucherQuota { remainAmount } }
}`;

type Case = { name: string; fault: Fault; code: string; upstreamCode: string; attempts: number };

const MAX_ATTEMPTS = 3;
const cases: Case[] = [
  { name: 'latency beyond the timeout', fault: { type: 'delay', ms: 1500 }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.Timeout', attempts: MAX_ATTEMPTS },
  { name: 'a hung connection', fault: { type: 'hang' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.Timeout', attempts: MAX_ATTEMPTS },
  { name: 'a reset connection', fault: { type: 'reset' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.NetworkError', attempts: MAX_ATTEMPTS },
  { name: 'HTTP 503', fault: { type: 'http-status', status: 503 }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.HttpStatus', attempts: MAX_ATTEMPTS },
  { name: 'malformed JSON', fault: { type: 'malformed-json' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.MalformedResponse', attempts: MAX_ATTEMPTS },
  { name: 'truncated JSON', fault: { type: 'truncated-json' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'Transport.MalformedResponse', attempts: MAX_ATTEMPTS },
  { name: 'InternalError', fault: { type: 'error', code: 'InternalError' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'InternalError', attempts: MAX_ATTEMPTS },
  { name: 'ServiceUnavailable', fault: { type: 'error', code: 'ServiceUnavailable' }, code: 'UPSTREAM_UNAVAILABLE', upstreamCode: 'ServiceUnavailable', attempts: MAX_ATTEMPTS },
  { name: 'RequestLimitExceeded (a shared key)', fault: { type: 'error', code: 'RequestLimitExceeded' }, code: 'UPSTREAM_RATE_LIMITED', upstreamCode: 'RequestLimitExceeded', attempts: MAX_ATTEMPTS },
  { name: 'AuthFailure.SignatureFailure', fault: { type: 'error', code: 'AuthFailure.SignatureFailure' }, code: 'UPSTREAM_AUTH_FAILED', upstreamCode: 'AuthFailure.SignatureFailure', attempts: 1 },
  { name: 'AuthFailure.SecretIdNotFound', fault: { type: 'error', code: 'AuthFailure.SecretIdNotFound' }, code: 'UPSTREAM_AUTH_FAILED', upstreamCode: 'AuthFailure.SecretIdNotFound', attempts: 1 },
];

describe('upstream faults: retried per policy, fields null with stable codes, the rest served, secrets kept', () => {
  let harness: Harness;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    harness = await startHarness({
      simulator: { credentials: CANARY, latencyMs: [5, 20] },
      env: { UPSTREAM_TIMEOUT_MS: '400', UPSTREAM_MAX_ATTEMPTS: String(MAX_ATTEMPTS), UPSTREAM_RETRY_BASE_DELAY_MS: '20', REQUEST_DEADLINE_MS: '10000' },
    });
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await harness.close();
  });
  beforeEach(() => harness.reset());
  // Every signature that crossed the wire, collected before the next reset clears the call log.
  const signatures = new Set<string>();
  afterEach(() => {
    for (const call of harness.simulator.stats().calls) if (call.signature) signatures.add(call.signature);
  });

  it.each(cases)('$name → $code after $attempts attempt(s); unaffected fields resolve; next request is normal', async ({ fault, code, upstreamCode, attempts }) => {
    harness.simulator.injectFault({ fault, action: 'QueryVoucherAmountByUin', times: Number.POSITIVE_INFINITY });
    const result = await harness.query(QUERY);
    expect(result.data).toEqual({
      voucherPool: { agentName: harness.simulator.data.pool.agentName },
      customer: { uin: '200000097917', voucherQuota: null },
    });
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['customer', 'voucherQuota'],
        extensions: { code, upstream: { code: upstreamCode, requestId: upstreamCode.startsWith('Transport.') ? null : expect.any(String) } },
      }),
    ]);
    expect(harness.simulator.stats().calls.filter((call) => call.action === 'QueryVoucherAmountByUin')).toHaveLength(attempts);

    harness.simulator.clearFaults();
    const next = await harness.query(QUERY);
    expect(next.errors).toBeUndefined();
    expect(next.data?.customer.voucherQuota.remainAmount).toBe(harness.simulator.data.customers.get(200000097917)?.remainAmount);
  });

  it('keeps all retries of one request inside its deadline', async () => {
    const short = await startHarness({
      simulator: { credentials: CANARY },
      env: { UPSTREAM_TIMEOUT_MS: '500', UPSTREAM_MAX_ATTEMPTS: '10', UPSTREAM_RETRY_BASE_DELAY_MS: '50', REQUEST_DEADLINE_MS: '1200' },
    });
    try {
      short.simulator.injectFault({ fault: { type: 'hang' }, action: 'QueryVoucherAmountByUin', times: Number.POSITIVE_INFINITY });
      const result = await short.query('{ customer(uin: 200000097917) { voucherQuota { remainAmount } } }');
      expect(result.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      // 10 attempts of 500 ms would take over 5 s; the 1.2 s deadline cuts them short: at most 3 attempts
      // (500 ms each plus backoff) fit, whatever the machine's speed.
      expect(short.simulator.stats().calls.length).toBeGreaterThanOrEqual(1);
      expect(short.simulator.stats().calls.length).toBeLessThanOrEqual(3);
    } finally {
      await short.close();
    }
  });

  it('never let the secret key, a signature or an Authorization header reach a log line or a response', () => {
    // Every case above sent at least one signed request; an empty set would make this scan vacuous.
    expect(signatures.size).toBeGreaterThanOrEqual(cases.length);
    const haystacks = [...harness.rawLogs, ...harness.responses];
    expect(haystacks.length).toBeGreaterThan(cases.length);
    for (const text of haystacks) {
      expect(text).not.toContain(CANARY.secretKey);
      expect(text).not.toMatch(/TC3-HMAC-SHA256|Signature=|authorization/i);
      for (const signature of signatures) expect(text).not.toContain(signature);
    }
    // The SecretId identifies the key, not a secret, but it has no business in responses either.
    for (const text of harness.responses) expect(text).not.toContain(CANARY.secretId);
  });

  it('raised no unhandled rejection', () => {
    expect(unhandled).toEqual([]);
  });
});
