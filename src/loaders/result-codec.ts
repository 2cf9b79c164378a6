import { UpstreamError } from '../upstream/errors.js';
import { ThrottleOverloadedError } from '../upstream/throttle.js';
import { CustomerNotFoundError } from './customer-isolation.js';

/**
 * A call's per-UIN results as they travel between replicas (JSON in the results stream): values as
 * they are (they are JSON already: the caches store them the same way), errors by what they mean, so
 * that the receiving replica raises the same domain error, and `maskError` gives its client the same
 * code. Upstream messages are not carried (they never reach a client anyway).
 */
type EncodedError =
  | { readonly k: 'not-found'; readonly uin: number; readonly upstream?: { readonly code: string; readonly requestId: string | undefined } | undefined }
  | { readonly k: 'upstream'; readonly code: string; readonly requestId?: string | undefined }
  | { readonly k: 'overloaded'; readonly action: string; readonly waitMs: number | null }
  | { readonly k: 'other' };

type Encoded<T> = [number, { readonly v: T } | { readonly e: EncodedError }][];

export function encodeResults<T>(results: Iterable<readonly [number, T | Error]>): string {
  const encoded: Encoded<T> = [...results].map(([uin, result]) => [uin, result instanceof Error ? { e: encodeError(result) } : { v: result }]);
  return JSON.stringify(encoded);
}

export function decodeResults<T>(text: string): Map<number, T | Error> {
  const decoded = new Map<number, T | Error>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return decoded;
  }
  if (!Array.isArray(parsed)) return decoded;
  for (const item of parsed as unknown[]) {
    if (!Array.isArray(item) || typeof item[0] !== 'number' || typeof item[1] !== 'object' || item[1] === null) continue;
    const [uin, result] = item as [number, { v?: T; e?: EncodedError }];
    decoded.set(uin, 'e' in result && result.e ? decodeError(result.e) : (result.v as T));
  }
  return decoded;
}

/** The customers a call's results answered, each with its answer's `asOf` (results of `Cached` values; errors left out). */
export function answeredIn(text: string): [uin: number, asOf: number][] {
  const answered: [number, number][] = [];
  for (const [uin, result] of decodeResults<{ asOf?: unknown }>(text)) {
    if (!(result instanceof Error) && typeof result?.asOf === 'number') answered.push([uin, result.asOf]);
  }
  return answered;
}

function encodeError(error: Error): EncodedError {
  if (error instanceof CustomerNotFoundError) return { k: 'not-found', uin: error.uin, upstream: error.upstream };
  if (error instanceof UpstreamError) return { k: 'upstream', code: error.code, requestId: error.requestId };
  if (error instanceof ThrottleOverloadedError) return { k: 'overloaded', action: error.action, waitMs: Number.isFinite(error.expectedWaitMs) ? error.expectedWaitMs : null };
  return { k: 'other' };
}

function decodeError(error: EncodedError): Error {
  switch (error.k) {
    case 'not-found':
      return new CustomerNotFoundError(error.uin, error.upstream);
    case 'upstream':
      return new UpstreamError({ code: error.code, message: `upstream call failed with ${error.code} (on another replica)`, requestId: error.requestId });
    case 'overloaded':
      return new ThrottleOverloadedError(error.action, error.waitMs ?? Number.POSITIVE_INFINITY, 'deadline');
    default:
      return new Error('the call failed on another replica');
  }
}
