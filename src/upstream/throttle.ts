import { setTimeout as sleep } from 'node:timers/promises';
import PQueue from 'p-queue';
import type { RateBudget } from '../store/rate-budget.js';

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

/** Handed to each task: it reports when its request actually left for the upstream. */
export interface ThrottleSlot {
  sent(): void;
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

/** The upstream budget cannot serve this task in time: the caller should fail fast, not wait. */
export class ThrottleOverloadedError extends Error {
  override name = 'ThrottleOverloadedError';
  constructor(
    readonly action: string,
    /** Expected wait for a slot, milliseconds. */
    readonly expectedWaitMs: number,
    reason: 'queue-full' | 'deadline',
  ) {
    super(
      reason === 'queue-full'
        ? `the ${action} queue is full`
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
  if (typeof options.intervalCap === 'number' && (!Number.isInteger(options.intervalCap) || options.intervalCap < 1)) {
    throw new TypeError(`intervalCap must be a whole number >= 1, got ${options.intervalCap}`);
  }
  if (!Number.isFinite(interval) || interval < 1) {
    throw new TypeError(`interval must be a finite number of milliseconds >= 1, got ${interval}`);
  }
  if (!Number.isInteger(maxQueued) || maxQueued < 0) {
    throw new TypeError(`maxQueued must be a whole number >= 0, got ${maxQueued}`);
  }

  interface ActionQueue {
    readonly queue: PQueue;
    /** Tasks per `interval` for this action. */
    readonly cap: number;
    /** Waiting tasks per priority, to estimate the wait of a new task of a given priority. */
    readonly waiting: Map<number, number>;
    /** The last `intervalCap` departures (actual send times), oldest first. */
    readonly departures: Departure[];
    /** Serialises the departure guard, so concurrent starts see each other. */
    gate: Promise<void>;
    /** Recent starts (epoch ms, priority), for the share of the budget higher priorities take. */
    readonly recentStarts: { at: number; priority: number }[];
  }
  const queues = new Map<string, ActionQueue>();
  const queueFor = (action: string): ActionQueue => {
    let entry = queues.get(action);
    if (!entry) {
      const cap = capOf(action);
      if (!Number.isInteger(cap) || cap < 1) throw new TypeError(`intervalCap for ${action} must be a whole number >= 1, got ${cap}`);
      entry = { queue: new PQueue({ intervalCap: cap, interval, strict: true }), cap, waiting: new Map(), departures: [], gate: Promise.resolve(), recentStarts: [] };
      queues.set(action, entry);
    }
    return entry;
  };

  const waitingTotal = (entry: ActionQueue): number => {
    let total = 0;
    for (const count of entry.waiting.values()) total += count;
    return total;
  };

  /** Tasks that start before one of `priority`: those waiting at the same or a higher priority. */
  const aheadOf = (entry: ActionQueue, priority: number): number => {
    let ahead = 0;
    for (const [other, count] of entry.waiting) if (other >= priority) ahead += count;
    return ahead;
  };

  const RATE_WINDOW_MS = 10_000;

  /**
   * Expected wait for a new task of `priority`: the tasks ahead of it, served at the rate left over
   * by higher priorities (measured over the last 10 s). When interactive work takes (nearly) the
   * whole budget, bulk work is told at once that it will not be served in time, instead of waiting
   * for its deadline.
   */
  const expectedWait = (entry: ActionQueue, priority: number): number => {
    const since = now() - RATE_WINDOW_MS;
    while (entry.recentStarts.length > 0 && (entry.recentStarts[0] as { at: number }).at < since) entry.recentStarts.shift();
    const capacityPerMs = entry.cap / interval;
    const higher = entry.recentStarts.filter((start) => start.priority > priority).length / RATE_WINDOW_MS;
    const available = capacityPerMs - higher;
    if (available <= capacityPerMs * 0.05) return Number.POSITIVE_INFINITY;
    const ahead = aheadOf(entry, priority);
    // The first `intervalCap` tasks of an idle window start at once.
    return ahead < entry.cap && higher === 0 ? 0 : (ahead + 1) / available;
  };

  /** Starts of the last `interval`: how many slots are free right now. */
  const freeSlots = (entry: ActionQueue): number => {
    const since = now() - interval;
    const recent = entry.recentStarts.filter((start) => start.at > since).length;
    return Math.max(0, entry.cap - recent);
  };

  /**
   * p-queue counts a task when it starts, but the upstream counts arrivals. On a busy event loop a
   * request can leave seconds after its task started, bunching arrivals into one upstream second.
   * So before a task starts, the window is checked again against actual departures: wait until the
   * `intervalCap`-th last one is `interval` old (unknown departures are awaited first). In the normal
   * case departures follow starts within a millisecond and this never waits.
   */
  const reserveDeparture = (entry: ActionQueue): Promise<Departure> => {
    const reserved = entry.gate.then(async () => {
      if (entry.departures.length >= entry.cap) {
        const oldest = entry.departures[0] as Departure;
        const sentAt = await oldest.at;
        const wait = sentAt + interval - now();
        if (wait > 0) await sleep(wait);
        entry.departures.shift();
      }
      const departure = createDeparture(now);
      entry.departures.push(departure);
      return departure;
    });
    entry.gate = reserved.then(() => undefined);
    return reserved;
  };

  return {
    schedule(action, task, scheduleOptions = {}) {
      const entry = queueFor(action);
      const priority = scheduleOptions.priority ?? 0;
      // Our own count, not p-queue's `size`: after aborts in a strict queue that can report tasks
      // that already settled (see sindresorhus/p-queue#219 for the family of abort issues).
      const total = waitingTotal(entry);
      const expectedWaitMs = expectedWait(entry, priority);
      const overloaded = (waitMs: number, reason: 'queue-full' | 'deadline') => {
        options.onOverload?.(action);
        return new ThrottleOverloadedError(action, waitMs, reason);
      };
      if (total >= maxQueued) return Promise.reject(overloaded(expectedWaitMs, 'queue-full'));
      if (scheduleOptions.deadline !== undefined && now() + expectedWaitMs > scheduleOptions.deadline) {
        return Promise.reject(overloaded(expectedWaitMs, 'deadline'));
      }
      const enqueuedAt = now();
      entry.waiting.set(priority, (entry.waiting.get(priority) ?? 0) + 1);
      let started = false;
      const leave = () => {
        if (started) return;
        started = true;
        entry.waiting.set(priority, (entry.waiting.get(priority) ?? 1) - 1);
      };
      const queued = entry.queue.add(
        async () => {
          leave();
          entry.recentStarts.push({ at: now(), priority });
          // The shared budget first: a task still competing for a slot with other replicas must not
          // hold one of this process's departure reservations, or the replica that has work left
          // stops reserving while the others are done and global slots go unused.
          if (options.budget) await takeShared(options.budget, action, scheduleOptions.signal);
          const departure = await reserveDeparture(entry);
          if (scheduleOptions.signal?.aborted) {
            // The deadline passed while waiting for a departure slot: still overload, never sent.
            departure.mark();
            throw overloaded(now() - enqueuedAt, 'deadline');
          }
          options.onStart?.(action, now() - enqueuedAt);
          try {
            return await task({ sent: departure.mark });
          } finally {
            departure.mark();
          }
        },
        { priority, ...(scheduleOptions.id !== undefined ? { id: scheduleOptions.id } : {}), ...(scheduleOptions.signal ? { signal: scheduleOptions.signal } : {}) },
      );
      return queued.then(
        (result) => result,
        (error: unknown) => {
          // Aborted while waiting (the deadline passed in the queue): that is overload, not an
          // upstream failure. The task never started, so it leaves the count here.
          const waitedInQueue = !started && scheduleOptions.signal?.aborted;
          leave();
          throw waitedInQueue ? overloaded(now() - enqueuedAt, 'deadline') : error;
        },
      );
    },
    expectedStartMs(action, callsAhead) {
      const entry = queueFor(action);
      const free = freeSlots(entry);
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
      return Object.fromEntries([...queues].map(([action, entry]) => [action, { queued: waitingTotal(entry), running: entry.queue.pending }]));
    },
    async onIdle() {
      await Promise.all([...queues.values()].map(({ queue }) => queue.onIdle()));
    },
  };
}

/** Waits until the shared budget grants a slot (it answers with the wait when it does not). */
async function takeShared(budget: RateBudget, action: string, signal: AbortSignal | undefined): Promise<void> {
  for (;;) {
    const wait = await budget.take(action);
    if (wait <= 0) return;
    await sleep(wait, undefined, signal ? { signal } : {});
  }
}

interface Departure {
  /** Resolves with the epoch milliseconds at which the request left. */
  readonly at: Promise<number>;
  /** Records the departure (first call wins). */
  readonly mark: () => void;
}

function createDeparture(now: () => number): Departure {
  let resolve: (at: number) => void = () => undefined;
  const at = new Promise<number>((settle) => (resolve = settle));
  let marked = false;
  return {
    at,
    mark: () => {
      if (marked) return;
      marked = true;
      resolve(now());
    },
  };
}
