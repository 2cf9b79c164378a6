import type { CallOptions } from '../upstream/client.js';
import { deadlineExceeded } from '../upstream/errors.js';
import { ThrottleOverloadedError, type Throttle } from '../upstream/throttle.js';

/**
 * One gateway-wide queue of UINs per upstream action (and per variant, such as a voucher status).
 * Requests hand in UINs, not calls. A call is composed only when the throttle starts it: it takes up
 * to `maxBatchSize` queued UINs, highest priority first, oldest first within a priority, so
 * concurrent requests share calls and an interactive lookup rides in the next call beside bulk UINs.
 * A UIN already queued or in flight is fetched once and answered to everyone who asked.
 *
 * When calls are scheduled (the rule that measured best, see the README): a full call is scheduled
 * as soon as `maxBatchSize` UINs are queued; a part-full call only while no call of this queue is in
 * flight or scheduled. So a lone UIN on an idle gateway leaves at once, and a burst fills its calls
 * while the first one is on the wire. There is no batching timer.
 */
export interface UinQueue<T> {
  /** One result per UIN, in order: the value, or an `Error` for a UIN that failed alone. Never rejects. */
  load(uins: readonly number[], options?: UinLoadOptions): Promise<(T | Error)[]>;
  /** UINs waiting for a call, and calls scheduled or on the wire. */
  stats(): { readonly queued: number; readonly calls: number };
}

export interface UinLoadOptions {
  /** Greater goes first. Default 0. */
  readonly priority?: number | undefined;
  /** Epoch milliseconds by which the answer is needed; a UIN that cannot make it fails fast. */
  readonly deadline?: number | undefined;
  /** The request gave up (deadline, client gone): its UINs leave the queue. */
  readonly signal?: AbortSignal | undefined;
  /** The gateway request, named in the upstream call's log line. */
  readonly requestId?: string | undefined;
}

/**
 * Sends one upstream call. `compose` is called inside the throttled task, right before signing, and
 * returns the UINs the call carries (possibly none: then nothing is sent). Resolves with a result for
 * every composed UIN; rejects when the whole call failed.
 */
export type FetchBatchFn<T> = (compose: () => readonly number[], options: CallOptions) => Promise<ReadonlyMap<number, T | Error>>;

export interface UinQueueOptions<T> {
  /** The throttle's action (its window gives the wait estimates). */
  readonly action: string;
  readonly throttle: Throttle;
  readonly fetchBatchFn: FetchBatchFn<T>;
  /** UINs per call. Default 20 (`QueryVoucherAmountByUin` takes 1 to 20). */
  readonly maxBatchSize?: number;
  /** Most UINs waiting; more fail at once with `GATEWAY_OVERLOADED`. Default 20,000. */
  readonly maxQueued?: number;
  /** Observes each UIN failed with `GATEWAY_OVERLOADED` (metrics). */
  readonly onOverload?: () => void;
  readonly now?: () => number;
}

interface Waiter<T> {
  readonly deadline: number | undefined;
  readonly requestId: string | undefined;
  readonly enqueuedAt: number;
  readonly resolve: (result: T | Error) => void;
  settled: boolean;
}

interface Entry<T> {
  readonly uin: number;
  priority: number;
  readonly waiters: Set<Waiter<T>>;
  inFlight: boolean;
}

export function createUinQueue<T>(options: UinQueueOptions<T>): UinQueue<T> {
  const { action, throttle } = options;
  const maxBatchSize = options.maxBatchSize ?? 20;
  const maxQueued = options.maxQueued ?? 20_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new TypeError(`maxBatchSize must be a whole number >= 1, got ${maxBatchSize}`);

  /** Queued entries per priority; a Map keeps insertion order, so each lane is oldest first. */
  const lanes = new Map<number, Map<number, Entry<T>>>();
  const queued = new Map<number, Entry<T>>();
  const inFlight = new Map<number, Entry<T>>();
  let scheduledCalls = 0;
  let activeCalls = 0;
  /** Typical call duration (EWMA): a UIN must be *answered* before its deadline, not just sent. */
  let typicalCallMs = 0;

  const lanesInOrder = () => [...lanes.entries()].sort(([a], [b]) => b - a);
  const enqueue = (entry: Entry<T>) => {
    let lane = lanes.get(entry.priority);
    if (!lane) lanes.set(entry.priority, (lane = new Map()));
    lane.set(entry.uin, entry);
    queued.set(entry.uin, entry);
  };
  const dequeue = (entry: Entry<T>) => {
    const lane = lanes.get(entry.priority);
    lane?.delete(entry.uin);
    if (lane?.size === 0) lanes.delete(entry.priority);
    queued.delete(entry.uin);
  };

  const settle = (waiter: Waiter<T>, result: T | Error) => {
    if (waiter.settled) return;
    waiter.settled = true;
    waiter.resolve(result);
  };
  /** A waiter leaves (failed fast, or its request gave up); an entry nobody waits for leaves the queue. */
  const drop = (entry: Entry<T>, waiter: Waiter<T>, result: Error) => {
    entry.waiters.delete(waiter);
    settle(waiter, result);
    if (entry.waiters.size === 0 && !entry.inFlight) dequeue(entry);
  };

  const overloaded = (waitMs: number, reason: 'queue-full' | 'deadline') => {
    options.onOverload?.();
    return new ThrottleOverloadedError(action, waitMs, reason);
  };

  /**
   * Fails fast every waiter whose UIN cannot be answered before its deadline, given its place in the
   * queue: the k-th UIN leaves with call floor(k / maxBatchSize).
   */
  const failHopeless = () => {
    let position = 0;
    for (const [, lane] of lanesInOrder()) {
      for (const entry of [...lane.values()]) {
        const callsAhead = Math.floor(position / maxBatchSize);
        const expectedMs = throttle.expectedStartMs(action, callsAhead) + typicalCallMs;
        const at = now();
        let kept = false;
        for (const waiter of [...entry.waiters]) {
          if (waiter.deadline !== undefined && at + expectedMs > waiter.deadline) drop(entry, waiter, overloaded(expectedMs, 'deadline'));
          else kept = true;
        }
        if (kept) position += 1;
      }
    }
  };

  const take = (): Entry<T>[] => {
    const batch: Entry<T>[] = [];
    for (const [, lane] of lanesInOrder()) {
      for (const entry of lane.values()) {
        if (batch.length >= maxBatchSize) break;
        batch.push(entry);
      }
    }
    for (const entry of batch) {
      dequeue(entry);
      entry.inFlight = true;
      inFlight.set(entry.uin, entry);
    }
    return batch;
  };

  const pump = () => {
    const full = Math.floor(queued.size / maxBatchSize);
    const partial = queued.size % maxBatchSize > 0 && full === 0 && activeCalls === 0 ? 1 : 0;
    // Scheduled calls each take a full batch when they start, so they cover `full` calls already.
    while (scheduledCalls < full + partial) scheduleCall();
  };

  const scheduleCall = () => {
    scheduledCalls += 1;
    let batch: Entry<T>[] | undefined;
    let startedAt = 0;
    const lanePriorities = [...lanes.keys()];
    const priority = lanePriorities.length > 0 ? Math.max(...lanePriorities) : 0;
    const compose = () => {
      if (batch) return batch.map((entry) => entry.uin);
      scheduledCalls -= 1;
      activeCalls += 1;
      batch = take();
      startedAt = now();
      // More UINs may be waiting than this call carries.
      queueMicrotask(pump);
      return batch.map((entry) => entry.uin);
    };
    const callOptions: CallOptions = {
      priority,
      get requestIds() {
        const ids = new Set<string>();
        for (const entry of batch ?? []) for (const waiter of entry.waiters) if (waiter.requestId) ids.add(waiter.requestId);
        return [...ids];
      },
      // Retries and backoff of a shared call stop at the latest deadline among its waiters, and at
      // once when nobody waits any more (every request gave up): 0 is a deadline long past.
      get deadline() {
        if (!batch) return undefined;
        let latest: number | undefined;
        let waiting = false;
        for (const entry of batch) {
          for (const waiter of entry.waiters) {
            waiting = true;
            if (waiter.deadline === undefined) return undefined;
            latest = Math.max(latest ?? 0, waiter.deadline);
          }
        }
        return waiting ? latest : 0;
      },
    };
    const finish = (resultOf: (uin: number) => T | Error) => {
      if (!batch) {
        scheduledCalls -= 1;
      } else {
        activeCalls -= 1;
        if (batch.length > 0) {
          const ms = now() - startedAt;
          typicalCallMs = typicalCallMs === 0 ? ms : 0.8 * typicalCallMs + 0.2 * ms;
        }
        for (const entry of batch) {
          inFlight.delete(entry.uin);
          const result = resultOf(entry.uin);
          for (const waiter of entry.waiters) settle(waiter, result);
        }
      }
      pump();
    };
    options.fetchBatchFn(compose, callOptions).then(
      (results) => finish((uin) => results.get(uin) ?? new Error(`the upstream call returned no result for UIN ${uin}`)),
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        // Never composed (refused by the throttle): its UINs are still queued, and fail with it.
        if (!batch) for (const entry of [...queued.values()]) for (const waiter of [...entry.waiters]) drop(entry, waiter, failure);
        finish(() => failure);
      },
    );
  };

  return {
    load(uins, loadOptions = {}) {
      const priority = loadOptions.priority ?? 0;
      const { deadline, signal } = loadOptions;
      const enqueuedAt = now();
      const mine: { entry: Entry<T>; waiter: Waiter<T> }[] = [];
      const results = uins.map(
        (uin) =>
          new Promise<T | Error>((resolve) => {
            const waiter: Waiter<T> = { deadline, requestId: loadOptions.requestId, enqueuedAt, resolve, settled: false };
            let entry = inFlight.get(uin) ?? queued.get(uin);
            if (!entry) {
              if (queued.size >= maxQueued) {
                resolve(overloaded(throttle.expectedStartMs(action, Math.floor(queued.size / maxBatchSize)), 'queue-full'));
                return;
              }
              entry = { uin, priority, waiters: new Set(), inFlight: false };
              enqueue(entry);
            } else if (!entry.inFlight && priority > entry.priority) {
              // An interactive request wants a UIN a bulk request queued: it moves up.
              dequeue(entry);
              entry.priority = priority;
              enqueue(entry);
            }
            entry.waiters.add(waiter);
            mine.push({ entry, waiter });
          }),
      );
      if (signal) {
        const onAbort = () => {
          for (const { entry, waiter } of mine) {
            if (waiter.settled) continue;
            // Still queued: the deadline came before a slot did. On the wire: the call goes on for others.
            if (!entry.inFlight) drop(entry, waiter, overloaded(now() - waiter.enqueuedAt, 'deadline'));
            else {
              entry.waiters.delete(waiter);
              settle(waiter, deadlineExceeded(signal.reason));
            }
          }
        };
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          void Promise.all(results).then(() => signal.removeEventListener('abort', onAbort));
        }
      }
      if (deadline !== undefined) failHopeless();
      pump();
      return Promise.all(results);
    },
    stats() {
      return { queued: queued.size, calls: scheduledCalls + activeCalls };
    },
  };
}
