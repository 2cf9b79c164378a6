import PQueue from 'p-queue';

/**
 * The only path to the upstream. Every attempt, retries included, runs as a task of `schedule`, so
 * the gateway never starts more than `intervalCap` requests of one action in any sliding `interval`.
 * An interface so that a Redis-backed implementation can share one budget across replicas later.
 */
export interface Throttle {
  /** Runs `task` when the action's budget allows; settles with the task's result. */
  schedule<T>(action: string, task: () => Promise<T>, options?: ScheduleOptions): Promise<T>;
  /** Queued and running tasks, per action. */
  stats(): Record<string, { readonly queued: number; readonly running: number }>;
  /** Resolves when every queue is empty and no task is running. */
  onIdle(): Promise<void>;
}

export interface ScheduleOptions {
  /** Removes the task from the queue when aborted before it starts. */
  readonly signal?: AbortSignal;
  /** Greater runs first; interactive work can overtake bulk work. Default 0. */
  readonly priority?: number;
}

export interface InProcessThrottleOptions {
  /** Tasks per action in any sliding `interval`. Tencent allows 5 per second per action. Minimum 1. */
  readonly intervalCap: number;
  /**
   * Window length in milliseconds. Set it a little above 1000 (default 1050): the upstream counts
   * arrivals, and network jitter can pull two departures closer together on arrival. Minimum 1.
   */
  readonly interval?: number;
}

/** One p-queue per action per process, in strict (sliding-window) mode. */
export function createInProcessThrottle(options: InProcessThrottleOptions): Throttle {
  const interval = options.interval ?? 1050;
  if (!Number.isInteger(options.intervalCap) || options.intervalCap < 1) {
    throw new TypeError(`intervalCap must be a whole number >= 1, got ${options.intervalCap}`);
  }
  if (!Number.isFinite(interval) || interval < 1) {
    throw new TypeError(`interval must be a finite number of milliseconds >= 1, got ${interval}`);
  }
  const queues = new Map<string, PQueue>();
  const queueFor = (action: string): PQueue => {
    let queue = queues.get(action);
    if (!queue) {
      queue = new PQueue({ intervalCap: options.intervalCap, interval, strict: true });
      queues.set(action, queue);
    }
    return queue;
  };

  return {
    schedule(action, task, scheduleOptions = {}) {
      return queueFor(action).add(task, {
        priority: scheduleOptions.priority ?? 0,
        ...(scheduleOptions.signal ? { signal: scheduleOptions.signal } : {}),
      });
    },
    stats() {
      return Object.fromEntries([...queues].map(([action, queue]) => [action, { queued: queue.size, running: queue.pending }]));
    },
    async onIdle() {
      await Promise.all([...queues.values()].map((queue) => queue.onIdle()));
    },
  };
}
