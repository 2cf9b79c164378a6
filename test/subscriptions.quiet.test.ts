import { createClient } from 'graphql-ws';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createDemoData, type DemoData } from '../src/simulator/demo-data.js';
import { startSimulator, type Simulator } from '../src/simulator/simulator.js';
import { postGraphQL, startGatewayProcess, upstreamEnv, type GatewayProcess } from './support/gateway-process.js';
import { Redis } from 'ioredis';
import { startRedisServer } from './support/redis-server.js';
import { SHARED_REDIS_KINDS, startSharedRedis, untilSharing } from './support/redis-cluster.js';

/**
 * Subscriptions over SSE against a gateway process: changes the gateway learns of are pushed once to
 * each subscriber of that customer. Counted: events and upstream calls.
 */
const REFRESH_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let simulator: Simulator | undefined;
let gateway: GatewayProcess | undefined;
afterEach(async () => {
  await gateway?.stop();
  await simulator?.close();
  gateway = undefined;
  simulator = undefined;
});

async function start(data: DemoData, env: Record<string, string> = {}) {
  simulator = await startSimulator({ data, latencyMs: [50, 150] });
  gateway = await startGatewayProcess({ ...upstreamEnv(simulator), BOOK_SWEEP_CALLS_PER_SECOND: '0', WATCH_REFRESH_MS: String(REFRESH_MS), MAX_UINS_PER_QUERY: '1000', ...env });
  return gateway.url;
}

interface Event {
  data?: { [field: string]: { customer: { uin: string }; previous: { remainAmount: number } | null; current: { remainAmount: number } } };
  errors?: { extensions?: { code?: string } }[];
}

/** An SSE subscription: the events received so far, and a way to end it. */
function subscribe(url: string, query: string, variables: Record<string, unknown>) {
  const events: Event[] = [];
  const controller = new AbortController();
  let completed = false;
  const done = (async () => {
    const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query, variables }), signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const kind = /^event: (\w+)/m.exec(message)?.[1];
        const data = /^data: (.*)$/m.exec(message)?.[1];
        if (kind === 'next' && data) events.push(JSON.parse(data) as Event);
        if (kind === 'complete') completed = true;
      }
    }
  })().catch(() => undefined);
  return { events, done, completed: () => completed, close: () => controller.abort() };
}

const CHANGED = 'subscription ($uins: [UIN!]!) { voucherQuotaChanged(uins: $uins) { customer { uin } previous { remainAmount } current { remainAmount } } }';
const LOW = 'subscription ($below: Float!) { lowBalance(below: $below) { customer { uin } previous { remainAmount } current { remainAmount } } }';
const mutate = (data: DemoData, uin: number, remainAmount: number) => ((data.customers.get(uin) as { remainAmount: number }).remainAmount = remainAmount);

describe('subscriptions over SSE (a gateway process)', () => {
  it('2 of 5 watched customers change upstream: exactly 2 events, right values, within a refresh interval and a round trip', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data);
    const uins = data.customerUins.slice(10, 15).map(Number);
    const sub = subscribe(url, CHANGED, { uins: uins.map(String) });
    await sleep(REFRESH_MS + 500);
    mutate(data, uins[1] as number, 1.25);
    mutate(data, uins[3] as number, 2.5);
    await sleep(2 * REFRESH_MS + 500);
    expect(sub.events.map((event) => [Number(event.data?.voucherQuotaChanged?.customer.uin), event.data?.voucherQuotaChanged?.current.remainAmount]).sort()).toEqual(
      [[uins[1], 1.25], [uins[3], 2.5]].sort(),
    );
    sub.close();
  }, 30_000);

  it('500 subscribers of the same 10 customers: one call per refresh interval', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data, { MAX_SUBSCRIPTIONS_PER_CALLER: '1000' });
    const uins = data.customerUins.slice(20, 30).map(String);
    const subs = Array.from({ length: 500 }, () => subscribe(url, CHANGED, { uins }));
    // Every subscription open (the gateway's own count; on a busy machine 500 streams take a while),
    // and the first reads of the newest ones done.
    const open = async () => /^subscriptions_open\{transport="sse"\} 500$/m.test(await (await fetch(`${url}/metrics`)).text());
    for (let i = 0; i < 100 && !(await open()); i++) await sleep(100);
    expect(await open()).toBe(true);
    await sleep(REFRESH_MS + 500);
    simulator?.resetStats();
    await sleep(3 * REFRESH_MS);
    const calls = simulator?.callsOf('QueryVoucherAmountByUin') ?? [];
    // At most one call per interval (a late timer may make it fewer, never more), each carrying the 10.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(4);
    expect(calls.every((call) => call.uins?.length === 10)).toBe(true);
    // A change reaches each of the 500 once.
    mutate(data, Number(uins[0]), 3.75);
    for (let i = 0; i < 100 && subs.some((sub) => sub.events.length === 0); i++) await sleep(100);
    await sleep(REFRESH_MS);
    expect(subs.map((sub) => sub.events.length)).toEqual(Array.from({ length: 500 }, () => 1));
    for (const sub of subs) sub.close();
  }, 60_000);

  it('lowBalance: one event per customer already below, then one when a balance falls below; a drain completes the stream', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data, { SHUTDOWN_DELAY_MS: '500' });
    await postGraphQL(url, '{ customers(uins: ' + JSON.stringify(data.customerUins.map(String)) + ') { voucherQuota { remainAmount } } }');
    const below = 2000;
    const already = [...data.customers.values()].filter((customer) => customer.remainAmount < below).map((customer) => customer.uin);
    const sub = subscribe(url, LOW, { below });
    await sleep(500);
    expect(sub.events.map((event) => Number(event.data?.lowBalance?.customer.uin)).sort()).toEqual([...already].sort());
    const falling = [...data.customers.values()].find((customer) => customer.remainAmount >= below) as { uin: number };
    mutate(data, falling.uin, 1);
    await postGraphQL(url, `{ customer(uin: "${falling.uin}") { voucherQuota(maxAge: 0) { remainAmount } } }`);
    await sleep(300);
    expect(sub.events).toHaveLength(already.length + 1);
    expect(sub.events.at(-1)?.data?.lowBalance).toMatchObject({ customer: { uin: String(falling.uin) }, current: { remainAmount: 1 } });
    process.kill(gateway?.pid as number, 'SIGTERM');
    await sub.done;
    expect(sub.completed()).toBe(true);
    expect(await gateway?.exited()).toBe(0);
  }, 30_000);
});

/** A `graphql-ws` subscription: events, and the error it ended with, if any. */
function subscribeWs(url: string, query: string, variables: Record<string, unknown>, connectionParams: Record<string, unknown> = {}) {
  const events: Event[] = [];
  const errors: unknown[] = [];
  let completed = false;
  const client = createClient({ url: url.replace(/^http/, 'ws') + '/graphql', webSocketImpl: WebSocket, connectionParams, retryAttempts: 0, lazy: false });
  const unsubscribe = client.subscribe<Event['data']>({ query, variables }, {
    next: (value) => void events.push(value as Event),
    error: (error) => void errors.push(error),
    complete: () => void (completed = true),
  });
  return { events, errors, completed: () => completed, close: async () => (unsubscribe(), await client.dispose()) };
}

const SECRET = 'an-hs256-shared-secret-of-at-least-32-characters';

describe('subscriptions over graphql-ws (a gateway process)', () => {
  it('2 of 5 watched customers change upstream: exactly 2 events, right values', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data);
    const uins = data.customerUins.slice(40, 45).map(Number);
    const sub = subscribeWs(url, CHANGED, { uins: uins.map(String) });
    await sleep(REFRESH_MS + 500);
    mutate(data, uins[0] as number, 4.5);
    mutate(data, uins[4] as number, 5.5);
    await sleep(2 * REFRESH_MS + 500);
    expect(sub.errors).toEqual([]);
    expect(sub.events.map((event) => [Number(event.data?.voucherQuotaChanged?.customer.uin), event.data?.voucherQuotaChanged?.current.remainAmount]).sort()).toEqual([[uins[0], 4.5], [uins[4], 5.5]].sort());
    await sub.close();
  }, 30_000);

  it('caller auth: no token → UNAUTHENTICATED; a token in connectionParams is served until it expires, then UNAUTHENTICATED', async () => {
    const data = createDemoData({ customers: 200 });
    const url = await start(data, { AUTH_MODE: 'jwt', JWT_SECRET: SECRET });
    const refused = subscribeWs(url, LOW, { below: 1000 });
    await sleep(1000);
    expect(JSON.stringify(refused.errors)).toMatch(/UNAUTHENTICATED/);
    await refused.close();
    const token = jwt.sign({ sub: 'dashboard' }, SECRET, { algorithm: 'HS256', expiresIn: 3 });
    const served = subscribeWs(url, LOW, { below: 1000 }, { Authorization: `Bearer ${token}` });
    await sleep(1000);
    expect(served.errors).toEqual([]);
    await sleep(3500);
    expect(JSON.stringify(served.errors) + JSON.stringify(served.events)).toMatch(/UNAUTHENTICATED/);
    await served.close();
  }, 30_000);
});

describe('subscriptions across a deployment (3 processes on Redis)', () => {
  it.each(SHARED_REDIS_KINDS)('on %s: a change that a request on A discovered reaches the subscribers on A, B (graphql-ws) and C (SSE) exactly once', async (kind) => {
    const redis = await startSharedRedis(kind);
    const data = createDemoData({ customers: 200 });
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    // Refreshes far apart: the change is found by the request, not by a refresh.
    const env = { ...upstreamEnv(simulator), ...redis.env, BOOK_SWEEP_CALLS_PER_SECOND: '0', WATCH_REFRESH_MS: '60000' };
    const replicas = await Promise.all([1, 2, 3].map(() => startGatewayProcess(env)));
    try {
      const [a, b, c] = replicas.map((replica) => replica.url) as [string, string, string];
      await untilSharing([a, b, c]);
      const uin = data.customerUins[7] as number;
      const subs = [subscribe(a, CHANGED, { uins: [String(uin)] }), subscribeWs(b, CHANGED, { uins: [String(uin)] }), subscribe(c, CHANGED, { uins: [String(uin)] })];
      // Every subscriber's first read of the customer (the value to compare with) is done.
      for (let i = 0; i < 50 && simulator.callsOf('QueryVoucherAmountByUin').filter((call) => call.uins?.includes(uin)).length === 0; i++) await sleep(100);
      await sleep(1500);
      mutate(data, uin, 0.5);
      const found = await postGraphQL<{ customer: { voucherQuota: { remainAmount: number } } }>(a, `{ customer(uin: "${uin}") { voucherQuota(maxAge: 0) { remainAmount } } }`);
      expect(found.data?.customer.voucherQuota.remainAmount).toBe(0.5);
      await sleep(1500);
      const seen = subs.map((sub) => sub.events.map((event) => [event.data?.voucherQuotaChanged?.customer.uin, event.data?.voucherQuotaChanged?.current.remainAmount]));
      expect(seen, replicas.map((replica) => replica.output().split('\n').filter((line) => /warn|error|Redis/i.test(line)).slice(0, 5).join('\n')).join('\n---\n')).toEqual([0, 1, 2].map(() => [[String(uin), 0.5]]));
      expect(simulator.stats().rateLimited).toBe(0);
      subs[0]?.close();
      await subs[1]?.close();
      subs[2]?.close();
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.close();
    }
  }, 60_000);

  it("a replica's link to the changes drops while changes are found: each still arrives once; a Redis restart (the stream lost) ends the stream with EVENTS_LOST", async () => {
    const redis = await startRedisServer();
    const data = createDemoData({ customers: 200 });
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const env = { ...upstreamEnv(simulator), REDIS_URL: redis.url, BOOK_SWEEP_CALLS_PER_SECOND: '0', WATCH_REFRESH_MS: '60000' };
    const replicas = await Promise.all([1, 2].map(() => startGatewayProcess(env)));
    const admin = new Redis(redis.url);
    try {
      const [a, c] = replicas.map((replica) => replica.url) as [string, string];
      const uins = data.customerUins.slice(50, 55).map(Number);
      const sub = subscribe(c, CHANGED, { uins: uins.map(String) });
      await sleep(1500);
      for (const [i, uin] of uins.entries()) {
        // Every blocking reader's connection is cut (they reconnect and resume from the last entry they read).
        const readers = String(await admin.client('LIST')).split('\n').filter((line) => line.includes('cmd=xread')).map((line) => /\bid=(\d+)/.exec(line)?.[1]);
        for (const id of readers) if (id) await admin.client('KILL', 'ID', id);
        mutate(data, uin, 10 + i);
        await postGraphQL(a, `{ customer(uin: "${uin}") { voucherQuota(maxAge: 0) { remainAmount } } }`);
      }
      await sleep(2000);
      expect(sub.events.map((event) => [Number(event.data?.voucherQuotaChanged?.customer.uin), event.data?.voucherQuotaChanged?.current.remainAmount])).toEqual(uins.map((uin, i) => [uin, 10 + i]));
      admin.disconnect();
      await redis.kill();
      await redis.start();
      for (let i = 0; i < 40 && !sub.completed(); i++) await sleep(250);
      expect(sub.events.at(-1)?.errors?.[0]?.extensions?.code).toBe('EVENTS_LOST');
      expect(sub.completed()).toBe(true);
    } finally {
      admin.disconnect();
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.kill();
    }
  }, 60_000);

  it('WATCH_MAX_UINS bounds the distinct customers watched across the deployment, not each replica', async () => {
    const redis = await startRedisServer();
    const data = createDemoData({ customers: 200 });
    simulator = await startSimulator({ data, latencyMs: [50, 150] });
    const env = { ...upstreamEnv(simulator), REDIS_URL: redis.url, BOOK_SWEEP_CALLS_PER_SECOND: '0', WATCH_REFRESH_MS: '1000', WATCH_MAX_UINS: '10' };
    const replicas = await Promise.all([1, 2].map(() => startGatewayProcess(env)));
    try {
      const [a, b] = replicas.map((replica) => replica.url) as [string, string];
      const uinsOf = (from: number, count: number) => data.customerUins.slice(from, from + count).map(String);
      const first = subscribe(a, CHANGED, { uins: uinsOf(0, 6) });
      await sleep(500);
      // 6 on A and 6 more on B would be 12 distinct customers: refused; 4 more (and any of A's) fit.
      const refused = subscribe(b, CHANGED, { uins: uinsOf(6, 6) });
      await refused.done;
      expect(refused.events.map((event) => event.errors?.[0]?.extensions?.code)).toEqual(['SUBSCRIPTION_LIMIT']);
      const fits = subscribe(b, CHANGED, { uins: [...uinsOf(6, 4), ...uinsOf(0, 3)] });
      await sleep(1500);
      expect(fits.completed()).toBe(false);
      expect(fits.events).toEqual([]);
      first.close();
      fits.close();
    } finally {
      await Promise.all(replicas.map((replica) => replica.stop()));
      await redis.kill();
    }
  }, 60_000);
});
