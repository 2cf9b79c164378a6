import { describe, expect, it } from 'vitest';
import { DEFAULT_ENDPOINT, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('has documented defaults and no credentials', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      port: 4000,
      credentials: undefined,
      endpoint: DEFAULT_ENDPOINT,
      upstream: { ratePerSecond: 5, throttleMarginMs: 50, timeoutMs: 10_000, maxAttempts: 3 },
      limits: { maxUinsPerQuery: 1000 },
      graphiql: true,
    });
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
    [{ UPSTREAM_RATE_PER_SECOND: '0' }, /UPSTREAM_RATE_PER_SECOND/],
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
