import { describe, expect, it } from 'vitest';
import { createUinQueue, type FetchBatchFn } from '../../src/loaders/uin-queue.js';
import { ThrottleOverloadedError } from '../../src/upstream/throttle.js';
import { createClock, createManualThrottle, flush } from './fakes.js';
import { QUEUE_CASES, queueCaseEnv } from './uin-queue-cases.js';

/**
 * The gateway-wide UIN queue with a manual throttle (slots are granted by the test) and a recording
 * fetch (calls answer when the test says so): exact batches, in DataLoader's style.
 */
function setup(options: { maxBatchSize?: number; maxQueued?: number } = {}) {
  const throttle = createManualThrottle();
  const clock = createClock();
  const calls: number[][] = [];
  const pending: { uins: number[]; answer: (results?: Map<number, string | Error>) => void; fail: (error: Error) => void }[] = [];
  const fetchBatchFn: FetchBatchFn<string> = (compose, callOptions) =>
    throttle.schedule('Action', async () => {
      const uins = [...(await compose())];
      if (uins.length === 0) return new Map<number, string | Error>();
      calls.push(uins);
      void callOptions;
      return new Promise<Map<number, string | Error>>((resolve, reject) => {
        pending.push({
          uins,
          answer: (results) => resolve(results ?? new Map(uins.map((uin) => [uin, `quota-${uin}`]))),
          fail: reject,
        });
      });
    }, { priority: callOptions.priority, signal: callOptions.signal });
  const queue = createUinQueue({ action: 'Action', throttle, fetchBatchFn, now: clock.now, ...options });
  const answerAll = async () => {
    while (pending.length > 0) pending.shift()?.answer();
    await flush();
  };
  return { throttle, clock, calls, pending, queue, answerAll };
}

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('createUinQueue: the cases both UIN queues share (in process)', () => {
  it.each(QUEUE_CASES)('$name', async (queueCase) => {
    await queueCase.run(await queueCaseEnv(async (fetchBatchFn, throttle) => ({ queue: createUinQueue({ action: 'Action', throttle, fetchBatchFn }), settle: flush })));
  });
});

describe('createUinQueue', () => {
  it('sends a lone UIN on an idle queue at once, in its own call', async () => {
    const { throttle, calls, queue, answerAll } = setup();
    const result = queue.load([7]);
    await flush();
    expect(throttle.waiting).toBe(1);
    await throttle.grant();
    expect(calls).toEqual([[7]]);
    await answerAll();
    expect(await result).toEqual(['quota-7']);
  });

  it('fills calls while one is on the wire: a part-full call waits until no call is in flight', async () => {
    const { throttle, calls, queue, answerAll } = setup();
    const first = queue.load(range(1, 10));
    await flush();
    await throttle.grant();
    expect(calls).toEqual([range(1, 10)]);
    // Five more requests arrive while the first call is on the wire: 45 UINs.
    const more = [queue.load(range(11, 10)), queue.load(range(21, 10)), queue.load(range(31, 10)), queue.load(range(41, 10)), queue.load(range(51, 5))];
    await flush();
    // Two full calls are scheduled; the 5 left over wait (a call is in flight).
    expect(throttle.waiting).toBe(2);
    await throttle.grant(5);
    expect(calls).toEqual([range(1, 10), range(11, 20), range(31, 20)]);
    expect(throttle.waiting).toBe(0);
    await answerAll();
    // Nothing in flight any more: the remainder leaves.
    expect(throttle.waiting).toBe(1);
    await throttle.grant();
    expect(calls[3]).toEqual(range(51, 5));
    await answerAll();
    expect((await Promise.all([first, ...more])).flat()).toHaveLength(55);
  });

  it('fetches a UIN wanted by several requests once, queued or in flight', async () => {
    const { throttle, calls, queue, answerAll } = setup();
    const a = queue.load([1, 2, 3]);
    await flush();
    await throttle.grant();
    const b = queue.load([2, 3, 4]); // 2 and 3 are in flight
    const c = queue.load([4, 5]); // 4 is queued
    await flush();
    await answerAll();
    await throttle.grant();
    await answerAll();
    expect(calls).toEqual([[1, 2, 3], [4, 5]]);
    expect(await a).toEqual(['quota-1', 'quota-2', 'quota-3']);
    expect(await b).toEqual(['quota-2', 'quota-3', 'quota-4']);
    expect(await c).toEqual(['quota-4', 'quota-5']);
  });

  it('takes the highest priority first, oldest first within a priority, and fills the rest with bulk UINs', async () => {
    const { throttle, calls, queue, answerAll } = setup({ maxBatchSize: 4 });
    void queue.load([1], { priority: 0 });
    await flush();
    await throttle.grant(); // [1] on the wire
    void queue.load([10, 11, 12, 13, 14, 15], { priority: 0 });
    void queue.load([20], { priority: 1 });
    void queue.load([21], { priority: 1 });
    void queue.load([14], { priority: 1 }); // a bulk UIN an interactive request also wants moves up
    await flush();
    await throttle.grant();
    expect(calls[1]).toEqual([20, 21, 14, 10]);
    await answerAll();
  });

  it('fails fast with overload the UINs that cannot be answered before their deadline, and serves the rest', async () => {
    const { throttle, clock, calls, queue, answerAll } = setup({ maxBatchSize: 2 });
    throttle.msPerCall = 1000;
    const result = queue.load([1, 2, 3, 4, 5, 6], { deadline: clock.now() + 1500 });
    await flush();
    await throttle.grant(3);
    await answerAll();
    const answers = await result;
    // Calls 0 and 1 start within 1000 ms; call 2 (UINs 5, 6) would start at 2000 ms.
    expect(answers.slice(0, 4)).toEqual(['quota-1', 'quota-2', 'quota-3', 'quota-4']);
    expect(answers[4]).toBeInstanceOf(ThrottleOverloadedError);
    expect(answers[5]).toBeInstanceOf(ThrottleOverloadedError);
    expect((answers[4] as ThrottleOverloadedError).expectedWaitMs).toBe(2000);
    expect(calls).toEqual([[1, 2], [3, 4]]);
  });

  it('drops the UINs of a request that gave up before they were sent; a UIN others still want stays', async () => {
    const { throttle, calls, queue, answerAll } = setup();
    void queue.load([1]);
    await flush();
    await throttle.grant(); // [1] in flight, so the next ones wait
    const controller = new AbortController();
    const gaveUp = queue.load([2, 3], { signal: controller.signal });
    const other = queue.load([3]);
    controller.abort(new Error('deadline'));
    const [two, three] = await gaveUp;
    expect(two).toBeInstanceOf(ThrottleOverloadedError);
    expect(three).toBeInstanceOf(ThrottleOverloadedError);
    await answerAll();
    await throttle.grant();
    await answerAll();
    expect(calls).toEqual([[1], [3]]);
    expect(await other).toEqual(['quota-3']);
  });

  it('withdraws the calls it scheduled for a request that gave up (an empty call would still take a slot)', async () => {
    const { throttle, calls, queue, answerAll } = setup();
    void queue.load([1]);
    await flush();
    await throttle.grant(); // [1] in flight
    const controller = new AbortController();
    const gaveUp = queue.load(range(100, 60), { signal: controller.signal });
    const stays = queue.load(range(200, 10));
    await flush();
    expect(throttle.waiting).toBe(3); // three full calls for 70 UINs
    controller.abort(new Error('deadline'));
    expect((await gaveUp).every((result) => result instanceof ThrottleOverloadedError)).toBe(true);
    await flush();
    // 10 UINs left and a call in flight: no call is wanted until it returns.
    expect(throttle.waiting).toBe(0);
    await answerAll();
    expect(throttle.waiting).toBe(1);
    await throttle.grant();
    await answerAll();
    expect(calls).toEqual([[1], range(200, 10)]);
    expect(await stays).toEqual(range(200, 10).map((uin) => `quota-${uin}`));
  });

  it('answers a per-UIN error to that UIN only, and a failed call to all its UINs', async () => {
    const { throttle, pending, queue } = setup();
    const first = queue.load([1, 2]);
    await flush();
    await throttle.grant();
    const notFound = new Error('not a customer');
    pending.shift()?.answer(new Map<number, string | Error>([[1, 'quota-1'], [2, notFound]]));
    expect(await first).toEqual(['quota-1', notFound]);
    const second = queue.load([3, 4]);
    await flush();
    await throttle.grant();
    const down = new Error('upstream down');
    pending.shift()?.fail(down);
    expect(await second).toEqual([down, down]);
  });

  it('refuses UINs beyond maxQueued at once', async () => {
    const { queue } = setup({ maxQueued: 3 });
    void queue.load([1, 2, 3]);
    const [four, five] = await queue.load([4, 5]);
    expect(four).toBeInstanceOf(ThrottleOverloadedError);
    expect((five as Error).message).toMatch(/queue is full/);
    expect(queue.stats()).toEqual({ queued: 3, calls: 1 });
  });
});

describe('createUinQueue: the deadline a shared call retries against', () => {
  it('is the latest deadline among its waiters, and long past once nobody waits', async () => {
    const throttle = createManualThrottle();
    const clock = createClock();
    const seen: (number | undefined)[] = [];
    let release: () => void = () => undefined;
    const queue = createUinQueue<string>({
      action: 'Action',
      throttle,
      now: clock.now,
      fetchBatchFn: (compose, callOptions) =>
        throttle.schedule('Action', async () => {
          const uins = await compose();
          seen.push(callOptions.deadline);
          await new Promise<void>((resolve) => (release = resolve));
          seen.push(callOptions.deadline);
          return new Map(uins.map((uin) => [uin, 'ok']));
        }),
    });
    const controller = new AbortController();
    void queue.load([1], { deadline: clock.now() + 1000, signal: controller.signal });
    void queue.load([1, 2], { deadline: clock.now() + 5000, signal: controller.signal });
    await flush();
    await throttle.grant();
    controller.abort(new Error('gave up'));
    release();
    await flush();
    expect(seen).toEqual([clock.now() + 5000, 0]);
  });
});
