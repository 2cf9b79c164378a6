import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { BudgetGrant, RateBudget } from '../store/rate-budget.js';

/**
 * The only path to the upstream. Every attempt, retries included, runs as a task of `schedule`, so
 * the gateway never starts more than `intervalCap` requests of one action in any sliding `interval`.
 * An interface so that a Redis-backed implementation can share one budget across replicas later.
 */
export interface Throttle {
  /**
   * Runs `task` when the action's budget allows; settles with the task's result. Rejects at once with
   * `ThrottleOverloadedError` when the queue is full, or when the expected wait would pass `deadline`.
   */
  schedule<T>(action: string, task: (slot: ThrottleSlot) => Promise<T>, options?: ScheduleOptions): Promise<T>;
  /** Queued and running tasks, per action. */
  stats(): Record<string, ThrottleStats>;
  /**
   * Expected milliseconds until the call `callsAhead` places back (0: the next one) may start, from
   * this process's window alone. The UIN queues use it to fail UINs fast that cannot make their deadline.
   */
  expectedStartMs(action: string, callsAhead: number): number;
  /** Raises (or lowers) the priority of a task that has not started yet; `id` as given to `schedule`. */
  setPriority(action: string, id: string, priority: number): void;
  /** Resolves when every queue is empty and no task is running. */
  onIdle(): Promise<void>;
}

/** Handed to each task: it reports when its request actually left for the upstream, or that it sent nothing. */
export interface ThrottleSlot {
  /** The request left now: the window counts it from here. */
  sent(): void;
  /** The task had nothing to send: its slot is given back (locally and in the shared budget). */
  skipped(): void;
}

export interface ThrottleStats {
  readonly queued: number;
  readonly running: number;
}

export interface ScheduleOptions {
  /** Removes the task from the queue when aborted before it starts. */
  readonly signal?: AbortSignal | undefined;
  /** Greater runs first; interactive work can overtake bulk work. Default 0. */
  readonly priority?: number | undefined;
  /** Epoch milliseconds by which the task must have started; beyond it, fail fast. */
  readonly deadline?: number | undefined;
  /** Names the task for `setPriority`. */
  readonly id?: string | undefined;
}

/**
 * The reason to abort a task's signal with when its scheduler no longer wants it (nothing left to send):
 * it leaves the queue without counting as overload.
 */
export class TaskWithdrawnError extends Error {
  override name = 'TaskWithdrawnError';
  constructor() {
    super('the task was withdrawn before it started: nothing left to send');
  }
}

/** The upstream budget cannot serve this task in time: the caller should fail fast, not wait. */
export class ThrottleOverloadedError extends Error {
  override name = 'ThrottleOverloadedError';
  constructor(
    readonly action: string,
    /** Expected wait for a slot, milliseconds. */
    readonly expectedWaitMs: number,
    reason: 'queue-full' | 'deadline' | 'closing',
  ) {
    super(
      reason === 'queue-full'
        ? `the ${action} queue is full`
        : reason === 'closing'
          ? `the ${action} queue is closing: the gateway is shutting down`
          : Number.isFinite(expectedWaitMs)
          ? `the expected wait for a ${action} slot (${Math.round(expectedWaitMs)} ms) exceeds the request's deadline`
          : `higher-priority work takes the whole ${action} budget`,
    );
  }
}

export interface InProcessThrottleOptions {
  /**
   * Tasks per action in any sliding `interval`: one number for every action, or a lookup per action
   * (Tencent allows 5 per second for the voucher actions, 20 for the customer directory). Minimum 1.
   */
  readonly intervalCap: number | ((action: string) => number);
  /**
   * Window length in milliseconds. Set it a little above 1000 (default 1050): the upstream counts
   * arrivals, and network jitter can pull two departures closer together on arrival. Minimum 1.
   */
  readonly interval?: number;
  /** Most tasks waiting per action; more are refused at once. Default 1000 (over 3 minutes of work at 5/s). */
  readonly maxQueued?: number;
  /** Observes each task's wait in the queue (for metrics). */
  readonly onStart?: (action: string, waitedMs: number) => void;
  /** Observes each task refused or dropped as overload (for metrics). */
  readonly onOverload?: (action: string) => void;
  /**
   * The budget shared with other replicas (Redis), asked right before each task runs, after the local
   * window allowed it. Absent: this process's window is the whole budget.
   */
  readonly budget?: RateBudget | undefined;
  readonly now?: () => number;
}

/** One p-queue per action per process, in strict (sliding-window) mode, bounded. */
export function createInProcessThrottle(options: InProcessThrottleOptions): Throttle {
  const interval = options.interval ?? 1050;
  const maxQueued = options.maxQueued ?? 1000;
  const now = options.now ?? Date.now;
  const capOf = typeof options.intervalCap === 'function' ? options.intervalCap : () => options.intervalCap as number;
  validateThrottleOptions(options.intervalCap, interval, maxQueued);
  const queues = new Map<string, ActionQueue>();
  const queueFor = (action: string): ActionQueue => {
    let entry = queues.get(action);
    if (!entry) queues.set(action, (entry = createActionQueue(action, capOf(action), interval)));
    return entry;
  };
  const overloaded = (action: string, waitMs: number, reason: 'queue-full' | 'deadline') => {
    options.onOverload?.(action);
    return new ThrottleOverloadedError(action, waitMs, reason);
  };

  /**
   * The task as p-queue runs it: the shared slot, then the local departure, then the request. Every
   * reservation taken here settles on every path: an unsettled departure would hold the action's gate
   * for good (the next task waits for the oldest departure), so an abort at any await gives back what
   * the task holds before it leaves.
   */
  const runWhenDue = async <T>(entry: ActionQueue, task: (slot: ThrottleSlot) => Promise<T>, priority: number, enqueuedAt: number, signal: AbortSignal | undefined): Promise<T> => {
    entry.recentStarts.push({ at: now(), priority });
    const slot = await reserveSlot(entry, signal, { budget: options.budget, interval, now }).catch((error: unknown) => {
      throw signal?.aborted ? abortedError(entry.action, enqueuedAt, signal) : error;
    });
    options.onStart?.(entry.action, now() - enqueuedAt);
    try {
      return await task(slot);
    } finally {
      // The task ended without saying: it may have sent, so count it (the safe side).
      slot.sent();
    }
  };

  /** Why an aborted task left: withdrawn (nothing to send), or overload (its deadline passed). */
  const abortedError = (action: string, enqueuedAt: number, signal: AbortSignal): Error =>
    signal.reason instanceof TaskWithdrawnError ? signal.reason : overloaded(action, now() - enqueuedAt, 'deadline');

  return {
    schedule(action, task, scheduleOptions = {}) {
      const entry = queueFor(action);
      const priority = scheduleOptions.priority ?? 0;
      const { signal, deadline } = scheduleOptions;
      const expectedWaitMs = expectedWait(entry, priority, interval, now());
      if (entry.waitingTotal() >= maxQueued) return Promise.reject(overloaded(action, expectedWaitMs, 'queue-full'));
      if (deadline !== undefined && now() + expectedWaitMs > deadline) return Promise.reject(overloaded(action, expectedWaitMs, 'deadline'));
      const enqueuedAt = now();
      const leave = entry.join(priority);
      const queued = entry.queue.add(
        () => {
          leave();
          return runWhenDue(entry, task, priority, enqueuedAt, signal);
        },
        { priority, ...(scheduleOptions.id !== undefined ? { id: scheduleOptions.id } : {}), ...(signal ? { signal } : {}) },
      );
      return queued.catch((error: unknown) => {
        // Aborted while waiting (the deadline passed in the queue): that is overload, not an upstream
        // failure. The task never started, so it leaves the count here.
        const waitedInQueue = leave() && signal?.aborted;
        if (waitedInQueue && signal?.reason instanceof TaskWithdrawnError) throw signal.reason;
        throw waitedInQueue ? overloaded(action, now() - enqueuedAt, 'deadline') : error;
      });
    },
    expectedStartMs(action, callsAhead) {
      const entry = queueFor(action);
      const free = freeSlots(entry, interval, now());
      if (callsAhead < free) return 0;
      // A saturated strict window lets `cap` tasks start per `interval`.
      return Math.ceil((callsAhead + 1 - free) / entry.cap) * interval;
    },
    setPriority(action, id, priority) {
      try {
        queueFor(action).queue.setPriority(id, priority);
      } catch {
        // Already started (or never queued): nothing to raise.
      }
    },
    stats() {
      return Object.fromEntries([...queues].map(([action, entry]) => [action, { queued: entry.waitingTotal(), running: entry.queue.pending }]));
    },
    async onIdle() {
      await Promise.all([...queues.values()].map(({ queue }) => queue.onIdle()));
    },
  };
}

/** The shared grant and the local departure, both held, or neither (whatever throws or aborts). */
async function reserveSlot(entry: ActionQueue, signal: AbortSignal | undefined, window: { readonly budget: RateBudget | undefined; readonly interval: number; readonly now: () => number }): Promise<ThrottleSlot> {
  const { budget, interval, now } = window;
  // The shared budget first: a task still competing for a slot with other replicas must not hold
  // one of this process's departure reservations, or the replica that has work left stops
  // reserving while the others are done and global slots go unused.
  let grant = budget ? await takeSharedSlot(budget, entry.action, signal) : undefined;
  let departure: Departure | undefined;
  try {
    departure = await reserveDeparture(entry, interval, now);
    // A grant held while the local window made us wait may have outlived its lease: take a fresh one.
    if (grant && budget && grant.ageMs() > grant.maxAgeMs) {
      grant.release();
      grant = undefined;
      grant = await takeSharedSlot(budget, entry.action, signal);
    }
    // The deadline passed (or the call was withdrawn) while waiting for a slot: never sent.
    signal?.throwIfAborted();
    return slotOf(departure, grant);
  } catch (error) {
    departure?.cancel();
    grant?.release();
    throw error;
  }
}

function validateThrottleOptions(intervalCap: InProcessThrottleOptions['intervalCap'], interval: number, maxQueued: number): void {
  if (typeof intervalCap === 'number' && (!Number.isInteger(intervalCap) || intervalCap < 1)) {
    throw new TypeError(`intervalCap must be a whole number >= 1, got ${intervalCap}`);
  }
  if (!Number.isFinite(interval) || interval < 1) throw new TypeError(`interval must be a finite number of milliseconds >= 1, got ${interval}`);
  if (!Number.isInteger(maxQueued) || maxQueued < 0) throw new TypeError(`maxQueued must be a whole number >= 0, got ${maxQueued}`);
}

/** One action's p-queue and the bookkeeping around it. */
interface ActionQueue {
  readonly action: string;
  readonly queue: PQueue;
  /** Tasks per `interval` for this action. */
  readonly cap: number;
  /** Waiting tasks per priority, to estimate the wait of a new task of a given priority. */
  readonly waiting: Map<number, number>;
  /** The last `cap` departures (actual send times), oldest first. */
  readonly departures: Departure[];
  /** Serialises the departure guard, so concurrent starts see each other. */
  gate: Promise<void>;
  /** Recent starts (epoch ms, priority), for the share of the budget higher priorities take. */
  readonly recentStarts: { at: number; priority: number }[];
  /** Counts a waiting task of `priority`; the returned `leave` uncounts it once (true the first time). */
  join(priority: number): () => boolean;
  /**
   * Our own count of waiting tasks, not p-queue's `size`: after aborts in a strict queue that can
   * report tasks that already settled (see sindresorhus/p-queue#219 for the family of abort issues).
   */
  waitingTotal(): number;
}

function createActionQueue(action: string, cap: number, interval: number): ActionQueue {
  if (!Number.isInteger(cap) || cap < 1) throw new TypeError(`intervalCap for ${action} must be a whole number >= 1, got ${cap}`);
  const waiting = new Map<number, number>();
  return {
    action,
    queue: new PQueue({ intervalCap: cap, interval, strict: true }),
    cap,
    waiting,
    departures: [],
    gate: Promise.resolve(),
    recentStarts: [],
    join(priority) {
      waiting.set(priority, (waiting.get(priority) ?? 0) + 1);
      let left = false;
      return () => {
        if (left) return false;
        left = true;
        waiting.set(priority, (waiting.get(priority) ?? 1) - 1);
        return true;
      };
    },
    waitingTotal() {
      let total = 0;
      for (const count of waiting.values()) total += count;
      return total;
    },
  };
}

const RATE_WINDOW_MS = 10_000;

/**
 * Expected wait for a new task of `priority`: the tasks ahead of it (waiting at the same or a higher
 * priority), served at the rate left over by higher priorities (measured over the last 10 s). When
 * interactive work takes (nearly) the whole budget, bulk work is told at once that it will not be
 * served in time, instead of waiting for its deadline.
 */
function expectedWait(entry: ActionQueue, priority: number, interval: number, at: number): number {
  const since = at - RATE_WINDOW_MS;
  while (entry.recentStarts.length > 0 && (entry.recentStarts[0] as { at: number }).at < since) entry.recentStarts.shift();
  const capacityPerMs = entry.cap / interval;
  const higher = entry.recentStarts.filter((start) => start.priority > priority).length / RATE_WINDOW_MS;
  const available = capacityPerMs - higher;
  if (available <= capacityPerMs * 0.05) return Number.POSITIVE_INFINITY;
  let ahead = 0;
  for (const [other, count] of entry.waiting) if (other >= priority) ahead += count;
  // The first `cap` tasks of an idle window start at once.
  return ahead < entry.cap && higher === 0 ? 0 : (ahead + 1) / available;
}

/** Starts of the last `interval`: how many slots are free right now. */
function freeSlots(entry: ActionQueue, interval: number, at: number): number {
  const recent = entry.recentStarts.filter((start) => start.at > at - interval).length;
  return Math.max(0, entry.cap - recent);
}

/**
 * p-queue counts a task when it starts, but the upstream counts arrivals. On a busy event loop a
 * request can leave seconds after its task started, bunching arrivals into one upstream second.
 * So before a task starts, the window is checked again against actual departures: wait until the
 * `cap`-th last one is `interval` old (unknown departures are awaited first). In the normal case
 * departures follow starts within a millisecond and this never waits.
 */
function reserveDeparture(entry: ActionQueue, interval: number, now: () => number): Promise<Departure> {
  const reserved = entry.gate.then(async () => {
    if (entry.departures.length >= entry.cap) {
      const oldest = entry.departures[0] as Departure;
      const sentAt = await oldest.at;
      const wait = sentAt + interval - now();
      // The global timer (not timers/promises), so that a test's fake clock drives it like p-queue's own.
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      entry.departures.shift();
    }
    const departure = createDeparture(now);
    entry.departures.push(departure);
    return departure;
  });
  entry.gate = reserved.then(() => undefined);
  return reserved;
}

/** Waits until the shared budget grants a slot (it answers with the wait when it does not). */
async function takeSharedSlot(budget: RateBudget, action: string, signal: AbortSignal | undefined): Promise<BudgetGrant> {
  for (;;) {
    const answer = await budget.take(action);
    if (answer.granted) return answer.grant;
    await sleep(answer.waitMs, undefined, signal ? { signal } : {});
  }
}

/** What a task reports: its request left (`sent`), or it had nothing to send (`skipped`). First call wins. */
function slotOf(departure: Departure, grant: BudgetGrant | undefined): ThrottleSlot {
  let reported = false;
  return {
    sent() {
      if (reported) return;
      reported = true;
      departure.mark();
      grant?.confirm();
    },
    skipped() {
      if (reported) return;
      reported = true;
      departure.cancel();
      grant?.release();
    },
  };
}

interface Departure {
  /** Resolves with the epoch milliseconds at which the request left (-Infinity: it never did). */
  readonly at: Promise<number>;
  /** Records the departure (first call of `mark` or `cancel` wins). */
  readonly mark: () => void;
  /** Nothing left: the reservation frees at once. */
  readonly cancel: () => void;
}

function createDeparture(now: () => number): Departure {
  let resolve: (at: number) => void = () => undefined;
  const at = new Promise<number>((settle) => (resolve = settle));
  let settled = false;
  const settle = (value: number) => {
    if (settled) return;
    settled = true;
    resolve(value);
  };
  return { at, mark: () => settle(now()), cancel: () => settle(Number.NEGATIVE_INFINITY) };
}
