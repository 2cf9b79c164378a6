import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { postGraphQL, startGatewayProcess } from './support/gateway-process.js';

const ROOT = new URL('..', import.meta.url).pathname;

/**
 * The production path: `npm run build` (tsc, Lua scripts beside it), then plain `node <out>/index.js`,
 * no tsx. Built into a fresh directory of its own, so an old `dist/` can never pass for this build.
 */
describe('the compiled server', () => {
  const out = `.build-test-${process.pid}`;
  it('builds, starts from the build output and answers GraphQL, /health and /ready', async () => {
    expect(existsSync(`${ROOT}${out}`)).toBe(false);
    execFileSync('bash', ['scripts/build.sh', out], { cwd: ROOT, stdio: 'pipe' });
    expect(existsSync(`${ROOT}${out}/index.js`)).toBe(true);
    expect(existsSync(`${ROOT}${out}/store/lua/take-slot-1.lua`)).toBe(true);
    const gateway = await startGatewayProcess({}, { args: [`${ROOT}${out}/index.js`] });
    try {
      const result = await postGraphQL(gateway.url, '{ voucherPool { agentName asOf } customer(uin: "200000097917") { voucherQuota { remainAmount } } }');
      expect(result.errors).toBeUndefined();
      expect(result.data).toMatchObject({ voucherPool: { agentName: 'Voucher Gateway Demo Reseller' }, customer: { voucherQuota: { remainAmount: expect.any(Number) } } });
      expect((await fetch(`${gateway.url}/health`)).status).toBe(200);
      expect((await fetch(`${gateway.url}/ready`)).status).toBe(200);
    } finally {
      expect(await gateway.stop()).toBe(0);
      rmSync(`${ROOT}${out}`, { recursive: true, force: true });
    }
  }, 60_000);
});
