import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postGraphQL, startGatewayProcess } from './support/gateway-process.js';

const ROOT = new URL('..', import.meta.url).pathname;

/** The production path: `npm run build` (tsc to dist/), then plain `node dist/index.js`, no tsx. */
describe('the compiled server', () => {
  it('builds, starts from dist/ and answers GraphQL, /health and /ready', async () => {
    execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(`${ROOT}dist/index.js`)).toBe(true);
    const gateway = await startGatewayProcess({}, { args: [`${ROOT}dist/index.js`] });
    try {
      const result = await postGraphQL(gateway.url, '{ voucherPool { agentName asOf } customer(uin: "200000097917") { voucherQuota { remainAmount } } }');
      expect(result.errors).toBeUndefined();
      expect(result.data).toMatchObject({ voucherPool: { agentName: 'Voucher Gateway Demo Reseller' }, customer: { voucherQuota: { remainAmount: expect.any(Number) } } });
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
    }
  }, 60_000);
});
