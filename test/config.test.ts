import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has documented defaults and no credentials', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      credentials: undefined,
      endpoint: DEFAULT_ENDPOINT,
      upstream: {
        rates: { QueryVoucherPool: 5, QueryVoucherAmountByUin: 5, QueryVoucherListByUin: 5, DescribeCustomerUin: 20, DescribeCustomerInfo: 20 },
        throttleMarginMs: 50,
        timeoutMs: 10_000,
        maxAttempts: 3,
      },
      limits: { maxUinsPerQuery: 1000 },
      graphiql: true,
      cache: { quotaTtlMs: 30_000, poolTtlMs: 10_000 },
      redis: undefined,
    });
  });

  it('overrides rate limits per action', () => {
    const config = loadConfig({ UPSTREAM_RATE_LIMITS: 'DescribeCustomerUin=10, QueryVoucherPool=2' });
    expect(config.upstream.rates).toMatchObject({ DescribeCustomerUin: 10, QueryVoucherPool: 2, QueryVoucherAmountByUin: 5 });
  });

  it('reads the Redis settings, with the documented defaults', () => {
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      cluster: false,
      keyPrefix: 'voucher-gateway:',
      fallbackRatePerSecond: 1,
    });
  });

  it('a Redis Cluster: REDIS_CLUSTER=true with one or several seed nodes; several nodes without it are refused', () => {
    expect(loadConfig({ REDIS_URL: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000', REDIS_CLUSTER: 'true' }).redis).toMatchObject({ cluster: true, url: 'redis://10.0.0.1:7000, redis://10.0.0.2:7000' });
    expect(() => loadConfig({ REDIS_URL: 'redis://10.0.0.1:7000,redis://10.0.0.2:7000' })).toThrow(/REDIS_CLUSTER=true/);
    expect(() => loadConfig({ REDIS_URL: 'redis://10.0.0.1:7000,http://x', REDIS_CLUSTER: 'true' })).toThrow(/redis:\/\//);
  });

  it('does not echo a Redis password in its messages', () => {
    expect(() => loadConfig({ REDIS_URL: 'http://user:hunter2@redis' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });

  it('reads credentials, the session token and the endpoint', () => {
    const config = loadConfig({
      TENCENTCLOUD_SECRET_ID: 'AKIDabc',
      TENCENTCLOUD_SECRET_KEY: 'key',
      TENCENTCLOUD_SESSION_TOKEN: 'token',
      TENCENTCLOUD_ENDPOINT: 'http://127.0.0.1:9000/',
    });
    expect(config.credentials).toEqual({ secretId: 'AKIDabc', secretKey: 'key', sessionToken: 'token' });
    expect(config.endpoint).toBe('http://127.0.0.1:9000');
  });

  it.each([
    [{ TENCENTCLOUD_SECRET_ID: 'AKIDabc' }, /TENCENTCLOUD_SECRET_KEY/],
    [{ TENCENTCLOUD_SECRET_KEY: 'key' }, /TENCENTCLOUD_SECRET_ID/],
    [{ TENCENTCLOUD_SESSION_TOKEN: 't' }, /TENCENTCLOUD_SESSION_TOKEN/],
    [{ PORT: 'eighty' }, /PORT/],
    [{ PORT: '70000' }, /PORT/],
    [{ UPSTREAM_RATE_LIMITS: 'QueryVoucherPool=0' }, /UPSTREAM_RATE_LIMITS/],
    [{ UPSTREAM_RATE_LIMITS: 'NoSuchAction=5' }, /UPSTREAM_RATE_LIMITS/],
    [{ QUOTA_CACHE_TTL_MS: '-5' }, /QUOTA_CACHE_TTL_MS/],
    [{ REDIS_URL: 'http://x' }, /REDIS_URL/],
    [{ REDIS_URL: 'redis://x', REDIS_FALLBACK_RATE_PER_SECOND: '0' }, /REDIS_FALLBACK_RATE_PER_SECOND/],
    [{ MAX_UINS_PER_QUERY: '-1' }, /MAX_UINS_PER_QUERY/],
    [{ TENCENTCLOUD_ENDPOINT: 'ftp://x' }, /TENCENTCLOUD_ENDPOINT/],
    [{ TENCENTCLOUD_ENDPOINT: 'https://x/v2' }, /TENCENTCLOUD_ENDPOINT/],
    [{ GRAPHIQL: 'maybe' }, /GRAPHIQL/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL/],
  ])('refuses %o, naming the variable', (env, name) => {
    expect(() => loadConfig(env)).toThrow(name);
  });

  it('does not echo the secret key in its messages', () => {
    expect(() => loadConfig({ TENCENTCLOUD_SECRET_KEY: 'sk-very-secret' })).toThrow(expect.objectContaining({ message: expect.not.stringContaining('sk-very-secret') }));
  });
});
