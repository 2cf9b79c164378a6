import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { luaScript } from '../src/store/lua-scripts.js';
import { startRedisServer, type RedisServer } from './support/redis-server.js';
import { FAIR_CASES } from './unit/fair-queue-cases.js';
import { deploymentScripts } from '../src/loaders/deployment-uin-queue.js';

/**
 * The deployment queue's Lua scripts, held to the same cases as the in-process `FairQueue`
 * (test/unit/fair-queue-cases.ts), on a real Redis.
 */
describe('the deployment queue scripts order UINs as FairQueue does', () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis?.disconnect();
    await server?.kill();
  });

  const run = async (name: string, keys: string[], args: (string | number)[]) => {
    const { lua } = luaScript(name);
    return redis.eval(lua, keys.length, ...keys, ...args);
  };

  FAIR_CASES.forEach((fairCase, index) => {
    it(fairCase.name, async () => {
      const base = `case-${index}:`;
      const five = ['queue', 'meta', 'flight', 'deadlines', 'calls'].map((key) => base + key);
      let call = 0;
      for (const step of fairCase.steps) {
        if ('push' in step) {
          const { caller, uins, priority = 0, weight = 1 } = step.push;
          await run('enqueue-uins-5', five, [priority, caller, weight, 0, '', ...uins.flatMap((uin) => [uin, 1])]);
        } else {
          const id = `call-${++call}`;
          const [taken] = (await run('compose-call-5', five, [step.take, 60_000, id, Date.now()])) as [string[]];
          expect(taken.map(Number)).toEqual(step.expect);
          // The call comes back, so the next compose is not held by the part-full rule.
          await run('finish-call-6', [...five, `${base}results`], [id, 'q', '[]', 100, ...taken]);
        }
      }
    });
  });

  it('compose: a part-full call waits while a call is on the wire; a full one does not; an expired lease queues its UINs again', async () => {
    const five = ['queue', 'meta', 'flight', 'deadlines', 'calls'].map((key) => `rule:${key}`);
    await run('enqueue-uins-5', five, [0, 'a', 1, 0, '', ...[1, 2, 3].flatMap((uin) => [uin, 1])]);
    const first = (await run('compose-call-5', five, [2, 100, 'c1', Date.now()])) as [string[], string[], number, number];
    expect(first[0]).toEqual(['1', '2']);
    expect(first.slice(2, 4)).toEqual([1, 1]);
    // One UIN left and c1 on the wire: nothing.
    expect(((await run('compose-call-5', five, [2, 100, 'c2', Date.now()])) as [string[]])[0]).toEqual([]);
    // c1's lease (100 ms) runs out: its UINs are queued again, ahead of UIN 3 (older tags).
    await new Promise((resolve) => setTimeout(resolve, 150));
    const retaken = (await run('compose-call-5', five, [2, 60_000, 'c3', Date.now()])) as [string[]];
    expect(retaken[0]).toEqual(['1', '2']);
    // c1 finishing late does not take UINs c3 now holds off the wire.
    await run('finish-call-6', [...five, 'rule:results'], ['c1', 'q', '[]', 100, 1, 2]);
    expect(await redis.zrange('rule:flight', '0', '-1')).toEqual(['1', '2']);
  });

  it('release: a queued UIN leaves when the last replica waiting for it lets go; deadlines past drop UINs at compose', async () => {
    const five = ['queue', 'meta', 'flight', 'deadlines', 'calls'].map((key) => `release:${key}`);
    await run('enqueue-uins-5', five, [0, 'a', 1, 0, '', 1, 1, 2, 1]);
    await run('enqueue-uins-5', five, [0, 'b', 1, 0, '', 1, 1]);
    expect(await run('release-uins-3', [five[0], five[1], five[3]] as string[], [1, 2])).toBe(1);
    expect(await redis.zrange('release:queue', '0', '-1')).toEqual(['1']);
    expect(await run('release-uins-3', [five[0], five[1], five[3]] as string[], [1])).toBe(1);
    await run('enqueue-uins-5', five, [0, 'a', 1, Date.now() - 1, '', 7, 1]);
    expect(((await run('compose-call-5', five, [20, 1000, 'c', Date.now()])) as [string[]])[0]).toEqual([]);
    expect(await redis.zcard('release:queue')).toBe(0);
  });

  it('a replica that starts waiting for a UIN on the wire is counted: after a lease takeover, another replica letting go does not drop it', async () => {
    const five = ['queue', 'meta', 'flight', 'deadlines', 'calls'].map((key) => `takeover:${key}`);
    const release = (uins: number[]) => run('release-uins-3', [five[0], five[1], five[3]] as string[], uins);
    // Replica A asks for UIN 1; its call c1 (100 ms lease) carries it. A call for UIN 9 stays on the wire.
    await run('enqueue-uins-5', five, [0, 'a', 1, 0, '', 1, 1]);
    expect(((await run('compose-call-5', five, [20, 100, 'c1', Date.now()])) as [string[]])[0]).toEqual(['1']);
    await run('enqueue-uins-5', five, [0, 'z', 1, 0, '', 9, 1]);
    expect(((await run('compose-call-5', five, [1, 60_000, 'c9', Date.now()])) as [string[]])[0]).toEqual(['9']);
    // Replica B starts waiting for UIN 1 while c1 is on the wire.
    await run('enqueue-uins-5', five, [0, 'b', 1, 0, '', 1, 1]);
    // c1's owner dies: its lease runs out, the next compose queues UIN 1 again (part-full: not taken).
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(((await run('compose-call-5', five, [20, 60_000, 'c2', Date.now()])) as [string[]])[0]).toEqual([]);
    expect(await redis.zrange('takeover:queue', '0', '-1')).toEqual(['1']);
    // A lets go: B still waits, so UIN 1 stays queued; when B lets go too, it leaves.
    expect(await release([1])).toBe(0);
    expect(await redis.zrange('takeover:queue', '0', '-1')).toEqual(['1']);
    expect(await release([1])).toBe(1);
    expect(await redis.zcard('takeover:queue')).toBe(0);
  });

  it("a replica whose clock runs 2 minutes ahead sees a call on the wire as on the wire, not its UINs as stranded", async () => {
    const scripts = deploymentScripts(redis, 'skew:', 'skew:results');
    await scripts.enqueue(0, 'a', 1, undefined, undefined, [[1, true], [2, true]]);
    const composed = await scripts.compose(20, 60_000, 'c1', Date.now());
    expect(composed.uins).toEqual([1, 2]);
    // Lease ends are Redis time; the replica's own (skewed) clock must not judge them.
    const ahead = Date.now() + 120_000;
    expect(await (scripts.state as (at?: number) => Promise<unknown>)(ahead)).toEqual({ queued: 0, calls: 1 });
  });
});
