import type { Logger } from '../logger.js';

/**
 * A graceful drain, for a load balancer in front of several replicas (Kubernetes: a pod's SIGTERM).
 * On the first signal: `/ready` answers 503 at once (`drain`), new requests are still served for
 * `delayMs` (load balancers see the 503 and stop routing), then the listener closes and in-flight
 * requests finish, up to their deadline; then what the gateway holds closes (`close`: Redis, the
 * simulator), and the process exits 0. A second signal, or `delayMs + deadlineMs + marginMs` passing,
 * exits 1 at once. Kubernetes: `terminationGracePeriodSeconds` ≥ (delay + deadline + margin) / 1000.
 */
export interface ShutdownOptions {
  /** Turns `/ready` to 503 (`shutting down`). */
  readonly drain: () => void;
  /** Stops accepting connections; resolves when in-flight requests have finished. */
  readonly closeListener: () => Promise<void>;
  /** Closes what the gateway holds (results stream, Redis, the simulator), in order. */
  readonly close: () => Promise<void>;
  readonly logger: Logger;
  /** Milliseconds between the 503 and closing the listener. */
  readonly delayMs: number;
  /** The longest a request may run (`REQUEST_DEADLINE_MS`). */
  readonly deadlineMs: number;
  /** Slack beyond delay + deadline before the exit is forced. Default 5000. */
  readonly marginMs?: number;
  readonly exit?: (code: number) => void;
}

export function createShutdown(options: ShutdownOptions): (signal: string) => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const marginMs = options.marginMs ?? 5000;
  let stopping = false;
  return (signal) => {
    if (stopping) {
      options.logger.warn({ signal }, 'second signal while draining: exiting now');
      exit(1);
      return;
    }
    stopping = true;
    options.drain();
    options.logger.info({ signal, delayMs: options.delayMs }, 'shutting down: /ready answers 503; still serving until load balancers stop routing here');
    const force = setTimeout(() => {
      options.logger.error({ afterMs: options.delayMs + options.deadlineMs + marginMs }, 'in-flight requests did not finish in time; exiting');
      exit(1);
    }, options.delayMs + options.deadlineMs + marginMs);
    force.unref();
    new Promise((resolve) => setTimeout(resolve, options.delayMs))
      .then(() => {
        options.logger.info('closing the listener; finishing in-flight requests');
        return options.closeListener();
      })
      .then(() => options.close())
      .then(() => {
        clearTimeout(force);
        options.logger.info('stopped');
        exit(0);
      })
      .catch((error: unknown) => {
        options.logger.error({ err: error instanceof Error ? error.message : String(error) }, 'shutdown failed');
        exit(1);
      });
  };
}
