import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { AttemptEvent } from '../upstream/client.js';
import { isEvidenceAgainstUpstream } from '../upstream/errors.js';

/**
 * `/ready`: does the upstream answer our correctly signed requests? Evidence is any successful
 * upstream attempt within `maxAgeMs` (free: real traffic proves it). Without such evidence, one
 * `QueryVoucherPool` probe is sent (shared with concurrent pool requests), at most once per
 * `maxAgeMs`: with the default 30 s that is 1/150 of the action's 5-per-second budget (0.7%).
 */
export interface ReadinessOptions {
  /** Sends the probe; resolves on a verified answer. */
  readonly probe: () => Promise<unknown>;
  /** How long evidence counts, milliseconds. Default 30,000. */
  readonly maxAgeMs?: number;
  readonly now?: () => number;
}

export interface Readiness {
  /** Feed every upstream attempt here. */
  observe(event: AttemptEvent): void;
  check(): Promise<{ ready: boolean; reason?: string; checkedAt: string }>;
  readonly probes: number;
}

export function createReadiness(options: ReadinessOptions): Readiness {
  const maxAgeMs = options.maxAgeMs ?? 30_000;
  const now = options.now ?? Date.now;
  let last: { ok: boolean; at: number; reason?: string } | undefined;
  let probing: Promise<void> | undefined;
  let probes = 0;

  const record = (ok: boolean, reason?: string) => {
    last = { ok, at: now(), ...(reason ? { reason } : {}) };
  };

  return {
    observe(event) {
      if (event.outcome === 'ok') record(true);
      // Our own give-ups (`aborted`) say nothing about the upstream; a business error other than auth
      // means the upstream verified our signature. Classified once, in upstream/errors.ts.
      else if (event.outcome === 'error' && event.code && isEvidenceAgainstUpstream(event.code)) record(false, event.code);
    },
    async check() {
      if (!last || now() - last.at > maxAgeMs) {
        probing ??= (async () => {
          probes += 1;
          try {
            await options.probe();
            record(true);
          } catch (error) {
            const code = (error as { code?: unknown }).code;
            record(false, typeof code === 'string' ? code : 'probe failed');
          } finally {
            probing = undefined;
          }
        })();
        await probing;
      }
      const state = last as { ok: boolean; at: number; reason?: string };
      return { ready: state.ok, ...(state.reason && !state.ok ? { reason: state.reason } : {}), checkedAt: new Date(state.at).toISOString() };
    },
    get probes() {
      return probes;
    },
  };
}

/**
 * `/ready` through Yoga's `useReadinessCheck`. The body also says where shared state lives
 * (`sharedState`): a Redis outage is reported there but keeps the status 200, since it would
 * otherwise take every replica out of rotation at once. Once the gateway drains (`draining` aborted),
 * 503 with `shutting down`, also for a check that was waiting on its probe when the drain began.
 */
export function useReadiness(readiness: Readiness, sharedState: () => string = () => 'local', draining: AbortSignal = new AbortController().signal): Plugin {
  return useReadinessCheck({
    endpoint: '/ready',
    async check({ fetchAPI }) {
      // Draining (SIGTERM): out of rotation at once, without waiting for the upstream.
      const checked = await unlessDrained(() => readiness.check(), draining, () => ({ ready: false, reason: 'shutting down', checkedAt: new Date().toISOString() }));
      const result = { ...checked, sharedState: sharedState() };
      return new fetchAPI.Response(JSON.stringify(result), {
        status: result.ready ? 200 : 503,
        headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
      });
    },
  });
}

/**
 * `check()`, unless the drain has begun or begins before it settles: then `drained()` at once. A probe
 * to a slow upstream can take seconds, and a 200 sent after the drain began would put a replica that
 * is about to close its listener back into a load balancer's rotation.
 */
function unlessDrained<T>(check: () => Promise<T>, draining: AbortSignal, drained: () => T): Promise<T> {
  if (draining.aborted) return Promise.resolve(drained());
  return new Promise<T>((resolve, reject) => {
    const onDrain = () => resolve(drained());
    draining.addEventListener('abort', onDrain, { once: true });
    check()
      .then(resolve, reject)
      .finally(() => draining.removeEventListener('abort', onDrain));
  });
}
