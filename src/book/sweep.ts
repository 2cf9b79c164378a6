import type { BookStore } from './book.js';

/**
 * The sweep keeps the book fresh with budget nobody else wants: per action (quotas, profiles, side
 * by side), the book's oldest answers first (missing ones before them), one call's worth of UINs at a
 * time, at most `callsPerSecond` calls a second. Its UINs go through the action's UIN queue at the
 * lowest priority (`PRIORITY.sweep`): a call composes a reader's UINs before any of them, so a slot a
 * reader waits for never goes to the sweep. The directory loads first (`ready`).
 */
export interface SweepLane {
  readonly kind: 'quota' | 'profile';
  /** Loads fresh answers for `uins` (through the queue, at the sweep's priority); the book is fed by the answers. */
  readonly load: (uins: readonly number[]) => Promise<unknown>;
}

export interface SweepOptions {
  readonly book: Pick<BookStore, 'oldest'>;
  readonly lanes: readonly SweepLane[];
  /** Calls per second per action, 1 to the action's limit. */
  readonly callsPerSecond: number;
  /** UINs a call carries. Default 20. */
  readonly batchSize?: number;
  /** Resolves when the directory has loaded (the book knows its customers). */
  readonly ready: () => Promise<unknown>;
  /** Whether this process may sweep now (with Redis: it holds the deployment's sweeper lease). Default: always. */
  readonly mayRun?: () => Promise<boolean>;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  readonly now?: () => number;
}

export interface Sweep {
  /** Calls the sweep has made so far, per kind (for tests and metrics). */
  calls(): Record<string, number>;
  stop(): void;
}

export function startSweep(options: SweepOptions): Sweep {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 20;
  const intervalMs = 1000 / options.callsPerSecond;
  const stopped = new AbortController();
  const sleep = options.sleep ?? unrefSleep;
  const calls: Record<string, number> = {};

  // One call's worth leaves every interval; several may be in flight (a call takes a round trip),
  // never the same UIN twice, and never more than a second's worth at once.
  const run = async (lane: SweepLane) => {
    await options.ready().catch(() => undefined);
    const inFlight = new Set<number>();
    let batches = 0;
    while (!stopped.signal.aborted) {
      const startedAt = now();
      if (batches < Math.max(1, options.callsPerSecond) && (!options.mayRun || (await options.mayRun()))) {
        const uins = (await options.book.oldest(lane.kind, batchSize + inFlight.size).catch(() => [])).filter((uin) => !inFlight.has(uin)).slice(0, batchSize);
        if (uins.length > 0) {
          calls[lane.kind] = (calls[lane.kind] ?? 0) + 1;
          batches += 1;
          for (const uin of uins) inFlight.add(uin);
          void lane
            .load(uins)
            .catch(() => undefined)
            .finally(() => {
              batches -= 1;
              for (const uin of uins) inFlight.delete(uin);
            });
        }
      }
      await sleep(Math.max(intervalMs - (now() - startedAt), 5), stopped.signal).catch(() => undefined);
    }
  };
  for (const lane of options.lanes) void run(lane);
  return { calls: () => ({ ...calls }), stop: () => stopped.abort() };
}

/** A timer that never keeps the process alive, and ends early when the sweep stops. */
function unrefSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
