import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
const SERVER = 2;
const CLIENT = 3;

/**
 * OpenTelemetry traces from a gateway, exported by the SDK's OTLP/HTTP exporter to a real receiver
 * (an HTTP server decoding what arrives): request spans, upstream-call spans with links to every
 * request whose UINs rode in them, and an incoming `traceparent` honoured.
 */
describe('OpenTelemetry traces', () => {
  let harness: Harness | undefined;
  let receiver: OtlpReceiver | undefined;
  afterEach(async () => {
    await harness?.close();
    await receiver?.close();
    harness = undefined;
    receiver = undefined;
  });

  const start = async (protocol: 'http/json' | 'http/protobuf') => {
    receiver = await startOtlpReceiver();
    harness = await startHarness({
      simulator: { data: createDemoData({ customers: 600 }) },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: protocol, OTEL_SERVICE_NAME: 'gateway-under-test', OTEL_BSP_SCHEDULE_DELAY: '50' },
    });
    return { harness, receiver };
  };
  /** Shuts the gateway down, which flushes the batch span processor. */
  const flushed = async () => {
    await harness?.gateway.close();
    return receiver?.spans ?? [];
  };

  it('50 concurrent requests × 10 UINs (http/json): one span per upstream call, whose links cover all 50 request spans', async () => {
    const { harness } = await start('http/json');
    const uins = harness.simulator.data.customerUins;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => harness.query(QUERY, { uins: uins.slice(i * 10, i * 10 + 10).map(String) })));
    expect(results.every((result) => result.errors === undefined)).toBe(true);
    const spans = await flushed();
    const requests = spans.filter((span) => span.name === 'graphql.request');
    const calls = spans.filter((span) => span.name === 'upstream QueryVoucherAmountByUin');
    expect(requests).toHaveLength(50);
    expect(requests.every((span) => span.kind === SERVER && span.service === 'gateway-under-test')).toBe(true);
    // One span per call the simulator answered, each with the UINs it carried: 500 in 26 calls.
    expect(calls).toHaveLength(harness.simulator.callsOf('QueryVoucherAmountByUin').length);
    expect(calls.length).toBeLessThanOrEqual(26);
    expect(calls.reduce((sum, span) => sum + Number(span.attributes['voucher.uins_carried']), 0)).toBe(500);
    expect(calls.every((span) => span.kind === CLIENT && span.attributes['upstream.attempts'] === 1 && typeof span.attributes['upstream.request_id'] === 'string')).toBe(true);
    expect(calls.every((span) => typeof span.attributes['gateway.rate_window_wait_ms'] === 'number' && typeof span.attributes['gateway.uin_queue_wait_ms'] === 'number')).toBe(true);
    const linked = new Set(calls.flatMap((span) => span.links.map((link) => `${link.traceId}-${link.spanId}`)));
    expect(requests.filter((span) => !linked.has(`${span.traceId}-${span.spanId}`))).toEqual([]);
    // Each request span names its 10 UINs, and the calls start traces of their own.
    expect(requests.every((span) => span.attributes['voucher.uins_asked'] === 10 && (span.attributes['voucher.uins'] as unknown[]).length === 10)).toBe(true);
    expect(calls.every((span) => span.parentSpanId === '')).toBe(true);
  });

  it('an incoming traceparent parents the request span (http/protobuf); error codes and the operation type are on it', async () => {
    const { harness, receiver } = await start('http/protobuf');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const parent = '00f067aa0ba902b7';
    const response = await harness.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${parent}-01` },
      body: JSON.stringify({ query: QUERY, variables: { uins: [String(harness.simulator.data.customerUins[0]), '999999999999'] } }),
    });
    expect(response.status).toBe(200);
    const spans = await flushed();
    expect([...receiver.contentTypes]).toEqual(['application/x-protobuf']);
    const request = spans.find((span) => span.name === 'graphql.request') as ReceivedSpan;
    expect(request.traceId).toBe(traceId);
    expect(request.parentSpanId).toBe(parent);
    expect(request.attributes['graphql.operation.type']).toBe('query');
    expect(request.attributes['graphql.error.codes']).toEqual(['CUSTOMER_NOT_FOUND']);
    // The call links back into the router's trace.
    const call = spans.find((span) => span.name === 'upstream QueryVoucherAmountByUin') as ReceivedSpan;
    expect(call.links).toContainEqual({ traceId, spanId: request.spanId });
  });

  it('off when no OTLP endpoint is set: no spans, nothing exported', async () => {
    receiver = await startOtlpReceiver();
    harness = await startHarness();
    await harness.query(QUERY, { uins: [String(harness.simulator.data.customerUins[0])] });
    await harness.gateway.close();
    expect(receiver.spans).toEqual([]);
  });
});
