import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { createRedisBookStore } from '../src/book/redis-book.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { describeBookCases } from './unit/book-cases.js';

/** The book in Redis, held to the same cases as the book in process (test/unit/book-cases.ts), on a real server. */
let server: RedisServer;
let redis: Redis;
let books = 0;
beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.kill();
});

describeBookCases('Redis', async () => {
  const keyPrefix = `account-${++books}:`;
  return createRedisBookStore({ redis, keyPrefix, streamKey: `${keyPrefix}results`, replicaId: 'replica-a' });
});
