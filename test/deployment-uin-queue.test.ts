import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    server = await startRedisServer();
    admin = new Redis(server.url);
    connection = await connectRedis({ url: server.url, logger: pino({ level: 'silent' }) });
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
    it.each(QUEUE_CASES)('$name', async (queueCase) => {
      const name = `case-${++cases}`;
      await queueCase.run(
        await queueCaseEnv(async (fetchBatchFn, throttle) => {
          const local = createUinQueue<string>({ action: 'Action', throttle, fetchBatchFn });
          const queue = createDeploymentUinQueue<string>({ name, action: 'Action', throttle, fetchBatchFn, connection, keyPrefix: `cases:`, results, replicaId: 'r1', local, pollMs: 20 });
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
