/**
 * `npm run bench`: the gateway against the simulator with 50–150 ms latency, over real HTTP on both
 * sides. For each scenario: upstream calls, wall time, the rate-limit floor and the ratio.
 *
 *   limit = floor((calls - 1) / 5) s + one round trip (the simulator's mean latency, 100 ms)
 *
 * Each scenario gets a fresh gateway (fresh throttle window) and a fresh simulator.
 */
import { loadConfig } from '../src/config.js';
import { createGateway } from '../src/gateway.js';
import { createLogger } from '../src/logger.js';
import { listen } from '../src/server/http.js';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator } from '../src/simulator/simulator.js';

const LATENCY: [number, number] = [50, 150];
const ROUND_TRIP_MS = (LATENCY[0] + LATENCY[1]) / 2;
const data = createDemoData({ customers: 1200 });
const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';

interface Row {
  scenario: string;
  uins: number;
  calls: number;
  expected: number;
  rateLimited: number;
  errors: number;
  wallMs: number;
  limitMs: number;
}

async function scenario(name: string, clients: number, uinsPerClient: number): Promise<Row> {
  const simulator = await startSimulator({ latencyMs: LATENCY, data });
  const config = loadConfig({ LOG_LEVEL: 'silent', MAX_UINS_PER_QUERY: '1000' });
  const gateway = createGateway({ config, upstream: { endpoint: simulator.url, credentials: simulator.credentials }, logger: createLogger('silent') });
  const http = await listen(gateway.yoga, 0, '127.0.0.1');
  const uins = data.customerUins.slice(0, clients * uinsPerClient).map(String);
  // Warm the gateway (JIT, sockets) with a query that costs no upstream call.
  await fetch(`${http.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });

  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const response = await fetch(`${http.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: QUERY, variables: { uins: uins.slice(i * uinsPerClient, (i + 1) * uinsPerClient) } }),
      });
      return (await response.json()) as { errors?: unknown[]; data?: { customers: { voucherQuota: unknown }[] } };
    }),
  );
  const wallMs = performance.now() - started;

  const calls = simulator.callsOf('QueryVoucherAmountByUin').length;
  const row: Row = {
    scenario: name,
    uins: uins.length,
    calls,
    expected: clients * Math.ceil(uinsPerClient / 20),
    rateLimited: simulator.stats().rateLimited,
    errors: results.reduce((sum, result) => sum + (result.errors?.length ?? 0), 0),
    wallMs,
    limitMs: Math.floor((calls - 1) / 5) * 1000 + ROUND_TRIP_MS,
  };
  await http.close();
  await simulator.close();
  return row;
}

const rows = [
  await scenario('1 query, N = 20', 1, 20),
  await scenario('1 query, N = 100', 1, 100),
  await scenario('1 query, N = 1000', 1, 1000),
  await scenario('20 clients × 10 UINs', 20, 10),
];

const format = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
console.log(`Simulator latency ${LATENCY[0]}–${LATENCY[1]} ms; throttle 5 per 1.05 s sliding window per action.\n`);
console.log('| scenario | distinct UINs | upstream calls (expected) | RequestLimitExceeded | GraphQL errors | wall time | limit | ratio |');
console.log('|---|---|---|---|---|---|---|---|');
for (const row of rows) {
  console.log(
    `| ${row.scenario} | ${row.uins} | ${row.calls} (${row.expected}) | ${row.rateLimited} | ${row.errors} | ${format(row.wallMs)} | ${format(row.limitMs)} | ${(row.wallMs / row.limitMs).toFixed(3)} |`,
  );
}
const thousand = rows[2] as Row;
const ok = rows.every((row) => row.calls === row.expected && row.rateLimited === 0 && row.errors === 0) && thousand.wallMs <= 1.1 * thousand.limitMs;
console.log(`\nTargets (calls = ceil(N/20), zero RequestLimitExceeded, N = 1000 within 1.10 × limit): ${ok ? 'met' : 'NOT met'}`);
process.exitCode = ok ? 0 : 1;
