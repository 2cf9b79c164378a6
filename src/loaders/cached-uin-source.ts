import type { Cached, TimedCache } from '../store/timed-cache.js';
import type { Throttle } from '../upstream/throttle.js';
import { createIsolatingFetch, CustomerNotFoundError, type UinCallFn } from './customer-isolation.js';
import type { UinDenylist } from './uin-denylist.js';
import type { CustomerRoster } from './customer-roster.js';
import { createDeploymentUinQueue, type DeploymentUinQueueOptions } from './deployment-uin-queue.js';
import { createUinQueue, type UinLoadOptions, type UinQueue } from './uin-queue.js';

/** Where the deployment's queue lives (Redis), for a source whose queue spans every replica. */
export type DeploymentQueueOptions = Pick<DeploymentUinQueueOptions<unknown>, 'connection' | 'keyPrefix' | 'results' | 'replicaId' | 'leaseMs' | 'pollMs'>;

/** What a per-request DataLoader asks for: a customer, and how old an answer may be. */
export interface UinKey {
  readonly uin: number;
  /** Oldest acceptable answer, milliseconds; `undefined`: the cache's TTL. 0: fresh from the upstream. */
  readonly maxAgeMs?: number | undefined;
}

/**
 * A per-customer upstream answer (quota, profile, voucher list): cache first, then the denylist, then
 * the gateway-wide UIN queue of its action, which coalesces all requests' misses into calls of up to
 * 20 and writes each fresh answer back to the cache.
 */
export interface CachedUinSource<T> {
  /** A DataLoader batch function: one result per key, in order; an `Error` for a key that failed. */
  load(keys: readonly UinKey[], options?: UinLoadOptions): Promise<(Cached<T> | Error)[]>;
  /** The same, one promise per key, each settling as soon as its answer is known (cache, or its call). */
  loadEach(keys: readonly UinKey[], options?: UinLoadOptions): Promise<Cached<T> | Error>[];
  /**
   * The same, once the caches have been read: hits and strangers as values, each miss the promise of
   * its call. A batch of hits costs no promise per key.
   */
  lookUp(keys: readonly UinKey[], options?: UinLoadOptions): Promise<Answer<T>[]>;
  readonly queue: UinQueue<Cached<T>>;
}

export interface CachedUinSourceOptions<T> {
  readonly action: string;
  readonly throttle: Throttle;
  readonly callFn: UinCallFn<T>;
  readonly cache: TimedCache<T>;
  readonly denylist: UinDenylist;
  /** Who is a customer: a UIN it can tell is not one costs no call. Absent: every miss goes upstream. */
  readonly roster?: CustomerRoster | undefined;
  readonly maxBatchSize?: number;
  readonly maxQueued?: number;
  readonly maxIsolationCalls?: number;
  readonly onOverload?: (caller: string) => void;
  /** Observes every fresh upstream answer (the book of customers is fed here). */
  readonly onAnswers?: ((answers: ReadonlyMap<number, Cached<T>>) => void) | undefined;
  /** A caller's share relative to others (default 1). */
  readonly weightOf?: (caller: string) => number;
  /** With Redis: one queue for every replica, named `name` (the action, and its variant). */
  readonly deployment?: (DeploymentQueueOptions & { readonly name: string }) | undefined;
  readonly now?: () => number;
}

/** A key's answer: cached, a stranger, or the promise of its call. */
export type Answer<T> = Cached<T> | Error | Promise<Cached<T> | Error>;
/** While looking up: not known yet (`undefined`) until the caches, the denylist or the queue answer. */
type Looking<T> = Answer<T> | undefined;
interface LookedUp<T> {
  readonly results: Looking<T>[];
  readonly toFetch: readonly { readonly uin: number; readonly index: number }[];
}

export function createCachedUinSource<T>(options: CachedUinSourceOptions<T>): CachedUinSource<T> {
  const { cache, denylist } = options;
  const now = options.now ?? Date.now;
  const callFn: UinCallFn<Cached<T>> = async (uins, callOptions) => {
    const found = await options.callFn(uins, callOptions);
    const asOf = now();
    return new Map([...found].map(([uin, value]) => [uin, { value, asOf }]));
  };
  const fetchBatchFn = createIsolatingFetch({
    callFn,
    denylist,
    maxIsolationCalls: options.maxIsolationCalls,
    roster: options.roster,
    onFound: (found) => {
      options.onAnswers?.(found);
      return cache.setMany([...found].map(([uin, cached]) => ({ key: String(uin), cached })));
    },
  });
  const { action, throttle, maxBatchSize, onOverload, weightOf } = options;
  const local = createUinQueue<Cached<T>>({ action, throttle, maxBatchSize, maxQueued: options.maxQueued, onOverload, weightOf, now, fetchBatchFn });
  const queue = options.deployment
    ? createDeploymentUinQueue<Cached<T>>({ ...options.deployment, action, throttle, fetchBatchFn, local, maxBatchSize, onOverload, weightOf, now })
    : local;

  const headSize = maxBatchSize ?? 20;

  const readCaches = (keys: readonly UinKey[], loadOptions: UinLoadOptions | undefined) => lookUpKeys(options, keys, loadOptions);

  /** The misses of `parts` join the queue together, in order; each result becomes the promise of its call. */
  const fetchMissing = (parts: readonly LookedUp<T>[], loadOptions: UinLoadOptions | undefined) => {
    const misses = parts.flatMap((part) => part.toFetch.map(({ uin, index }) => ({ uin, index, results: part.results })));
    if (misses.length === 0) return;
    const fetched = queue.loadEach(
      misses.map(({ uin }) => uin),
      loadOptions,
    );
    misses.forEach(({ index, results }, i) => {
      results[index] = fetched[i];
    });
  };

  /**
   * Hits and strangers now, misses as promises of their calls. A long batch sends its head (one
   * call's worth) first: the rest is looked up a turn of the event loop later, so the head's call is
   * on the wire while the rest is queued (a streamed list shows its first customers sooner). A head
   * that is not a full call (some of it was cached) waits for the rest and joins it, so the calls stay
   * full.
   */
  const answer = async (keys: readonly UinKey[], loadOptions: UinLoadOptions | undefined): Promise<Looking<T>[]> => {
    if (keys.length <= headSize) {
      const all = await readCaches(keys, loadOptions);
      fetchMissing([all], loadOptions);
      return all.results;
    }
    const head = await readCaches(keys.slice(0, headSize), loadOptions);
    const headIsFull = head.toFetch.length === headSize;
    if (headIsFull) fetchMissing([head], loadOptions);
    await new Promise((resolve) => setImmediate(resolve));
    const rest = await readCaches(keys.slice(headSize), loadOptions);
    fetchMissing(headIsFull ? [rest] : [head, rest], loadOptions);
    return [...head.results, ...rest.results];
  };

  return {
    queue,
    load(keys, loadOptions) {
      return this.lookUp(keys, loadOptions).then((answers) => Promise.all(answers));
    },
    loadEach(keys, loadOptions) {
      const answers = this.lookUp(keys, loadOptions);
      return keys.map((_, index) => answers.then((results) => results[index] as Answer<T>));
    },
    lookUp(keys, loadOptions) {
      return answer(keys, loadOptions).then(
        (results) => results as Answer<T>[],
        (error: unknown) => keys.map(() => (error instanceof Error ? error : new Error(String(error)))),
      );
    },
  };
}

/** Cache first, then the denylist and the customer list: hits and strangers answered, the rest to fetch. */
async function lookUpKeys<T>(options: CachedUinSourceOptions<T>, keys: readonly UinKey[], loadOptions: UinLoadOptions | undefined): Promise<LookedUp<T>> {
  const { cache } = options;
  const results: Looking<T>[] = keys.map(() => undefined);
  // Keys with the same `maxAgeMs` share one cache lookup.
  const byMaxAge = new Map<number | undefined, number[]>();
  keys.forEach((key, index) => {
    const group = byMaxAge.get(key.maxAgeMs) ?? [];
    group.push(index);
    byMaxAge.set(key.maxAgeMs, group);
  });
  await Promise.all(
    [...byMaxAge].map(async ([maxAgeMs, indexes]) => {
      const hits = await cache.getMany(
        indexes.map((index) => String((keys[index] as UinKey).uin)),
        maxAgeMs,
      );
      indexes.forEach((index, i) => {
        if (hits[i]) results[index] = hits[i];
      });
    }),
  );
  const missing = keys.map((key, index) => ({ uin: key.uin, index })).filter(({ index }) => results[index] === undefined);
  const strangers = await strangersOf(options, missing.map(({ uin }) => uin), loadOptions);
  for (const { uin, index } of missing) if (strangers.has(uin)) results[index] = new CustomerNotFoundError(uin);
  return { results, toFetch: missing.filter(({ index }) => results[index] === undefined) };
}

/**
 * UINs known not to be customers: on the denylist (found by an earlier call), or absent from the
 * customer list. A denylisted UIN that a fresh list holds again is a customer again: it leaves the list.
 */
async function strangersOf(options: Pick<CachedUinSourceOptions<unknown>, 'roster' | 'denylist'>, uins: readonly number[], loadOptions: UinLoadOptions | undefined): Promise<Set<number>> {
  const { roster, denylist } = options;
  const denied = await denylist.filter(uins);
  if (!roster) return denied;
  const absent = await roster.strangers(uins, { deadline: loadOptions?.deadline });
  const relisted = [...denied].filter((uin) => roster.listsFresh(uin));
  if (relisted.length > 0) {
    for (const uin of relisted) denied.delete(uin);
    await denylist.remove(relisted);
  }
  for (const uin of absent) denied.add(uin);
  return denied;
}
