import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';

/**
 * An unverified caller name is a label: a client that sends a new `apollographql-client-name` on every
 * request gets no more of the budget than the same client with one name. Beside another caller's
 * 600-UIN export, 8 loops of 20-UIN requests: the share of the UINs carried while both wait that are
 * the export's, counted from the simulator's call log (order, not time).
 */
const data = createDemoData({ customers: 2000 });
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }';
const EXPORT = data.customerUins.slice(0, 600).map(Number);
const PROBATION_MS = 500;

let simulator: Simulator | undefined;
let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  await simulator?.close();
  gateway = undefined;
  simulator = undefined;
});

async function exportShare(loopName: (request: number) => string): Promise<{ share: number; loopRequests: number }> {
  simulator = await startSimulator({ data, latencyMs: [50, 150] });
  gateway = await startGatewayProcess({ ...upstreamEnv(simulator), MAX_UINS_PER_QUERY: '1000', QUOTA_CACHE_TTL_MS: '0', REQUEST_DEADLINE_MS: '60000', CALLER_PROBATION_MS: String(PROBATION_MS), ...COUNTING_OTHER_FEATURES });
  const url = gateway.url;
  const as = (name: string) => ({ 'apollographql-client-name': name });
  const one = (name: string, uin: number) => postGraphQL(url, QUERY, { uins: [String(uin)] }, as(name));
  // Both names have been seen before (their probation is over), as a dashboard and an export job would be.
  await Promise.all([one('export', data.customerUins[1999] as number), one(loopName(0), data.customerUins[1998] as number)]);
  await new Promise((resolve) => setTimeout(resolve, PROBATION_MS + 100));
  simulator.resetStats();
  const exported = postGraphQL(url, QUERY, { uins: EXPORT.map(String) }, as('export'));
  let done = false;
  void exported.then(() => (done = true));
  let requests = 0;
  const loop = async (k: number) => {
    for (let i = 0; !done; i++) {
      const start = 600 + k * 160 + ((i * 20) % 160);
      const uins = data.customerUins.slice(start, start + 20).map(String);
      await postGraphQL(url, QUERY, { uins }, as(loopName(++requests)));
    }
  };
  await Promise.all([exported, ...Array.from({ length: 8 }, (_, k) => loop(k))]);
  const exportSet = new Set(EXPORT);
  const calls = simulator.callsOf('QueryVoucherAmountByUin').map((call) => call.uins ?? []);
  const last = calls.findLastIndex((uins) => uins.some((uin) => exportSet.has(uin)));
  const carried = calls.slice(0, last + 1).flat();
  expect(simulator.stats().rateLimited).toBe(0);
  return { share: carried.filter((uin) => exportSet.has(uin)).length / carried.length, loopRequests: requests };
}

describe('caller names (a real gateway process, AUTH_MODE=none, the header not trusted)', () => {
  it('a client rotating its name gets no more of the budget than the same client with one name', async () => {
    const oneName = await exportShare(() => 'dashboard');
    await gateway?.stop();
    await simulator?.close();
    const rotating = await exportShare((request) => `dashboard-${request}`);
    // The export keeps its share when the loops rotate their name (on main: 40% against 19%).
    expect(oneName.share).toBeGreaterThan(0.3);
    expect(rotating.share).toBeGreaterThanOrEqual(oneName.share - 0.08);
    expect(rotating.loopRequests).toBeGreaterThan(20);
  }, 90_000);
});
