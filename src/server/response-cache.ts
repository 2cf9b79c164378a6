import { getOperationAST, type DocumentNode, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * What one execution read, collected by the request's context as its loads settle: when the first of
 * its values stops being fresh (its `asOf` plus its cache's TTL), the customers it read, what a hit
 * must still count (UINs served per cache, for the metrics), and whether it may be kept at all (it
 * asked `maxAge`, read the directory, the book or the pool, or subscribed: then it may not).
 */
export interface ExecutionReads {
  expiresAt: number;
  cacheable: boolean;
  /** The response cache's epoch when the execution began (answers it may have missed since then keep it out). */
  since: number;
  /** The customers it read, each with the oldest `asOf` it read of them. */
  readonly uins: Map<number, number>;
  /** Per cache, the customers it served (a resolver may read a value more than once; DataLoader looks it up once). */
  readonly served: Map<string, Set<number>>;
}

export function newExecutionReads(): ExecutionReads {
  return { expiresAt: Number.POSITIVE_INFINITY, cacheable: true, since: 0, uins: new Map(), served: new Map() };
}

/** Records a value the execution read from cache `name` (TTL `ttlMs`). */
export function recordRead(reads: ExecutionReads, name: string, asOf: number, ttlMs: number, uin: number): void {
  reads.expiresAt = Math.min(reads.expiresAt, asOf + ttlMs);
  const read = reads.uins.get(uin);
  if (read === undefined || asOf < read) reads.uins.set(uin, asOf);
  let served = reads.served.get(name);
  if (!served) reads.served.set(name, (served = new Set()));
  served.add(uin);
}

interface Entry {
  readonly key: string;
  readonly result: ExecutionResult;
  readonly expiresAt: number;
  /** The customers it read, each with the oldest `asOf` it read of them. */
  readonly uins: ReadonlyMap<number, number>;
  readonly served: ReadonlyMap<string, number>;
}

/**
 * Answers of repeated identical query documents (many people open the same dashboard), kept until the
 * first value in them stops being fresh, and dropped as soon as any of their customers gets a newer
 * answer: a hit is never staler than the values the cache would give. Keyed by the parsed document
 * (Yoga's parser cache hands the same object for the same text), operation name, variables and
 * whether the caller may read personal data. Answers with errors, streamed answers, mutations and
 * subscriptions are never kept. An answer is kept the second time its document is executed. At most
 * `maxEntries` (least recently used leave first).
 */
export interface ResponseCache {
  get(key: string): Entry | undefined;
  set(key: string, result: ExecutionResult, reads: ExecutionReads): void;
  /**
   * Answers for these customers arrived, each with its `asOf`: every kept answer that read an older
   * value of one of them leaves, and so does an execution under way that read one (it is not kept).
   */
  invalidate(answers: Iterable<readonly [uin: number, asOf: number]>): void;
  /** Every kept answer leaves, and no execution under way is kept (newer answers may have been missed). */
  clear(): void;
  /** Now, counted in invalidations: an execution records it when it begins (`ExecutionReads.since`). */
  epoch(): number;
  readonly size: number;
  readonly maxEntries: number;
}

/** Customers whose newest answer is remembered (see `createNewestAnswers`). */
const MAX_ANSWERED = 10_000;

/**
 * The `asOf` of each customer's newest answer, for the most recently answered ones, and an epoch
 * counted in invalidations. An execution read something older when it read a customer's value older
 * than its newest answer; one that began before `floor` (when a customer was forgotten, or at a
 * clear) cannot be checked, and counts as such.
 */
function createNewestAnswers() {
  let epoch = 0;
  let floor = 0;
  const newest = new Map<number, number>();
  return {
    epoch: () => epoch,
    next: () => void (epoch += 1),
    record(uin: number, asOf: number) {
      const known = newest.get(uin);
      newest.delete(uin);
      newest.set(uin, Math.max(known ?? asOf, asOf));
      while (newest.size > MAX_ANSWERED) {
        newest.delete(newest.keys().next().value as number);
        floor = epoch;
      }
    },
    forget() {
      epoch += 1;
      floor = epoch;
      newest.clear();
    },
    readSomethingOlder(reads: ExecutionReads) {
      if (reads.since < floor) return true;
      for (const [uin, asOf] of reads.uins) if ((newest.get(uin) ?? Number.NEGATIVE_INFINITY) > asOf) return true;
      return false;
    },
  };
}

export function createResponseCache(options: { readonly maxEntries: number; readonly now?: () => number }): ResponseCache {
  const now = options.now ?? Date.now;
  const entries = new Map<string, Entry>();
  // Admission: an answer is kept the second time its key is seen, so one-off documents (a different
  // set of customers on every request) cost a set lookup, not an entry that evicts a useful one.
  const seenOnce = new Set<string>();
  const byUin = new Map<number, Set<string>>();
  const answers = createNewestAnswers();
  const remove = (entry: Entry) => {
    entries.delete(entry.key);
    for (const uin of entry.uins.keys()) {
      const keys = byUin.get(uin);
      keys?.delete(entry.key);
      if (keys?.size === 0) byUin.delete(uin);
    }
  };
  return {
    get(key) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        remove(entry);
        return undefined;
      }
      // Most recently used last.
      entries.delete(key);
      entries.set(key, entry);
      return entry;
    },
    set(key, result, reads) {
      // An answer that read no customer's value (only `uin`s, introspection) is not kept: what it rests
      // on (who is a customer) is not a value with an `asOf` that says when to let it go.
      if (!reads.cacheable || reads.uins.size === 0 || reads.expiresAt <= now() || options.maxEntries === 0) return;
      if (!seenOnce.delete(key)) {
        seenOnce.add(key);
        // Bounded like the entries, oldest first.
        if (seenOnce.size > options.maxEntries) seenOnce.delete(seenOnce.values().next().value as string);
        return;
      }
      if (answers.readSomethingOlder(reads)) return;
      const old = entries.get(key);
      if (old) remove(old);
      const entry: Entry = { key, result, expiresAt: reads.expiresAt, uins: new Map(reads.uins), served: new Map([...reads.served].map(([cache, uins]) => [cache, uins.size])) };
      entries.set(key, entry);
      for (const uin of entry.uins.keys()) {
        let keys = byUin.get(uin);
        if (!keys) byUin.set(uin, (keys = new Set()));
        keys.add(key);
      }
      while (entries.size > options.maxEntries) remove(entries.values().next().value as Entry);
    },
    invalidate(answered) {
      answers.next();
      for (const [uin, asOf] of answered) {
        for (const key of [...(byUin.get(uin) ?? [])]) {
          const entry = entries.get(key) as Entry;
          if ((entry.uins.get(uin) ?? asOf) < asOf) remove(entry);
        }
        answers.record(uin, asOf);
      }
    },
    clear() {
      answers.forget();
      entries.clear();
      byUin.clear();
    },
    epoch: () => answers.epoch(),
    get size() {
      return entries.size;
    },
    maxEntries: options.maxEntries,
  };
}

/** What the plugin needs from a request's context. */
export interface ResponseCacheContext {
  readonly reads: ExecutionReads;
  /** Part of the key: the same document answers differently with and without personal data. */
  readonly scope: () => string;
  /** A hit still counts what its answer served (caller and cache metrics). */
  readonly onHit: (served: ReadonlyMap<string, number>) => void;
}

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 0;

/** Serves a kept answer instead of executing; keeps an answer worth keeping. Runs after parsing, validation and the limits. */
export function useResponseCache(
  cache: ResponseCache,
  contextOf: (contextValue: unknown) => ResponseCacheContext | undefined,
  /** Counts each lookup (`cache_lookups_total{cache="response"}`). */
  onLookup: (hit: boolean) => void = () => undefined,
): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const context = contextOf(args.contextValue);
      if (!context || getOperationAST(args.document, args.operationName)?.operation !== 'query') return undefined;
      let id = documentIds.get(args.document);
      if (id === undefined) documentIds.set(args.document, (id = nextDocumentId++));
      const key = `${id}\n${args.operationName ?? ''}\n${context.scope()}\n${JSON.stringify(args.variableValues ?? {})}`;
      const hit = cache.get(key);
      onLookup(hit !== undefined);
      context.reads.since = cache.epoch();
      if (hit) {
        context.onHit(hit.served);
        setResultAndStopExecution(hit.result);
        return undefined;
      }
      return {
        onExecuteDone({ result }) {
          if (Symbol.asyncIterator in (result as object)) return;
          const single = result as ExecutionResult;
          if (single.errors?.length) return;
          cache.set(key, single, context.reads);
        },
      };
    },
  };
}
