import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GraphQLObjectType, GraphQLSchema, GraphQLString } from 'graphql';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { createGatewayYoga } from '../src/server/yoga.js';
import { startHarness, type Harness } from './support/harness.js';

describe('upstream failures become field errors with stable codes; the rest is data', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { UPSTREAM_MAX_ATTEMPTS: '2', UPSTREAM_TIMEOUT_MS: '300' } });
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.reset());

  const QUERY = '{ voucherPool { agentName } customer(uin: 200000097917) { uin voucherQuota { remainAmount } } }';

  it.each([
    ['AuthFailure.SecretIdNotFound', 'UPSTREAM_AUTH_FAILED', 1],
    ['UnauthorizedOperation', 'UPSTREAM_AUTH_FAILED', 1],
    ['InternalError', 'UPSTREAM_UNAVAILABLE', 2],
    ['ServiceUnavailable', 'UPSTREAM_UNAVAILABLE', 2],
    ['RequestLimitExceeded', 'UPSTREAM_RATE_LIMITED', 2],
    ['FailedOperation.InvalidSubAgentUin', 'UPSTREAM_ERROR', 1],
  ])('%s on QueryVoucherPool → %s, with the upstream code and RequestId', async (upstreamCode, code, calls) => {
    harness.simulator.injectFault({ fault: { type: 'error', code: upstreamCode, message: 'secret upstream detail' }, action: 'QueryVoucherPool', times: 5 });
    const result = await harness.query(QUERY);
    // voucherPool is non-null, so the null propagates to the root; the error is the field's.
    expect(result.errors).toEqual([
      {
        message: expect.any(String),
        locations: expect.any(Array),
        path: ['voucherPool'],
        extensions: { code, upstream: { code: upstreamCode, requestId: expect.any(String) } },
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('secret upstream detail');
    expect(harness.simulator.stats().calls.filter((call) => call.action === 'QueryVoucherPool')).toHaveLength(calls);
  });

  it('network failures of QueryVoucherAmountByUin → UPSTREAM_UNAVAILABLE on voucherQuota only', async () => {
    harness.simulator.injectFault({ fault: { type: 'reset' }, action: 'QueryVoucherAmountByUin', times: 2 });
    const result = await harness.query(QUERY);
    expect(result.data).toEqual({ voucherPool: { agentName: harness.simulator.data.pool.agentName }, customer: { uin: '200000097917', voucherQuota: null } });
    expect(result.errors).toEqual([
      expect.objectContaining({
        path: ['customer', 'voucherQuota'],
        extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { code: 'Transport.NetworkError', requestId: null } },
      }),
    ]);
  });

  it('serves the next request normally after a failure', async () => {
    harness.simulator.injectFault({ fault: { type: 'http-status', status: 502 }, times: 4 });
    expect((await harness.query(QUERY)).errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
    // voucherPool's failure answers the request while the quota call may still retry; a request that
    // arrived now would share that call and its outcome. "Next" means after it.
    await harness.gateway.onIdle();
    const next = await harness.query(QUERY);
    expect(next.errors).toBeUndefined();
    expect(next.data?.customer?.voucherQuota?.remainAmount).toBe(harness.simulator.data.customers.get(200000097917)?.remainAmount);
  });

  it('keeps unexpected errors masked: a plain Error from a resolver never shows its text', async () => {
    // A test-only schema behind the gateway's own Yoga factory (same masking, same plugins).
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          boom: {
            type: GraphQLString,
            resolve: () => {
              throw new Error('secret internal detail: Response {"Error":"raw upstream body"}');
            },
          },
          fine: { type: GraphQLString, resolve: () => 'ok' },
        },
      }),
    });
    const config = loadConfig({});
    const yoga = createGatewayYoga({
      schema,
      context: () => ({}) as never,
      graphiql: false,
      introspection: true,
      limits: { ...config.limits, blockFieldSuggestions: false },
      logger: createLogger('silent'),
    });
    const response = await yoga.fetch('http://yoga/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ boom fine }' }),
    });
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({
      data: { boom: null, fine: 'ok' },
      errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['boom'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(text).not.toContain('secret internal detail');
    expect(text).not.toContain('raw upstream body');
  });
});
