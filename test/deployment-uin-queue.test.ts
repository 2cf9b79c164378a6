import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDeploymentUinQueue } from '../src/loaders/deployment-uin-queue.js';
import { createUinQueue, type FetchBatchFn } from '../src/loaders/uin-queue.js';
import { connectRedis, type RedisConnection } from '../src/store/redis-connection.js';
import { createResultsStream, type ResultsStream } from '../src/store/results-stream.js';
import { createInProcessThrottle } from '../src/upstream/throttle.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { flush } from './unit/fakes.js';
import { QUEUE_CASES, queueCaseEnv } from './unit/uin-queue-cases.js';

/** The deployment queue's own lifecycle, on a real Redis. */
describe('the deployment UIN queue', () => {
  let server: RedisServer;
  let admin: Redis;
  let connection: RedisConnection;
  let results: ResultsStream;
  beforeAll(async () => {
    // A generous command timeout: on a busy machine a slow answer would otherwise mark Redis down, and
    // the queue would hand its UINs to the local queue (its fall-back, tested on its own below).
    server = await startRedisServer();
    admin = new Redis(server.url);
    connection = await connectRedis({ url: server.url, logger: pino({ level: 'silent' }), commandTimeoutMs: 5000 });
    results = createResultsStream({ connection, keyPrefix: 'close:', logger: pino({ level: 'silent' }), blockMs: 50 });
  });
  afterAll(async () => {
    await results?.close();
    await connection?.close();
    admin?.disconnect();
    await server?.kill();
  });

  /** Scripts run since the last reset (EVALSHA and EVAL), by Redis's own count. */
  const scriptCalls = async () => {
    const stats = await admin.info('commandstats');
    return [...stats.matchAll(/cmdstat_(?:evalsha|eval):calls=(\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  };

  let cases = 0;
  describe('the cases both UIN queues share (on Redis)', () => {
    // A case that fails leaves its queue polling Redis: closed, so the next case counts only its own.
    const opened: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });
    it.each(QUEUE_CASES)('$name', async (queueCase) => {
      const name = `case-${++cases}`;
      await queueCase.run(
        await queueCaseEnv(async (fetchBatchFn, throttle) => {
          const local = createUinQueue<string>({ action: 'Action', throttle, fetchBatchFn });
          const queue = createDeploymentUinQueue<string>({ name, action: 'Action', throttle, fetchBatchFn, connection, keyPrefix: `cases:`, results, replicaId: 'r1', local, pollMs: 20 });
          opened.push(queue);
          // Redis round trips and a poll or two.
          const settle = async () => {
            await sleep(60);
            await flush();
          };
          return { queue, settle };
        }),
      );
    });
  });

  it("Redis goes away while this replica's call is on the wire: that call keeps its UINs (they are not fetched again on the fallback); the queued ones move to the local queue", async () => {
    const own = await connectRedis({ url: server.url, logger: pino({ level: 'silent' }), commandTimeoutMs: 5000 });
    const ownResults = createResultsStream({ connection: own, keyPrefix: 'down:', logger: pino({ level: 'silent' }), blockMs: 50 });
    try {
      const env = await queueCaseEnv(async (fetchBatchFn, throttle) => {
        const local = createUinQueue<string>({ action: 'Action', throttle, fetchBatchFn });
        const queue = createDeploymentUinQueue<string>({ name: 'down', action: 'Action', throttle, fetchBatchFn, connection: own, keyPrefix: 'down:', results: ownResults, replicaId: 'r1', local, pollMs: 20 });
        return { queue, settle: async () => (await sleep(60), await flush()) };
      });
      const onTheWire = env.queue.load(Array.from({ length: 20 }, (_, i) => i + 1));
      await env.untilWaiting(1);
      await env.grant();
      const queued = env.queue.load([21, 22, 23, 24, 25]);
      await env.settle();
      own.markDown(new Error('test: Redis went away'));
      await env.untilWaiting(1);
      await env.grant();
      expect(env.calls).toEqual([Array.from({ length: 20 }, (_, i) => i + 1), [21, 22, 23, 24, 25]]);
      await env.answerAll();
      expect((await onTheWire).every((result) => typeof result === 'string')).toBe(true);
      expect(await queued).toEqual(['quota-21', 'quota-22', 'quota-23', 'quota-24', 'quota-25']);
    } finally {
      await ownResults.close();
      await own.close();
    }
  });

  it("a replica that composes a call of another replica's UINs keeps their deadline (its retries go on for them)", async () => {
    const deadline = Date.now() + 60_000;
    // Each replica reads the deployment's results stream with a reader of its own.
    const streams = ['a', 'b'].map(() => createResultsStream({ connection, keyPrefix: 'two:', logger: pino({ level: 'silent' }), blockMs: 50 }));
    const make = async (replicaId: string, stream: ResultsStream) =>
      queueCaseEnv(async (fetchBatchFn, throttle) => {
        const local = createUinQueue<string>({ action: 'Action', throttle, fetchBatchFn });
        const queue = createDeploymentUinQueue<string>({ name: 'two', action: 'Action', throttle, fetchBatchFn, connection, keyPrefix: 'two:', results: stream, replicaId, local, pollMs: 20 });
        return { queue, settle: async () => (await sleep(60), await flush()) };
      });
    const [a, b] = [await make('a', streams[0] as ResultsStream), await make('b', streams[1] as ResultsStream)];
    const fromA = a.queue.load(Array.from({ length: 20 }, (_, i) => i + 1), { deadline });
    await a.untilWaiting(1);
    const fromB = b.queue.load([21], { deadline: deadline + 1000 });
    await b.untilWaiting(1);
    // B's slot comes first: its call carries A's 20 (they are ahead in the deployment's queue).
    await b.grant();
    expect(b.calls).toEqual([Array.from({ length: 20 }, (_, i) => i + 1)]);
    expect(b.callOptions[0]?.deadline).toBe(deadline);
    await b.answerAll();
    expect((await fromA).every((result) => typeof result === 'string')).toBe(true);
    // A's own call, scheduled at the start, carries what is left: B's UIN.
    await a.untilWaiting(1);
    await a.grant();
    expect(a.calls).toEqual([[21]]);
    await a.answerAll();
    expect(await fromB).toEqual(['quota-21']);
    await Promise.all([a.queue.close(), b.queue.close(), ...streams.map((stream) => stream.close())]);
  });

  it('close(): every waiter settles, its queued UINs are given back, and no poll or lease renewal runs afterwards', async () => {
    const throttle = createInProcessThrottle({ intervalCap: 100, interval: 1000 });
    let release: () => void = () => undefined;
    const hanging = new Promise<void>((resolve) => (release = resolve));
    // As the upstream client does: the call composes its UINs when its throttle slot comes.
    const fetchBatchFn: FetchBatchFn<number> = (compose) =>
      throttle.schedule('A', async (slot) => {
        const uins = await compose();
        slot.sent();
        await hanging;
        return new Map(uins.map((uin) => [uin, uin]));
      });
    const local = createUinQueue<number>({ action: 'A', throttle, fetchBatchFn });
    const queue = createDeploymentUinQueue<number>({
      name: 'A',
      action: 'A',
      throttle,
      fetchBatchFn,
      connection,
      keyPrefix: 'close:',
      results,
      replicaId: 'r1',
      local,
      leaseMs: 90,
      pollMs: 20,
    });
    // One full call on the wire (its lease renewed every 30 ms), 10 UINs queued behind it (polled).
    const answers = queue.load(Array.from({ length: 30 }, (_, index) => index + 1));
    await sleep(100);
    expect(queue.stats().calls).toBeGreaterThan(0);

    await queue.close();
    const settled = await answers;
    expect(settled.every((answer) => answer instanceof Error)).toBe(true);
    expect(await admin.zcard('close:uins:A:queue')).toBe(0);

    await admin.config('RESETSTAT');
    await sleep(300);
    expect(await scriptCalls()).toBe(0);
    release();
  });
});
