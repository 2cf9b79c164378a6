import { expect } from 'vitest';
import type { FetchBatchFn, UinQueue } from '../../src/loaders/uin-queue.js';
import type { CallOptions } from '../../src/upstream/client.js';
import { ThrottleOverloadedError } from '../../src/upstream/throttle.js';
import { createManualThrottle, type ManualThrottle } from './fakes.js';

/**
 * The behaviour both UIN queues share (the rules of `src/loaders/queue-core.ts`), as cases run against
 * each store: the in-process queue (`test/unit/uin-queue.test.ts`) and the deployment's queue on a real
 * Redis (`test/deployment-uin-queue.test.ts`). The throttle is manual (slots are granted by the case)
 * and calls answer when the case says so.
 */
export interface QueueCaseEnv {
  readonly queue: UinQueue<string>;
  readonly throttle: ManualThrottle;
  /** The UINs of each call that carried some, in the order they were composed. */
  readonly calls: number[][];
  /** What each of those calls told the upstream client (read live: its getters follow the waiters). */
  readonly callOptions: CallOptions[];
  /** Waits until `n` calls wait for a throttle slot. */
  untilWaiting(n: number): Promise<void>;
  /** Grants one slot and waits until its call has composed (a round trip to Redis for the deployment's store). */
  grant(): Promise<void>;
  /** Answers every call on the wire. */
  answerAll(): Promise<void>;
  /** Lets the store catch up (Redis round trips, polls) before a case asserts that nothing more happens. */
  settle(): Promise<void>;
}

export interface QueueCase {
  readonly name: string;
  run(env: QueueCaseEnv): Promise<void>;
}

/** What a case's environment needs from the store under test: a queue over this fetch. */
export type QueueFactory = (fetchBatchFn: FetchBatchFn<string>, throttle: ManualThrottle) => Promise<{ queue: UinQueue<string>; settle: () => Promise<void> }>;

const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);
const quotas = (uins: readonly number[]) => uins.map((uin) => `quota-${uin}`);

/** Builds a case's environment over `factory` (a fresh queue per case). */
export async function queueCaseEnv(factory: QueueFactory): Promise<QueueCaseEnv> {
  const throttle = createManualThrottle();
  const calls: number[][] = [];
  const callOptionsOf: CallOptions[] = [];
  const pending: (() => void)[] = [];
  let composed = 0;
  const fetchBatchFn: FetchBatchFn<string> = (compose, callOptions) =>
    throttle.schedule(
      'Action',
      async () => {
        const uins = [...(await compose())];
        composed += 1;
        if (uins.length === 0) return new Map<number, string>();
        calls.push(uins);
        callOptionsOf.push(callOptions);
        return new Promise<Map<number, string>>((resolve) => pending.push(() => resolve(new Map(uins.map((uin) => [uin, `quota-${uin}`])))));
      },
      { priority: callOptions.priority, signal: callOptions.signal },
    );
  const { queue, settle } = await factory(fetchBatchFn, throttle);
  const until = async (condition: () => boolean, what: string) => {
    for (let waited = 0; !condition(); waited += 5) {
      if (waited > 10_000) throw new Error(`timed out waiting until ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  return {
    queue,
    throttle,
    calls,
    callOptions: callOptionsOf,
    untilWaiting: (n) => until(() => throttle.waiting >= n, `${n} calls wait for a slot`),
    async grant() {
      const before = composed;
      await throttle.grant();
      await until(() => composed > before, 'the granted call composed');
    },
    async answerAll() {
      while (pending.length > 0) pending.shift()?.();
      await settle();
    },
    settle,
  };
}

export const QUEUE_CASES: readonly QueueCase[] = [
  {
    name: 'a lone UIN on an idle queue leaves at once, in its own call',
    async run(env) {
      const result = env.queue.load([7]);
      await env.untilWaiting(1);
      await env.grant();
      expect(env.calls).toEqual([[7]]);
      await env.answerAll();
      expect(await result).toEqual(['quota-7']);
    },
  },
  {
    name: 'while a call is on the wire, full calls go and a part-full one waits until the wire is free',
    async run(env) {
      const first = env.queue.load(range(1, 10));
      await env.untilWaiting(1);
      await env.grant();
      const more = [env.queue.load(range(11, 20)), env.queue.load(range(31, 20)), env.queue.load(range(51, 5))];
      await env.untilWaiting(2);
      await env.grant();
      await env.grant();
      await env.settle();
      expect(env.calls).toEqual([range(1, 10), range(11, 20), range(31, 20)]);
      // UINs 51 to 55 wait for the wire to be free: no call for them yet.
      expect(env.throttle.waiting).toBe(0);
      await env.answerAll();
      await env.untilWaiting(1);
      await env.grant();
      expect(env.calls[3]).toEqual(range(51, 5));
      await env.answerAll();
      expect(await first).toEqual(quotas(range(1, 10)));
      expect((await Promise.all(more)).flat()).toEqual(quotas(range(11, 45)));
    },
  },
  {
    name: 'a UIN asked by several requests at once is fetched once, and each gets its answer',
    async run(env) {
      const results = [env.queue.load([1, 2]), env.queue.load([2, 3]), env.queue.load([3, 1])];
      await env.untilWaiting(1);
      await env.settle();
      await env.grant();
      expect(env.calls.flat().sort()).toEqual([1, 2, 3]);
      await env.answerAll();
      expect(await Promise.all(results)).toEqual([quotas([1, 2]), quotas([2, 3]), quotas([3, 1])]);
    },
  },
  {
    name: 'a request that gives up while queued: its UINs fail GATEWAY_OVERLOADED, leave the queue, and no call carries them',
    async run(env) {
      const first = env.queue.load(range(1, 10));
      await env.untilWaiting(1);
      await env.grant();
      const controller = new AbortController();
      const gaveUp = env.queue.load(range(11, 5), { signal: controller.signal });
      await env.settle();
      controller.abort(new Error('deadline'));
      expect((await gaveUp).every((result) => result instanceof ThrottleOverloadedError)).toBe(true);
      await env.answerAll();
      await env.settle();
      await env.throttle.grant(3);
      await env.settle();
      expect(env.calls).toEqual([range(1, 10)]);
      expect(await first).toEqual(quotas(range(1, 10)));
      expect(env.queue.stats()).toEqual({ queued: 0, calls: 0 });
    },
  },
  {
    name: 'UINs that cannot make their deadline fail fast with GATEWAY_OVERLOADED; the ones that can are answered',
    async run(env) {
      env.throttle.msPerCall = 1000;
      const onTheWire = env.queue.load(range(1, 20));
      await env.untilWaiting(1);
      await env.grant();
      // 40 more: the first 20 leave with the next call (0 calls ahead), the other 20 a call later (1000 ms).
      const hurried = env.queue.load(range(21, 40), { deadline: Date.now() + 500 });
      await env.settle();
      await env.untilWaiting(1);
      await env.grant();
      await env.answerAll();
      const results = await hurried;
      expect(results.slice(0, 20)).toEqual(quotas(range(21, 20)));
      expect(results.slice(20).every((result) => result instanceof ThrottleOverloadedError)).toBe(true);
      expect(await onTheWire).toEqual(quotas(range(1, 20)));
    },
  },
  {
    name: 'a call on the wire whose every waiter gave up has a deadline long past: its retries stop',
    async run(env) {
      const deadline = Date.now() + 60_000;
      const controller = new AbortController();
      const result = env.queue.load([5], { signal: controller.signal, deadline });
      await env.untilWaiting(1);
      await env.grant();
      expect(env.calls).toEqual([[5]]);
      expect(env.callOptions[0]?.deadline).toBe(deadline);
      controller.abort(new Error('client gone'));
      await env.settle();
      expect((await result)[0]).toBeInstanceOf(Error);
      expect(env.callOptions[0]?.deadline).toBe(0);
      await env.answerAll();
    },
  },
  {
    name: 'close(): waiters queued and on the wire settle with GATEWAY_OVERLOADED, scheduled calls compose nothing, later loads fail at once',
    async run(env) {
      const onTheWire = env.queue.load(range(1, 20));
      await env.untilWaiting(1);
      await env.grant();
      const queued = env.queue.load(range(21, 25));
      await env.settle();
      await env.queue.close();
      const settled = [...(await onTheWire), ...(await queued), ...(await env.queue.load([99]))];
      expect(settled.every((result) => result instanceof ThrottleOverloadedError)).toBe(true);
      await env.throttle.grant(3);
      await env.settle();
      expect(env.calls).toEqual([range(1, 20)]);
      await env.answerAll();
    },
  },
];
