import { afterEach, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startHarness, type Harness } from './support/harness.js';

const data = createDemoData({ customers: 600 });
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { voucherQuota { remainAmount } } }';
type Customers = { customers: { voucherQuota: { remainAmount: number } | null }[] };

/**
 * Splitting cannot buy priority: a caller that sends its work as many 20-UIN requests gets its
 * interactive allowance at interactive priority, and shares the bulk lane for the rest.
 */
describe('the interactive lane is a per-caller allowance', () => {
  let harness: Harness;
  afterEach(() => harness.close());

  const post = (caller: string, uins: number[]) =>
    harness
      .fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'apollographql-client-name': caller },
        body: JSON.stringify({ query: QUERY, variables: { uins: uins.map(String) } }),
      })
      .then((response) => JSON.parse(response.text) as { data?: Customers; errors?: unknown[] });

  it("a caller looping over 20-UIN requests gets 100 UINs ahead of an export; then the export's UINs share every call", async () => {
    harness = await startHarness({
      simulator: { data, latencyMs: [20, 40] },
      env: { MAX_UINS_PER_QUERY: '1000', INTERACTIVE_BURST_UINS: '100', INTERACTIVE_UINS_PER_SECOND: '0', TRUST_CLIENT_NAME_HEADER: 'true' },
    });
    const exportUins = data.customerUins.slice(0, 200) as number[];
    const loopUins = data.customerUins.slice(200, 500) as number[];
    const exported = post('export', exportUins);
    const looped = Array.from({ length: 15 }, (_, i) => post('looper', loopUins.slice(i * 20, (i + 1) * 20)));
    const results = await Promise.all([exported, ...looped]);
    for (const result of results) expect(result.errors).toBeUndefined();

    const calls = harness.simulator.callsOf('QueryVoucherAmountByUin').map((call) => call.uins ?? []);
    const exportSet = new Set(exportUins);
    const exportIn = (from: number, to: number) => calls.slice(from, to).flat().filter((uin) => exportSet.has(uin)).length;
    // Without the allowance all 15 looping requests (300 UINs) would be interactive and the export's
    // UINs would wait behind them: none in the first 15 calls. With it, 5 requests are interactive
    // and then the two callers alternate in the bulk lane.
    expect(calls.flat()).toHaveLength(500);
    expect(exportIn(0, 15)).toBeGreaterThanOrEqual(80);
    const metrics = (await harness.fetch('/metrics')).text;
    expect(metrics).toMatch(/^caller_uins_total\{caller="other",outcome="served"\} 500$/m);
  }, 30_000);
});
