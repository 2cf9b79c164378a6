import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

function metric(text: string, line: RegExp): number {
  const match = text.split('\n').find((row) => line.test(row));
  return match === undefined ? Number.NaN : Number(match.split(' ').at(-1));
}

describe('observability', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  it('logs one JSON line per request with its id, echoes X-Request-Id, and logs each upstream RequestId with it', async () => {
    const uins = harness.simulator.data.customerUins.slice(0, 25).map(String);
    const body = JSON.stringify({ query: 'query Q($u: [UIN!]!) { customers(uins: $u) { voucherQuota { remainAmount } } }', variables: { u: uins } });
    const response = await harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'support-ticket-42' }, body });
    expect(response.headers.get('x-request-id')).toBe('support-ticket-42');

    const access = harness.logs.find((line) => line.msg === 'request' && line.requestId === 'support-ticket-42');
    expect(access).toMatchObject({ method: 'POST', path: '/graphql', status: 200, durationMs: expect.any(Number) });
    const upstream = harness.logs.filter((line) => line.msg === 'upstream call' && (line.upstream as { gatewayRequestIds?: string[] }).gatewayRequestIds?.includes('support-ticket-42'));
    const simulatorIds = harness.simulator.stats().calls.length;
    // 25 UINs: two calls (an empty log would make the loop below vacuous).
    expect(simulatorIds).toBe(2);
    expect(upstream).toHaveLength(simulatorIds);
    for (const line of upstream) expect(line.upstream).toMatchObject({ action: 'QueryVoucherAmountByUin', outcome: 'ok', requestId: expect.stringMatching(/^[0-9a-f-]{36}$/) });

    const generated = await harness.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'bad id with spaces' }, body: '{"query":"{ __typename }"}' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves Prometheus metrics: calls by outcome, batch sizes, queue depth and wait, retries, request durations', async () => {
    harness.simulator.injectFault({ fault: { type: 'error', code: 'InternalError' }, action: 'QueryVoucherAmountByUin' });
    const uins = harness.simulator.data.customerUins.slice(100, 145).map(String);
    const before = (await harness.fetch('/metrics')).text;
    await harness.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query Quotas($u: [UIN!]!) { customers(uins: $u) { voucherQuota { remainAmount } } }', variables: { u: uins }, operationName: 'Quotas' }),
    });
    const response = await harness.fetch('/metrics');
    expect(response.headers.get('content-type')).toMatch(/text\/plain/);
    const after = response.text;
    const delta = (line: RegExp) => metric(after, line) - (Number.isNaN(metric(before, line)) ? 0 : metric(before, line));

    expect(delta(/^upstream_calls_total\{action="QueryVoucherAmountByUin",outcome="ok"\}/)).toBe(3);
    expect(delta(/^upstream_calls_total\{action="QueryVoucherAmountByUin",outcome="InternalError"\}/)).toBe(1);
    expect(delta(/^upstream_retries_total\{action="QueryVoucherAmountByUin"\}/)).toBe(1);
    expect(delta(/^upstream_batch_size_count/)).toBe(3);
    expect(delta(/^upstream_batch_size_sum/)).toBe(45);
    expect(delta(/^throttle_wait_seconds_count\{action="QueryVoucherAmountByUin"\}/)).toBe(4);
    expect(after).toMatch(/^throttle_queue_depth\{action="QueryVoucherAmountByUin"\} 0$/m);
    expect(delta(/^graphql_request_duration_seconds_count\{operation="Quotas",status="200"\}/)).toBe(1);
    expect(after).toMatch(/^process_resident_memory_bytes \d+/m);
  });
});

describe('/ready', () => {
  it('probes the upstream at most once per 30 s, and reuses real traffic as evidence', async () => {
    const harness = await startHarness();
    try {
      const first = await harness.fetch('/ready');
      expect(first.status).toBe(200);
      expect(JSON.parse(first.text)).toMatchObject({ ready: true });
      expect(harness.simulator.callsOf('QueryVoucherPool')).toHaveLength(1);
      for (let i = 0; i < 5; i++) expect((await harness.fetch('/ready')).status).toBe(200);
      expect(harness.simulator.stats().calls).toHaveLength(1);
      expect(harness.gateway.readiness.probes).toBe(1);
    } finally {
      await harness.close();
    }
  });

  it('reports 503 with the reason when the upstream refuses our signature', async () => {
    const harness = await startHarness({ gatewayCredentials: { secretId: 'AKIDsomebodyElse000000000000000000000', secretKey: 'wrong' } });
    try {
      const response = await harness.fetch('/ready');
      expect(response.status).toBe(503);
      expect(JSON.parse(response.text)).toMatchObject({ ready: false, reason: 'AuthFailure.SecretIdNotFound' });
      expect(response.text).not.toContain('wrong');
    } finally {
      await harness.close();
    }
  });
});
