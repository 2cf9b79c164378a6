import type { CallOptions } from '../upstream/client.js';
import { deadlineExceeded } from '../upstream/errors.js';
import { ThrottleOverloadedError, type Throttle } from '../upstream/throttle.js';
import { FairQueue } from './fair-queue.js';
import { ScheduledCalls } from './scheduled-calls.js';

/**
 * One gateway-wide queue of UINs per upstream action (and per variant, such as a voucher status).
 * Requests hand in UINs, not calls. A call is composed only when the throttle starts it: it takes up
 * to `maxBatchSize` queued UINs, highest priority first, then shared fairly between callers, then
 * oldest first (`FairQueue`), so concurrent requests share calls, an interactive lookup rides in the
 * next call beside bulk UINs, and one caller's export cannot starve another caller's report.
 * A UIN already queued or in flight is fetched once and answered to everyone who asked.
 *
 * When calls are scheduled (the rule that measured best, see docs/design.md): a full call is scheduled
 * as soon as `maxBatchSize` UINs are queued; a part-full call only while no call of this queue is in
 * flight or scheduled. So a lone UIN on an idle gateway leaves at once, and a burst fills its calls
 * while the first one is on the wire. There is no batching timer.
 */
export interface UinQueue<T> {
  /** One result per UIN, in order: the value, or an `Error` for a UIN that failed alone. Never rejects. */
  load(uins: readonly number[], options?: UinLoadOptions): Promise<(T | Error)[]>;
  /**
   * The same, one promise per UIN, each settling as soon as *its* call returns (a streamed list shows a
   * customer when its call is back, not when the last one is). Never rejects.
   */
  loadEach(uins: readonly number[], options?: UinLoadOptions): Promise<T | Error>[];
  /** UINs waiting for a call, and calls scheduled or on the wire. */
  stats(): { readonly queued: number; readonly calls: number };
  /**
   * Shutdown, after the requests drained: every waiter left settles with `GATEWAY_OVERLOADED`, calls
   * not yet composed are withdrawn, and the queue's timers stop; later loads fail at once. Calls on
   * the wire finish (their answers still fill the cache and reach other replicas).
   */
  close(): Promise<void>;
}

export interface UinLoadOptions {
  /** Greater goes first. Default 0. */
  readonly priority?: number | undefined;
  /** Who asks (the caller's identity): callers share each priority's calls fairly. Default `anonymous`. */
  readonly caller?: string | undefined;
  /** Epoch milliseconds by which the answer is needed; a UIN that cannot make it fails fast. */
  readonly deadline?: number | undefined;
  /** The request gave up (deadline, client gone): its UINs leave the queue. */
  readonly signal?: AbortSignal | undefined;
  /** The gateway request, named in the upstream call's log line. */
  readonly requestId?: string | undefined;
  /** The request's span (W3C traceparent): the upstream call that carries its UINs links to it. */
  readonly traceparent?: string | undefined;
}

/**
 * Sends one upstream call. `compose` is called inside the throttled task, right before signing, and
 * returns the UINs the call carries (possibly none: then nothing is sent). Resolves with a result for
 * every composed UIN; rejects when the whole call failed.
 */
export type FetchBatchFn<T> = (compose: ComposeFn, options: CallOptions) => Promise<ReadonlyMap<number, T | Error>>;

/** Composes a call's UINs when its throttle slot comes (a round trip to Redis for the deployment queue). */
export type ComposeFn = () => readonly number[] | Promise<readonly number[]>;

export interface UinQueueOptions<T> {
  /** The throttle's action (its window gives the wait estimates). */
  readonly action: string;
  readonly throttle: Throttle;
  readonly fetchBatchFn: FetchBatchFn<T>;
  /** UINs per call. Default 20 (`QueryVoucherAmountByUin` takes 1 to 20). */
  readonly maxBatchSize?: number;
  /** Most UINs waiting; more fail at once with `GATEWAY_OVERLOADED`. Default 20,000. */
  readonly maxQueued?: number;
  /** Observes each UIN failed with `GATEWAY_OVERLOADED` (metrics), with the caller that asked. */
  readonly onOverload?: (caller: string) => void;
  /** A caller's share relative to others (default 1); `CALLER_WEIGHTS`. */
  readonly weightOf?: (caller: string) => number;
  readonly now?: () => number;
}

interface Waiter<T> {
  readonly caller: string;
  readonly deadline: number | undefined;
  readonly requestId: string | undefined;
  readonly traceparent: string | undefined;
  readonly enqueuedAt: number;
  readonly resolve: (result: T | Error) => void;
  settled: boolean;
}

interface Entry<T> {
  readonly uin: number;
  readonly waiters: Set<Waiter<T>>;
  inFlight: boolean;
}

export function createUinQueue<T>(options: UinQueueOptions<T>): UinQueue<T> {
  const { action, throttle } = options;
  const maxBatchSize = options.maxBatchSize ?? 20;
  const maxQueued = options.maxQueued ?? 20_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new TypeError(`maxBatchSize must be a whole number >= 1, got ${maxBatchSize}`);

  const weightOf = options.weightOf ?? (() => 1);
  /** Queued entries in the order they leave; `queued` finds them by UIN. */
  const order = new FairQueue<Entry<T>>();
  const queued = new Map<number, Entry<T>>();
  const inFlight = new Map<number, Entry<T>>();
  const scheduled = new ScheduledCalls();
  let activeCalls = 0;
  let closed = false;
  /** Typical call duration (EWMA): a UIN must be *answered* before its deadline, not just sent. */
  let typicalCallMs = 0;

  const enqueue = (entry: Entry<T>, priority: number, caller: string) => {
    order.push(entry, priority, caller, weightOf(caller));
    queued.set(entry.uin, entry);
  };
  const dequeue = (entry: Entry<T>) => {
    order.remove(entry);
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

  const overloaded = (caller: string, waitMs: number, reason: 'queue-full' | 'deadline' | 'closing') => {
    options.onOverload?.(caller);
    return new ThrottleOverloadedError(action, waitMs, reason);
  };

  /**
   * Fails fast every waiter whose UIN cannot be answered before its deadline, given its place in the
   * queue: the k-th UIN leaves with call floor(k / maxBatchSize).
   */
  const failHopeless = () => {
    let position = 0;
    for (const entry of [...order.inOrder()]) {
      const callsAhead = Math.floor(position / maxBatchSize);
      const expectedMs = throttle.expectedStartMs(action, callsAhead) + typicalCallMs;
      const at = now();
      let kept = false;
      for (const waiter of [...entry.waiters]) {
        if (waiter.deadline !== undefined && at + expectedMs > waiter.deadline) drop(entry, waiter, overloaded(waiter.caller, expectedMs, 'deadline'));
        else kept = true;
      }
      if (kept) position += 1;
    }
    withdrawSurplus();
  };

  const take = (): Entry<T>[] => {
    const batch = order.take(maxBatchSize);
    for (const entry of batch) {
      queued.delete(entry.uin);
      entry.inFlight = true;
      inFlight.set(entry.uin, entry);
    }
    return batch;
  };

  /** Calls the queued UINs want now: every full batch, and a part-full one while no call is out. */
  const wantedCalls = () => {
    const full = Math.floor(queued.size / maxBatchSize);
    const partial = queued.size % maxBatchSize > 0 && full === 0 && activeCalls === 0 ? 1 : 0;
    return full + partial;
  };
  // Scheduled calls each take a full batch when they start, so they cover `full` calls already.
  const pump = () => {
    while (scheduled.size < wantedCalls()) scheduleCall();
  };
  /** UINs left the queue (their requests gave up, or failed fast): calls scheduled for them are withdrawn. */
  const withdrawSurplus = () => scheduled.trim(wantedCalls());

  const scheduleCall = () => {
    const call = scheduled.add();
    let batch: Entry<T>[] | undefined;
    let startedAt = 0;
    const first = order.inOrder().next();
    const priority = first.done ? 0 : (order.priorityOf(first.value) ?? 0);
    const compose = () => {
      if (batch) return batch.map((entry) => entry.uin);
      activeCalls += 1;
      batch = call.start() ? take() : [];
      startedAt = now();
      // More UINs may be waiting than this call carries.
      queueMicrotask(pump);
      return batch.map((entry) => entry.uin);
    };
    const callOptions: CallOptions = {
      priority,
      signal: call.signal,
      get requestIds() {
        const ids = new Set<string>();
        for (const entry of batch ?? []) for (const waiter of entry.waiters) if (waiter.requestId) ids.add(waiter.requestId);
        return [...ids];
      },
      get traceLinks() {
        const links = new Set<string>();
        for (const entry of batch ?? []) for (const waiter of entry.waiters) if (waiter.traceparent) links.add(waiter.traceparent);
        return [...links];
      },
      get queuedSince() {
        let oldest: number | undefined;
        for (const entry of batch ?? []) for (const waiter of entry.waiters) oldest = Math.min(oldest ?? waiter.enqueuedAt, waiter.enqueuedAt);
        return oldest;
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
        call.end();
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
        if (!batch && !call.withdrawn()) for (const entry of [...queued.values()]) for (const waiter of [...entry.waiters]) drop(entry, waiter, failure);
        finish(() => failure);
      },
    );
  };

  return {
    load(uins, loadOptions) {
      return Promise.all(this.loadEach(uins, loadOptions));
    },
    loadEach(uins, loadOptions = {}) {
      const priority = loadOptions.priority ?? 0;
      const caller = loadOptions.caller ?? 'anonymous';
      if (closed) return uins.map(() => Promise.resolve(overloaded(caller, 0, 'closing')));
      const { deadline, signal } = loadOptions;
      const enqueuedAt = now();
      const mine: { entry: Entry<T>; waiter: Waiter<T> }[] = [];
      const results = uins.map(
        (uin) =>
          new Promise<T | Error>((resolve) => {
            const waiter: Waiter<T> = { caller, deadline, requestId: loadOptions.requestId, traceparent: loadOptions.traceparent, enqueuedAt, resolve, settled: false };
            let entry = inFlight.get(uin) ?? queued.get(uin);
            if (!entry) {
              if (queued.size >= maxQueued) {
                resolve(overloaded(caller, throttle.expectedStartMs(action, Math.floor(queued.size / maxBatchSize)), 'queue-full'));
                return;
              }
              entry = { uin, waiters: new Set(), inFlight: false };
              enqueue(entry, priority, caller);
            } else if (!entry.inFlight && priority > (order.priorityOf(entry) ?? priority)) {
              // An interactive request wants a UIN a bulk request queued: it moves up, on this caller's share.
              enqueue(entry, priority, caller);
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
            if (!entry.inFlight) drop(entry, waiter, overloaded(caller, now() - waiter.enqueuedAt, 'deadline'));
            else {
              entry.waiters.delete(waiter);
              settle(waiter, deadlineExceeded(signal.reason));
            }
          }
          withdrawSurplus();
        };
        if (signal.aborted) onAbort();
        else {
          signal.addEventListener('abort', onAbort, { once: true });
          void Promise.all(results).then(() => signal.removeEventListener('abort', onAbort));
        }
      }
      if (deadline !== undefined) failHopeless();
      pump();
      return results;
    },
    stats() {
      return { queued: queued.size, calls: scheduled.size + activeCalls };
    },
    async close() {
      closed = true;
      scheduled.trim(0);
      for (const entry of [...queued.values(), ...inFlight.values()]) for (const waiter of [...entry.waiters]) drop(entry, waiter, overloaded(waiter.caller, 0, 'closing'));
    },
  };
}
