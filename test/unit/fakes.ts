import type { ScheduleOptions, Throttle, ThrottleSlot } from '../../src/upstream/throttle.js';

/**
 * A throttle that starts nothing by itself: `grant(n)` starts the next n tasks (highest priority
 * first, then FIFO), as free slots would. Records what it was asked, for exact assertions.
 */
export interface ManualThrottle extends Throttle {
  /** Starts up to `n` waiting tasks; resolves when they have been started. */
  grant(n?: number): Promise<void>;
  readonly waiting: number;
  /** `expectedStartMs` answers `callsAhead * msPerCall` (set by the test). */
  msPerCall: number;
  readonly priorities: number[];
}

export function createManualThrottle(): ManualThrottle {
  const queue: { priority: number; id: string | undefined; run: () => void }[] = [];
  const priorities: number[] = [];
  let running = 0;
  const throttle: ManualThrottle = {
    msPerCall: 0,
    priorities,
    get waiting() {
      return queue.length;
    },
    schedule<T>(_action: string, task: (slot: ThrottleSlot) => Promise<T>, options: ScheduleOptions = {}) {
      return new Promise<T>((resolve, reject) => {
        const entry = {
          priority: options.priority ?? 0,
          id: options.id,
          run: () => {
            running += 1;
            // The priority it started with (setPriority may have raised it while it waited).
            priorities.push(entry.priority);
            task({ sent: () => undefined, skipped: () => undefined })
              .then(resolve, reject)
              .finally(() => (running -= 1));
          },
        };
        queue.push(entry);
        // Like p-queue: a task aborted before it starts leaves the queue, rejected with the reason.
        options.signal?.addEventListener('abort', () => {
          const index = queue.indexOf(entry);
          if (index < 0) return;
          queue.splice(index, 1);
          reject(options.signal?.reason);
        });
      });
    },
    async grant(n = 1) {
      for (let i = 0; i < n && queue.length > 0; i++) {
        queue.sort((a, b) => b.priority - a.priority);
        queue.shift()?.run();
        await flush();
      }
      await flush();
    },
    expectedStartMs: (_action, callsAhead) => callsAhead * throttle.msPerCall,
    setPriority(_action, id, priority) {
      const entry = queue.find((item) => item.id === id);
      if (entry) entry.priority = priority;
    },
    stats: () => ({ any: { queued: queue.length, running } }),
    onIdle: async () => undefined,
  };
  return throttle;
}

/** Lets every pending promise callback run (several rounds of microtasks and one macrotask). */
export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A controllable clock. */
export function createClock(start = 1_000_000): { now: () => number; advance(ms: number): void } {
  let at = start;
  return { now: () => at, advance: (ms) => (at += ms) };
}
