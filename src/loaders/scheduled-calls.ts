import { TaskWithdrawnError } from '../upstream/throttle.js';

/** One call scheduled with the throttle: pass `signal` to it, and ask `start()` before taking UINs. */
export interface ScheduledCall {
  readonly signal: AbortSignal;
  /** The call's slot came: it leaves the scheduled ones. False when it was withdrawn (take no UINs). */
  start(): boolean;
  /** It ended without starting (refused, or withdrawn). */
  end(): void;
  withdrawn(): boolean;
}

/**
 * Calls scheduled with the throttle and not started yet. A queue composes a call from its UINs only
 * when the call's slot comes, so it schedules calls for UINs that may leave before then (their request
 * gave up, or failed fast). An empty call sends nothing, but it would still take a slot of the
 * throttle's window, and a bulk request that gave up would hold back the next one for seconds: so when
 * fewer calls are wanted than are scheduled, the newest ones are withdrawn from the throttle's queue.
 */
export class ScheduledCalls {
  readonly #waiting: AbortController[] = [];

  get size(): number {
    return this.#waiting.length;
  }

  add(): ScheduledCall {
    const controller = new AbortController();
    this.#waiting.push(controller);
    const leave = () => {
      const index = this.#waiting.indexOf(controller);
      if (index >= 0) this.#waiting.splice(index, 1);
    };
    return {
      signal: controller.signal,
      start: () => {
        leave();
        return !controller.signal.aborted;
      },
      end: leave,
      withdrawn: () => controller.signal.aborted,
    };
  }

  /** Withdraws the newest scheduled calls beyond `wanted`. */
  trim(wanted: number): void {
    while (this.#waiting.length > Math.max(0, wanted)) this.#waiting.pop()?.abort(new TaskWithdrawnError());
  }
}
