import type { CallOptions } from '../upstream/client.js';
import { deadlineExceeded } from '../upstream/errors.js';
import type { Throttle } from '../upstream/throttle.js';
import { FairQueue } from './fair-queue.js';
import { callOptionsFor, createQueueRules, onAbortBefore, settle, wantedCalls, type QueueRules, type Waiter } from './queue-core.js';
import { ScheduledCalls, type ScheduledCall } from './scheduled-calls.js';

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

interface Entry<T> {
  readonly uin: number;
  readonly waiters: Set<Waiter<T>>;
  inFlight: boolean;
}

/**
 * The in-process store of the queue: entries by UIN, queued (in `FairQueue` order) or on the wire.
 * The rules live in `queue-core.ts` and the factory below.
 */
class LocalQueueStore<T> {
  /** Queued entries in the order they leave; `queued` finds them by UIN. */
  readonly order = new FairQueue<Entry<T>>();
  readonly queued = new Map<number, Entry<T>>();
  readonly inFlight = new Map<number, Entry<T>>();
  constructor(private readonly weightOf: (caller: string) => number) {}

  enqueue(entry: Entry<T>, priority: number, caller: string): void {
    this.order.push(entry, priority, caller, this.weightOf(caller));
    this.queued.set(entry.uin, entry);
  }
  /** A waiter leaves (failed fast, or its request gave up); an entry nobody waits for leaves the queue. */
  drop(entry: Entry<T>, waiter: Waiter<T>, result: Error): void {
    entry.waiters.delete(waiter);
    settle(waiter, result);
    if (entry.waiters.size === 0 && !entry.inFlight) {
      this.order.remove(entry);
      this.queued.delete(entry.uin);
    }
  }
  /** The next call's entries, now on the wire. */
  take(maxBatchSize: number): Entry<T>[] {
    const batch = this.order.take(maxBatchSize);
    for (const entry of batch) {
      this.queued.delete(entry.uin);
      entry.inFlight = true;
      this.inFlight.set(entry.uin, entry);
    }
    return batch;
  }
  /** The entry a new waiter of `uin` joins: on the wire, queued (raised to `priority`), or new. `undefined`: the queue is full. */
  entryFor(uin: number, priority: number, caller: string, maxQueued: number): Entry<T> | undefined {
    let entry = this.inFlight.get(uin) ?? this.queued.get(uin);
    if (!entry) {
      if (this.queued.size >= maxQueued) return undefined;
      entry = { uin, waiters: new Set(), inFlight: false };
      this.enqueue(entry, priority, caller);
    } else if (!entry.inFlight && priority > (this.order.priorityOf(entry) ?? priority)) {
      // An interactive request wants a UIN a bulk request queued: it moves up, on this caller's share.
      this.enqueue(entry, priority, caller);
    }
    return entry;
  }
  /** Fails fast every waiter whose UIN cannot be answered before its deadline, given its place in the queue. */
  failHopeless(rules: QueueRules): void {
    let position = 0;
    for (const entry of [...this.order.inOrder()]) {
      const expectedMs = rules.expectedAnswerMs(position);
      let kept = false;
      for (const waiter of [...entry.waiters]) {
        if (rules.hopeless(waiter, expectedMs)) this.drop(entry, waiter, rules.overloaded(waiter.caller, expectedMs, 'deadline'));
        else kept = true;
      }
      if (kept) position += 1;
    }
  }
  everyWaiter(): [Entry<T>, Waiter<T>][] {
    return [...this.queued.values(), ...this.inFlight.values()].flatMap((entry) => [...entry.waiters].map((waiter) => [entry, waiter] as [Entry<T>, Waiter<T>]));
  }
}

export function createUinQueue<T>(options: UinQueueOptions<T>): UinQueue<T> {
  const { action, throttle } = options;
  const maxQueued = options.maxQueued ?? 20_000;
  const rules = createQueueRules({ action, throttle, maxBatchSize: options.maxBatchSize ?? 20, now: options.now ?? Date.now, onOverload: options.onOverload });
  const { maxBatchSize, now, overloaded } = rules;
  const store = new LocalQueueStore<T>(options.weightOf ?? (() => 1));
  const { queued } = store;
  const scheduled = new ScheduledCalls();
  let activeCalls = 0;
  let closed = false;

  const failHopeless = () => {
    store.failHopeless(rules);
    withdrawSurplus();
  };

  const wanted = () => wantedCalls(queued.size, maxBatchSize, activeCalls);
  const pump = () => {
    while (scheduled.size < wanted()) scheduleCall();
  };
  /** UINs left the queue (their requests gave up, or failed fast): calls scheduled for them are withdrawn. */
  const withdrawSurplus = () => scheduled.trim(wanted());

  const scheduleCall = () =>
    startLocalCall({
      call: scheduled.add(),
      store,
      rules,
      fetchBatchFn: options.fetchBatchFn,
      onComposed: () => {
        activeCalls += 1;
        // More UINs may be waiting than this call carries.
        queueMicrotask(pump);
      },
      onFinished: (composed) => {
        if (composed) activeCalls -= 1;
        pump();
      },
    });

  /** The request gave up: still queued, its waiters leave (the deadline came before a slot did); on the wire, the call goes on for others. */
  const abandon = (mine: readonly { entry: Entry<T>; waiter: Waiter<T> }[], reason: unknown) => {
    for (const { entry, waiter } of mine) {
      if (waiter.settled) continue;
      if (!entry.inFlight) store.drop(entry, waiter, overloaded(waiter.caller, now() - waiter.enqueuedAt, 'deadline'));
      else {
        entry.waiters.delete(waiter);
        settle(waiter, deadlineExceeded(reason));
      }
    }
    withdrawSurplus();
  };

  return {
    load(uins, loadOptions) {
      return Promise.all(this.loadEach(uins, loadOptions));
    },
    loadEach(uins, loadOptions = {}) {
      const priority = loadOptions.priority ?? 0;
      const caller = loadOptions.caller ?? 'anonymous';
      if (closed) return uins.map(() => Promise.resolve(overloaded(caller, 0, 'closing')));
      const { deadline, signal, requestId, traceparent } = loadOptions;
      const enqueuedAt = now();
      const mine: { entry: Entry<T>; waiter: Waiter<T> }[] = [];
      const results = uins.map(
        (uin) =>
          new Promise<T | Error>((resolve) => {
            const entry = store.entryFor(uin, priority, caller, maxQueued);
            if (!entry) return resolve(overloaded(caller, throttle.expectedStartMs(action, Math.floor(queued.size / maxBatchSize)), 'queue-full'));
            const waiter: Waiter<T> = { caller, priority, deadline, requestId, traceparent, enqueuedAt, signal, resolve, settled: false };
            entry.waiters.add(waiter);
            mine.push({ entry, waiter });
          }),
      );
      onAbortBefore(signal, Promise.all(results), () => abandon(mine, signal?.reason));
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
      for (const [entry, waiter] of store.everyWaiter()) store.drop(entry, waiter, overloaded(waiter.caller, 0, 'closing'));
    },
  };
}

/**
 * One call of the in-process queue: it takes a full batch (or what is queued) when its throttle slot
 * comes, and settles its waiters when it returns. Refused before composing (by the throttle), it
 * fails every queued waiter with it.
 */
function startLocalCall<T>(parts: {
  readonly call: ScheduledCall;
  readonly store: LocalQueueStore<T>;
  readonly rules: QueueRules;
  readonly fetchBatchFn: FetchBatchFn<T>;
  readonly onComposed: () => void;
  readonly onFinished: (composed: boolean) => void;
}): void {
  const { call, store, rules } = parts;
  let batch: Entry<T>[] | undefined;
  let startedAt = 0;
  const first = store.order.inOrder().next();
  const compose = () => {
    if (batch) return batch.map((entry) => entry.uin);
    batch = call.start() ? store.take(rules.maxBatchSize) : [];
    startedAt = rules.now();
    parts.onComposed();
    return batch.map((entry) => entry.uin);
  };
  const callOptions = callOptionsFor(() => (batch ?? []).flatMap((entry) => [...entry.waiters]), {
    priority: first.done ? 0 : (store.order.priorityOf(first.value) ?? 0),
    signal: call.signal,
    composed: () => batch !== undefined,
  });
  const finish = (resultOf: (uin: number) => T | Error) => {
    if (!batch) call.end();
    else {
      if (batch.length > 0) rules.observeCall(rules.now() - startedAt);
      for (const entry of batch) {
        store.inFlight.delete(entry.uin);
        const result = resultOf(entry.uin);
        for (const waiter of entry.waiters) settle(waiter, result);
      }
    }
    parts.onFinished(batch !== undefined);
  };
  parts.fetchBatchFn(compose, callOptions).then(
    (results) => finish((uin) => results.get(uin) ?? new Error(`the upstream call returned no result for UIN ${uin}`)),
    (error: unknown) => {
      const failure = error instanceof Error ? error : new Error(String(error));
      // Never composed (refused by the throttle): its UINs are still queued, and fail with it.
      if (!batch && !call.withdrawn()) for (const entry of [...store.queued.values()]) for (const waiter of [...entry.waiters]) store.drop(entry, waiter, failure);
      finish(() => failure);
    },
  );
}
