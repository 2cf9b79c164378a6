/**
 * The interactive lane is an allowance, not a reward for small requests: each caller may put up to
 * `burst` UINs at interactive priority, refilled at `perSecond` (a token bucket per caller). A small
 * request (at most 20 UINs) that finds its caller's bucket short is bulk for that caller; large
 * requests are always bulk. So a client looping over 20-UIN requests gets its allowance at interactive
 * priority and the rest of its traffic shares the bulk lane fairly with everybody else's, instead of
 * taking the whole budget ahead of other callers' work. Per process: with N replicas a caller spread
 * over all of them gets up to N allowances.
 */
export interface InteractiveAllowance {
  /** Takes `uins` from `caller`'s bucket when it holds them all; false (nothing taken) otherwise. */
  take(caller: string, uins: number): boolean;
}

export interface InteractiveAllowanceOptions {
  /** UINs a caller may ask at interactive priority at once (the bucket's size). Minimum 1. */
  readonly burst: number;
  /** UINs per second the bucket refills. Minimum 0 (no refill). */
  readonly perSecond: number;
  /** Most callers remembered (least recently seen forgotten first: they start with a full bucket). Default 10,000. */
  readonly maxCallers?: number;
  readonly now?: () => number;
}

export function createInteractiveAllowance(options: InteractiveAllowanceOptions): InteractiveAllowance {
  const { burst, perSecond } = options;
  const maxCallers = options.maxCallers ?? 10_000;
  const now = options.now ?? Date.now;
  if (!Number.isInteger(burst) || burst < 1) throw new TypeError(`burst must be a whole number >= 1, got ${burst}`);
  if (!(perSecond >= 0)) throw new TypeError(`perSecond must be >= 0, got ${perSecond}`);
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(caller, uins) {
      const at = now();
      const bucket = buckets.get(caller) ?? { tokens: burst, at };
      bucket.tokens = Math.min(burst, bucket.tokens + ((at - bucket.at) / 1000) * perSecond);
      bucket.at = at;
      // Re-inserted: a Map keeps insertion order, so the first key is the caller seen least recently.
      buckets.delete(caller);
      buckets.set(caller, bucket);
      if (buckets.size > maxCallers) buckets.delete(buckets.keys().next().value as string);
      if (bucket.tokens < uins) return false;
      bucket.tokens -= uins;
      return true;
    },
  };
}
