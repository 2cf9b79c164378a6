/**
 * `npm run load [-- --clients 50 --duration 300 --warmup 30 --think 200 --replicas 3]`
 * `npm run load -- --rate 10 --duration 60 --replicas 3 [--seed 7]`
 *
 * Closed loop (default): `--clients` clients, each sending its next request `--think` ms after its
 * last answer. Open loop (`--rate R`): requests leave on a schedule fixed in advance by `--seed`
 * (Poisson arrivals, R per second on average, the same workload mix), whatever the answers do, and a
 * request's latency counts from its *scheduled* time, so a slow gateway cannot hide its queueing by
 * slowing the clients down (no coordinated omission). The same seed gives the same schedule with
 * `--replicas 1` and `--replicas 3`; request i goes to replica i mod N.
 *
 * With `--replicas N` (N > 1) it starts a private redis-server and N gateway processes sharing it
 * (`REDIS_URL`); clients are spread over the replicas, and the report adds upstream calls per replica
 * (from each replica's /metrics). RSS is the first replica's.
 *
 * Starts the simulator (50–150 ms latency) in this process and the gateway as a child process (so its
 * RSS is its own), then runs N concurrent clients for the duration, mixing pool queries, small
 * customer lookups and larger customer lists. Reports gateway 5xx, upstream RequestLimitExceeded,
 * p50/p95/p99 latency, GraphQL error codes and the gateway's RSS at start, after warm-up and at the end.
 * Traffic goes to loopback only; every loop is bounded by the duration.
 */
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createDemoData, mulberry32 } from '../src/simulator/demo-data.js';
import { startSimulator } from '../src/simulator/simulator.js';
import { startGatewayProcess } from '../test/support/gateway-process.js';
import { startRedisServer, type RedisServer } from '../test/support/redis-server.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '50' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    think: { type: 'string', default: '200' },
    replicas: { type: 'string', default: '1' },
    rate: { type: 'string' },
    seed: { type: 'string', default: '7' },
  },
});
const rate = values.rate === undefined ? undefined : Number(values.rate);
const replicaCount = Math.max(1, Number(values.replicas));
const clients = Number(values.clients);
const durationMs = Number(values.duration) * 1000;
const warmupMs = Math.min(Number(values.warmup) * 1000, durationMs / 2);
const thinkMs = Number(values.think);

const data = createDemoData({ customers: 2000 });
const simulator = await startSimulator({ latencyMs: [50, 150], data });
let redis: RedisServer | undefined;
if (replicaCount > 1) redis = await startRedisServer();
const gateways = await Promise.all(
  Array.from({ length: replicaCount }, () =>
    startGatewayProcess({
      NODE_ENV: 'production',
      AUTH_MODE: 'none',
      TENCENTCLOUD_ENDPOINT: simulator.url,
      TENCENTCLOUD_SECRET_ID: simulator.credentials.secretId,
      TENCENTCLOUD_SECRET_KEY: simulator.credentials.secretKey,
      ...(redis ? { REDIS_URL: redis.url } : {}),
    }, { keepOutput: false }),
  ),
);
const gateway = gateways[0] as (typeof gateways)[number];
const urlOf = (client: number) => `${(gateways[client % gateways.length] as (typeof gateways)[number]).url}/graphql`;
const rss = async (): Promise<number> => {
  const status = await readFile(`/proc/${gateway.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
};

const random = mulberry32(Number(values.seed));
const pick = (n: number) => Array.from({ length: n }, () => String(data.customerUins[Math.floor(random() * data.customerUins.length)]));
const workload = (): { name: string; body: string } => {
  const roll = random();
  if (roll < 0.3) return { name: 'pool', body: JSON.stringify({ query: '{ voucherPool { agentName remainingQuota } }' }) };
  const query = 'query ($u: [UIN!]!) { customers(uins: $u) { uin voucherQuota { remainAmount } } }';
  if (roll < 0.8) return { name: 'small', body: JSON.stringify({ query, variables: { u: pick(1 + Math.floor(random() * 5)) } }) };
  return { name: 'list', body: JSON.stringify({ query, variables: { u: pick(20 + Math.floor(random() * 40)) } }) };
};

interface Sample {
  readonly kind: string;
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly codes: string[];
}
const samples: Sample[] = [];
const rssStart = await rss();
const started = performance.now();
const end = started + durationMs;
// RSS is sampled every 2 s while the load runs. A single sample lands anywhere in a GC cycle, so a
// level is the median of the 30 s after warm-up, compared with the median of the last 30 s.
const rssSamples: { at: number; bytes: number }[] = [];
const sampler = setInterval(() => {
  const at = performance.now() - started;
  void rss().then((bytes) => rssSamples.push({ at, bytes }));
}, 2000);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/** One request: sends `body`, records its latency from `scheduledAt` (the loop's own start, closed loop). */
const send = async (url: string, name: string, body: string, scheduledAt: number) => {
  let status = 0;
  let codes: string[] = [];
  try {
    const response = await fetch(`${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
    status = response.status;
    const json = (await response.json()) as { errors?: { extensions?: { code?: string } }[] };
    codes = (json.errors ?? []).map((error) => error.extensions?.code ?? 'NONE');
  } catch {
    status = 599;
  }
  samples.push({ kind: name, at: scheduledAt - started, ms: performance.now() - scheduledAt, status, codes: [...new Set(codes)] });
};

if (rate !== undefined) {
  // The whole schedule first (times and workloads from one seeded generator), then fire it.
  const schedule: { at: number; name: string; body: string }[] = [];
  for (let at = 0; at < durationMs; at += (-Math.log(1 - random()) * 1000) / rate) schedule.push({ at, ...workload() });
  await Promise.all(
    schedule.map(async ({ at, name, body }, i) => {
      const scheduledAt = started + at;
      await sleep(Math.max(0, scheduledAt - performance.now()));
      await send(urlOf(i), name, body, scheduledAt);
    }),
  );
} else {
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      const url = urlOf(client);
      while (performance.now() < end) {
        const { name, body } = workload();
        await send(url, name, body, performance.now());
        await sleep(thinkMs * (0.5 + random()));
      }
    }),
  );
}
clearInterval(sampler);
const rssIdle = await rss();
const window = 30_000;
const rssWarm = median(rssSamples.filter((sample) => sample.at >= warmupMs && sample.at < warmupMs + window).map((sample) => sample.bytes));
const rssEnd = median(rssSamples.filter((sample) => sample.at >= durationMs - window).map((sample) => sample.bytes));
const rssPeak = Math.max(...rssSamples.map((sample) => sample.bytes));
// Upstream calls each replica made (its own counter), before stopping them.
const callsPerReplica = await Promise.all(
  gateways.map(async (replica) => {
    const text = await (await fetch(`${replica.url}/metrics`)).text();
    return text
      .split('\n')
      .filter((line) => line.startsWith('upstream_calls_total{'))
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  }),
);
await Promise.all(gateways.map((replica) => replica.stop()));
await simulator.close();
await redis?.kill();

const latencies = samples.map((sample) => sample.ms).sort((a, b) => a - b);
const percentile = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? 0;
const codes: Record<string, number> = {};
for (const sample of samples) for (const code of sample.codes) codes[code] = (codes[code] ?? 0) + 1;
const fiveXX = samples.filter((sample) => sample.status >= 500).length;
const rateLimited = simulator.stats().rateLimited;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const upstreamCalls = simulator.stats().calls.length;
const rssGrowth = rssWarm > 0 ? (rssEnd - rssWarm) / rssWarm : Number.NaN;

const quotaCalls = simulator.callsOf('QueryVoucherAmountByUin');
const uinsPerCall = quotaCalls.reduce((sum, call) => sum + (call.uins?.length ?? 0), 0) / Math.max(1, quotaCalls.length);
const errored = samples.filter((sample) => sample.status !== 200 || sample.codes.length > 0).length;
console.log(
  `Load: ${rate !== undefined ? `open loop, ${rate} req/s scheduled (seed ${values.seed})` : `${clients} clients, think time ~${thinkMs} ms`}, ${values.duration} s (warm-up ${warmupMs / 1000} s), simulator latency 50–150 ms, ${replicaCount} replica(s)${redis ? ' sharing one Redis' : ''}\n`,
);
console.log(`Summary: requests ${samples.length}, p50 ${percentile(50).toFixed(0)} ms, p95 ${percentile(95).toFixed(0)} ms, p99 ${percentile(99).toFixed(0)} ms, upstream calls ${upstreamCalls} (quota calls ${quotaCalls.length}, ${uinsPerCall.toFixed(1)} UINs per call), requests with errors ${errored}, RequestLimitExceeded ${rateLimited}`);
console.log('| requests | req/s | gateway 5xx | upstream calls | upstream RequestLimitExceeded | p50 | p95 | p99 | RSS start | RSS after warm-up (median of 30 s) | RSS end (median of last 30 s) | RSS peak | RSS idle after |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|');
console.log(
  `| ${samples.length} | ${(samples.length / (durationMs / 1000)).toFixed(1)} | ${fiveXX} | ${upstreamCalls} | ${rateLimited} | ${percentile(50).toFixed(0)} ms | ${percentile(95).toFixed(0)} ms | ${percentile(99).toFixed(0)} ms | ${mb(rssStart)} | ${mb(rssWarm)} | ${mb(rssEnd)} (${rssGrowth >= 0 ? '+' : ''}${(rssGrowth * 100).toFixed(1)}%) | ${mb(rssPeak)} | ${mb(rssIdle)} |`,
);
console.log(`\nGraphQL error codes (requests carrying each): ${JSON.stringify(codes)}`);
console.log(`Upstream calls per replica: ${callsPerReplica.join(', ')} (total ${callsPerReplica.reduce((a, b) => a + b, 0)})`);
for (const kind of ['pool', 'small', 'list']) {
  const of = samples.filter((sample) => sample.kind === kind).map((sample) => sample.ms).sort((a, b) => a - b);
  const at = (p: number) => (of[Math.min(of.length - 1, Math.floor((p / 100) * of.length))] ?? 0).toFixed(0);
  console.log(`  ${kind}: ${of.length} requests, p50 ${at(50)} ms, p95 ${at(95)} ms, max ${at(100)} ms`);
}
const ok = fiveXX === 0 && rateLimited === 0 && Math.abs(rssGrowth) <= 0.1;
console.log(`Targets (zero 5xx, zero RequestLimitExceeded, RSS end within 10% of after warm-up): ${ok ? 'met' : 'NOT met'}`);
process.exitCode = ok ? 0 : 1;
