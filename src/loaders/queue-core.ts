import type { CallOptions } from '../upstream/client.js';
import { ThrottleOverloadedError, type Throttle } from '../upstream/throttle.js';

/**
 * The rules both UIN queues share, written once: the in-process queue (`uin-queue.ts`) and the
 * deployment's (`deployment-uin-queue.ts`) differ only in where the queue's state lives (a `FairQueue`
 * in this process, or sorted sets in Redis). Here: the waiter and its settlement, the scheduling rule,
 * fail-fast by expected wait, the overload error, the typical call time, and what a call tells the
 * upstream client about the waiters it serves. `compose-call-5.lua` repeats the scheduling rule
 * inside Redis (a script cannot call TypeScript); `test/unit/uin-queue-cases.ts` holds both queues
 * to the same behaviour.
 */
export interface Waiter<T> {
  readonly caller: string;
  readonly priority: number;
  readonly deadline: number | undefined;
  readonly requestId: string | undefined;
  readonly traceparent: string | undefined;
  readonly enqueuedAt: number;
  readonly signal: AbortSignal | undefined;
  readonly resolve: (result: T | Error) => void;
  settled: boolean;
}

/** Settles a waiter once; later results are ignored. */
export function settle<T>(waiter: Waiter<T>, result: T | Error): void {
  if (waiter.settled) return;
  waiter.settled = true;
  waiter.resolve(result);
}

/**
 * The scheduling rule: a full call as soon as `maxBatchSize` UINs wait, a part-full one only while no
 * call is on the wire (the UINs that arrive meanwhile fill it). Scheduled calls each take a full batch
 * when they start.
 */
export function wantedCalls(queued: number, maxBatchSize: number, callsOut: number): number {
  const full = Math.floor(queued / maxBatchSize);
  return full + (queued % maxBatchSize > 0 && full === 0 && callsOut === 0 ? 1 : 0);
}

export type OverloadReason = 'queue-full' | 'deadline' | 'closing';

export interface QueueRules {
  readonly maxBatchSize: number;
  readonly now: () => number;
  /** `GATEWAY_OVERLOADED` for `caller` (counted in the metrics). */
  overloaded(caller: string, waitMs: number, reason: OverloadReason): ThrottleOverloadedError;
  /** Milliseconds until a UIN at `rank` in the queue is answered: its call's expected start, plus a typical call. */
  expectedAnswerMs(rank: number): number;
  /** Whether `waiter` cannot be answered in `expectedMs` before its deadline (it fails fast). */
  hopeless(waiter: { readonly deadline: number | undefined }, expectedMs: number): boolean;
  /** A call took `ms`: the typical call time follows it (EWMA). */
  observeCall(ms: number): void;
}

export function createQueueRules(options: {
  readonly action: string;
  readonly throttle: Throttle;
  readonly maxBatchSize: number;
  readonly now: () => number;
  readonly onOverload?: ((caller: string) => void) | undefined;
}): QueueRules {
  const { action, throttle, maxBatchSize, now } = options;
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) throw new TypeError(`maxBatchSize must be a whole number >= 1, got ${maxBatchSize}`);
  /** Typical call duration: a UIN must be *answered* before its deadline, not just sent. */
  let typicalCallMs = 0;
  return {
    maxBatchSize,
    now,
    overloaded(caller, waitMs, reason) {
      options.onOverload?.(caller);
      return new ThrottleOverloadedError(action, waitMs, reason);
    },
    expectedAnswerMs: (rank) => throttle.expectedStartMs(action, Math.floor(rank / maxBatchSize)) + typicalCallMs,
    hopeless: (waiter, expectedMs) => waiter.deadline !== undefined && now() + expectedMs > waiter.deadline,
    observeCall(ms) {
      typicalCallMs = typicalCallMs === 0 ? ms : 0.8 * typicalCallMs + 0.2 * ms;
    },
  };
}

/**
 * What a call tells the upstream client about the waiters it serves (`waiters()`, read when asked):
 * the requests (logs), their spans (trace links), the oldest wait, and the deadline retries stop at
 * (the latest of its waiters'; 0, long past, once nobody waits any more; `fixedDeadline` where the
 * store knows it, as the deployment's does for every replica's waiters).
 */
export function callOptionsFor<T>(
  waiters: () => Iterable<Waiter<T>>,
  base: {
    readonly priority: number;
    readonly signal: AbortSignal;
    /** Before composition the call serves nobody yet: no deadline. */
    readonly composed: () => boolean;
    readonly traceLinks?: () => readonly string[];
    readonly fixedDeadline?: () => number | undefined;
  },
): CallOptions {
  return {
    priority: base.priority,
    signal: base.signal,
    get requestIds() {
      const ids = new Set<string>();
      for (const waiter of waiters()) if (waiter.requestId) ids.add(waiter.requestId);
      return [...ids];
    },
    get traceLinks() {
      const links = new Set<string>(base.traceLinks?.() ?? []);
      for (const waiter of waiters()) if (waiter.traceparent) links.add(waiter.traceparent);
      return [...links];
    },
    get queuedSince() {
      let oldest: number | undefined;
      for (const waiter of waiters()) oldest = Math.min(oldest ?? waiter.enqueuedAt, waiter.enqueuedAt);
      return oldest;
    },
    get deadline() {
      if (!base.composed()) return undefined;
      if (base.fixedDeadline) return base.fixedDeadline();
      let latest: number | undefined;
      let waiting = false;
      for (const waiter of waiters()) {
        waiting = true;
        if (waiter.deadline === undefined) return undefined;
        latest = Math.max(latest ?? 0, waiter.deadline);
      }
      return waiting ? latest : 0;
    },
  };
}

/** Runs `onAbort` once if `signal` aborts before `settled` does (at once if it already has). */
export function onAbortBefore(signal: AbortSignal | undefined, settled: Promise<unknown>, onAbort: () => void): void {
  if (!signal) return;
  if (signal.aborted) return onAbort();
  signal.addEventListener('abort', onAbort, { once: true });
  void settled.then(() => signal.removeEventListener('abort', onAbort));
}
