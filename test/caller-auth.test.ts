import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { startHarness, type Harness } from './support/harness.js';

const SECRET = 'an-hs256-shared-secret-of-at-least-32-characters';
const QUERY = JSON.stringify({ query: '{ voucherPool { agentName } }' });

function post(harness: Harness, token?: string) {
  return harness.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
    body: QUERY,
  });
}

describe('caller authentication (HS256 shared secret)', () => {
  let harness: Harness;
  beforeAll(async () => {
    harness = await startHarness({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_ISSUER: 'partner-portal', JWT_AUDIENCE: 'voucher-gateway' } });
  });
  afterAll(() => harness.close());

  const sign = (claims: object = {}, secret = SECRET, options: jwt.SignOptions = {}) =>
    jwt.sign({ sub: 'frontend', ...claims }, secret, { algorithm: 'HS256', issuer: 'partner-portal', audience: 'voucher-gateway', expiresIn: 60, ...options });

  it.each([
    ['no token', undefined],
    ['a garbage token', 'not-a-jwt'],
    ['a token signed with another secret', 'WRONG'],
    ['an expired token', 'EXPIRED'],
    ['a token for another audience', 'AUDIENCE'],
  ])('%s → HTTP 401 with a GraphQL error body, zero upstream calls', async (_name, kind) => {
    harness.simulator.resetStats();
    const token =
      kind === 'WRONG'
        ? sign({}, 'another-secret-that-is-also-long-enough-000')
        : kind === 'EXPIRED'
          ? sign({ iat: Math.floor(Date.now() / 1000) - 3600 }, SECRET, { expiresIn: 60 })
          : kind === 'AUDIENCE'
            ? sign({}, SECRET, { audience: 'someone-else' })
            : kind;
    const response = await post(harness, token);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    expect(JSON.parse(response.text)).toEqual({ errors: [{ message: 'A valid Bearer token is required.', extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(harness.simulator.stats().calls).toHaveLength(0);
  });

  it('a valid token is served', async () => {
    const response = await post(harness, sign());
    expect(response.status).toBe(200);
    expect(JSON.parse(response.text)).toEqual({ data: { voucherPool: { agentName: harness.simulator.data.pool.agentName } } });
  });

  it('/health stays open', async () => {
    expect((await harness.fetch('/health')).status).toBe(200);
  });
});

describe('caller authentication (JWKS URL, RS256)', () => {
  let harness: Harness;
  let jwks: Server;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();

  beforeAll(async () => {
    const jwk = { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
    jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    harness = await startHarness({ env: { AUTH_MODE: 'jwt', JWT_JWKS_URL: url } });
  });
  afterAll(async () => {
    await harness.close();
    await new Promise((resolve) => jwks.close(resolve));
  });

  it('accepts a token signed by a key from the JWKS and refuses an HS256 one', async () => {
    const good = jwt.sign({ sub: 'frontend' }, privateKey, { algorithm: 'RS256', keyid: kid, expiresIn: 60 });
    expect((await post(harness, good)).status).toBe(200);
    const forged = jwt.sign({ sub: 'frontend' }, SECRET, { algorithm: 'HS256', keyid: kid, expiresIn: 60 });
    expect((await post(harness, forged)).status).toBe(401);
  });
});

describe('a token without an expiry (exp)', () => {
  let harness: Harness | undefined;
  afterAll(() => harness?.close());
  const withoutExp = () => jwt.sign({ sub: 'frontend' }, SECRET, { algorithm: 'HS256' });

  it('is refused with NODE_ENV=production (a token that never expires is a leaked key for good)', async () => {
    harness = await startHarness({ env: { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET } });
    const refused = await post(harness, withoutExp());
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await post(harness, jwt.sign({ sub: 'frontend' }, SECRET, { algorithm: 'HS256', expiresIn: 60 }))).status).toBe(200);
    await harness.close();
    harness = undefined;
  });

  it('is accepted with JWT_REQUIRE_EXP=false, and outside production by default', async () => {
    expect(loadConfig({ NODE_ENV: 'production', TENCENTCLOUD_SECRET_ID: 'AKIDx', TENCENTCLOUD_SECRET_KEY: 'k', JWT_SECRET: SECRET }).auth).toMatchObject({ requireExp: true });
    harness = await startHarness({ env: { NODE_ENV: 'production', AUTH_MODE: 'jwt', JWT_SECRET: SECRET, JWT_REQUIRE_EXP: 'false' } });
    expect((await post(harness, withoutExp())).status).toBe(200);
    await harness.close();
    harness = await startHarness({ env: { AUTH_MODE: 'jwt', JWT_SECRET: SECRET } });
    expect((await post(harness, withoutExp())).status).toBe(200);
  });
});

describe('production start-up', () => {
  const PRODUCTION = { NODE_ENV: 'production', TENCENTCLOUD_SECRET_ID: 'AKIDx', TENCENTCLOUD_SECRET_KEY: 'k' };

  it('refuses to start unless caller auth is configured or explicitly disabled', () => {
    expect(() => loadConfig(PRODUCTION)).toThrow(ConfigError);
    expect(() => loadConfig(PRODUCTION)).toThrow(/AUTH_MODE=jwt.*JWT_SECRET.*JWT_JWKS_URL.*AUTH_MODE=none/);
    expect(loadConfig({ ...PRODUCTION, AUTH_MODE: 'none' }).auth).toEqual({ mode: 'none' });
    expect(loadConfig({ ...PRODUCTION, JWT_SECRET: SECRET }).auth).toMatchObject({ mode: 'jwt' });
    expect(() => loadConfig({ AUTH_MODE: 'jwt' })).toThrow(/JWT_SECRET.*JWT_JWKS_URL/);
    expect(() => loadConfig({ JWT_SECRET: 'short' })).toThrow(/JWT_SECRET must be at least 32/);
  });

  it('refuses to serve the demo simulator in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'none' })).toThrow(/TENCENTCLOUD_SECRET_ID and TENCENTCLOUD_SECRET_KEY/);
  });
});
