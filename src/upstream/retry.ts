import type { UpstreamErrorKind } from './errors.js';

/**
 * When and how long to wait before another attempt. The official Python SDK retries network
 * errors and `RequestLimitExceeded*` with 2^n-second waits over 3 attempts; we use the same
 * exponential shape with full jitter (https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/)
 * and a smaller base, because the gateway's own throttle already keeps it under the limit.
 */
export interface RetryPolicy {
  /** Attempts per call, the first one included. Minimum 1. Default 3. */
  readonly maxAttempts: number;
  /** Backoff base in milliseconds: attempt n waits up to `baseDelayMs * 2^(n-1)`. Default 250. */
  readonly baseDelayMs: number;
  /** Cap of one wait in milliseconds. Default 5000. */
  readonly maxDelayMs?: number;
  /** Source of jitter in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number;
}

/**
 * Full-jitter exponential backoff. After `RequestLimitExceeded` (another client shares our key's
 * budget) we wait at least one full window, since the upstream counts by sliding second.
 */
export function backoffDelay(policy: RetryPolicy, attempt: number, kind: UpstreamErrorKind): number {
  const random = policy.random ?? Math.random;
  const ceiling = Math.min(policy.maxDelayMs ?? 5000, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return kind === 'rate-limited' ? 1000 + jittered : jittered;
}
