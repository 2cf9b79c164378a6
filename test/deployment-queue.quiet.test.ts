import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { accountKeyPrefix } from '../src/store/key-space.js';
import { maxInWindow } from './support/arrivals.js';
import { COUNTING_OTHER_FEATURES, postGraphQL, startGatewayProcess, type GatewayProcess, upstreamEnv } from './support/gateway-process.js';
import { SHARED_REDIS_KINDS, startSharedRedis, type SharedRedis } from './support/redis-cluster.js';

const QUERY = 'query ($uins: [UIN!]!) { customers(uins: $uins) { uin voucherQuota { remainAmount } } }';
type Customers = { customers: { uin: string; voucherQuota: { remainAmount: number } | null }[] };
const data = createDemoData({ customers: 3000 });
const uins = (from: number, count: number) => data.customerUins.slice(from, from + count).map(String);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const answered = (result: { data?: Customers | null }) => result.data?.customers.filter((customer) => customer.voucherQuota !== null).length ?? 0;

/**
 * Three gateway processes on one Redis behave as one gateway: one UIN queue for the deployment, calls
 * composed from any replica's UINs, results delivered to every replica, a dead replica's calls taken
 * over after their lease.
 */
describe.each(SHARED_REDIS_KINDS)('one UIN queue for the whole deployment (three processes on %s; needs a quiet CPU: runs serially)', (kind) => {
  let redis: SharedRedis;
  let simulator: Simulator;
  let replicas: GatewayProcess[] = [];
  let prefix: string;

  const start = async (latencyMs: number | [number, number], extra: Record<string, string> = {}) => {
    simulator = await startSimulator({ data, latencyMs });
    prefix = `deploy-${process.pid}-${Date.now()}:`;
    const env = {
      ...upstreamEnv(simulator),
      ...redis.env,
      REDIS_KEY_PREFIX: prefix,
      MAX_UINS_PER_QUERY: '1000',
      REQUEST_DEADLINE_MS: '30000',
      QUOTA_CACHE_TTL_MS: '0',
      // The callers' names stand for a router's: each gets a lane at once.
      TRUST_CLIENT_NAME_HEADER: 'true',
      ...COUNTING_OTHER_FEATURES,
      ...extra,
    };
    replicas = await Promise.all([1, 2, 3].map(() => startGatewayProcess(env)));
  };

  beforeAll(async () => {
    redis = await startSharedRedis(kind);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(replicas.map((replica) => replica.stop()));
    replicas = [];
    await simulator?.close();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('51 clients × 10 distinct UINs spread over three processes: at most 27 calls, every UIN answered once', async () => {
    await start([50, 150]);
    const results = await Promise.all(
      Array.from({ length: 51 }, (_, client) => postGraphQL<Customers>((replicas[client % 3] as GatewayProcess).url, QUERY, { uins: uins(client * 10, 10) })),
    );
    expect(results.map(answered)).toEqual(Array.from({ length: 51 }, () => 10));
    const calls = simulator.callsOf('QueryVoucherAmountByUin');
    expect(calls.length).toBeLessThanOrEqual(27);
    const asked = calls.flatMap((call) => call.uins ?? []);
    expect(new Set(asked).size).toBe(510);
    expect(asked).toHaveLength(510);
    expect(simulator.stats().rateLimited).toBe(0);
    expect(maxInWindow(calls.map((call) => call.arrivedAt), 1000)).toBeLessThanOrEqual(5);
  }, 60_000);

  it("fair shares: caller B's 200 UINs sent 1 s after caller A's 2 × 1000 are all served while A's export still runs; A keeps >= 70%; every lookup answered", async () => {
    await start([50, 150], { REQUEST_DEADLINE_MS: '20000' });
    const as = (caller: string) => ({ 'apollographql-client-name': caller });
    const finished: string[] = [];
    const bulkA = [0, 1].map((i) =>
      postGraphQL<Customers>((replicas[i] as GatewayProcess).url, QUERY, { uins: uins(i * 1000, 1000) }, as('export-a')).then((result) => {
        finished.push(`A${i}`);
        return result;
      }),
    );
    await sleep(1000);
    const reportB = postGraphQL<Customers>((replicas[2] as GatewayProcess).url, QUERY, { uins: uins(2000, 200) }, as('report-b')).then((result) => {
      finished.push('B');
      return result;
    });
    let lookups = 0;
    let stop = false;
    const lookup = (async () => {
      for (let i = 0; !stop; i++) {
        const result = await postGraphQL<Customers>((replicas[i % 3] as GatewayProcess).url, QUERY, { uins: uins(2500 + i, 1) }, as('console'));
        expect(answered(result)).toBe(1);
        lookups += 1;
        await sleep(300);
      }
    })();
    const b = await reportB;
    const a = await Promise.all(bulkA);
    stop = true;
    await lookup;
    expect(b.errors).toBeUndefined();
    expect(answered(b)).toBe(200);
    // B shared the budget with A instead of queueing behind A's 2000 UINs: it was done first.
    expect(finished[0]).toBe('B');
    // The target is 75% (the bench prints it); about 82% is the most A can get here (20 s at
    // 100 UINs/s, less B's 200 and the lookups), so the test allows 70%.
    const aServed = a.reduce((sum, result) => sum + answered(result), 0);
    expect(aServed).toBeGreaterThanOrEqual(1400);
    for (const result of a) for (const error of result.errors ?? []) expect(error.extensions?.code).toBe('GATEWAY_OVERLOADED');
    expect(lookups).toBeGreaterThan(10);
    // The console's lookups rode in calls beside bulk UINs (interactive first), never behind them.
    const calls = simulator.callsOf('QueryVoucherAmountByUin');
    const lookupCalls = calls.filter((call) => call.uins?.some((uin) => data.customerUins.indexOf(uin) >= 2500));
    expect(lookupCalls.filter((call) => (call.uins?.length ?? 0) > 1).length).toBeGreaterThan(5);
    expect(simulator.stats().rateLimited).toBe(0);
  }, 90_000);

  it('21 requests for the same 10 UINs, 7 on each process: 1 call', async () => {
    await start([100, 100]);
    const same = uins(600, 10);
    const results = await Promise.all(Array.from({ length: 21 }, (_, i) => postGraphQL<Customers>((replicas[i % 3] as GatewayProcess).url, QUERY, { uins: same })));
    expect(results.map(answered)).toEqual(Array.from({ length: 21 }, () => 10));
    expect(simulator.callsOf('QueryVoucherAmountByUin').map((call) => [...(call.uins ?? [])].sort())).toEqual([same.map(Number).sort()]);
  }, 60_000);

  it("a process SIGKILLed while its calls carry other processes' UINs: the others' requests are fully answered", async () => {
    await start([1500, 1500]);
    const logs = replicas.map((replica) => /"replica":"([\w-]+)"/.exec(replica.output())?.[1]);
    expect(logs.every((id) => id !== undefined)).toBe(true);
    const sets = replicas.map((_, i) => uins(1000 + i * 60, 60));
    const requests = replicas.map((replica, i) => postGraphQL<Customers>(replica.url, QUERY, { uins: sets[i] }));
    // Find a call on the wire whose owner composed it from another process's UINs, and kill that owner.
    const account = accountKeyPrefix(prefix, { secretId: simulator.credentials.secretId, endpoint: simulator.url }, { cluster: kind === 'a Redis Cluster' });
    const client = redis.client();
    let victim = -1;
    let held: string[] = [];
    try {
      for (let tries = 0; victim < 0 && tries < 100; tries++) {
        await sleep(20);
        const meta = await client.hgetall(`${account}uins:QueryVoucherAmountByUin:meta`);
        for (const [field, owner] of Object.entries(meta)) {
          if (!field.startsWith('o:')) continue;
          const uin = field.slice(2);
          const holder = logs.findIndex((id) => owner.startsWith(`${id}:`));
          const asker = sets.findIndex((set) => set.includes(uin));
          if (holder >= 0 && asker >= 0 && holder !== asker) victim = holder;
        }
        if (victim >= 0) held = Object.entries(meta).filter(([field, owner]) => field.startsWith('o:') && owner.startsWith(`${logs[victim]}:`)).map(([field]) => field.slice(2));
      }
    } finally {
      client.disconnect();
    }
    expect(victim).toBeGreaterThanOrEqual(0);
    // The victim's own client loses its connection: that request is not the point.
    requests[victim]?.catch(() => undefined);
    process.kill((replicas[victim] as GatewayProcess).pid, 'SIGKILL');
    const killedAt = performance.now();
    const survivors = replicas.map((_, i) => i).filter((i) => i !== victim);
    for (const i of survivors) {
      const result = (await requests[i]) as { data?: Customers; errors?: unknown };
      expect(result.errors).toBeUndefined();
      expect(answered(result as { data?: Customers })).toBe(60);
    }
    // The dead process's calls were taken over: UINs it held went out again in calls sent after the kill
    // (whether or not its own call had left before it died).
    const after = simulator.callsOf('QueryVoucherAmountByUin').filter((call) => call.arrivedAt > killedAt).flatMap((call) => call.uins ?? []);
    expect(held.length).toBeGreaterThan(0);
    expect(held.some((uin) => after.includes(Number(uin)))).toBe(true);
    replicas.splice(victim, 1);
  }, 90_000);
});
